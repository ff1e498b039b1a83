// Rollout benchmark (bench/README.md "Fleet"): a model of --model-kb KB rolled out to --devices
// simulated devices (agent/sim: the real agent core and runtime per device) in groups
// 1% -> 10% -> 100% through the server's rollout engine and OTA distributor, with the broker, the
// server side and the devices on this machine. Time end to end = Create() until the rollout is
// completed; per group: start -> success threshold reached. Also counts messages through the
// broker and the server's CPU share, to find the bottleneck.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "agent/sim/sim_fleet.h"
#include "bench/common/bench_flags.h"
#include "server/fleet/rollout_engine.h"
#include "tests/agent/sim/sim_models.h"
#include "tests/agent/sim/sim_server_harness.h"

namespace sim = tinyforge::agent::sim;
namespace fleet = tinyforge::server::fleet;
using sim::testing::SimServerHarness;

namespace {

// utime + stime of another process (the broker), from /proc/<pid>/stat; -1 if unreadable.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

double CpuSeconds(int who) {
  rusage usage{};
  ::getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

}  // namespace

int main(int argc, char** argv) {
  size_t devices = 10000;
  uint32_t model_n = 160;  // FC 160 x 160 float32: ~100 KB blob
  int threads = 1;
  int timeout_s = 900;
  uint16_t chunk_bytes = 8192;
  uint16_t window = fleet::DistributorOptions{}.window;
  uint32_t max_in_flight = fleet::DistributorOptions{}.max_chunks_in_flight;
  std::string out_path;
  tinyforge::bench::FlagReader flags(argc, argv,
                          "[--devices N] [--model-n N] [--threads T] [--chunk-bytes B] [--window W] "
                          "[--max-in-flight N] [--timeout S] [--out FILE]");
  while (flags.Next()) {
    if (flags.Is("--devices")) devices = flags.Number<size_t>(1, 100000);
    else if (flags.Is("--model-n")) model_n = flags.Number<uint32_t>(1, 4096);
    else if (flags.Is("--threads")) threads = flags.Number<int>(1, 256);
    else if (flags.Is("--timeout")) timeout_s = flags.Number<int>(1, 86400);
    else if (flags.Is("--chunk-bytes")) chunk_bytes = flags.Number<uint16_t>(16, 65535);
    else if (flags.Is("--window")) window = flags.Number<uint16_t>(1, 1024);
    else if (flags.Is("--max-in-flight")) max_in_flight = flags.Number<uint32_t>(1, 1000000);
    else if (flags.Is("--out")) out_path = flags.Text();
    else flags.Unknown();
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto since = [&](std::chrono::steady_clock::time_point from) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
  };
  const std::vector<std::string> ids = sim::testing::DeviceIds("d", devices);
  SimServerHarness server;
  fleet::DistributorOptions distributor_options;
  distributor_options.chunk_bytes = chunk_bytes;
  distributor_options.window = window;
  distributor_options.max_chunks_in_flight = max_in_flight;
  const std::string error = server.Start(
      std::filesystem::temp_directory_path() / ("tf-rollout-bench-" + std::to_string(::getpid())), ids,
      distributor_options);
  if (!error.empty()) {
    std::fprintf(stderr, "server: %s\n", error.c_str());
    return 1;
  }
  std::fprintf(stderr, "[rollout] broker with %zu accounts + server side up in %.1f s\n", devices, since(t0));
  const std::vector<uint8_t> v1 = sim::testing::BuildSimModel(model_n, 1);
  const std::vector<uint8_t> v2 = sim::testing::BuildSimModel(model_n, 2);
  const std::string artifact = server.AddModelArtifact(v2, 2, "sensor-m4");
  if (artifact.empty()) {
    std::fprintf(stderr, "artifact: could not store\n");
    return 1;
  }
  sim::FleetOptions options;
  sim::LookupDeviceType("sensor-m4", &options.device_type);
  server.FillFleetOptions(ids, &options);
  options.model = v1;
  options.telemetry_period_ms = 60000;
  options.inference_period_ms = 10000;
  options.connect_per_second = 2000;
  options.threads = threads;
  std::string fleet_error;
  auto devices_fleet = sim::SimFleet::Create(options, &fleet_error);
  if (devices_fleet == nullptr) {
    std::fprintf(stderr, "fleet: %s\n", fleet_error.c_str());
    return 1;
  }
  const auto t_connect = std::chrono::steady_clock::now();
  devices_fleet->Start();
  while (devices_fleet->Snapshot().gauges.connected < devices && since(t_connect) < 300)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double connect_s = since(t_connect);
  std::fprintf(stderr, "[rollout] %llu of %zu devices connected in %.1f s\n",
               (unsigned long long)devices_fleet->Snapshot().gauges.connected, devices, connect_s);
  // Let every state message reach the distributor before the clock starts.
  std::this_thread::sleep_for(std::chrono::seconds(2));

  auto opened = fleet::RolloutEngine::Open(
      std::filesystem::temp_directory_path() / ("tf-rollout-bench-" + std::to_string(::getpid()) + "-rollouts.sqlite"),
      &server.distributor());
  if (!opened.ok()) {
    std::fprintf(stderr, "rollout engine: %s\n", opened.error().message.c_str());
    return 1;
  }
  std::unique_ptr<fleet::RolloutEngine> engine = std::move(opened).value();
  engine->SetDispatcher(&server.distributor());
  fleet::RolloutSpec spec;
  spec.name = "bench";
  spec.artifact_id = artifact;
  spec.device_ids = ids;
  spec.success_threshold = 0.95;
  spec.error_threshold = 0.05;
  const sim::FleetSnapshot before = devices_fleet->Snapshot();
  const double server_cpu_before = CpuSeconds(RUSAGE_SELF);
  const double broker_cpu_before = ProcessCpuSeconds(server.broker().pid());
  const std::string load_before = LoadAverage();
  const auto t_rollout = std::chrono::steady_clock::now();
  auto created = engine->Create(spec);
  if (!created.ok()) {
    std::fprintf(stderr, "create: %s\n", created.error().message.c_str());
    return 1;
  }
  const int64_t id = created.value();
  fleet::RolloutStatus status;
  double next_report = 5;
  while (true) {
    auto got = engine->Get(id);
    if (got.ok()) status = got.value();
    if (fleet::IsFinal(status.state) || status.state == fleet::RolloutState::kHalted) break;
    if (since(t_rollout) > timeout_s) break;
    if (since(t_rollout) > next_report) {
      next_report += 5;
      const auto s = devices_fleet->Snapshot();
      std::fprintf(stderr, "[rollout] %.0f s: group %d, %llu confirmed, %llu receiving, %llu chunks\n",
                   since(t_rollout), status.current_group + 1, (unsigned long long)(s.acks_confirmed - before.acks_confirmed),
                   (unsigned long long)s.gauges.receiving, (unsigned long long)(s.chunks - before.chunks));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const double rollout_s = since(t_rollout);
  const double process_cpu = CpuSeconds(RUSAGE_SELF) - server_cpu_before;
  const double broker_cpu = ProcessCpuSeconds(server.broker().pid()) - broker_cpu_before;
  const std::string load_after = LoadAverage();
  const sim::FleetSnapshot after = devices_fleet->Snapshot();
  const auto distributor = server.distributor().counters();
  const auto ingest = server.bridge().counters();
  devices_fleet->Stop();
  const sim::FinalCheck check = devices_fleet->PowerCycleCheck();

  std::ostringstream groups;
  groups << "[";
  for (size_t g = 0; g < status.groups.size(); ++g) {
    const fleet::GroupStatus& group = status.groups[g];
    const double start = group.started_at_ms == 0 ? 0 : static_cast<double>(group.started_at_ms - status.groups[0].started_at_ms) / 1000.0;
    const double reached = group.threshold_reached_at_ms == 0 ? -1 : static_cast<double>(group.threshold_reached_at_ms - status.groups[0].started_at_ms) / 1000.0;
    groups << (g ? ", " : "") << "{\"size\": " << group.size << ", \"confirmed\": " << group.confirmed
           << ", \"failed\": " << group.failed << ", \"started_s\": " << start
           << ", \"threshold_reached_s\": " << reached << "}";
  }
  groups << "]";
  const uint64_t chunks = after.chunks - before.chunks;
  std::ostringstream json;
  json << "{\"devices\": " << devices << ", \"model_bytes\": " << v2.size() << ", \"chunk_bytes\": " << chunk_bytes
       << ", \"chunks_per_device\": " << (v2.size() + chunk_bytes - 1) / chunk_bytes
       << ", \"event_loops\": " << threads << ", \"connect_s\": " << connect_s
       << ", \"state\": \"" << fleet::RolloutStateName(status.state) << "\""
       << ", \"rollout_s\": " << rollout_s << ", \"goal_s\": 120, \"goal_met\": "
       << (status.state == fleet::RolloutState::kCompleted && rollout_s < 120 ? "true" : "false")
       << ", \"groups\": " << groups.str()
       << ", \"confirmed\": " << after.acks_confirmed - before.acks_confirmed
       << ", \"chunks_received\": " << chunks
       << ", \"chunks_per_s\": " << static_cast<double>(chunks) / rollout_s
       << ", \"device_messages_published\": " << after.published - before.published
       << ", \"window\": " << window << ", \"max_chunks_in_flight\": " << max_in_flight
       << ", \"server_chunks_sent\": " << distributor.chunks_sent << ", \"server_offers_sent\": " << distributor.offers_sent
       << ", \"server_stall_reoffers\": " << distributor.stall_reoffers << ", \"server_rewinds\": " << distributor.rewinds
       << ", \"server_messages_received\": " << ingest.received
       << ", \"process_cpu_s\": " << process_cpu
       << ", \"process_cpu_share_of_2_cores\": " << process_cpu / (2 * rollout_s)
       << ", \"broker_cpu_s\": " << broker_cpu
       << ", \"loadavg_before\": \"" << load_before << "\", \"loadavg_after\": \"" << load_after << "\""
       << ", \"power_cycle_check\": {\"bootable\": " << check.bootable << ", \"on_confirmed\": " << check.on_confirmed << "}}";
  std::printf("%s\n", json.str().c_str());
  if (!out_path.empty()) std::ofstream(out_path) << json.str() << "\n";
  engine.reset();
  std::error_code ignored;
  std::filesystem::remove(std::filesystem::temp_directory_path() / ("tf-rollout-bench-" + std::to_string(::getpid()) + "-rollouts.sqlite"), ignored);
  return status.state == fleet::RolloutState::kCompleted ? 0 : 1;
}
