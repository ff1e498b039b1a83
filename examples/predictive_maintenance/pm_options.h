// Options of the predictive-maintenance example (`tinyforge-pm-example --help`).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace tinyforge::examples::pm {

struct ExampleOptions {
  std::filesystem::path model_v1;   // anomaly.tfm of the first training (the motors' factory model)
  std::filesystem::path model_v2;   // anomaly.tfm rolled out while the motors run
  std::filesystem::path data_dir;   // CWRU recordings (../shared/datasets/cwru_bearing)
  std::filesystem::path work_dir;   // server data (Virtuoso, Mosquitto, SQLite); removed unless keep
  std::filesystem::path json_out;   // optional: the summary as JSON
  bool keep = false;
  uint32_t motors = 12;
  uint32_t healthy = 4;             // the first `healthy` motors never fail
  double duration_s = 60;           // how long the motors run
  double first_fault_s = 10;        // the first failing motor's fault starts here...
  double fault_spacing_s = 3;       // ...and each next one this much later
  double ramp_s = 3;                // a fault grows from nothing to fully developed in this time
  double rollout_at_s = 15;         // v2 is uploaded and rolled out at this time
  uint32_t inference_ms = 250;      // one window per motor this often
  uint32_t debounce = 3;            // consecutive anomalous windows before an alert
  uint32_t repeat_every = 20;       // then one alert per this many anomalous windows
  std::string groups = "25%,100%";  // rollout groups
  uint32_t seed = 1;
};

}  // namespace tinyforge::examples::pm
