// OtaDistributor end to end: a real Mosquitto, the FleetBridge as its MQTT side, and real agents
// (agent/core on memory flash, libmosquitto host transport). Confirmed update, tampered and
// downgrade artifacts refused, a failing health check reverted, a distributor restart in the
// middle of a transfer resumed, an incompatible target refused before any offer, a deadline.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "server/fleet/fleet_bridge.h"
#include "server/fleet/fleet_store.h"
#include "server/fleet/mqtt_client.h"
#include "server/fleet/ota_distributor.h"
#include "tests/server/fleet/fleet_service_support.h"

namespace tinyforge::server::fleet::testing {
namespace {

namespace fs = std::filesystem;
using agent::AgentStatus;

class OtaDistributorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    MosquittoOptions options;
    options.data_dir = fs::temp_directory_path() / ("tf-ota-test-" + std::to_string(::getpid()));
    options.device_ids = {"ota-1", "ota-2", "ota-3", "ota-4", "ota-5", "ota-6",
                          "ota-7", "ota-8", "ota-9", "ota-10", "ota-11", "ota-12"};
    options.remove_data_dir_on_stop = true;
    auto broker = MosquittoProcess::Start(options);
    ASSERT_TRUE(broker.ok()) << broker.error().message;
    broker_ = std::move(broker).value().release();
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(broker_, nullptr);
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    data_dir_ = fs::temp_directory_path() / ("tf-ota-data-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(data_dir_);
    auto store = FleetStore::Open(data_dir_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    BridgeOptions options;
    options.broker = {broker_->host(), broker_->port(), broker_->server_credentials().user,
                      broker_->server_credentials().password};
    options.client_id = "tf-ota-bridge-" + name;
    auto bridge = FleetBridge::Start(options, store_.get());
    ASSERT_TRUE(bridge.ok()) << bridge.error().message;
    bridge_ = std::move(bridge).value();
    key_ = GenerateSigningKey().value();
  }
  void TearDown() override {
    if (bridge_) bridge_->SetEventSink(nullptr);
    distributor_.reset();
    bridge_.reset();
    store_.reset();
    fs::remove_all(data_dir_);
  }

  void StartDistributor(DistributorOptions options = {}) {
    auto distributor = OtaDistributor::Start(
        options, store_.get(),
        [bridge = bridge_.get()](const std::string& topic, const std::vector<uint8_t>& payload) {
          return bridge->Publish(topic, payload);
        });
    ASSERT_TRUE(distributor.ok()) << distributor.error().message;
    distributor_ = std::move(distributor).value();
    distributor_->SetListener(&listener_);
    bridge_->SetEventSink(distributor_.get());
  }
  void StopDistributor() {
    bridge_->SetEventSink(nullptr);
    distributor_.reset();
  }

  // Signs and stores an artifact; returns its id.
  std::string AddArtifact(const std::vector<uint8_t>& payload, uint32_t version,
                          const SigningKey* key = nullptr) {
    ArtifactSpec spec;
    spec.kind = ArtifactKind::kFirmware;
    spec.version = version;
    spec.min_runtime_version = 0x000100;
    spec.device_type = "sensor-m4";
    auto signed_artifact = SignArtifact(key ? *key : key_, spec, payload);
    EXPECT_TRUE(signed_artifact.ok());
    ArtifactRecord record;
    record.id = ArtifactIdOf(signed_artifact->manifest, signed_artifact->signature);
    record.spec = spec;
    record.size = static_cast<uint32_t>(payload.size());
    record.sha256 = signed_artifact->sha256;
    record.manifest = signed_artifact->manifest;
    record.signature = signed_artifact->signature;
    record.created_ms = NowMs();
    auto stored = store_->PutArtifact(record, payload);
    EXPECT_TRUE(stored.ok()) << stored.error().message;
    return record.id;
  }

  // Runs the device until the listener has `results` results, rebooting it whenever the agent
  // asks (after an OTA switch or a revert) and sending telemetry so a trial image can confirm.
  bool RunDevice(HostDevice& device, size_t results, int timeout_ms = 60000) {
    return WaitUntil([&] { return listener_.count() >= results; }, timeout_ms, [&] {
      device.Poll();
      if (device.agent().reboot_requested()) {
        device.Poll(10);  // a device sends its last ack before it reboots
        AgentStatus booted = device.BootAndConnect();
        // A failed health check reverts and asks for one more reboot onto the confirmed image.
        if (booted == AgentStatus::kHealthCheckFailed) booted = device.BootAndConnect();
        EXPECT_EQ(booted, AgentStatus::kOk);
        if (device.agent().awaiting_confirmation())
          (void)device.agent().QueueTelemetry(1, 0, 0xFFFF);
      }
    });
  }

  static MosquittoProcess* broker_;
  fs::path data_dir_;
  SigningKey key_;
  std::unique_ptr<FleetStore> store_;
  std::unique_ptr<FleetBridge> bridge_;
  std::unique_ptr<OtaDistributor> distributor_;
  RecordingListener listener_;
};
MosquittoProcess* OtaDistributorTest::broker_ = nullptr;

TEST_F(OtaDistributorTest, UpdatesOneDeviceEndToEndAndReportsConfirmed) {
  StartDistributor();
  HostDevice device("ota-1", *broker_, key_);
  ASSERT_EQ(device.Provision(RandomBytes(3000, 1), 1), AgentStatus::kOk);
  const std::vector<uint8_t> v2 = RandomBytes(5000, 2);
  const std::string artifact = AddArtifact(v2, 2);
  // Started before the device is online: the offer waits for its state message.
  ASSERT_TRUE(distributor_->StartUpdate("ota-1", artifact).ok());
  ASSERT_TRUE(distributor_->StartUpdate("ota-1", artifact).ok());  // idempotent
  ASSERT_EQ(device.BootAndConnect(), AgentStatus::kOk);
  ASSERT_TRUE(RunDevice(device, 1));
  const UpdateResult result = listener_.at(0);
  EXPECT_EQ(result.outcome, UpdateOutcome::kConfirmed) << result.detail;
  EXPECT_EQ(result.device_id, "ota-1");
  EXPECT_EQ(result.artifact_id, artifact);
  EXPECT_EQ(result.running_version, 2u);
  EXPECT_EQ(device.agent().slots().confirmed_version(), 2u);
  EXPECT_EQ(device.RunningImage(), v2);
  // Exactly one result, persisted; nothing live any more.
  device.Poll(20);
  EXPECT_EQ(listener_.count(), 1u);
  EXPECT_TRUE(distributor_->Transfers().empty());
  auto history = store_->ListTransferResults("ota-1");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ(history.value()[0].result.outcome, UpdateOutcome::kConfirmed);
  // The server offers 8 KB chunks, the agent's default buffer is 1 KB: it refuses with its
  // limit and the same offer comes back in 1024-byte chunks: 5 chunks, each sent once.
  const DistributorCounters counters = distributor_->counters();
  EXPECT_EQ(counters.chunk_size_reductions, 1u);
  EXPECT_EQ(counters.chunks_sent, 5u);
  EXPECT_EQ(counters.in_flight, 0u);
  // The ingest saw the device come back on version 2.
  ASSERT_TRUE(bridge_->WaitUntilWritten(10000));
  auto view = store_->GetDevice("ota-1");
  ASSERT_TRUE(view.ok() && view.value());
  EXPECT_EQ(view.value()->state.confirmed_version, 2u);
}

TEST_F(OtaDistributorTest, TamperedAndDowngradeArtifactsAreRefusedAndTheDeviceKeepsItsVersion) {
  StartDistributor();
  const std::vector<uint8_t> v1 = RandomBytes(2000, 3);
  HostDevice device("ota-2", *broker_, key_);
  ASSERT_EQ(device.Provision(v1, 5), AgentStatus::kOk);
  ASSERT_EQ(device.BootAndConnect(), AgentStatus::kOk);
  ASSERT_TRUE(WaitUntil([&] { return bridge_->counters().accepted >= 1; }, 20000,
                        [&] { device.Poll(); }));

  const SigningKey other = GenerateSigningKey().value();
  ASSERT_TRUE(distributor_->StartUpdate("ota-2", AddArtifact(RandomBytes(2000, 4), 6, &other)).ok());
  ASSERT_TRUE(RunDevice(device, 1));
  EXPECT_EQ(listener_.at(0).outcome, UpdateOutcome::kRefused);
  EXPECT_EQ(listener_.at(0).detail, "BadSignature");

  ASSERT_TRUE(distributor_->StartUpdate("ota-2", AddArtifact(RandomBytes(2000, 5), 4)).ok());
  ASSERT_TRUE(RunDevice(device, 2));
  EXPECT_EQ(listener_.at(1).outcome, UpdateOutcome::kRefused);
  EXPECT_EQ(listener_.at(1).detail, "Downgrade");

  EXPECT_EQ(device.agent().slots().confirmed_version(), 5u);
  EXPECT_EQ(device.RunningImage(), v1);
  EXPECT_FALSE(device.agent().reboot_requested());
}

TEST_F(OtaDistributorTest, FailedHealthCheckIsReportedAsReverted) {
  StartDistributor();
  const std::vector<uint8_t> v1 = RandomBytes(2000, 6);
  HostDevice device("ota-3", *broker_, key_);
  // Version 2 fails its self-test on the device.
  device.config().image_check = [](void*, const uint8_t*, uint32_t, uint8_t, uint32_t version) {
    return version != 2;
  };
  ASSERT_EQ(device.Provision(v1, 1), AgentStatus::kOk);
  ASSERT_EQ(device.BootAndConnect(), AgentStatus::kOk);
  ASSERT_TRUE(distributor_->StartUpdate("ota-3", AddArtifact(RandomBytes(2500, 7), 2)).ok());
  ASSERT_TRUE(RunDevice(device, 1));
  const UpdateResult result = listener_.at(0);
  EXPECT_EQ(result.outcome, UpdateOutcome::kReverted) << result.detail;
  EXPECT_EQ(result.running_version, 1u);
  EXPECT_EQ(device.agent().slots().confirmed_version(), 1u);
  EXPECT_EQ(device.RunningImage(), v1);
}

TEST_F(OtaDistributorTest, DistributorRestartMidTransferResumesAndCompletes) {
  DistributorOptions options;
  options.chunk_bytes = 64;  // many chunks, so the restart lands mid-transfer
  StartDistributor(options);
  HostDevice device("ota-4", *broker_, key_);
  ASSERT_EQ(device.Provision(RandomBytes(1500, 8), 1), AgentStatus::kOk);
  ASSERT_EQ(device.BootAndConnect(), AgentStatus::kOk);
  const std::vector<uint8_t> v2 = RandomBytes(6400, 9);  // 100 chunks
  ASSERT_TRUE(distributor_->StartUpdate("ota-4", AddArtifact(v2, 2)).ok());
  auto next_chunk = [&] {
    agent::wire::Ack ack{};
    return device.agent().ota().ResumeAck(&ack) ? ack.next_chunk : 0u;
  };
  ASSERT_TRUE(WaitUntil([&] { return next_chunk() >= 20; }, 60000, [&] { device.Poll(); }));
  StopDistributor();  // the server goes away mid-transfer
  const uint32_t reached = next_chunk();
  ASSERT_LT(reached, 100u);
  device.Poll(10);

  StartDistributor(options);  // resumes from SQLite: same offer id, the device resumes
  ASSERT_TRUE(RunDevice(device, 1));
  const UpdateResult result = listener_.at(0);
  EXPECT_EQ(result.outcome, UpdateOutcome::kConfirmed) << result.detail;
  EXPECT_EQ(device.RunningImage(), v2);
  // The second run sent only what was missing, not the whole artifact again.
  EXPECT_LE(distributor_->counters().chunks_sent, 100u - reached + 2u);
}

TEST_F(OtaDistributorTest, IncompatibleTargetIsRefusedWithReasonsBeforeAnyOffer) {
  StartDistributor();
  std::vector<std::string> asked;
  distributor_->SetCompatibilityCheck([&](const std::string& device, const ArtifactRecord& artifact) {
    asked.push_back(device + "/" + artifact.id);
    return CompatibilityVerdict{false, "missing sensor accelerometer; RAM short by 2048 bytes"};
  });
  const std::string artifact = AddArtifact(RandomBytes(1000, 10), 3);
  ASSERT_TRUE(distributor_->StartUpdate("ota-5", artifact).ok());
  ASSERT_TRUE(WaitUntil([&] { return listener_.count() >= 1; }, 20000));
  EXPECT_EQ(listener_.at(0).outcome, UpdateOutcome::kIncompatible);
  EXPECT_NE(listener_.at(0).detail.find("accelerometer"), std::string::npos);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], "ota-5/" + artifact);
  EXPECT_EQ(distributor_->counters().offers_sent, 0u);
}

