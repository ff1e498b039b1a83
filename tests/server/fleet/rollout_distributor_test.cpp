// The rollout engine on the real OTA distributor: a real Mosquitto, the FleetBridge, the
// OtaDistributor and five real agents (agent/core on memory flash). Groups 1 -> 100%: four devices
// confirm version 2, one fails its health check and reverts (within the error threshold), the
// rollout completes; then a rollback of every group delivers a pinned version 1 and the devices
// that had confirmed version 2 go back to it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "server/fleet/fleet_bridge.h"
#include "server/fleet/fleet_store.h"
#include "server/fleet/ota_distributor.h"
#include "server/fleet/rollout_engine.h"
#include "tests/server/fleet/fleet_service_support.h"

namespace tinyforge::server::fleet::testing {
namespace {

namespace fs = std::filesystem;
using agent::AgentStatus;

TEST(RolloutDistributorTest, RolloutCompletesOnRealDevicesAndRollsBackToAPinnedVersion) {
  const std::vector<std::string> ids = {"ro-1", "ro-2", "ro-3", "ro-4", "ro-5"};
  const fs::path dir = fs::temp_directory_path() / ("tf-rollout-ota-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  MosquittoOptions broker_options;
  broker_options.data_dir = dir / "broker";
  broker_options.device_ids = ids;
  broker_options.remove_data_dir_on_stop = true;
  auto broker = MosquittoProcess::Start(broker_options);
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  auto store = FleetStore::Open(dir / "fleet");
  ASSERT_TRUE(store.ok()) << store.error().message;
  BridgeOptions bridge_options;
  bridge_options.broker = {broker.value()->host(), broker.value()->port(), broker.value()->server_credentials().user,
                           broker.value()->server_credentials().password};
  bridge_options.client_id = "tf-rollout-bridge";
  auto bridge = FleetBridge::Start(bridge_options, store.value().get());
  ASSERT_TRUE(bridge.ok()) << bridge.error().message;
  auto distributor = OtaDistributor::Start(
      DistributorOptions{}, store.value().get(),
      [raw = bridge.value().get()](const std::string& topic, const std::vector<uint8_t>& payload) {
        return raw->Publish(topic, payload);
      });
  ASSERT_TRUE(distributor.ok()) << distributor.error().message;
  bridge.value()->SetEventSink(distributor.value().get());
  const SigningKey key = GenerateSigningKey().value();

  auto add_artifact = [&](const std::vector<uint8_t>& payload, uint32_t version, bool pinned) {
    ArtifactSpec spec;
    spec.kind = ArtifactKind::kFirmware;
    spec.version = version;
    spec.min_runtime_version = 0x000100;
    spec.device_type = "sensor-m4";
    spec.pinned = pinned;
    auto signed_artifact = SignArtifact(key, spec, payload);
    EXPECT_TRUE(signed_artifact.ok());
    ArtifactRecord record;
    record.id = ArtifactIdOf(signed_artifact->manifest, signed_artifact->signature);
    record.spec = spec;
    record.size = static_cast<uint32_t>(payload.size());
    record.sha256 = signed_artifact->sha256;
    record.manifest = signed_artifact->manifest;
    record.signature = signed_artifact->signature;
    record.created_ms = NowMs();
    EXPECT_TRUE(store.value()->PutArtifact(record, payload).ok());
    return record.id;
  };
  const std::vector<uint8_t> v1 = RandomBytes(3000, 11), v2 = RandomBytes(4000, 12);
  const std::string v2_id = add_artifact(v2, 2, false);
  const std::string v1_pinned_id = add_artifact(v1, 1, true);

  std::vector<std::unique_ptr<HostDevice>> devices;
  for (const std::string& id : ids) {
    devices.push_back(std::make_unique<HostDevice>(id, *broker.value(), key));
    if (id == "ro-5") {
      devices.back()->config().image_check = [](void*, const uint8_t*, uint32_t, uint8_t, uint32_t version) {
        return version != 2;
      };
    }
    ASSERT_EQ(devices.back()->Provision(v1, 1), AgentStatus::kOk);
    ASSERT_EQ(devices.back()->BootAndConnect(), AgentStatus::kOk);
  }
  auto run_devices = [&] {
    for (auto& device : devices) {
      device->Poll();
      if (device->agent().reboot_requested()) {
        device->Poll(10);
        AgentStatus booted = device->BootAndConnect();
        if (booted == AgentStatus::kHealthCheckFailed) booted = device->BootAndConnect();
        EXPECT_EQ(booted, AgentStatus::kOk);
        if (device->agent().awaiting_confirmation()) (void)device->agent().QueueTelemetry(1, 0, 0xFFFF);
      }
    }
  };

  RolloutEngineOptions engine_options;
  engine_options.tick_ms = 50;
  auto engine = RolloutEngine::Open(dir / "rollouts.sqlite", distributor.value().get(), engine_options);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  RolloutSpec spec;
  spec.artifact_id = v2_id;
  spec.rollback_artifact_id = v1_pinned_id;
  spec.device_ids = ids;
  spec.groups = {ParseGroupSpec("1").value(), ParseGroupSpec("100%").value()};
  spec.success_threshold = 0.75;  // 3 of the 4 in the last group suffice
  spec.error_threshold = 0.25;    // 1 of 4 failing is tolerated
  auto id = engine.value()->Create(spec);
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto state = [&] { return engine.value()->Get(id.value())->state; };
  ASSERT_TRUE(WaitUntil([&] { return state() != RolloutState::kRunning; }, 120000, run_devices));
  RolloutStatus status = engine.value()->Get(id.value()).value();
  ASSERT_EQ(status.state, RolloutState::kCompleted) << status.reason;
  EXPECT_EQ(status.groups[0].confirmed + status.groups[1].confirmed, 4);
  ASSERT_EQ(status.failures.size(), 1u);
  EXPECT_EQ(status.failures[0].device_id, "ro-5");
  EXPECT_EQ(status.failures[0].outcome, "reverted");
  for (auto& device : devices) {
    EXPECT_EQ(device->agent().slots().confirmed_version(), &device == &devices.back() ? 1u : 2u);
  }

  auto rolled = engine.value()->Rollback(id.value(), "", true);
  ASSERT_TRUE(rolled.ok()) << rolled.error().message;
  EXPECT_EQ(rolled->rollback.devices, 4);
  ASSERT_TRUE(WaitUntil([&] { return state() == RolloutState::kRolledBack; }, 120000, run_devices));
  status = engine.value()->Get(id.value()).value();
  EXPECT_EQ(status.rollback.confirmed, 4) << status.reason;
  for (auto& device : devices) {
    EXPECT_EQ(device->agent().slots().confirmed_version(), 1u);
    EXPECT_EQ(device->RunningImage(), v1);
  }

  engine.value().reset();
  bridge.value()->SetEventSink(nullptr);
  distributor.value().reset();
  bridge.value().reset();
  devices.clear();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tinyforge::server::fleet::testing
