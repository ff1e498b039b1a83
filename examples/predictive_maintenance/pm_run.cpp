// The use case, step by step (see pm_run.h and README.md).
#include "examples/predictive_maintenance/pm_run.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <sodium.h>

#include "agent/sim/sim_fleet.h"
#include "examples/predictive_maintenance/motor_application.h"
#include "examples/predictive_maintenance/motor_signal.h"
#include "examples/predictive_maintenance/pm_server_client.h"
#include "server/http/server_app.h"
#include "tinyforge/format/tfm.h"
#include "tinyforge/op_registry.h"

namespace tinyforge::examples::pm {
namespace {

using nlohmann::json;
using toolchain::MakeError;
using toolchain::Result;
using Clock = std::chrono::steady_clock;

constexpr const char* kModelId = "pm_motor_anomaly";
constexpr const char* kDeviceType = "sensor-m4";
constexpr const char* kRuntimeVersion = "0.1.0";  // PROJECT_VERSION: what the simulated boards run
// Fault recordings at the test loads (1-3 HP): the autoencoder was trained at 0 HP, normal only.
const char* const kFaultRecordings[] = {"de12k_1hp_IR007", "de12k_2hp_B007",  "de12k_3hp_OR007",
                                        "de12k_1hp_OR021", "de12k_2hp_IR021", "de12k_3hp_B021",
                                        "de12k_1hp_B007",  "de12k_2hp_OR007", "de12k_3hp_IR007"};

Result<std::vector<uint8_t>> ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return MakeError(path.string() + ": cannot open");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), {});
}

// The registry wants a dataset hash (sha256:<hex>) for a model version. The pipeline writes its
// own (over the sample bytes) only into package model cards, so the example hashes the training
// recordings' files (the 0 HP files the [data] section trains on), in name order.
Result<std::string> TrainingDataSha256(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".f32" && (name.rfind("de12k_0hp_", 0) == 0 || name == "normal_0hp_12k.f32"))
      files.push_back(entry.path());
  }
  if (error || files.empty()) return MakeError(dir.string() + ": no 0 HP recordings to hash");
  std::sort(files.begin(), files.end());
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  for (const auto& path : files) {
    auto bytes = ReadFile(path);
    if (!bytes.ok()) return bytes.error();
    crypto_hash_sha256_update(&state, bytes->data(), bytes->size());
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  std::string hex = "sha256:";
  for (unsigned char byte : digest) {
    static const char kDigits[] = "0123456789abcdef";
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 15];
  }
  return hex;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int64_t EpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json MotorThingDescription(const std::string& id) {
  return {{"@context", json::array({"https://www.w3.org/2022/wot/td/v1.1",
                                    {{"tf", "https://w3id.org/tinyforge/ontology#"}}})},
          {"id", id},
          {"title", "Motor " + id + " vibration monitor"},
          {"securityDefinitions", {{"nosec_sc", {{"scheme", "nosec"}}}}},
          {"security", json::array({"nosec_sc"})},
          {"properties",
           {{"vibration",
             {{"type", "array"}, {"readOnly", true}, {"observable", true},
              {"forms", json::array({{{"href", "mqtt://127.0.0.1/tf/" + id + "/telemetry"},
                                      {"op", json::array({"observeproperty"})}}})}}}}},
          {"capabilities",
           {{"mcu", {{"core", "cortex-m4"}, {"clock_hz", 120000000}, {"fpu", true}, {"dsp", true}}},
            {"ram_bytes", 65536},
            {"flash_bytes", 1048576},
            {"sensors", json::array({{{"type", "Accelerometer"}, {"sampling_rate_hz", 12000}}})},
            {"firmware", {{"id", "tf-fw-motor"}, {"version", "1.0.0"}}},
            {"runtime_version", kRuntimeVersion}}}};
}

Result<json> Expect(const RestReply& reply, int status, const std::string& what) {
  if (reply.status != status) {
    return MakeError(what + ": HTTP " + std::to_string(reply.status) + " (expected " + std::to_string(status) +
                     "): " + reply.text.substr(0, 600));
  }
  return reply.body;
}

json GroupsJson(const std::string& spec) {
  json groups = json::array();
  std::stringstream stream(spec);
  for (std::string item; std::getline(stream, item, ',');) {
    if (item.empty()) continue;
    // A count goes as a number; anything else as text, which the server checks and names.
    const bool count = item.size() <= 9 && std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (count) groups.push_back(std::stoi(item));
    else groups.push_back(item);
  }
  return groups;
}