TEST_F(OtaDistributorTest, UnknownArtifactIsAnErrorAndASilentDeviceTimesOut) {
  DistributorOptions options;
  options.transfer_timeout_ms = 1500;
  StartDistributor(options);
  EXPECT_FALSE(distributor_->StartUpdate("ota-6", "art-0000000000000000").ok());
  EXPECT_FALSE(distributor_->StartUpdate("bad/id", "art-0000000000000000").ok());
  // ota-6 never connects.
  ASSERT_TRUE(distributor_->StartUpdate("ota-6", AddArtifact(RandomBytes(1000, 11), 2)).ok());
  ASSERT_TRUE(WaitUntil([&] { return listener_.count() >= 1; }, 20000));
  EXPECT_EQ(listener_.at(0).outcome, UpdateOutcome::kTimedOut);
  EXPECT_NE(listener_.at(0).detail.find("waiting for the device"), std::string::npos)
      << listener_.at(0).detail;
}

TEST_F(OtaDistributorTest, CancelEndsTheTransferOnce) {
  StartDistributor();
  ASSERT_TRUE(distributor_->StartUpdate("ota-7", AddArtifact(RandomBytes(1000, 12), 2)).ok());
  ASSERT_TRUE(distributor_->CancelUpdate("ota-7").ok());
  ASSERT_TRUE(WaitUntil([&] { return listener_.count() >= 1; }, 20000));
  EXPECT_EQ(listener_.at(0).outcome, UpdateOutcome::kCancelled);
  ASSERT_TRUE(distributor_->CancelUpdate("ota-7").ok());  // nothing live: no second result
  EXPECT_TRUE(distributor_->Transfers().empty());
  EXPECT_EQ(listener_.count(), 1u);
}

