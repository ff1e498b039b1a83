// The simulator against the real server side (private Mosquitto, FleetBridge -> SQLite, the OTA
// distributor): telemetry with network drops and clock skew is stored once per message; an update
// wave survives a broker restart with no telemetry lost; power cuts inside OTA writes (plus
// corrupted chunks) leave every device bootable on a confirmed version. Small fleets (tens of
// devices), generous polling timeouts: correctness, not speed (that is bench/fleet).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/sim/sim_fleet.h"
#include "tests/agent/sim/sim_models.h"
#include "tests/agent/sim/sim_server_harness.h"

namespace tinyforge::agent::sim::testing {
namespace {

namespace fs = std::filesystem;

class SimFleetTest : public ::testing::Test {
 protected:
  void StartServer(size_t devices, fleet::DistributorOptions distributor = {}) {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ids_ = DeviceIds("sim", devices);
    const std::string error = server_.Start(
        fs::temp_directory_path() / ("tf-sim-" + std::to_string(::getpid()) + "-" + name), ids_,
        distributor);
    ASSERT_EQ(error, "");
  }
  FleetOptions Options(const std::vector<uint8_t>& model) {
    FleetOptions options;
    EXPECT_TRUE(LookupDeviceType("sensor-m4", &options.device_type));
    server_.FillFleetOptions(ids_, &options);
    options.model = model;
    options.model_version = 1;
    options.telemetry_period_ms = 500;
    options.inference_period_ms = 250;
    options.connect_per_second = 500;
    options.reboot_ms = 100;
    options.seed = 7;
    return options;
  }
  std::unique_ptr<SimFleet> MakeFleet(const FleetOptions& options) {
    std::string error;
    auto fleet = SimFleet::Create(options, &error);
    EXPECT_NE(fleet, nullptr) << error;
    return fleet;
  }
  // Stops new messages, waits until every device's buffer is empty and the server committed
  // everything, then checks sent == stored (each message once).
  void ExpectEveryTelemetryStoredOnce(SimFleet& fleet) {
    fleet.Quiesce();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(WaitFor([&] {
      const FleetSnapshot s = fleet.Snapshot();
      return s.gauges.pending_outbound == 0 && s.gauges.connected == fleet.size();
    }, 120000)) << SnapshotJson(fleet.Snapshot(), nullptr);
    const FleetSnapshot s = fleet.Snapshot();
    const uint64_t expected = s.telemetry_queued - s.telemetry_dropped;
    EXPECT_EQ(s.telemetry_dropped, 0u);
    ASSERT_TRUE(WaitFor([&] { return server_.StoredTelemetry(ids_) >= expected; }, 60000))
        << "stored " << server_.StoredTelemetry(ids_) << " of " << expected;
    ASSERT_TRUE(server_.bridge().WaitUntilWritten(30000));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // late duplicates, if any
    EXPECT_EQ(server_.StoredTelemetry(ids_), expected) << "duplicates counted or messages lost";
  }