std::string Validate(const ExampleOptions& o) {
  if (o.motors == 0 || o.motors > 500) return "--motors must be 1..500";
  if (o.healthy > o.motors) return "--healthy must be at most --motors";
  if (o.inference_ms < 20) return "--inference-ms must be at least 20";
  const uint32_t faulty = o.motors - o.healthy;
  if (faulty > 0) {
    const double last_fault = o.first_fault_s + o.fault_spacing_s * (faulty - 1);
    if (last_fault + o.ramp_s + 2.0 > o.duration_s) {
      return "the last fault starts at " + std::to_string(last_fault) + " s and needs --ramp " +
             std::to_string(o.ramp_s) + " s + 2 s to show: raise --duration (" + std::to_string(o.duration_s) + ")";
    }
  }
  if (o.rollout_at_s >= o.duration_s) return "--rollout-at must be before --duration";
  if (GroupsJson(o.groups).empty()) return "--groups is empty";
  return "";
}

}  // namespace

json ExampleReport::ToJson() const {
  json motors_json = json::array();
  for (const auto& m : motors) {
    auto by_version_json = [](const std::map<uint32_t, uint64_t>& counts) {
      json out = json::object();
      for (const auto& [version, count] : counts) out["v" + std::to_string(version)] = count;
      return out;
    };
    const json by_version = by_version_json(m.alerts_by_model_version);
    motors_json.push_back({{"id", m.id}, {"faulty", m.faulty}, {"fault", m.fault},
                           {"fault_start_s", m.fault_start_s}, {"alerts", m.alerts},
                           {"first_alert_s", m.first_alert_s},
                           {"detection_delay_s", m.faulty && m.first_alert_s >= 0 ? json(m.first_alert_s - m.fault_start_s) : json()},
                           {"alerts_by_model_version", by_version}, {"windows", m.windows},
                           {"windows_by_version", by_version_json(m.windows_by_version)},
                           {"anomalous_windows_by_version", by_version_json(m.anomalous_by_version)},
                           {"anomalous_windows", m.anomalous_windows}, {"alerts_decided", m.alerts_decided},
                           {"running_version", m.running_version}, {"confirmed_version", m.confirmed_version},
                           {"error", m.error}});
  }
  return {{"motors", motors_json},
          {"rollout", rollout},
          {"rollout_started_s", rollout_started_s},
          {"rollout_finished_s", rollout_finished_s},
          {"run_seconds", run_seconds},
          {"setup_seconds", setup_seconds},
          {"inferences", inferences},
          {"inference_errors", inference_errors},
          {"unbootable", unbootable},
          {"problems", problems},
          {"ok", problems.empty()}};
}

