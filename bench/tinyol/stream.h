// TinyOL experiment streams: the labelled feature rows every learner (ours, sklearn) replays in
// the same order, their file format, and the run of our Learner over a stream.
#ifndef TINYFORGE_BENCH_TINYOL_STREAM_H_
#define TINYFORGE_BENCH_TINYOL_STREAM_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinyforge/learn.h"
#include "toolchain/ir/result.h"

namespace tinyforge::bench {

// Rows in replay order. Warm-up rows (scored = 0) train every learner but are not scored; they
// are the frozen model's own training data, so all learners start from the same knowledge.
struct Stream {
  std::string name;
  size_t cols = 0;
  std::vector<std::string> class_names;
  uint32_t initial_classes = 0;          // classes the frozen model knows (our learner's start)
  std::string task = "classification";   // or "anomaly" (label 1 = fault)
  std::vector<float> features;           // rows * cols, row-major: what the learners see
  std::vector<int32_t> labels;
  std::vector<int32_t> scored;           // 1 = test-then-train and scored, 0 = warm-up only
  std::vector<int32_t> frozen_predictions;  // frozen model per row (-1 = none)
  std::vector<int32_t> segment;          // e.g. load in HP, or transition index (-1 = none)
  std::vector<float> frozen_inputs;      // optional: frozen model inputs (raw dsp features)
  size_t frozen_input_cols = 0;
  nlohmann::json meta = nlohmann::json::object();  // how it was built

  size_t rows() const { return labels.size(); }
  void AddRow(const float* row, int32_t label, bool is_scored, int32_t frozen, int32_t seg);
};

// <dir>/<name>.stream.bin: "TOLS", u32 version 1, u32 rows, u32 cols, then int32 labels[rows],
// int32 scored[rows], float32 features[rows][cols], all little-endian; <dir>/<name>.meta.json:
// class names, initial classes, task, frozen predictions, segments and meta.
toolchain::Result<void> WriteStream(const Stream& stream, const std::string& dir);

// Reads what WriteStream wrote (features, labels, scored, and from the meta: class names,
// initial classes, task, frozen predictions, segments).
toolchain::Result<Stream> ReadStream(const std::string& dir, const std::string& name);

struct LearnerRun {
  std::vector<int32_t> predictions;  // per row, made before the row trained (-1 = none)
  double learn_us_per_sample = 0.0;  // wall time of Learn() (standardize + predict + train)
  double predict_us_per_sample = 0.0;
  uint32_t drift_events = 0;
  uint32_t classes_added = 0;
};

// Replays the stream through a Learner: Learn(features, label) per row (test then train), with
// AddClass() when a label beyond the active classes arrives. repeats > 1 reruns it for timing
// (predictions come from the first run).
toolchain::Result<LearnerRun> RunLearner(const Stream& stream, const learn::LearnerConfig& config,
                                         int repeats = 1);

nlohmann::json LearnerConfigJson(const learn::LearnerConfig& config);

// The classification defaults the experiments use (documented in docs/tinyol.md).
learn::LearnerConfig ExperimentConfig(const Stream& stream);

}  // namespace tinyforge::bench

#endif  // TINYFORGE_BENCH_TINYOL_STREAM_H_