  SimServerHarness server_;
  std::vector<std::string> ids_;
};

TEST_F(SimFleetTest, TelemetryThroughDropsAndClockSkewIsStoredExactlyOnce) {
  StartServer(40);
  FleetOptions options = Options(BuildSimModel(16, 1));
  options.faults.drop_rate = 0.05;  // each device loses its link about every 20 s
  options.faults.drop_ms = 1000;
  options.faults.clock_skew = 0.05;
  auto fleet = MakeFleet(options);
  ASSERT_NE(fleet, nullptr);
  fleet->Start();
  ASSERT_TRUE(WaitFor([&] { return fleet->Snapshot().gauges.connected == 40; }, 60000));
  std::this_thread::sleep_for(std::chrono::seconds(8));
  const FleetSnapshot running = fleet->Snapshot();
  EXPECT_GT(running.network_drops, 0u);
  EXPECT_GT(running.inferences, 0u);
  EXPECT_EQ(running.inference_errors, 0u);
  ExpectEveryTelemetryStoredOnce(*fleet);
  fleet->Stop();
  EXPECT_EQ(fleet->PowerCycleCheck().on_confirmed, 40u);
}

TEST_F(SimFleetTest, UpdateWaveSurvivesBrokerRestartAndNoTelemetryIsLost) {
  constexpr size_t kDevices = 60;
  fleet::DistributorOptions distributor;
  distributor.chunk_bytes = 1024;  // many chunks per device, so the restart lands mid-download
  StartServer(kDevices, distributor);
  const std::vector<uint8_t> v1 = BuildSimModel(64, 1);
  const std::vector<uint8_t> v2 = BuildSimModel(64, 2);  // ~16 KB: 17 chunks of 1 KB
  FleetOptions options = Options(v1);
  auto fleet = MakeFleet(options);
  ASSERT_NE(fleet, nullptr);
  const std::string artifact = server_.AddModelArtifact(v2, 2, "sensor-m4");
  ASSERT_NE(artifact, "");
  fleet->Start();
  ASSERT_TRUE(WaitFor([&] { return fleet->Snapshot().gauges.connected == kDevices; }, 60000));
  for (const std::string& id : ids_) ASSERT_TRUE(server_.distributor().StartUpdate(id, artifact).ok());
  // Restart the broker while the wave is in flight.
  ASSERT_TRUE(WaitFor([&] { return fleet->Snapshot().chunks > 100; }, 60000));
  ASSERT_TRUE(server_.broker().Restart().ok());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_TRUE(WaitFor([&] { return server_.results().count() == kDevices; }, 240000))
      << server_.results().count() << " results; " << SnapshotJson(fleet->Snapshot(), nullptr);
  for (const auto& result : server_.results().copy())
    EXPECT_EQ(result.outcome, fleet::UpdateOutcome::kConfirmed)
        << result.device_id << ": " << fleet::UpdateOutcomeName(result.outcome) << " " << result.detail;
  const FleetSnapshot s = fleet->Snapshot();
  EXPECT_GT(s.disconnects, kDevices - 1) << "the restart dropped every connection";
  EXPECT_TRUE(WaitFor([&] {  // gauges refresh every 250 ms
    const auto versions = fleet->Snapshot().gauges.confirmed_versions;
    return versions.count(2) && versions.at(2) == kDevices;
  }, 30000));
  ExpectEveryTelemetryStoredOnce(*fleet);
  fleet->Stop();
  const FinalCheck check = fleet->PowerCycleCheck();
  EXPECT_EQ(check.on_confirmed, kDevices);
  EXPECT_EQ(check.booted_versions.at(2), kDevices);
}

TEST_F(SimFleetTest, PowerCutsInsideOtaWritesLeaveEveryDeviceBootableOnAConfirmedVersion) {
  constexpr size_t kDevices = 100;
  StartServer(kDevices);
  const std::vector<uint8_t> v1 = BuildSimModel(48, 1);
  const std::vector<uint8_t> v2 = BuildSimModel(48, 2);
  FleetOptions options = Options(v1);
  options.telemetry_period_ms = 2000;
  options.faults.power_loss_rate = 1.0;  // every device: one cut at a random byte of its update
  options.faults.corrupt_rate = 0.02;
  auto fleet = MakeFleet(options);
  ASSERT_NE(fleet, nullptr);
  const std::string artifact = server_.AddModelArtifact(v2, 2, "sensor-m4");
  fleet->Start();
  ASSERT_TRUE(WaitFor([&] { return fleet->Snapshot().gauges.connected == kDevices; }, 60000));
  for (const std::string& id : ids_) ASSERT_TRUE(server_.distributor().StartUpdate(id, artifact).ok());
  ASSERT_TRUE(WaitFor([&] { return server_.results().count() == kDevices; }, 240000))
      << server_.results().count() << " results; " << SnapshotJson(fleet->Snapshot(), nullptr);
  // A cut before the switch restarts the download; a cut after it (trial boot, confirm) makes the
  // next boot revert to the confirmed image: 'reverted', never a device that does not boot.
  std::vector<std::string> reverted;
  for (const auto& result : server_.results().copy()) {
    if (result.outcome == fleet::UpdateOutcome::kReverted) {
      EXPECT_EQ(result.running_version, 1u) << result.device_id;
      reverted.push_back(result.device_id);
      continue;
    }
    EXPECT_EQ(result.outcome, fleet::UpdateOutcome::kConfirmed)
        << result.device_id << ": " << fleet::UpdateOutcomeName(result.outcome) << " " << result.detail;
  }
  const FleetSnapshot s = fleet->Snapshot();
  EXPECT_GT(s.power_losses, kDevices / 2) << SnapshotJson(s, nullptr);
  EXPECT_GT(s.chunks_corrupted, 0u);
  // The reverted ones run v1 and take the update when it is offered again.
  for (const std::string& id : reverted) ASSERT_TRUE(server_.distributor().StartUpdate(id, artifact).ok());
  ASSERT_TRUE(WaitFor([&] { return server_.results().count() == kDevices + reverted.size(); }, 240000));
  const auto results = server_.results().copy();
  for (size_t i = kDevices; i < results.size(); ++i)
    EXPECT_EQ(results[i].outcome, fleet::UpdateOutcome::kConfirmed) << results[i].device_id << " " << results[i].detail;
  EXPECT_TRUE(WaitFor([&] {
    const auto versions = fleet->Snapshot().gauges.confirmed_versions;
    return versions.count(2) && versions.at(2) == kDevices;
  }, 30000)) << SnapshotJson(fleet->Snapshot(), nullptr);
  fleet->Stop();
  const FinalCheck check = fleet->PowerCycleCheck();
  EXPECT_EQ(check.unbootable, 0u) << SnapshotJson(s, &check);
  EXPECT_EQ(check.on_confirmed, kDevices);
  EXPECT_EQ(check.booted_versions.at(2), kDevices);
}

// Each simulated device costs one descriptor (its socket): libmosquitto's wake-up socketpair is
// not opened (sim_device.cpp), so 10,000 devices fit a 20,000-descriptor limit in one process.
size_t OpenDescriptors() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

TEST_F(SimFleetTest, EachDeviceHoldsOneDescriptorAndTheRestOfTheProcessKeepsSocketpair) {
  constexpr size_t kDevices = 50;
  StartServer(kDevices);
  FleetOptions options = Options(BuildSimModel(16, 1));
  auto fleet = MakeFleet(options);
  ASSERT_NE(fleet, nullptr);
  const size_t before = OpenDescriptors();
  fleet->Start();
  ASSERT_TRUE(WaitFor([&] { return fleet->Snapshot().gauges.connected == kDevices; }, 60000));
  const size_t during = OpenDescriptors();
  // 50 sockets + one epoll set (+ a little slack for the harness's own threads/logs).
  EXPECT_GE(during - before, kDevices);
  EXPECT_LE(during - before, kDevices + 5) << "more than one descriptor per device";
  // Outside a simulated device's mosquitto_new, socketpair() is the normal one.
  int pair[2] = {-1, -1};
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  ::close(pair[0]);
  ::close(pair[1]);
  fleet->Stop();
}

}  // namespace
}  // namespace tinyforge::agent::sim::testing
