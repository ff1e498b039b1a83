// FleetBridge against a real Mosquitto: telemetry/alerts/learn stored once despite QoS 1
// re-deliveries (by a device re-publishing, and by the real agent after a dropped link), still
// once after a bridge restart (windows persisted in SQLite), messages published while the bridge
// is down delivered from its persistent session, and malformed payloads counted, not stored.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "agent/core/wire.h"
#include "server/fleet/fleet_bridge.h"
#include "server/fleet/fleet_store.h"
#include "server/fleet/mqtt_client.h"
#include "tests/server/fleet/fleet_service_support.h"

namespace tinyforge::server::fleet::testing {
namespace {

namespace wire = agent::wire;
namespace fs = std::filesystem;

std::vector<uint8_t> Telemetry(uint32_t epoch, uint32_t seq, uint32_t inferences) {
  wire::Telemetry t{};
  t.uptime_s = seq;
  t.inference_count = inferences;
  t.latency_us_mean = 120;
  t.latency_us_max = 300;
  t.accuracy_per10k = 0xFFFF;
  std::vector<uint8_t> out(wire::kHeaderBytes + wire::kTelemetryBytes);
  wire::EncodeTelemetry({wire::MessageType::kTelemetry, wire::kWireVersion, epoch, seq}, t,
                        out.data(), static_cast<uint32_t>(out.size()));
  return out;
}

std::vector<uint8_t> Alert(uint32_t epoch, uint32_t seq, float score) {
  wire::Alert a{1000 * seq, 7, 2, 0, score};
  std::vector<uint8_t> out(wire::kHeaderBytes + wire::kAlertBytes);
  wire::EncodeAlert({wire::MessageType::kAlert, wire::kWireVersion, epoch, seq}, a, out.data(),
                    static_cast<uint32_t>(out.size()));
  return out;
}

std::vector<uint8_t> Learn(uint32_t epoch, uint32_t seq) {
  wire::LearnMetrics l{};
  l.samples_seen = 100;
  l.labels_seen = 10;
  l.prequential_accuracy_per10k = 9000;
  l.class_count = 4;
  std::vector<uint8_t> out(wire::kHeaderBytes + wire::kLearnBytes);
  wire::EncodeLearn({wire::MessageType::kLearn, wire::kWireVersion, epoch, seq}, l, out.data(),
                    static_cast<uint32_t>(out.size()));
  return out;
}

class FleetBridgeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    MosquittoOptions options;
    options.data_dir = fs::temp_directory_path() / ("tf-bridge-test-" + std::to_string(::getpid()));
    options.device_ids = {"dev-1", "dev-2", "dev-3", "dev-4"};
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
    data_dir_ = fs::temp_directory_path() /
                ("tf-bridge-data-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(data_dir_);
    auto store = FleetStore::Open(data_dir_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
  }
  void TearDown() override {
    bridge_.reset();
    store_.reset();
    fs::remove_all(data_dir_);
  }
  void StartBridge() {
    BridgeOptions options;
    options.broker = {broker_->host(), broker_->port(), broker_->server_credentials().user,
                      broker_->server_credentials().password};
    options.client_id = std::string("tf-bridge-") +
                        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    options.log_malformed = false;
    auto bridge = FleetBridge::Start(options, store_.get());
    ASSERT_TRUE(bridge.ok()) << bridge.error().message;
    bridge_ = std::move(bridge).value();
  }
  std::unique_ptr<MqttClient> DeviceClient(const std::string& id) {
    auto client = std::make_unique<MqttClient>(id + "-raw");
    const auto credentials = broker_->device_credentials(id).value();
    auto connected = client->Connect(broker_->host(), broker_->port(), credentials.user,
                                     credentials.password);
    EXPECT_TRUE(connected.ok()) << connected.error().message;
    return client;
  }
  bool WaitReceived(uint64_t received) {
    // `received` is counted before a message is classified: wait for the classification too,
    // or WaitUntilWritten may run before the last message was accepted.
    return WaitUntil([&] {
             const IngestCounters c = bridge_->counters();
             return c.received >= received && c.accepted + c.malformed + c.duplicates >= received;
           }, 20000) &&
           bridge_->WaitUntilWritten(20000);
  }
  DeviceView Device(const std::string& id) {
    auto view = store_->GetDevice(id);
    EXPECT_TRUE(view.ok());
    EXPECT_TRUE(view.ok() && view.value().has_value()) << id << " not stored";
    return view.ok() && view.value() ? *view.value() : DeviceView{};
  }

  static MosquittoProcess* broker_;
  fs::path data_dir_;
  std::unique_ptr<FleetStore> store_;
  std::unique_ptr<FleetBridge> bridge_;
};
MosquittoProcess* FleetBridgeTest::broker_ = nullptr;

TEST_F(FleetBridgeTest, RedeliveredMessagesAreCountedOnceAlsoAfterABridgeRestart) {
  StartBridge();
  auto device = DeviceClient("dev-1");
  // Boot epoch 3: seqs 0-9 telemetry, 10-12 alerts, 13 learn.
  for (uint32_t seq = 0; seq < 10; ++seq)
    ASSERT_TRUE(device->Publish("tf/dev-1/telemetry", Telemetry(3, seq, 10 * seq)).ok());
  for (uint32_t seq = 10; seq < 13; ++seq)
    ASSERT_TRUE(device->Publish("tf/dev-1/alert", Alert(3, seq, 0.5f + static_cast<float>(seq))).ok());
  ASSERT_TRUE(device->Publish("tf/dev-1/learn", Learn(3, 13)).ok());
  // QoS 1 re-deliveries: the same message ids again.
  for (uint32_t seq = 3; seq < 8; ++seq)
    ASSERT_TRUE(device->Publish("tf/dev-1/telemetry", Telemetry(3, seq, 10 * seq)).ok());
  ASSERT_TRUE(device->Publish("tf/dev-1/alert", Alert(3, 11, 11.5f)).ok());
  ASSERT_TRUE(WaitReceived(20));

  IngestCounters counters = bridge_->counters();
  EXPECT_EQ(counters.received, 20u);
  EXPECT_EQ(counters.accepted, 14u);
  EXPECT_EQ(counters.duplicates, 6u);
  EXPECT_EQ(counters.malformed, 0u);
  EXPECT_EQ(counters.written, 14u);
  DeviceView view = Device("dev-1");
  EXPECT_EQ(view.telemetry_count, 10u);
  EXPECT_EQ(view.alert_count, 3u);
  EXPECT_EQ(view.learn_count, 1u);
  EXPECT_TRUE(view.has_telemetry);
  EXPECT_EQ(view.last_telemetry.inference_count, 90u);  // the latest of the boot
  EXPECT_EQ(view.last_epoch, 3u);
  EXPECT_EQ(view.last_seq, 13u);
  auto alerts = store_->ListAlerts("dev-1", 0, 100);
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 3u);
  EXPECT_EQ(alerts.value()[1].seq, 11u);
  EXPECT_FLOAT_EQ(alerts.value()[1].score, 11.5f);
  EXPECT_EQ(alerts.value()[1].model_version, 7u);

