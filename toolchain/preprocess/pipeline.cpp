// Host preprocessing pipeline on top of runtime/dsp (see pipeline.h).
#include "toolchain/preprocess/pipeline.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace tinyforge::toolchain {
namespace {

std::string Number(float value) {
  std::string text = std::to_string(value);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

std::string DescribeConfigProblem(const dsp::FeatureConfig& c) {
  if (dsp::ValidateFeatureConfig(c) == Status::kOk) return "";
  if (c.feature_mask == 0 || (c.feature_mask & ~dsp::kAllFeaturesMask) != 0) {
    return "features: empty or unknown feature";
  }
  if (c.window_size < 2) return "window_size must be at least 2";
  if (c.window_stride == 0) return "window_stride must be at least 1";
  const bool spectral = (c.feature_mask & dsp::kSpectralFeatureMask) != 0;
  if (spectral && !dsp::IsSupportedFftSize(c.window_size)) {
    return "window_size " + std::to_string(c.window_size) +
           " must be a power of two in [64, 4096] for spectral features";
  }
  if (spectral && !(c.sample_rate_hz > 0.0f && std::isfinite(c.sample_rate_hz))) {
    return "sample_rate_hz must be positive";
  }
  if ((c.feature_mask & dsp::kFeatureBandEnergies) != 0) {
    if (c.band_count == 0 || c.band_count > dsp::kMaxBands) {
      return "band_count must be in [1, " + std::to_string(dsp::kMaxBands) + "]";
    }
    if (!(c.band_low_hz >= 0.0f) || !(c.band_high_hz > c.band_low_hz) ||
        c.band_high_hz > c.sample_rate_hz * 0.5f) {
      return "bands need 0 <= band_low_hz < band_high_hz <= sample_rate_hz / 2";
    }
  }
  if (c.hann_window > 1) return "hann_window must be 0 or 1";
  return "interpolation or normalization parameters are invalid";
}

std::vector<std::string> FeatureNames(const dsp::FeatureConfig& config) {
  static const char* const kTimeNames[7] = {"mean",         "std",      "rms",     "peak",
                                            "crest_factor", "kurtosis", "skewness"};
  std::vector<std::string> names;
  for (uint32_t bit = 0; bit < 7; ++bit) {
    if ((config.feature_mask & (1u << bit)) != 0) names.push_back(kTimeNames[bit]);
  }
  if ((config.feature_mask & dsp::kFeatureBandEnergies) != 0 && config.band_count > 0) {
    const float width = (config.band_high_hz - config.band_low_hz) / float(config.band_count);
    for (uint32_t b = 0; b < config.band_count; ++b) {
      names.push_back("band_" + std::to_string(b) + "_hz_" +
                      Number(config.band_low_hz + float(b) * width) + "_" +
                      Number(config.band_low_hz + float(b + 1) * width));
    }
  }
  if ((config.feature_mask & dsp::kFeatureSpectralCentroid) != 0) names.push_back("centroid_hz");
  return names;
}

Result<dsp::FeatureConfig> FitPreprocessing(const std::vector<LabeledSignal>& train,
                                            const PreprocessOptions& options) {
  dsp::FeatureConfig config = options.features;
  config.normalization = dsp::NormalizationParams{};  // fitted below
  if (const std::string problem = DescribeConfigProblem(config); !problem.empty()) {
    return MakeError("feature config: " + problem);
  }
  if (train.empty()) return MakeError("preprocess: no training signals");
  std::set<std::string> classes;
  std::vector<float> pooled;
  for (const LabeledSignal& signal : train) {
    if (signal.samples.size() < config.window_size) {
      return MakeError(signal.source + ": window of " + std::to_string(config.window_size) +
                       " samples is longer than the " + std::to_string(signal.samples.size()) +
                       " samples of data");
    }
    classes.insert(signal.label);
    std::vector<float> filled = signal.samples;
    dsp::InterpolationReport report;
    if (dsp::InterpolateMissing(filled.data(), uint32_t(filled.size()), config.interpolation,
                                config.max_gap, &report) != Status::kOk ||
        !report.usable) {
      return MakeError(signal.source + ": gap of " + std::to_string(report.longest_gap) +
                       " missing samples exceeds max_gap " + std::to_string(config.max_gap));
    }
    pooled.insert(pooled.end(), filled.begin(), filled.end());
  }
  if (options.require_two_classes && classes.size() < 2) {
    return MakeError("preprocess: single class '" + *classes.begin() +
                     "' in the training signals: a classifier needs at least two");
  }
  dsp::NormalizationParams params;
  const Status status =
      dsp::FitNormalization(pooled.data(), uint32_t(pooled.size()), options.normalization, &params);
  if (status != Status::kOk) return MakeError("preprocess: cannot fit normalization");
  config.normalization = params;
  return config;
}

Result<FeatureMatrix> BuildFeatureMatrix(const std::vector<LabeledSignal>& signals,
                                         const dsp::FeatureConfig& config,
                                         const std::vector<std::string>& class_names) {
  if (const std::string problem = DescribeConfigProblem(config); !problem.empty()) {
    return MakeError("feature config: " + problem);
  }
  FeatureMatrix matrix;
  matrix.cols = dsp::FeatureCount(config);
  matrix.feature_names = FeatureNames(config);
  matrix.class_names = class_names;
  if (matrix.class_names.empty()) {
    std::set<std::string> labels;
    for (const LabeledSignal& signal : signals) labels.insert(signal.label);
    matrix.class_names.assign(labels.begin(), labels.end());
  }
  std::map<std::string, int32_t> class_index;
  for (size_t i = 0; i < matrix.class_names.size(); ++i) {
    class_index[matrix.class_names[i]] = int32_t(i);
  }
  const uint32_t window = config.window_size;
  std::vector<float> scratch(dsp::FeatureScratchFloats(config));
  std::vector<float> samples(window);
  std::vector<float> features(matrix.cols);
  for (const LabeledSignal& signal : signals) {
    const auto found = class_index.find(signal.label);
    if (found == class_index.end()) {
      return MakeError(signal.source + ": label '" + signal.label + "' is not a known class");
    }
    if (signal.samples.size() < window) {
      return MakeError(signal.source + ": window of " + std::to_string(window) +
                       " samples is longer than the " + std::to_string(signal.samples.size()) +
                       " samples of data");
    }
    dsp::WindowIterator windows;
    if (windows.Init(signal.samples.data(), uint32_t(signal.samples.size()), window,
                     config.window_stride) != Status::kOk) {
      return MakeError(signal.source + ": cannot window the signal");
    }
    const float* start = nullptr;
    while (windows.Next(&start)) {
      const size_t offset = size_t(start - signal.samples.data());
      std::copy(start, start + window, samples.begin());
      bool usable = false;
      const Status status =
          dsp::ProcessWindow(config, samples.data(), window, features.data(),
                             uint32_t(features.size()),
                             {scratch.data(), uint32_t(scratch.size())}, &usable);
      if (status != Status::kOk) {
        return MakeError(signal.source + ": sample " + std::to_string(offset) +
                         ": feature computation failed (" +
                         (status == Status::kNumericalError ? "non-finite value"
                                                            : "invalid input") + ")");
      }
      if (!usable) {
        ++matrix.dropped_windows;
        continue;
      }
      matrix.values.insert(matrix.values.end(), features.begin(), features.end());
      matrix.labels.push_back(found->second);
      matrix.row_sources.push_back(signal.source + "@" + std::to_string(offset));
      ++matrix.rows;
    }
  }
  return matrix;
}

std::vector<LabeledSignal> SignalsFromDataset(const TimeSeries& dataset) {
  std::vector<LabeledSignal> signals;
  for (size_t c = 0; c < dataset.channels.size(); ++c) {
    const std::vector<float>& channel = dataset.channels[c];
    const std::string name = dataset.source + "[" + dataset.channel_names[c] + "]";
    if (dataset.labels.empty()) {
      signals.push_back({name, dataset.label, channel});
      continue;
    }
    size_t begin = 0;
    for (size_t i = 1; i <= channel.size(); ++i) {
      if (i == channel.size() || dataset.labels[i] != dataset.labels[begin]) {
        signals.push_back({name + "@" + std::to_string(begin), dataset.labels[begin],
                           std::vector<float>(channel.begin() + long(begin),
                                              channel.begin() + long(i))});
        begin = i;
      }
    }
  }
  return signals;
}

}  // namespace tinyforge::toolchain
