// What runs on each simulated motor's board, between the sensor and the agent: take the latest
// vibration window, compute the model's features with runtime/dsp (the configuration the toolchain
// wrote into the model's "preprocessing" metadata), run the autoencoder the board booted, and
// flag an anomaly when the reconstruction error of the standardized features exceeds the model's
// own threshold (metadata "anomaly.threshold"). Everything is read from the running model, so a
// model delivered over the air brings its own features, standardization and threshold.
//
// Debounce: the agent is told to alert only after `debounce` consecutive anomalous windows, and
// then again every `repeat_every` anomalous windows while the anomaly lasts (a reminder, not a
// flood). A normal window resets the run. No alert is ever sent on a fixed rule or a timer.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "agent/sim/sim_options.h"
#include "examples/predictive_maintenance/motor_signal.h"
#include "tinyforge/dsp.h"
#include "tinyforge/interpreter.h"

namespace tinyforge::examples::pm {

// The parts of an anomaly model the device needs besides the graph.
struct AnomalyModelInfo {
  dsp::FeatureConfig features;
  uint32_t feature_count = 0;
  float threshold = 0;
  std::vector<float> inv_std, shift;  // the graph's leading standardization (x * inv_std + shift)
};
Result<AnomalyModelInfo> ReadAnomalyModel(const Model& model);

struct MotorCounters {
  uint64_t windows = 0, anomalous = 0, alerts = 0;
  double first_alert_s = -1;                 // signal time of the first alert decision
  std::map<uint32_t, uint64_t> windows_by_version, anomalous_by_version;
  std::string last_error;
};

class MotorApplication {
 public:
  using Clock = std::chrono::steady_clock;
  MotorApplication(const MotorSignal* signal, std::vector<MotorPlan> plans, uint32_t debounce,
                   uint32_t repeat_every);
  // The motors' time origin (the fleet's start); before it, signal time is 0.
  void SetStart(Clock::time_point start) { start_ = start; }
  agent::sim::InferenceOutcome Run(uint32_t device_index, uint32_t model_version, Interpreter& interpreter);
  // Read after the fleet stopped (its threads joined).
  const std::vector<MotorCounters>& counters() const { return counters_; }
  const std::vector<MotorPlan>& plans() const { return plans_; }

 private:
  const AnomalyModelInfo* ModelInfo(uint32_t version, const Model& model, std::string* error);

  const MotorSignal* signal_;
  std::vector<MotorPlan> plans_;
  uint32_t debounce_, repeat_every_;
  Clock::time_point start_ = Clock::now();
  std::vector<MotorCounters> counters_;
  std::vector<uint32_t> run_;  // consecutive anomalous windows per motor
  std::mutex models_mutex_;    // shards share the per-version cache
  std::map<uint32_t, AnomalyModelInfo> models_;
};

}  // namespace tinyforge::examples::pm