Result<ExampleReport> RunExample(const ExampleOptions& options) {
  if (std::string problem = Validate(options); !problem.empty()) return MakeError(problem);
  ExampleReport report;
  auto v1 = ReadFile(options.model_v1);
  if (!v1.ok()) return v1.error();
  auto v2 = ReadFile(options.model_v2);
  if (!v2.ok()) return v2.error();
  // Both models must be anomaly models the boards can run (checked before anything starts).
  for (const auto* blob : {&v1.value(), &v2.value()}) {
    Model model;
    if (model.Load(blob->data(), blob->size()) != Status::kOk) {
      return MakeError((blob == &v1.value() ? options.model_v1 : options.model_v2).string() + ": not a valid .tfm");
    }
    auto info = ReadAnomalyModel(model);
    if (!info.ok()) return MakeError((blob == &v1.value() ? options.model_v1 : options.model_v2).string() + ": " + info.error().message);
  }

  // ---- the motors' signals -------------------------------------------------------------------
  auto normal = LoadRecording(options.data_dir, "normal_0hp_12k");
  if (!normal.ok()) return normal.error();
  std::vector<Recording> faults;
  const uint32_t faulty_count = options.motors - options.healthy;
  for (uint32_t j = 0; j < std::min<uint32_t>(faulty_count, std::size(kFaultRecordings)); ++j) {
    auto recording = LoadRecording(options.data_dir, kFaultRecordings[j]);
    if (!recording.ok()) return recording.error();
    faults.push_back(std::move(recording).value());
  }
  // The pipeline trains on the first 70% of the normal recording (holdout_fraction 0.3): the
  // motors replay only the rest.
  const size_t normal_begin = static_cast<size_t>(std::ceil(static_cast<double>(normal->samples.size()) * 0.7));
  MotorSignal signal(&normal.value(), normal_begin);
  std::mt19937 rng(options.seed);
  std::vector<MotorPlan> plans;
  for (uint32_t i = 0; i < options.motors; ++i) {
    MotorPlan plan;
    char id[32];
    std::snprintf(id, sizeof(id), "motor-%02u", i + 1);
    plan.device_id = id;
    plan.normal_offset = static_cast<uint32_t>(rng() % signal.normal_samples());
    if (i >= options.healthy) {
      const uint32_t j = i - options.healthy;
      plan.faulty = true;
      plan.fault_start_s = options.first_fault_s + options.fault_spacing_s * j;
      plan.ramp_s = options.ramp_s;
      plan.fault = &faults[j % faults.size()];
    }
    plans.push_back(plan);
  }
  MotorApplication application(&signal, plans, options.debounce, options.repeat_every);

  // ---- tinyforge serve: its own Virtuoso and Mosquitto in the work directory ----------------
  const auto setup_start = Clock::now();
  std::filesystem::remove_all(options.work_dir);
  server::http::ServerOptions server_options;
  server_options.data_dir = options.work_dir / "server";
  auto app = server::http::ServerApp::Start(server_options);
  if (!app.ok()) return MakeError("tinyforge serve: " + app.error().message);
  auto token = app.value()->db().IssueToken(server::domain::Role::kEngineer, "predictive-maintenance");
  if (!token.ok()) return MakeError("token: " + token.error().message);
  RestClient rest("127.0.0.1", app.value()->port(), token->secret);
  std::printf("server: http://127.0.0.1:%d (data %s)\n", app.value()->port(), server_options.data_dir.c_str());

  // ---- register the model versions (from the .tfm blobs) and the motors ---------------------
  // The runtime release the boards run, with the ops its resolver has: the knowledge graph checks
  // each model's ops against it before the distributor offers an update.
  json ops = json::array();
  for (uint32_t i = 0; i < AllOpsResolver().count(); ++i) ops.push_back(format::OpName(AllOpsResolver().at(i).opcode));
  auto runtime = Expect(rest.PostJson("/api/v1/runtimes", {{"version", kRuntimeVersion}, {"ops", ops}}), 201,
                        "register runtime release");
  if (!runtime.ok()) return runtime.error();
  auto dataset_hash = TrainingDataSha256(options.data_dir);
  if (!dataset_hash.ok()) return dataset_hash.error();
  for (int version = 1; version <= 2; ++version) {
    const auto& blob = version == 1 ? v1.value() : v2.value();
    auto registered = Expect(rest.PostBytes(std::string("/api/v1/models?id=") + kModelId + "&version=" +
                                                std::to_string(version) + ".0.0&runtime_version=" + kRuntimeVersion +
                                                "&name=motor%20bearing%20anomaly%20autoencoder&dataset_hash=" + dataset_hash.value(),
                                            std::string(blob.begin(), blob.end())),
                             201, "register model version " + std::to_string(version));
    if (!registered.ok()) return registered.error();
  }
  json batch = json::array();
  for (const auto& plan : plans) batch.push_back(MotorThingDescription(plan.device_id));
  auto batch_reply = Expect(rest.PostJson("/api/v1/devices:batch", batch), 201, "register the motors");
  if (!batch_reply.ok()) return batch_reply.error();
  agent::sim::FleetOptions fleet_options;
  std::string broker_url;
  for (const auto& device : batch_reply.value()["devices"]) {
    if (!device["mqtt"]["password"].is_string()) {
      return MakeError("devices:batch gave " + device.value("id", "?") + " no MQTT account: " + device.dump());
    }
    fleet_options.accounts.push_back({device["id"], device["mqtt"]["password"]});
    broker_url = device["mqtt"]["url"];
  }
  if (fleet_options.accounts.size() != plans.size()) return MakeError("devices:batch returned no accounts");
  const size_t colon = broker_url.rfind(':');
  fleet_options.host = "127.0.0.1";
  fleet_options.port = std::atoi(broker_url.c_str() + colon + 1);
  auto stats = Expect(rest.Get("/api/v1/fleet/stats"), 200, "fleet stats");
  if (!stats.ok()) return stats.error();
  const std::string key_hex = stats.value().value("signing_public_key", "");
  if (key_hex.size() != 64) return MakeError("fleet stats: no signing_public_key");
  for (size_t i = 0; i < 32; ++i) fleet_options.public_key[i] = static_cast<uint8_t>(std::stoi(key_hex.substr(2 * i, 2), nullptr, 16));
  fleet_options.model = v1.value();
  fleet_options.model_version = 1;
  agent::sim::LookupDeviceType(kDeviceType, &fleet_options.device_type);
  fleet_options.runtime_version = 0x000100;
  fleet_options.telemetry_period_ms = 2000;
  fleet_options.inference_period_ms = options.inference_ms;
  fleet_options.seed = options.seed;
  fleet_options.inference_hook = [&application](uint32_t index, uint32_t version, Interpreter& interpreter) {
    return application.Run(index, version, interpreter);
  };
  std::string fleet_error;
  auto fleet = agent::sim::SimFleet::Create(fleet_options, &fleet_error);
  if (fleet == nullptr) return MakeError("motors: " + fleet_error);
  report.setup_seconds = SecondsSince(setup_start);

  // ---- run; roll out v2 while the motors run ---------------------------------------------------
  const auto start = Clock::now();
  const int64_t start_epoch_ms = EpochMs();
  application.SetStart(start);
  fleet->Start();
  std::printf("motors: %u started (%u healthy), %.0f s of signal, rollout of v2 at %.0f s\n", options.motors,
              options.healthy, options.duration_s, options.rollout_at_s);
  std::fflush(stdout);
  auto sleep_until = [&](double t_s) {
    while (SecondsSince(start) < t_s) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  };
  sleep_until(options.rollout_at_s);
  std::string rollout_error;
  int64_t rollout_id = 0;
  {
    const auto& blob = v2.value();
    auto artifact = Expect(rest.PostBytes(std::string("/api/v1/artifacts?kind=model&version=2&device_type=") + kDeviceType +
                                              "&min_runtime=" + kRuntimeVersion + "&model_id=" + kModelId +
                                              "&model_version=2.0.0",
                                          std::string(blob.begin(), blob.end())),
                           201, "upload v2");
    json targets = json::array();
    for (const auto& plan : plans) targets.push_back(plan.device_id);
    if (artifact.ok()) {
      report.rollout_started_s = SecondsSince(start);
      auto created = Expect(rest.PostJson("/api/v1/rollouts", {{"name", "pm v2"},
                                                              {"artifact_id", artifact.value()["id"]},
                                                              {"target", {{"devices", targets}}},
                                                              {"groups", GroupsJson(options.groups)}}),
                            201, "create the rollout");
      if (created.ok()) rollout_id = created.value()["id"].get<int64_t>();
      else rollout_error = created.error().message;
    } else {
      rollout_error = artifact.error().message;
    }
  }
  if (rollout_id > 0) {
    std::printf("rollout %lld of v2 started at %.1f s\n", static_cast<long long>(rollout_id), report.rollout_started_s);
    std::fflush(stdout);
    const std::set<std::string> final_states = {"completed", "halted", "cancelled", "rolled_back"};
    const double give_up = SecondsSince(start) + 300;  // generous: a loaded 2-core machine
    while (SecondsSince(start) < give_up) {
      auto state = rest.Get("/api/v1/rollouts/" + std::to_string(rollout_id));
      if (state.status == 200 && final_states.count(state.body.value("state", ""))) {
        report.rollout_finished_s = SecondsSince(start);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
  sleep_until(options.duration_s);
  report.run_seconds = SecondsSince(start);

  // ---- stop: everything the boards queued reaches the server, then read it back --------------
  fleet->Quiesce(true);
  const auto drain_start = Clock::now();
  while (fleet->Snapshot().gauges.pending_outbound > 0 && SecondsSince(drain_start) < 30) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto snapshot = fleet->Snapshot();
  fleet->Stop();
  const auto final_check = fleet->PowerCycleCheck();
  report.inferences = snapshot.inferences;
  report.inference_errors = snapshot.inference_errors;
  report.unbootable = final_check.unbootable;
  if (rollout_id > 0) report.rollout = rest.Get("/api/v1/rollouts/" + std::to_string(rollout_id)).body;

  for (size_t i = 0; i < plans.size(); ++i) {
    const MotorPlan& plan = plans[i];
    const MotorCounters& counters = application.counters()[i];
    MotorReport motor;
    motor.id = plan.device_id;
    motor.faulty = plan.faulty;
    motor.fault = plan.faulty ? plan.fault->name + " (" + plan.fault->label + ")" : "";
    motor.fault_start_s = plan.faulty ? plan.fault_start_s : -1;
    motor.windows = counters.windows;
    motor.anomalous_windows = counters.anomalous;
    motor.alerts_decided = counters.alerts;
    motor.windows_by_version = counters.windows_by_version;
    motor.anomalous_by_version = counters.anomalous_by_version;
    motor.error = counters.last_error;
    // The server has committed what the broker delivered once the counts match (or after 20 s).
    json alerts;
    const auto wait_start = Clock::now();
    while (true) {
      alerts = rest.Get("/api/v1/fleet/devices/" + motor.id + "/alerts?limit=1000").body;
      if (alerts.value("total", int64_t{-1}) >= static_cast<int64_t>(motor.alerts_decided) || SecondsSince(wait_start) > 20) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    motor.alerts = alerts.value("total", uint64_t{0});
    for (int64_t offset = 0;; offset += 1000) {
      if (offset > 0) alerts = rest.Get("/api/v1/fleet/devices/" + motor.id + "/alerts?limit=1000&offset=" + std::to_string(offset)).body;
      if (!alerts.contains("items") || alerts["items"].empty()) break;
      for (const auto& alert : alerts["items"]) {
        const double at_s = static_cast<double>(alert["received_ms"].get<int64_t>() - start_epoch_ms) / 1000.0;
        if (motor.first_alert_s < 0 || at_s < motor.first_alert_s) motor.first_alert_s = at_s;
        ++motor.alerts_by_model_version[alert["model_version"].get<uint32_t>()];
      }
    }
    const json device = rest.Get("/api/v1/fleet/devices/" + motor.id).body;
    if (device.contains("state") && device["state"].is_object()) {
      motor.running_version = device["state"].value("running_version", int64_t{-1});
      motor.confirmed_version = device["state"].value("confirmed_version", int64_t{-1});
    }
    report.motors.push_back(motor);
  }

  // ---- what held and what did not ------------------------------------------------------------
  auto& problems = report.problems;
  if (!rollout_error.empty()) problems.push_back("rollout not started: " + rollout_error);
  if (rollout_id > 0 && report.rollout.value("state", "") != "completed") {
    problems.push_back("rollout ended " + report.rollout.value("state", std::string("unfinished")) + ": " +
                       report.rollout.value("reason", std::string("")));
  }
  for (const auto& m : report.motors) {
    if (m.faulty && m.alerts == 0) problems.push_back(m.id + " (fault from " + std::to_string(m.fault_start_s) + " s) never alerted");
    if (m.faulty && m.alerts > 0 && m.first_alert_s < m.fault_start_s)
      problems.push_back(m.id + ": first alert at " + std::to_string(m.first_alert_s) + " s, before its fault (" +
                         std::to_string(m.fault_start_s) + " s): a false alarm");
    if (!m.faulty && m.alerts > 0) problems.push_back("healthy " + m.id + " sent " + std::to_string(m.alerts) + " alert(s): false alarms");
    if (m.alerts != m.alerts_decided)
      problems.push_back(m.id + ": the board decided " + std::to_string(m.alerts_decided) + " alerts, the server stored " +
                         std::to_string(m.alerts));
    if (m.running_version != 2 || m.confirmed_version != 2)
      problems.push_back(m.id + " ends on running v" + std::to_string(m.running_version) + ", confirmed v" +
                         std::to_string(m.confirmed_version) + " (expected 2)");
    if (!m.error.empty()) problems.push_back(m.id + ": " + m.error);
  }
  if (report.inference_errors > 0) problems.push_back(std::to_string(report.inference_errors) + " inference errors");
  if (report.unbootable > 0) problems.push_back(std::to_string(report.unbootable) + " boards no longer boot");
  if (!options.keep) {
    app.value().reset();
    std::error_code ignored;
    std::filesystem::remove_all(options.work_dir, ignored);
  }
  return report;
}

}  // namespace tinyforge::examples::pm
