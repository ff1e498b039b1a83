// The declarative pipeline file (pipeline.toml, docs/pipeline.md): data source, preprocessing,
// features, models, quantization and package targets. The low-code interface edits this file, so
// parsing is strict: an unknown key, a wrong type or an out-of-range value is an error naming the
// file, line and column.
#ifndef TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_SPEC_H_
#define TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_SPEC_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tinyforge/dsp.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

struct DataSpec {
  std::string kind = "cwru";             // "cwru" (the CWRU layout) or "recordings" (a manifest)
  std::filesystem::path path;            // resolved against the pipeline file's folder
  std::vector<int> train_loads_hp = {0};
  std::vector<int> test_loads_hp = {1, 2, 3};
  std::vector<std::string> classes;      // label order; empty = every label in the data
  // Classes with no recording at the test loads (CWRU normal exists at 0 HP only) keep this
  // fraction of each training recording's tail for testing, cut before windowing.
  double holdout_fraction = 0.3;
  // kind = "recordings" only (pipeline_recordings.h): which channel of each file (default: the
  // first), the CSV timestamp column, and the rate of files that do not carry one.
  std::string channel;
  std::string timestamp_column;
  double sample_rate_hz = 0.0;
  // The sensor the model needs, as the model card's required_sensors type (one of the
  // ontology's sensor classes, e.g. VibrationSensor, Accelerometer, Microphone, CurrentSensor).
  std::string sensor_type = "VibrationSensor";
};

struct ClassifierSpec {
  bool enabled = false;
  std::string kind = "mlp";  // mlp | forest (a TreeEnsemble, deployed as float32)
  int trees = 50;            // forest
  int max_depth = 10;        // forest
  std::vector<int> hidden = {32, 16};
  int epochs = 80;
  int batch_size = 32;
  float learning_rate = 0.001f;
  int patience = 15;
};

struct AnomalySpec {
  bool enabled = false;
  std::string kind = "autoencoder";  // autoencoder | isolation-forest (float32 TreeEnsemble)
  int trees = 100;                   // isolation-forest
  std::string normal_class = "normal";
  std::vector<int> hidden = {16, 4, 16};
  int epochs = 200;
  int batch_size = 16;
  float learning_rate = 0.001f;
  double threshold_quantile = 0.99;
};

struct QuantizeSpec {
  bool percentile = true;  // false = min/max ranges
  double percentile_value = 99.99;
  size_t calibration_rows = 500;
};

struct PackageSpec {
  std::vector<std::string> targets;  // c, arduino, firmware
  size_t device_samples = 64;        // test windows embedded in the firmware
  bool run_on_qemu = true;           // build the firmware and compare device with host outputs
};

struct PipelineSpec {
  std::filesystem::path file;  // the pipeline file itself
  std::string name;
  std::filesystem::path output_dir;  // resolved against the current directory
  uint32_t seed = 1;
  DataSpec data;
  dsp::FeatureConfig features;
  ClassifierSpec classifier;
  AnomalySpec anomaly;
  QuantizeSpec quantize;
  PackageSpec package;
};

// Parses and validates a pipeline file. `${shared}` in a path is replaced by shared_root.
Result<PipelineSpec> LoadPipelineSpec(const std::filesystem::path& file,
                                      const std::filesystem::path& shared_root);
// Same, from text (file is used for error messages and relative paths).
Result<PipelineSpec> ParsePipelineSpec(const std::string& text, const std::filesystem::path& file,
                                       const std::filesystem::path& shared_root);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_SPEC_H_
