// FeatureConfig <-> the "preprocessing" JSON object stored in the model metadata.
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "toolchain/preprocess/pipeline.h"

namespace tinyforge::toolchain {
namespace {

constexpr const char* kFeatureKeys[9] = {"mean",     "std",      "rms",
                                         "peak",     "crest_factor", "kurtosis",
                                         "skewness", "band_energies", "spectral_centroid"};

const char* InterpolationName(dsp::InterpolationMethod method) {
  return method == dsp::InterpolationMethod::kHoldLast ? "hold_last" : "linear";
}

const char* NormalizationName(dsp::NormalizationKind kind) {
  switch (kind) {
    case dsp::NormalizationKind::kZScore: return "zscore";
    case dsp::NormalizationKind::kMinMax: return "minmax";
    default: return "none";
  }
}

Result<uint32_t> GetUint(const nlohmann::json& object, const char* key) {
  if (!object.contains(key)) return MakeError(std::string("preprocessing: missing field '") + key + "'");
  const nlohmann::json& value = object[key];
  // Parsed text gives unsigned numbers, JSON built in code gives signed ones: accept both.
  if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
      value.get<int64_t>() > int64_t{std::numeric_limits<uint32_t>::max()}) {
    return MakeError(std::string("preprocessing: field '") + key + "' must be an unsigned integer");
  }
  return uint32_t(value.get<int64_t>());
}

Result<float> GetFloat(const nlohmann::json& object, const char* key) {
  if (!object.contains(key)) return MakeError(std::string("preprocessing: missing field '") + key + "'");
  const nlohmann::json& value = object[key];
  if (!value.is_number() || !std::isfinite(value.get<double>()) ||
      std::fabs(value.get<double>()) > std::numeric_limits<float>::max()) {
    return MakeError(std::string("preprocessing: field '") + key + "' must be a finite number");
  }
  return float(value.get<double>());
}

}  // namespace

nlohmann::json FeatureConfigToJson(const dsp::FeatureConfig& config) {
  nlohmann::json features = nlohmann::json::array();
  for (uint32_t bit = 0; bit < 9; ++bit) {
    if ((config.feature_mask & (1u << bit)) != 0) features.push_back(kFeatureKeys[bit]);
  }
  // float -> double is exact and nlohmann prints doubles with round-trip precision.
  return nlohmann::json{
      {"version", 1},
      {"features", features},
      {"window_size", config.window_size},
      {"window_stride", config.window_stride},
      {"sample_rate_hz", double(config.sample_rate_hz)},
      {"band_count", config.band_count},
      {"band_low_hz", double(config.band_low_hz)},
      {"band_high_hz", double(config.band_high_hz)},
      {"hann_window", config.hann_window != 0},
      {"interpolation", InterpolationName(config.interpolation)},
      {"max_gap", config.max_gap},
      {"normalization",
       {{"kind", NormalizationName(config.normalization.kind)},
        {"center", double(config.normalization.center)},
        {"scale", double(config.normalization.scale)}}},
      {"feature_names", FeatureNames(config)},
  };
}

Result<dsp::FeatureConfig> FeatureConfigFromJson(const nlohmann::json& document) {
  if (!document.is_object()) return MakeError("preprocessing: not a JSON object");
  if (!document.contains("version") || document["version"] != 1) {
    return MakeError("preprocessing: field 'version' must be 1");
  }
  dsp::FeatureConfig config;
  config.feature_mask = 0;
  if (!document.contains("features") || !document["features"].is_array()) {
    return MakeError("preprocessing: field 'features' must be an array of names");
  }
  for (const nlohmann::json& name : document["features"]) {
    uint32_t bit = 9;
    for (uint32_t b = 0; b < 9; ++b) {
      if (name.is_string() && name.get<std::string>() == kFeatureKeys[b]) bit = b;
    }
    if (bit == 9) return MakeError("preprocessing: unknown feature " + name.dump());
    config.feature_mask |= 1u << bit;
  }
#define TINYFORGE_GET(target, getter, object, key) \
  do {                                             \
    auto value_ = getter(object, key);             \
    if (!value_.ok()) return value_.error();       \
    target = *value_;                              \
  } while (0)
  TINYFORGE_GET(config.window_size, GetUint, document, "window_size");
  TINYFORGE_GET(config.window_stride, GetUint, document, "window_stride");
  TINYFORGE_GET(config.sample_rate_hz, GetFloat, document, "sample_rate_hz");
  TINYFORGE_GET(config.band_count, GetUint, document, "band_count");
  TINYFORGE_GET(config.band_low_hz, GetFloat, document, "band_low_hz");
  TINYFORGE_GET(config.band_high_hz, GetFloat, document, "band_high_hz");
  TINYFORGE_GET(config.max_gap, GetUint, document, "max_gap");
  if (!document.contains("hann_window") || !document["hann_window"].is_boolean()) {
    return MakeError("preprocessing: field 'hann_window' must be true or false");
  }
  config.hann_window = document["hann_window"].get<bool>() ? 1 : 0;
  const nlohmann::json interpolation = document.value("interpolation", nlohmann::json());
  if (interpolation == "linear") {
    config.interpolation = dsp::InterpolationMethod::kLinear;
  } else if (interpolation == "hold_last") {
    config.interpolation = dsp::InterpolationMethod::kHoldLast;
  } else {
    return MakeError("preprocessing: field 'interpolation' must be \"linear\" or \"hold_last\"");
  }
  if (!document.contains("normalization") || !document["normalization"].is_object()) {
    return MakeError("preprocessing: field 'normalization' must be an object");
  }
  const nlohmann::json& norm = document["normalization"];
  const nlohmann::json kind = norm.value("kind", nlohmann::json());
  if (kind == "none") {
    config.normalization.kind = dsp::NormalizationKind::kNone;
  } else if (kind == "zscore") {
    config.normalization.kind = dsp::NormalizationKind::kZScore;
  } else if (kind == "minmax") {
    config.normalization.kind = dsp::NormalizationKind::kMinMax;
  } else {
    return MakeError("preprocessing: normalization.kind must be none, zscore or minmax");
  }
  TINYFORGE_GET(config.normalization.center, GetFloat, norm, "center");
  TINYFORGE_GET(config.normalization.scale, GetFloat, norm, "scale");
#undef TINYFORGE_GET
  if (const std::string problem = DescribeConfigProblem(config); !problem.empty()) {
    return MakeError("preprocessing: " + problem);
  }
  return config;
}

}  // namespace tinyforge::toolchain
