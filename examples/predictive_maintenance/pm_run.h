// The predictive-maintenance use case end to end (README.md): server up, model and motors
// registered, motors running the real agent + runtime on CWRU vibration, a staged rollout of the
// second model while they run, then what happened, read back from the server's REST API.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "examples/predictive_maintenance/pm_options.h"
#include "toolchain/ir/result.h"

namespace tinyforge::examples::pm {

struct MotorReport {
  std::string id;
  bool faulty = false;
  std::string fault;            // recording the fault comes from ("" when healthy)
  double fault_start_s = -1;    // since the motors started
  uint64_t alerts = 0;          // stored by the server
  double first_alert_s = -1;    // server receive time of the first alert, since the motors started
  std::map<uint32_t, uint64_t> alerts_by_model_version;
  std::map<uint32_t, uint64_t> windows_by_version, anomalous_by_version;  // the board's, per model version
  uint64_t windows = 0, anomalous_windows = 0, alerts_decided = 0;  // the board's own counts
  int64_t running_version = -1, confirmed_version = -1;            // the server's last state
  std::string error;            // the board application's last error, if any
};

struct ExampleReport {
  std::vector<MotorReport> motors;
  nlohmann::json rollout;       // GET /api/v1/rollouts/{id} at the end
  double rollout_started_s = -1, rollout_finished_s = -1;
  double run_seconds = 0;       // motors running
  double setup_seconds = 0;     // server start + registration
  uint64_t inferences = 0, inference_errors = 0, unbootable = 0;
  std::vector<std::string> problems;  // empty: every expectation held
  nlohmann::json ToJson() const;
};

toolchain::Result<ExampleReport> RunExample(const ExampleOptions& options);

}  // namespace tinyforge::examples::pm
