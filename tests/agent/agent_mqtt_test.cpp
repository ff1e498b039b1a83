// The host agent against a real Mosquitto (started by the fixture on a free port): a model OTA
// end to end with a network drop in the middle, and offline telemetry buffering with no loss and
// no double counting. The server side is played by server/fleet's MqttClient.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "agent/core/model_self_test.h"
#include "agent/ports/host/mosquitto_transport.h"
#include "server/fleet/mosquitto_process.h"
#include "tinyforge/interpreter.h"
#include "server/fleet/mqtt_client.h"
#include "tests/agent/agent_test_support.h"
#include "tests/runtime/core/test_models.h"

namespace tinyforge::agent::testing {
namespace {

class AgentMqttTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fleet::MosquittoOptions options;
    options.data_dir = std::filesystem::temp_directory_path() /
                       ("tf-agent-mqtt-" + std::to_string(::getpid()));
    options.device_ids = {"dev-a", "dev-b"};
    options.remove_data_dir_on_stop = true;
    auto broker = fleet::MosquittoProcess::Start(options);
    ASSERT_TRUE(broker.ok()) << broker.error().message;
    broker_ = std::move(broker).value().release();
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(broker_, nullptr);
    server_ = std::make_unique<fleet::MqttClient>("tf-server-test");
    const auto& cred = broker_->server_credentials();
    ASSERT_TRUE(server_->Connect(broker_->host(), broker_->port(), cred.user, cred.password).ok());
    for (const char* topic : {"tf/+/telemetry", "tf/+/state", "tf/+/ota/ack"})
      ASSERT_EQ(server_->Subscribe(topic).value(), 1);
  }

  static fleet::MosquittoProcess* broker_;
  std::unique_ptr<fleet::MqttClient> server_;
};
fleet::MosquittoProcess* AgentMqttTest::broker_ = nullptr;

std::vector<uint8_t> ModelV2() {
  auto builder = tinyforge::testing::TestModelBuilder();
  builder.AddMetadata("fleet.release", int64_t{2});
  toolchain::BuildOptions options;
  options.scratch_resolver = &tinyforge::testing::TestOpsResolver();
  return builder.Build(options).value();
}

