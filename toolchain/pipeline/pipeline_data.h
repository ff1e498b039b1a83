// The data stage of a pipeline: load the recordings, split train/test by load (and by a held-out
// tail for classes recorded only at the training loads), window them and compute features with
// runtime/dsp. Returns plain matrices so the training stage needs no data-layer types.
#ifndef TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_DATA_H_
#define TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_DATA_H_

#include <cstddef>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tinyforge/dsp.h"
#include "toolchain/ir/result.h"
#include "toolchain/pipeline/pipeline_spec.h"

namespace tinyforge::toolchain {

struct FeatureRows {
  std::vector<float> values;  // rows * cols, row-major
  size_t rows = 0;
  std::vector<int> labels;    // index into PipelineData::class_names
  std::vector<std::string> sources;  // "file@sample" per row
  // The raw window of each row (window_size floats), kept only for rows the device will rerun.
  std::vector<std::vector<float>> raw_windows;
};

struct PipelineData {
  dsp::FeatureConfig features;  // complete (fitted normalization)
  nlohmann::json preprocessing_json;  // the same config as stored in the model metadata
  size_t cols = 0;
  std::vector<std::string> class_names;
  std::vector<std::string> feature_names;
  FeatureRows train;
  FeatureRows test;
  size_t dropped_windows = 0;
  std::string dataset_hash;   // FNV-1a 64 of every file read, hex
  std::string dataset_sha256;  // SHA-256 of the same bytes, 64 lowercase hex (the model card's)
  std::vector<std::string> notes;  // e.g. how the normal class was split
};

// keep_raw_test: how many test windows (spread evenly over the test set) keep their raw samples.
Result<PipelineData> LoadPipelineData(const PipelineSpec& spec, size_t keep_raw_test);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_DATA_H_
