// `tinyforge simulate`: N simulated devices in this process (agent/sim: the real agent core and
// runtime per device, a few epoll event loops), against any MQTT broker with one account per
// device. Links agent/ and runtime/ only, never server/.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>

#include "agent/sim/sim_config.h"
#include "agent/sim/sim_fleet.h"
#include "toolchain/cli/commands.h"

namespace tinyforge::cli {
namespace {

namespace sim = tinyforge::agent::sim;

struct SimulateArgs {
  size_t devices = 0;
  std::string broker, credentials, password_dir, public_key, model, device_type = "sensor-m4";
  uint32_t model_version = 1;
  double duration_s = 60;
  uint32_t seed = 1;
  uint32_t until_confirmed = 0;
  bool as_json = false;
  sim::FleetOptions fleet;
  double drop_seconds = 2;
};

volatile std::sig_atomic_t g_interrupted = 0;
void OnSignal(int) { g_interrupted = 1; }

void PrintSummary(const sim::FleetSnapshot& s, const sim::FinalCheck& check) {
  const sim::FleetGauges& g = s.gauges;
  std::printf("simulated %llu devices for %.1f s\n", static_cast<unsigned long long>(g.devices), s.elapsed_s);
  std::printf("  connected at the end   %llu (connections made %llu, refused %llu, errors %llu)\n",
              (unsigned long long)g.connected, (unsigned long long)s.connects,
              (unsigned long long)s.connect_refused, (unsigned long long)s.connect_errors);
  std::printf("  messages sent          %llu (acknowledged by the broker %llu, still buffered %llu)\n",
              (unsigned long long)s.published, (unsigned long long)s.delivered,
              (unsigned long long)g.pending_outbound);
  std::printf("  inferences             %llu (mean %.1f us), alerts %llu\n",
              (unsigned long long)s.inferences,
              s.inferences == 0 ? 0.0 : double(s.inference_us) / double(s.inferences),
              (unsigned long long)s.alerts_queued);
  std::printf("  updates                offers %llu, confirmed %llu, reverted %llu, refused %llu\n",
              (unsigned long long)s.offers, (unsigned long long)s.acks_confirmed,
              (unsigned long long)s.acks_reverted, (unsigned long long)s.acks_refused);
  std::printf("  faults injected        power losses %llu, network drops %llu, corrupted chunks %llu, failed health checks %llu\n",
              (unsigned long long)s.power_losses, (unsigned long long)s.network_drops,
              (unsigned long long)s.chunks_corrupted, (unsigned long long)s.health_failures);
  std::printf("  bootable devices       %llu of %llu (%llu on a confirmed image)\n",
              (unsigned long long)check.bootable, (unsigned long long)g.devices,
              (unsigned long long)check.on_confirmed);
  std::printf("  confirmed versions    ");
  for (const auto& [version, count] : g.confirmed_versions)
    std::printf(" v%u: %llu", version, (unsigned long long)count);
  std::printf("\n");
}

int RunSimulate(SimulateArgs& a) {
  std::string error;
  sim::FleetOptions& o = a.fleet;
  if (!sim::ParseBrokerUrl(a.broker, &o.host, &o.port, &error)) return Fail(error);
  if (!sim::LookupDeviceType(a.device_type, &o.device_type)) {
    std::string known;
    for (const auto& name : sim::KnownDeviceTypes()) known += " " + name;
    return Fail("--device-type '" + a.device_type + "': unknown (known:" + known + ")");
  }
  std::vector<sim::DeviceAccount> accounts;
  if (a.credentials.empty() == a.password_dir.empty())
    return Fail("give exactly one of --credentials FILE and --password-dir DIR");
  const bool from_file = !a.credentials.empty();
  if (from_file ? !sim::ReadCredentialsFile(a.credentials, &accounts, &error)
                : !sim::ReadPasswordDir(a.password_dir, &accounts, &error))
    return Fail(error);
  if (accounts.size() < a.devices)
    return Fail((from_file ? "--credentials " + a.credentials : "--password-dir " + a.password_dir) +
                " has " + std::to_string(accounts.size()) +
                " accounts, --devices asks for " + std::to_string(a.devices));
  accounts.resize(a.devices);
  o.accounts = std::move(accounts);
  if (!sim::ReadBinaryFile(a.model, &o.model, &error)) return Fail(error);
  if (!a.public_key.empty() && !sim::ReadPublicKeyFile(a.public_key, &o.public_key, &error))
    return Fail(error);
  if (a.public_key.empty())
    std::fprintf(stderr, "tinyforge: warning: no --public-key: every update offer will be refused\n");
  o.model_version = a.model_version;
  o.seed = a.seed;
  o.faults.drop_ms = static_cast<uint32_t>(a.drop_seconds * 1000);
  auto fleet = sim::SimFleet::Create(o, &error);
  if (fleet == nullptr) return Fail(error);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  FILE* progress = a.as_json ? stderr : stdout;
  std::fprintf(progress, "[simulate] %zu %s devices -> %s (seed %u, %d event loop(s))\n", a.devices,
               o.device_type.name.c_str(), a.broker.c_str(), a.seed, o.threads);
  std::fflush(progress);
  fleet->Start();
  const auto start = std::chrono::steady_clock::now();
  auto next_report = start + std::chrono::seconds(5);
  while (!g_interrupted) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - start).count() >= a.duration_s) break;
    if (a.until_confirmed != 0) {
      const auto s = fleet->Snapshot();
      const auto it = s.gauges.confirmed_versions.find(a.until_confirmed);
      if (s.gauges.devices > 0 && it != s.gauges.confirmed_versions.end() &&
          it->second == a.devices)
        break;
    }
    if (now >= next_report) {
      next_report = now + std::chrono::seconds(5);
      const auto s = fleet->Snapshot();
      std::fprintf(progress, "[simulate] %.0f s: %llu connected, %llu sent, %llu confirmed updates\n",
                   s.elapsed_s, (unsigned long long)s.gauges.connected,
                   (unsigned long long)s.published, (unsigned long long)s.acks_confirmed);
      std::fflush(progress);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fleet->Stop();
  const sim::FleetSnapshot snapshot = fleet->Snapshot();
  const sim::FinalCheck check = fleet->PowerCycleCheck();
  if (a.as_json) {
    std::printf("%s\n", sim::SnapshotJson(snapshot, &check).c_str());
  } else {
    PrintSummary(snapshot, check);
  }
  return check.unbootable == 0 ? 0 : 1;
}

}  // namespace

