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

}  // namespace tinyforge::bench

#endif  // TINYFORGE_BENCH_TINYOL_TINYOL_CONFIG_H_