// A scripted device (plain MQTT client, acks written by hand) so the test controls exactly
// when each ack reaches the server.
TEST_F(OtaDistributorTest, WindowKeepsSeveralChunksInFlightSlidesOnAcksAndRewindsOnAGap) {
  namespace wire = agent::wire;
  DistributorOptions options;
  options.chunk_bytes = 64;
  options.window = 6;
  StartDistributor(options);
  MqttClient device("ota-8-scripted");
  const auto credentials = broker_->device_credentials("ota-8");
  ASSERT_TRUE(credentials.ok());
  ASSERT_TRUE(device.Connect(broker_->host(), broker_->port(), credentials->user,
                             credentials->password).ok());
  ASSERT_TRUE(device.Subscribe("tf/ota-8/ota/offer").ok());
  ASSERT_TRUE(device.Subscribe("tf/ota-8/ota/chunk").ok());
  uint32_t seq = 0;
  auto publish = [&](const std::string& leaf, const std::vector<uint8_t>& payload) {
    ASSERT_TRUE(device.Publish("tf/ota-8/" + leaf, payload).ok());
  };
  auto header = [&] { return wire::Header{wire::MessageType::kOtaAck, wire::kWireVersion, 1, seq++}; };
  std::vector<uint8_t> buffer(64);
  wire::State state{};
  state.confirmed_version = state.running_version = 1;
  state.runtime_version = 0x000100;
  std::memcpy(state.device_type, "sensor-m4", 9);
  buffer.resize(wire::EncodeState(header(), state, buffer.data(), 64));
  publish("state", buffer);
  auto ack = [&](wire::AckStatus status, uint32_t offer, uint32_t next, uint8_t detail = 0) {
    std::vector<uint8_t> out(64);
    out.resize(wire::EncodeAck(header(), wire::Ack{offer, next, status, detail, 2}, out.data(), 64));
    publish("ota/ack", out);
  };
  // Chunk indexes received, in order; the offer id from the offer.
  uint32_t offer_id = 0;
  std::vector<uint32_t> chunks;
  auto receive_for = [&](int ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
      device.Poll(20);
      for (; !device.inbox().empty(); device.inbox().pop_front()) {
        const MqttMessage& m = device.inbox().front();
        if (m.topic.ends_with("/offer")) offer_id = wire::GetU32(m.payload.data() + wire::kHeaderBytes);
        else chunks.push_back(wire::GetU32(m.payload.data() + wire::kHeaderBytes + 4));
      }
    }
  };
  const std::vector<uint8_t> v2 = RandomBytes(6400, 14);  // 100 chunks
  ASSERT_TRUE(distributor_->StartUpdate("ota-8", AddArtifact(v2, 2)).ok());
  ASSERT_TRUE(WaitUntil([&] { return offer_id != 0; }, 20000, [&] { receive_for(20); }));
  ack(wire::AckStatus::kAccepted, offer_id, 0);
  ASSERT_TRUE(WaitUntil([&] { return chunks.size() >= 6; }, 20000, [&] { receive_for(20); }));
  receive_for(300);  // no ack: the window is full, nothing more comes
  EXPECT_EQ(chunks, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(distributor_->counters().in_flight, 6u);
  // Cumulative progress(2) frees two places: chunks 6 and 7, nothing else.
  ack(wire::AckStatus::kProgress, offer_id, 2);
  ASSERT_TRUE(WaitUntil([&] { return chunks.size() >= 8; }, 20000, [&] { receive_for(20); }));
  receive_for(300);
  EXPECT_EQ(chunks, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  // Chunk 2 was damaged: accepted(2) with the reason rewinds to 2 (go-back-N): 2..7 again.
  ack(wire::AckStatus::kAccepted, offer_id, 2, static_cast<uint8_t>(AgentStatus::kChunkCrcMismatch));
  ASSERT_TRUE(WaitUntil([&] { return chunks.size() >= 14; }, 20000, [&] { receive_for(20); }));
  receive_for(300);
  EXPECT_EQ(std::vector<uint32_t>(chunks.begin() + 8, chunks.end()),
            (std::vector<uint32_t>{2, 3, 4, 5, 6, 7}));
  // The same rewind again at once (a duplicate answer, no reason) changes nothing.
  ack(wire::AckStatus::kAccepted, offer_id, 2);
  receive_for(300);
  EXPECT_EQ(chunks.size(), 14u);
  const DistributorCounters counters = distributor_->counters();
  EXPECT_EQ(counters.chunks_sent, 14u);
  EXPECT_EQ(counters.rewinds, 2u);  // the offer's "send from 0" and the gap
  EXPECT_EQ(counters.in_flight, 6u);
  ASSERT_TRUE(distributor_->CancelUpdate("ota-8").ok());
  ASSERT_TRUE(WaitUntil([&] { return listener_.count() >= 1; }, 20000));
  EXPECT_EQ(distributor_->counters().in_flight, 0u);
}

TEST_F(OtaDistributorTest, GlobalBudgetBoundsChunksInFlightAcrossDevices) {
  DistributorOptions options;
  options.chunk_bytes = 64;
  options.window = 8;
  options.max_chunks_in_flight = 5;  // less than one device's window
  StartDistributor(options);
  HostDevice a("ota-9", *broker_, key_), b("ota-10", *broker_, key_);
  for (HostDevice* device : {&a, &b}) {
    ASSERT_EQ(device->Provision(RandomBytes(1500, 15), 1), AgentStatus::kOk);
    ASSERT_EQ(device->BootAndConnect(), AgentStatus::kOk);
  }
  const std::string artifact = AddArtifact(RandomBytes(3200, 16), 2);  // 50 chunks each
  ASSERT_TRUE(distributor_->StartUpdate("ota-9", artifact).ok());
  ASSERT_TRUE(distributor_->StartUpdate("ota-10", artifact).ok());
  uint64_t most_in_flight = 0;
  auto step = [&](HostDevice& device) {
    device.Poll();
    if (device.agent().reboot_requested()) {
      device.Poll(10);
      ASSERT_EQ(device.BootAndConnect(), AgentStatus::kOk);
      if (device.agent().awaiting_confirmation()) (void)device.agent().QueueTelemetry(1, 0, 0xFFFF);
    }
  };
  ASSERT_TRUE(WaitUntil([&] { return listener_.count() >= 2; }, 60000, [&] {
    step(a);
    step(b);
    most_in_flight = std::max(most_in_flight, distributor_->counters().in_flight);
  }));
  EXPECT_EQ(listener_.at(0).outcome, UpdateOutcome::kConfirmed) << listener_.at(0).detail;
  EXPECT_EQ(listener_.at(1).outcome, UpdateOutcome::kConfirmed) << listener_.at(1).detail;
  EXPECT_LE(most_in_flight, 5u);
  EXPECT_GT(most_in_flight, 0u);
}

TEST_F(OtaDistributorTest, SilentDeviceIsReofferedWithBackoff) {
  DistributorOptions options;
  options.stall_reoffer_ms = 300;
  options.max_reoffer_ms = 60000;
  StartDistributor(options);
  HostDevice device("ota-11", *broker_, key_);
  ASSERT_EQ(device.Provision(RandomBytes(1500, 17), 1), AgentStatus::kOk);
  ASSERT_EQ(device.BootAndConnect(), AgentStatus::kOk);
  // Its state reaches the server, then it never answers (hung, or its link is half-open).
  ASSERT_TRUE(WaitUntil([&] { return bridge_->counters().accepted >= 1; }, 20000,
                        [&] { device.Poll(); }));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(distributor_->StartUpdate("ota-11", AddArtifact(RandomBytes(2000, 18), 2)).ok());
  ASSERT_TRUE(WaitUntil([&] { return distributor_->counters().stall_reoffers >= 3; }, 30000));
  // Waits 300, 600, 1200 ms: the third re-offer cannot come before 2.1 s (5 s apart, it would
  // have been the 7th re-offer without the back-off).
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(2100));
  // Once it answers, the transfer goes on and completes.
  ASSERT_TRUE(RunDevice(device, 1));
  EXPECT_EQ(listener_.at(0).outcome, UpdateOutcome::kConfirmed) << listener_.at(0).detail;
}

TEST_F(OtaDistributorTest, ChunkSizeOutsideTheProtocolIsRejected) {
  DistributorOptions options;
  options.chunk_bytes = 16385;
  auto distributor = OtaDistributor::Start(options, store_.get(), [](auto&, auto&) {
    return Result<Ok>(Ok{});
  });
  ASSERT_FALSE(distributor.ok());
  EXPECT_NE(distributor.error().message.find("16..16384"), std::string::npos)
      << distributor.error().message;
  options.chunk_bytes = 1024;
  options.window = 0;
  EXPECT_FALSE(OtaDistributor::Start(options, store_.get(), [](auto&, auto&) {
                 return Result<Ok>(Ok{});
               }).ok());
}

}  // namespace
}  // namespace tinyforge::server::fleet::testing