TEST_F(AgentMqttTest, ModelUpdateResumesAfterDisconnectThenTrialBootsAndConfirms) {
  const std::vector<uint8_t> v1 = tinyforge::testing::BuildTestModel();
  const std::vector<uint8_t> v2 = ModelV2();
  ASSERT_NE(v1, v2);
  const auto artifact = Sign(v2, 2, fleet::ArtifactKind::kModel);

  tinyforge::testing::AlignedBuffer arena(64 * 1024);
  ModelSelfTestContext check{&tinyforge::testing::TestOpsResolver(), arena.data(), arena.size(),
                             Status::kOk};
  SimDevice device(16 * 1024, wire::kArtifactModel);
  device.config.image_check = &ModelImageCheck;
  device.config.image_check_context = &check;
  ASSERT_EQ(device.Provision(v1, 1), AgentStatus::kOk);

  auto agent = std::make_unique<Agent>();
  auto transport = std::make_unique<host::MosquittoTransport>("dev-a");
  ASSERT_EQ(agent->Init(device.config, &device.flash.port(), &host::SodiumCrypto(), &transport->port()),
            AgentStatus::kOk);
  ASSERT_EQ(agent->Start(), AgentStatus::kOk);
  transport->Attach(agent.get());
  const auto cred = broker_->device_credentials("dev-a").value();
  ASSERT_TRUE(transport->Connect(broker_->host(), broker_->port(), cred.user, cred.password))
      << transport->error();

  // The server offers once the device is online: its state message proves its subscriptions
  // (sent before it on the same connection) are in place.
  bool online = false;
  for (int i = 0; i < 400 && !online; ++i) {
    transport->Poll(5);
    server_->Poll(5);
    for (const auto& message : server_->inbox()) online |= message.topic == "tf/dev-a/state";
  }
  ASSERT_TRUE(online);
  server_->inbox().clear();

  constexpr uint16_t kChunk = 128;
  const uint32_t chunk_count = fleet::ChunkCount(static_cast<uint32_t>(v2.size()), kChunk);
  ASSERT_GT(chunk_count, 6u);
  ASSERT_TRUE(server_->Publish("tf/dev-a/ota/offer", fleet::EncodeOffer(artifact, 42, kChunk)).ok());

  // The server's loop: every ack names the next chunk it wants; send exactly that one.
  std::vector<fleet::AckMessage> acks;
  bool dropped_once = false;
  uint32_t chunks_sent = 0;
  auto pump = [&](int rounds) {
    for (int i = 0; i < rounds; ++i) {
      transport->Poll(5);
      server_->Poll(5);
      while (!server_->inbox().empty()) {
        fleet::MqttMessage message = std::move(server_->inbox().front());
        server_->inbox().pop_front();
        if (message.topic != "tf/dev-a/ota/ack") continue;
        auto ack = fleet::DecodeAck(message.payload);
        ASSERT_TRUE(ack.ok()) << ack.error().message;
        acks.push_back(ack.value());
        const bool wants_chunk = ack->status == fleet::AckStatus::kAccepted ||
                                 ack->status == fleet::AckStatus::kProgress;
        if (wants_chunk && ack->next_chunk < chunk_count) {
          if (!dropped_once && ack->next_chunk == 4) {
            // The network drops mid-transfer; the device reconnects and says where it is.
            dropped_once = true;
            transport->Disconnect(/*clean=*/false);
            ASSERT_TRUE(transport->Reconnect()) << transport->error();
            continue;
          }
          ASSERT_TRUE(server_->Publish("tf/dev-a/ota/chunk",
                                       fleet::EncodeChunk(artifact, 42, kChunk, ack->next_chunk))
                          .ok());
          ++chunks_sent;
        }
      }
    }
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!agent->reboot_requested() && std::chrono::steady_clock::now() < deadline) pump(1);
  ASSERT_TRUE(agent->reboot_requested()) << "acks so far: " << acks.size();
  pump(10);
  ASSERT_FALSE(acks.empty());
  EXPECT_EQ(acks.back().status, fleet::AckStatus::kVerified);
  EXPECT_TRUE(dropped_once);
  EXPECT_EQ(chunks_sent, chunk_count);  // resumed at chunk 4: nothing sent twice

  // Reboot: new RAM, same flash. The trial image passes the model self-test, telemetry flows,
  // and the delivery of that telemetry confirms it.
  transport->Disconnect();
  transport.reset();
  agent = std::make_unique<Agent>();
  transport = std::make_unique<host::MosquittoTransport>("dev-a");
  ASSERT_EQ(agent->Init(device.config, &device.flash.port(), &host::SodiumCrypto(), &transport->port()),
            AgentStatus::kOk);
  ASSERT_EQ(agent->Start(), AgentStatus::kOk) << StatusName(check.last_status);
  EXPECT_TRUE(agent->boot().trial);
  EXPECT_EQ(agent->boot().version, 2u);
  transport->Attach(agent.get());
  ASSERT_TRUE(transport->Connect(broker_->host(), broker_->port(), cred.user, cred.password));
  ASSERT_EQ(agent->QueueTelemetry(5, 0, 0xFFFF), AgentStatus::kOk);
  for (int i = 0; i < 200 && agent->awaiting_confirmation(); ++i) pump(1);
  pump(10);
  EXPECT_FALSE(agent->awaiting_confirmation());
  EXPECT_EQ(agent->slots().confirmed_version(), 2u);
  ASSERT_FALSE(acks.empty());
  EXPECT_EQ(acks.back().status, fleet::AckStatus::kConfirmed);
  EXPECT_EQ(acks.back().version, 2u);

  // The confirmed slot holds v2 byte for byte and runs: output equals the direct computation.
  ASSERT_NE(agent->boot().image, nullptr);
  ASSERT_EQ(std::vector<uint8_t>(agent->boot().image, agent->boot().image + agent->boot().bytes), v2);
  Interpreter interpreter(tinyforge::testing::TestOpsResolver());
  ASSERT_EQ(interpreter.Load(agent->boot().image, agent->boot().bytes), Status::kOk);
  ASSERT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kOk);
  Tensor in, out;
  ASSERT_EQ(interpreter.Input(0, &in), Status::kOk);
  const auto input = tinyforge::testing::TestInput(3);
  std::memcpy(in.data, input.data(), input.size() * sizeof(float));
  ASSERT_EQ(interpreter.Invoke(), Status::kOk);
  ASSERT_EQ(interpreter.Output(0, &out), Status::kOk);
  const auto expected = tinyforge::testing::TestModelExpected(input);
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(out.As<float>()[i], expected[i], 1e-5f);
}