void AddSimulateCommand(CLI::App& app, int* exit_code) {
  auto* command = app.add_subcommand(
      "simulate", "Run N simulated devices (real agent core + runtime) against an MQTT broker");
  static SimulateArgs a;
  command->add_option("--devices", a.devices, "How many devices")->required()->check(CLI::Range(1, 100000));
  command->add_option("--broker", a.broker, "mqtt://host:port")->required();
  command->add_option("--credentials", a.credentials, "File of 'device_id:password' lines (one per device)")->check(CLI::ExistingFile);
  command->add_option("--password-dir", a.password_dir, "Folder of <id>.env files (scripts/mosquitto/start.sh DATA_DIR/devices)")->check(CLI::ExistingDirectory);
  command->add_option("--model", a.model, "Factory model (.tfm) every device starts with")->required()->check(CLI::ExistingFile);
  command->add_option("--model-version", a.model_version, "Version of the factory model");
  command->add_option("--public-key", a.public_key, "The fleet server's Ed25519 public key (32 raw bytes or hex)")->check(CLI::ExistingFile);
  command->add_option("--device-type", a.device_type, "Board class: sensor-m4, sensor-m0, gateway-m7 (slot and RAM sizes)");
  command->add_option("--duration", a.duration_s, "Seconds to run")->check(CLI::Range(0.0, 1e7));
  command->add_option("--until-confirmed", a.until_confirmed, "Stop early once every device confirmed this version");
  command->add_option("--seed", a.seed, "Seed of every random choice (same seed, same fault plan)");
  command->add_option("--threads", a.fleet.threads, "Event loops (each owns a share of the devices)")->check(CLI::Range(1, 64));
  command->add_option("--connect-rate", a.fleet.connect_per_second, "New connections per second")->check(CLI::Range(1u, 1000000u));
  command->add_option("--telemetry-period-ms", a.fleet.telemetry_period_ms, "Telemetry period per device (0: none)");
  command->add_option("--inference-period-ms", a.fleet.inference_period_ms, "Inference period per device (0: none)");
  command->add_option("--anomaly-rate", a.fleet.anomaly_rate, "Fraction of inputs from a faulty signal")->check(CLI::Range(0.0, 1.0));
  command->add_option("--anomaly-threshold", a.fleet.anomaly_threshold, "Autoencoder MSE above which an input is an anomaly");
  command->add_option("--power-loss-rate", a.fleet.faults.power_loss_rate, "Per update: probability of a power cut inside its flash writes")->check(CLI::Range(0.0, 1.0));
  command->add_option("--power-loss-at", a.fleet.faults.power_loss_at_byte, "Cut power after exactly this many flash bytes of an update");
  command->add_option("--drop-rate", a.fleet.faults.drop_rate, "Per device per second: probability the network drops")->check(CLI::Range(0.0, 1.0));
  command->add_option("--drop-seconds", a.drop_seconds, "How long a network drop lasts")->check(CLI::Range(0.0, 3600.0));
  command->add_option("--corrupt-rate", a.fleet.faults.corrupt_rate, "Per received chunk: probability of one flipped bit")->check(CLI::Range(0.0, 1.0));
  command->add_option("--bad-health-rate", a.fleet.faults.bad_health_rate, "Fraction of devices where every new image fails its health check")->check(CLI::Range(0.0, 1.0));
  command->add_option("--bad-health-version", a.fleet.faults.bad_health_version, "This version fails its health check everywhere");
  command->add_option("--clock-skew", a.fleet.faults.clock_skew, "Max relative clock rate error per device (0.01 = +-1%)")->check(CLI::Range(0.0, 0.5));
  command->add_flag("--json", a.as_json, "Print the summary as JSON");
  command->callback([exit_code] { *exit_code = RunSimulate(a); });
}

}  // namespace tinyforge::cli
