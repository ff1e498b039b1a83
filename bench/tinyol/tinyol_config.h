// The TinyOL learner configuration of the experiments, shared by the host driver and the
// Cortex-M4 replay image (bench/m4/tinyol) so both run the very same learner. C++17, freestanding.
#ifndef TINYFORGE_BENCH_TINYOL_TINYOL_CONFIG_H_
#define TINYFORGE_BENCH_TINYOL_TINYOL_CONFIG_H_

#include "tinyforge/learn.h"

namespace tinyforge::bench {

inline constexpr uint8_t kTinyolMaxClasses = 8;
inline constexpr uint16_t kTinyolPending = 8;

inline learn::LearnerConfig TinyolClassificationConfig(uint16_t features,
                                                       uint8_t initial_classes) {
  learn::LearnerConfig config;
  config.task = learn::Task::kClassification;
  config.feature_count = features;
  config.max_classes = kTinyolMaxClasses;
  config.pending_capacity = kTinyolPending;
  config.initial_classes = initial_classes;
  // Tuned on all three classification streams (docs/tinyol.md, "Tuning"): normalized steps
  // (each step moves the sample's logits by learning_rate·g, whatever |x|), and a standardizer
  // that forgets within ~100 samples, so the features are scaled against the recent past (the
  // streams drift).
  config.normalized_step = true;
  config.learning_rate = 8.0f;
  config.standardizer_max_count = 100;
  return config;
}

inline learn::LearnerConfig TinyolAnomalyConfig(uint16_t features) {
  learn::LearnerConfig config;
  config.task = learn::Task::kAnomaly;
  config.feature_count = features;
  config.pending_capacity = kTinyolPending;
  return config;
}

// The anomaly detector variants the anomaly experiment compares (docs/tinyol.md, "Anomaly"):
// threshold rule × fault labels used or not × debounce. "tinyol" is the library default (raw
// mean + 3σ, normal labels only, no debounce), kept as the reference.
struct AnomalyVariant {
  const char* name;
  bool learn_faults;
  learn::AnomalyThresholdRule rule;
  uint8_t alarm_k, alarm_n;
};

inline constexpr AnomalyVariant kAnomalyVariants[] = {
    {"tinyol", false, learn::AnomalyThresholdRule::kMeanSigma, 1, 1},
    {"tinyol_debounce_2of2", false, learn::AnomalyThresholdRule::kMeanSigma, 2, 2},
    {"tinyol_debounce_2of3", false, learn::AnomalyThresholdRule::kMeanSigma, 2, 3},
    {"tinyol_debounce_3of3", false, learn::AnomalyThresholdRule::kMeanSigma, 3, 3},
    {"tinyol_log", false, learn::AnomalyThresholdRule::kLogMeanSigma, 1, 1},
    {"tinyol_log_debounce_2of2", false, learn::AnomalyThresholdRule::kLogMeanSigma, 2, 2},
    {"tinyol_log_debounce_2of3", false, learn::AnomalyThresholdRule::kLogMeanSigma, 2, 3},
    {"tinyol_faults", true, learn::AnomalyThresholdRule::kLogMeanSigma, 1, 1},
    {"tinyol_faults_raw", true, learn::AnomalyThresholdRule::kMeanSigma, 1, 1},
    {"tinyol_faults_debounce_2of2", true, learn::AnomalyThresholdRule::kLogMeanSigma, 2, 2},
};

inline learn::LearnerConfig TinyolAnomalyVariantConfig(uint16_t features,
                                                       const AnomalyVariant& variant) {
  learn::LearnerConfig config = TinyolAnomalyConfig(features);
  config.anomaly_learn_faults = variant.learn_faults;
  config.anomaly_threshold_rule = variant.rule;
  config.anomaly_alarm_k = variant.alarm_k;
  config.anomaly_alarm_n = variant.alarm_n;
  return config;
}

}  // namespace tinyforge::bench

#endif  // TINYFORGE_BENCH_TINYOL_TINYOL_CONFIG_H_
