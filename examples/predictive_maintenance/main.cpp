// tinyforge-pm-example: the predictive-maintenance use case in one command (README.md; run.sh
// trains the two model versions first and then runs this).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "examples/predictive_maintenance/pm_run.h"

namespace {

using tinyforge::examples::pm::ExampleOptions;
using tinyforge::examples::pm::ExampleReport;

void PrintSummary(const ExampleReport& report) {
  std::printf("\n== predictive maintenance: what happened ==\n");
  std::printf("%-9s %-34s %8s %7s %8s %8s %7s %s\n", "motor", "fault", "fault@s", "alerts", "first@s", "delay_s",
              "windows", "version (running/confirmed)");
  for (const auto& m : report.motors) {
    char fault_at[16] = "-", first[16] = "-", delay[16] = "-";
    if (m.faulty) std::snprintf(fault_at, sizeof(fault_at), "%.1f", m.fault_start_s);
    if (m.first_alert_s >= 0) std::snprintf(first, sizeof(first), "%.2f", m.first_alert_s);
    if (m.faulty && m.first_alert_s >= 0) std::snprintf(delay, sizeof(delay), "%.2f", m.first_alert_s - m.fault_start_s);
    std::string by_version;
    for (const auto& [version, count] : m.alerts_by_model_version)
      by_version += (by_version.empty() ? "" : " ") + std::string("v") + std::to_string(version) + ":" + std::to_string(count);
    std::printf("%-9s %-34s %8s %7llu %8s %8s %7llu v%lld/v%lld %s%s\n", m.id.c_str(), m.faulty ? m.fault.c_str() : "healthy",
                fault_at, static_cast<unsigned long long>(m.alerts), first, delay,
                static_cast<unsigned long long>(m.windows), static_cast<long long>(m.running_version),
                static_cast<long long>(m.confirmed_version), by_version.empty() ? "" : "alerts ", by_version.c_str());
  }
  uint64_t faulty = 0, detected = 0, healthy = 0, false_alarm_motors = 0;
  double delay_sum = 0, delay_max = 0;
  for (const auto& m : report.motors) {
    if (m.faulty) {
      ++faulty;
      if (m.alerts > 0 && m.first_alert_s >= m.fault_start_s) {
        ++detected;
        delay_sum += m.first_alert_s - m.fault_start_s;
        delay_max = std::max(delay_max, m.first_alert_s - m.fault_start_s);
      }
    } else {
      ++healthy;
      if (m.alerts > 0) ++false_alarm_motors;
    }
  }
  std::printf("\nfaulty motors detected: %llu of %llu (detection delay mean %.2f s, max %.2f s, from fault onset)\n",
              static_cast<unsigned long long>(detected), static_cast<unsigned long long>(faulty),
              detected ? delay_sum / static_cast<double>(detected) : 0.0, delay_max);
  std::printf("healthy motors with false alerts: %llu of %llu\n", static_cast<unsigned long long>(false_alarm_motors),
              static_cast<unsigned long long>(healthy));
  // Per window, before the debounce: how often each model version misjudged normal vibration.
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> healthy_windows;  // version -> (anomalous, all)
  for (const auto& m : report.motors) {
    if (m.faulty) continue;
    for (const auto& [version, count] : m.windows_by_version) healthy_windows[version].second += count;
    for (const auto& [version, count] : m.anomalous_by_version) healthy_windows[version].first += count;
  }
  for (const auto& [version, counts] : healthy_windows) {
    std::printf("  healthy windows judged anomalous by v%u: %llu of %llu (%.2f%%, before the debounce)\n", version,
                static_cast<unsigned long long>(counts.first), static_cast<unsigned long long>(counts.second),
                counts.second ? 100.0 * static_cast<double>(counts.first) / static_cast<double>(counts.second) : 0.0);
  }
  const auto& rollout = report.rollout;
  if (rollout.is_object() && rollout.contains("state")) {
    std::printf("rollout %lld: %s, started %.1f s, finished %.1f s\n", static_cast<long long>(rollout.value("id", 0)),
                rollout.value("state", "").c_str(), report.rollout_started_s, report.rollout_finished_s);
    for (const auto& group : rollout.value("groups", nlohmann::json::array())) {
      std::printf("  group %d (%s, %d devices): confirmed %d, failed %d, incompatible %d, pending %d, waiting %d\n",
                  group.value("index", 0), group.value("spec", "").c_str(), group.value("size", 0),
                  group.value("confirmed", 0), group.value("failed", 0), group.value("incompatible", 0),
                  group.value("pending", 0), group.value("waiting", 0));
    }
    for (const auto& failure : rollout.value("failures", nlohmann::json::array())) {
      std::printf("  %s: %s (%s)\n", failure.value("device_id", "").c_str(), failure.value("outcome", "").c_str(),
                  failure.value("detail", "").c_str());
    }
  } else {
    std::printf("rollout: none\n");
  }
  std::printf("inferences %llu (errors %llu), boards that no longer boot %llu; setup %.1f s, run %.1f s\n",
              static_cast<unsigned long long>(report.inferences), static_cast<unsigned long long>(report.inference_errors),
              static_cast<unsigned long long>(report.unbootable), report.setup_seconds, report.run_seconds);
  if (report.problems.empty()) {
    std::printf("RESULT: ok (every faulty motor alerted after its fault began, no healthy motor alerted, rollout completed, every motor on v2)\n");
  } else {
    std::printf("RESULT: %zu problem(s)\n", report.problems.size());
    for (const auto& problem : report.problems) std::printf("  - %s\n", problem.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  ExampleOptions options;
  std::string v1, v2, data, work, json_out;
  CLI::App cli{"Predictive maintenance end to end: simulated motors replay CWRU vibration, run the anomaly "
               "model on the real agent + runtime, alert over MQTT; a second model is rolled out while they run."};
  cli.add_option("--model-v1", v1, "anomaly.tfm the motors start with")->required()->check(CLI::ExistingFile);
  cli.add_option("--model-v2", v2, "anomaly.tfm rolled out while they run")->required()->check(CLI::ExistingFile);
  cli.add_option("--data", data, "CWRU recordings (../shared/datasets/cwru_bearing)")->required()->check(CLI::ExistingDirectory);
  cli.add_option("--work", work, "server data directory (Virtuoso, Mosquitto, SQLite); emptied first")->required();
  cli.add_option("--json", json_out, "also write the summary as JSON here");
  cli.add_flag("--keep", options.keep, "keep the work directory");
  cli.add_option("--motors", options.motors, "simulated motors")->capture_default_str();
  cli.add_option("--healthy", options.healthy, "how many of them never fail")->capture_default_str();
  cli.add_option("--duration", options.duration_s, "seconds the motors run")->capture_default_str();
  cli.add_option("--first-fault", options.first_fault_s, "second at which the first fault begins")->capture_default_str();
  cli.add_option("--fault-spacing", options.fault_spacing_s, "seconds between the failing motors' fault onsets")->capture_default_str();
  cli.add_option("--ramp", options.ramp_s, "seconds a fault takes to develop fully")->capture_default_str();
  cli.add_option("--rollout-at", options.rollout_at_s, "second at which v2 is rolled out")->capture_default_str();
  cli.add_option("--inference-ms", options.inference_ms, "one vibration window per motor this often")->capture_default_str();
  cli.add_option("--debounce", options.debounce, "consecutive anomalous windows before an alert")->capture_default_str();
  cli.add_option("--repeat-every", options.repeat_every, "then one more alert per this many anomalous windows (0: once)")->capture_default_str();
  cli.add_option("--groups", options.groups, "rollout groups, e.g. 25%,100% or 2,12")->capture_default_str();
  cli.add_option("--seed", options.seed)->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  options.model_v1 = v1;
  options.model_v2 = v2;
  options.data_dir = data;
  options.work_dir = work;
  auto report = tinyforge::examples::pm::RunExample(options);
  if (!report.ok()) {
    std::fprintf(stderr, "tinyforge-pm-example: %s\n", report.error().message.c_str());
    return 2;
  }
  PrintSummary(report.value());
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << report.value().ToJson().dump(2) << "\n";
    if (!out) {
      std::fprintf(stderr, "tinyforge-pm-example: cannot write %s\n", json_out.c_str());
      return 2;
    }
  }
  return report.value().problems.empty() ? 0 : 1;
}