TEST_F(AgentMqttTest, OfflineTelemetryIsBufferedAndCountedOnce) {
  SimDevice device(4096, wire::kArtifactFirmware);
  ASSERT_EQ(device.Provision(RandomBytes(1000, 5), 1), AgentStatus::kOk);
  auto transport = std::make_unique<host::MosquittoTransport>("dev-a");
  Agent agent;
  ASSERT_EQ(agent.Init(device.config, &device.flash.port(), &host::SodiumCrypto(), &transport->port()),
            AgentStatus::kOk);
  ASSERT_EQ(agent.Start(), AgentStatus::kOk);
  transport->Attach(&agent);
  const auto cred = broker_->device_credentials("dev-a").value();
  ASSERT_TRUE(transport->Connect(broker_->host(), broker_->port(), cred.user, cred.password));

  fleet::MessageDeduplicator dedup;
  std::map<uint32_t, int> received_per_uptime;  // uptime_s identifies the telemetry we queued
  uint32_t raw_messages = 0;
  auto drain = [&](int rounds) {
    for (int i = 0; i < rounds; ++i) {
      transport->Poll(5);
      server_->Poll(5);
      while (!server_->inbox().empty()) {
        fleet::MqttMessage message = std::move(server_->inbox().front());
        server_->inbox().pop_front();
        if (message.topic != "tf/dev-a/telemetry") continue;
        auto telemetry = fleet::DecodeTelemetry(message.payload);
        ASSERT_TRUE(telemetry.ok()) << telemetry.error().message;
        ++raw_messages;
        if (dedup.First("dev-a", telemetry->id)) ++received_per_uptime[telemetry->uptime_s];
      }
    }
  };

  for (uint32_t t = 1; t <= 5; ++t) ASSERT_EQ(agent.QueueTelemetry(t, 0, 0xFFFF), AgentStatus::kOk);
  drain(20);
  // Sent but the PUBACK never processed before the link dies: these go again after reconnect.
  for (uint32_t t = 6; t <= 8; ++t) ASSERT_EQ(agent.QueueTelemetry(t, 0, 0xFFFF), AgentStatus::kOk);
  server_->Poll(100);
  transport->Disconnect(/*clean=*/false);
  // Offline: buffered, not lost.
  for (uint32_t t = 9; t <= 20; ++t) ASSERT_EQ(agent.QueueTelemetry(t, 0, 0xFFFF), AgentStatus::kOk);
  EXPECT_GE(agent.outbound().size(), 12u);
  ASSERT_TRUE(transport->Reconnect()) << transport->error();
  drain(60);

  EXPECT_EQ(agent.outbound().size(), 0u);
  EXPECT_EQ(agent.outbound().dropped(), 0u);
  ASSERT_EQ(received_per_uptime.size(), 20u) << "raw messages: " << raw_messages;
  EXPECT_GT(raw_messages, 20u);  // QoS 1 re-sent 6-8 after the drop: dedup was exercised
  for (uint32_t t = 1; t <= 20; ++t) EXPECT_EQ(received_per_uptime[t], 1) << "uptime " << t;
  std::printf("telemetry: 20 queued, %u MQTT deliveries, 20 counted after dedup\n", raw_messages);
}

}  // namespace
}  // namespace tinyforge::agent::testing
