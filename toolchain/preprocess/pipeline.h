// Host preprocessing glue: interpolation -> normalization (fit on train, apply) -> windowing ->
// features, all by calling runtime/dsp (the code the device runs), producing a plain row-major
// feature matrix for the trainer, and the FeatureConfig <-> JSON mapping for the model metadata.
#ifndef TINYFORGE_TOOLCHAIN_PREPROCESS_PIPELINE_H_
#define TINYFORGE_TOOLCHAIN_PREPROCESS_PIPELINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "toolchain/data/time_series.h"
#include "tinyforge/dsp.h"

namespace tinyforge::toolchain {

// One labelled single-channel signal (e.g. one CWRU recording, or one label segment of a CSV).
struct LabeledSignal {
  std::string source;  // for error messages and FeatureMatrix::row_sources
  std::string label;
  std::vector<float> samples;  // NaN = missing
};

// Row-major: values[row * cols + col]. labels[row] indexes class_names. No Eigen here; the
// trainer maps `values` into its own matrix type.
struct FeatureMatrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<float> values;
  std::vector<int32_t> labels;
  std::vector<std::string> class_names;
  std::vector<std::string> feature_names;
  std::vector<std::string> row_sources;  // "source@start_sample"
  size_t dropped_windows = 0;            // windows with a gap longer than max_gap

  float at(size_t row, size_t col) const { return values[row * cols + col]; }
};

struct PreprocessOptions {
  dsp::FeatureConfig features;  // its normalization is filled in by FitPreprocessing
  dsp::NormalizationKind normalization = dsp::NormalizationKind::kZScore;
  bool require_two_classes = true;  // false for one-class (anomaly) training sets
};

// Fits the normalization on the training signals (each interpolated as a whole with the
// configured method; samples pooled) and returns the complete config to store in the model.
// Errors: invalid feature config (names the field), no signals, single class, a signal shorter
// than one window, a gap longer than max_gap, non-finite data.
Result<dsp::FeatureConfig> FitPreprocessing(const std::vector<LabeledSignal>& train,
                                            const PreprocessOptions& options);

// Cuts every signal into windows (window_size, window_stride) and runs dsp::ProcessWindow on a
// copy of each, exactly as the device would on its raw window. Windows flagged unusable are
// dropped and counted. class_names fixes the label order (empty = sorted labels of `signals`);
// a label outside it is an error naming the signal.
Result<FeatureMatrix> BuildFeatureMatrix(const std::vector<LabeledSignal>& signals,
                                         const dsp::FeatureConfig& config,
                                         const std::vector<std::string>& class_names = {});

// Names of the features in output order: "mean", ..., "band_0_hz_100_800", ..., "centroid_hz".
std::vector<std::string> FeatureNames(const dsp::FeatureConfig& config);

// One LabeledSignal per channel and per run of equal per-sample labels (or the recording label).
std::vector<LabeledSignal> SignalsFromDataset(const TimeSeries& dataset);

// Why a config is invalid, naming the field; empty when it is valid.
std::string DescribeConfigProblem(const dsp::FeatureConfig& config);

// The "preprocessing" metadata object (format key kKeyPreprocessing). Floats are stored as JSON
// numbers that round-trip exactly. FromJson validates every field and the resulting config.
nlohmann::json FeatureConfigToJson(const dsp::FeatureConfig& config);
Result<dsp::FeatureConfig> FeatureConfigFromJson(const nlohmann::json& json);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PREPROCESS_PIPELINE_H_