  // Restart the bridge (and re-open the store): old ids are still duplicates, new ones count.
  bridge_.reset();
  store_.reset();
  auto reopened = FleetStore::Open(data_dir_);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  store_ = std::move(reopened).value();
  // Published while the bridge is down: the broker keeps them in the bridge's session.
  ASSERT_TRUE(device->Publish("tf/dev-1/telemetry", Telemetry(3, 14, 140)).ok());
  ASSERT_TRUE(device->Publish("tf/dev-1/alert", Alert(3, 12, 12.5f)).ok());  // duplicate
  StartBridge();
  for (uint32_t seq = 0; seq < 10; ++seq)
    ASSERT_TRUE(device->Publish("tf/dev-1/telemetry", Telemetry(3, seq, 10 * seq)).ok());
  ASSERT_TRUE(device->Publish("tf/dev-1/telemetry", Telemetry(4, 0, 1)).ok());  // next boot
  ASSERT_TRUE(WaitReceived(13));
  counters = bridge_->counters();
  EXPECT_EQ(counters.accepted, 2u);  // (3,14) from the session queue and (4,0)
  EXPECT_EQ(counters.duplicates, 11u);
  view = Device("dev-1");
  EXPECT_EQ(view.telemetry_count, 12u);
  EXPECT_EQ(view.alert_count, 3u);
  EXPECT_EQ(view.last_epoch, 4u);
  EXPECT_EQ(store_->CountAlerts("dev-1").value(), 3);
}

TEST_F(FleetBridgeTest, RealAgentResendsAfterADroppedLinkAndStateIsStored) {
  StartBridge();
  const SigningKey key = GenerateSigningKey().value();
  HostDevice device("dev-2", *broker_, key);
  ASSERT_EQ(device.Provision(RandomBytes(1000, 1), 1), agent::AgentStatus::kOk);
  ASSERT_EQ(device.BootAndConnect(), agent::AgentStatus::kOk);
  for (uint32_t t = 1; t <= 5; ++t)
    ASSERT_EQ(device.agent().QueueTelemetry(t, 0, 0xFFFF), agent::AgentStatus::kOk);
  ASSERT_EQ(device.agent().RecordInference(50, true, 0.9f, 1, 10), agent::AgentStatus::kOk);
  device.Poll(20);
  // Sent, PUBACK not processed, link dies: the agent sends them again after the reconnect.
  for (uint32_t t = 6; t <= 8; ++t)
    ASSERT_EQ(device.agent().QueueTelemetry(t, 0, 0xFFFF), agent::AgentStatus::kOk);
  device.transport().Disconnect(/*clean=*/false);
  for (uint32_t t = 9; t <= 12; ++t)
    ASSERT_EQ(device.agent().QueueTelemetry(t, 0, 0xFFFF), agent::AgentStatus::kOk);
  ASSERT_EQ(device.agent().RecordInference(60, true, 0.8f, 2, 20), agent::AgentStatus::kOk);
  ASSERT_TRUE(device.transport().Reconnect()) << device.transport().error();
  // 1 state + 12 telemetry + 2 alerts = 15 distinct messages.
  ASSERT_TRUE(WaitUntil([&] { return bridge_->counters().accepted >= 15; }, 20000,
                        [&] { device.Poll(); }));
  device.Poll(20);
  ASSERT_TRUE(bridge_->WaitUntilWritten(20000));
  const IngestCounters counters = bridge_->counters();
  EXPECT_EQ(counters.accepted, 15u);
  EXPECT_EQ(counters.received, counters.accepted + counters.duplicates);
  EXPECT_EQ(device.agent().outbound().size(), 0u);
  DeviceView view = Device("dev-2");
  EXPECT_EQ(view.telemetry_count, 12u);
  EXPECT_EQ(view.alert_count, 2u);
  ASSERT_TRUE(view.has_state);
  EXPECT_EQ(view.state.running_version, 1u);
  EXPECT_EQ(view.state.confirmed_version, 1u);
  EXPECT_EQ(view.state.device_type, "sensor-m4");
  EXPECT_EQ(view.last_telemetry.uptime_s, 12u);
}

TEST_F(FleetBridgeTest, MalformedPayloadsAreRejectedAndCountedWithTheDeviceId) {
  StartBridge();
  auto device = DeviceClient("dev-3");
  std::vector<uint8_t> wrong_version = Telemetry(1, 0, 0);
  wrong_version[1] = 9;
  std::vector<uint8_t> truncated = Telemetry(1, 1, 0);
  truncated.resize(20);
  ASSERT_TRUE(device->Publish("tf/dev-3/telemetry", {1, 2, 3}).ok());          // short
  ASSERT_TRUE(device->Publish("tf/dev-3/telemetry", wrong_version).ok());      // version 9
  ASSERT_TRUE(device->Publish("tf/dev-3/telemetry", truncated).ok());          // body 8 bytes
  ASSERT_TRUE(device->Publish("tf/dev-3/telemetry", Alert(1, 2, 1.0f)).ok());  // wrong type
  ASSERT_TRUE(device->Publish("tf/dev-3/state", {}).ok());                     // empty
  ASSERT_TRUE(device->Publish("tf/dev-3/telemetry", Telemetry(1, 5, 50)).ok());  // good
  ASSERT_TRUE(WaitReceived(6));
  const IngestCounters counters = bridge_->counters();
  EXPECT_EQ(counters.malformed, 5u);
  EXPECT_EQ(counters.accepted, 1u);
  EXPECT_NE(counters.last_malformed.find("dev-3"), std::string::npos) << counters.last_malformed;
  EXPECT_NE(counters.last_malformed.find("state"), std::string::npos) << counters.last_malformed;
  DeviceView view = Device("dev-3");
  EXPECT_EQ(view.telemetry_count, 1u);
  EXPECT_EQ(view.last_telemetry.inference_count, 50u);
}

TEST(MqttUrlTest, ParsesHostAndPortAndRejectsOthers) {
  auto url = ParseMqttUrl("mqtt://broker.local:1884");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "broker.local");
  EXPECT_EQ(url->port, 1884);
  EXPECT_EQ(ParseMqttUrl("mqtt://10.0.0.2").value().port, 1883);
  EXPECT_FALSE(ParseMqttUrl("http://x:1").ok());
  EXPECT_FALSE(ParseMqttUrl("mqtt://x:port").ok());
  EXPECT_FALSE(ParseMqttUrl("mqtt://x:70000").ok());
  EXPECT_FALSE(ParseMqttUrl("mqtt://:1883").ok());
}

TEST(SeqWindowTest, RemembersOutOfOrderSeqsAndSurvivesEncoding) {
  SeqWindow window;
  EXPECT_TRUE(window.Accept(0));
  EXPECT_TRUE(window.Accept(2));
  EXPECT_FALSE(window.Accept(2));
  EXPECT_TRUE(window.Accept(1));
  EXPECT_EQ(window.floor(), 3u);
  EXPECT_TRUE(window.Accept(7));
  SeqWindow restored = SeqWindow::Restore(window.floor(), window.EncodeSparse());
  EXPECT_FALSE(restored.Accept(7));
  EXPECT_FALSE(restored.Accept(1));
  EXPECT_TRUE(restored.Accept(5));
  // A hole that never fills does not grow the set without bound.
  SeqWindow holes;
  for (uint32_t seq = 1; seq < 5000; ++seq) EXPECT_TRUE(holes.Accept(seq));
  EXPECT_LE(holes.EncodeSparse().size() / 4, SeqWindow::kMaxSparse);
}

}  // namespace
}  // namespace tinyforge::server::fleet::testing
