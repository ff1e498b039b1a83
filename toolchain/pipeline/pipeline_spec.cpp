// pipeline.toml → PipelineSpec, strictly: every key is known, typed and range-checked, and every
// error says file:line:column.
#include "toolchain/pipeline/pipeline_spec.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace tinyforge::toolchain {
namespace fs = std::filesystem;
namespace {

// An integer, or a float holding an exact integer (epochs = 80.0). Not node.value<int64_t>():
// toml++ 3.3 converts a float node with static_cast<int64_t>, undefined for 1e24 (found by the
// libFuzzer pipeline target under UBSan); the range is checked here before any conversion.
std::optional<int64_t> PipelineIntegerOf(const toml::node& node) {
  if (const auto* integer = node.as_integer()) return integer->get();
  if (const auto* number = node.as_floating_point()) {
    const double value = number->get();
    if (std::isfinite(value) && std::fabs(value) <= 1e15 && value == std::floor(value))
      return static_cast<int64_t>(value);
  }
  return std::nullopt;
}

// Reads one table, remembering which keys were consumed so that leftovers are reported.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string name, const fs::path& file)
      : table_(table), name_(std::move(name)), file_(file) {}

  bool present() const { return table_ != nullptr; }

  std::string Where(const toml::node* node) const {
    const toml::source_position at =
        node != nullptr ? node->source().begin
                        : (table_ != nullptr ? table_->source().begin : toml::source_position{});
    return file_.string() + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
  }

  template <typename T>
  Result<void> Read(const std::string& key, T* out) {
    used_.insert(key);
    if (table_ == nullptr) return {};
    const toml::node* node = table_->get(key);
    if (node == nullptr) return {};
    if constexpr (std::is_same_v<T, std::string>) {
      if (auto value = node->value<std::string>()) { *out = *value; return {}; }
      return Mismatch(node, key, "a string");
    } else if constexpr (std::is_same_v<T, bool>) {
      if (auto value = node->value<bool>()) { *out = *value; return {}; }
      return Mismatch(node, key, "true or false");
    } else if constexpr (std::is_floating_point_v<T>) {
      if (auto value = node->value<double>()) {
        // A double beyond the target's range does not convert (UB for float), it is refused.
        if (std::isfinite(*value) && std::fabs(*value) > double(std::numeric_limits<T>::max())) {
          return MakeError(Where(node) + ": [" + name_ + "] " + key + " = " +
                           std::to_string(*value) + " is out of range");
        }
        *out = static_cast<T>(*value);
        return {};
      }
      return Mismatch(node, key, "a number");
    } else {
      if (auto value = PipelineIntegerOf(*node)) {
        if (*value < 0 || *value > 100000000) {
          return MakeError(Where(node) + ": [" + name_ + "] " + key + " = " +
                           std::to_string(*value) + " is out of range (0..100000000)");
        }
        *out = static_cast<T>(*value);
        return {};
      }
      return Mismatch(node, key, "an integer");
    }
  }

  template <typename T>
  Result<void> ReadList(const std::string& key, std::vector<T>* out) {
    used_.insert(key);
    if (table_ == nullptr) return {};
    const toml::node* node = table_->get(key);
    if (node == nullptr) return {};
    const toml::array* array = node->as_array();
    if (array == nullptr) return Mismatch(node, key, "an array");
    out->clear();
    for (const toml::node& element : *array) {
      if constexpr (std::is_same_v<T, std::string>) {
        auto value = element.value<std::string>();
        if (!value) return Mismatch(&element, key, "an array of strings");
        out->push_back(*value);
      } else {
        auto value = PipelineIntegerOf(element);
        if (!value || *value < 0 || *value > 100000) {
          return Mismatch(&element, key, "an array of integers in 0..100000");
        }
        out->push_back(static_cast<T>(*value));
      }
    }
    return {};
  }

  // Every key of the table must have been read.
  Result<void> CheckNoUnknownKeys() const {
    if (table_ == nullptr) return {};
    for (const auto& [key, node] : *table_) {
      (void)node;
      const std::string text(key.str());
      if (used_.count(text) == 0) {
        std::string known;
        for (const std::string& name : used_) known += (known.empty() ? "" : ", ") + name;
        const toml::source_position at = key.source().begin;
        return MakeError(file_.string() + ":" + std::to_string(at.line) + ":" +
                         std::to_string(at.column) + ": unknown key '" + text + "' in [" + name_ +
                         "] (known: " + known + ")");
      }
    }
    return {};
  }

  Error Fail(const std::string& key, const std::string& message) const {
    const toml::node* node = table_ != nullptr ? table_->get(key) : nullptr;
    return MakeError(Where(node) + ": [" + name_ + "] " + key + ": " + message);
  }

 private:
  Result<void> Mismatch(const toml::node* node, const std::string& key,
                        const std::string& expected) const {
    return MakeError(Where(node) + ": [" + name_ + "] " + key + " must be " + expected);
  }

  const toml::table* table_;
  std::string name_;
  const fs::path& file_;
  std::set<std::string> used_;
};

std::string ExpandShared(std::string text, const fs::path& shared_root) {
  const std::string token = "${shared}";
  for (size_t at = text.find(token); at != std::string::npos; at = text.find(token)) {
    text.replace(at, token.size(), shared_root.string());
  }
  return text;
}

Result<void> ReadFeatures(TableReader& reader, dsp::FeatureConfig* features) {
  std::vector<std::string> names = {"mean", "std", "rms", "peak", "crest_factor", "kurtosis",
                                    "skewness", "band_energies", "spectral_centroid"};
  std::string interpolation = "linear";
  std::string normalization = "none";
  bool hann = true;
  TINYFORGE_TRY(reader.ReadList("features", &names));
  TINYFORGE_TRY(reader.Read("window_size", &features->window_size));
  TINYFORGE_TRY(reader.Read("window_stride", &features->window_stride));
  TINYFORGE_TRY(reader.Read("band_count", &features->band_count));
  TINYFORGE_TRY(reader.Read("band_low_hz", &features->band_low_hz));
  TINYFORGE_TRY(reader.Read("band_high_hz", &features->band_high_hz));
  TINYFORGE_TRY(reader.Read("hann_window", &hann));
  TINYFORGE_TRY(reader.Read("interpolation", &interpolation));
  TINYFORGE_TRY(reader.Read("max_gap", &features->max_gap));
  TINYFORGE_TRY(reader.Read("normalization", &normalization));
  TINYFORGE_TRY(reader.CheckNoUnknownKeys());
  features->hann_window = hann ? 1 : 0;
  if (features->window_size < 1) return reader.Fail("window_size", "must be at least 1");
  if (features->window_stride < 1) return reader.Fail("window_stride", "must be at least 1");
  for (const auto& [key, hz] : {std::pair{"band_low_hz", features->band_low_hz},
                                std::pair{"band_high_hz", features->band_high_hz}}) {
    if (!std::isfinite(hz) || hz < 0.0f) return reader.Fail(key, "must be a finite number >= 0");
  }

  static const std::pair<const char*, uint32_t> kBits[] = {
      {"mean", dsp::kFeatureMean}, {"std", dsp::kFeatureStd}, {"rms", dsp::kFeatureRms},
      {"peak", dsp::kFeaturePeak}, {"crest_factor", dsp::kFeatureCrestFactor},
      {"kurtosis", dsp::kFeatureKurtosis}, {"skewness", dsp::kFeatureSkewness},
      {"band_energies", dsp::kFeatureBandEnergies},
      {"spectral_centroid", dsp::kFeatureSpectralCentroid}};
  features->feature_mask = 0;
  for (const std::string& name : names) {
    bool found = false;
    for (const auto& [known, bit] : kBits) {
      if (name == known) { features->feature_mask |= bit; found = true; }
    }
    if (!found) {
      return reader.Fail("features", "unknown feature '" + name +
                                         "' (mean, std, rms, peak, crest_factor, kurtosis, "
                                         "skewness, band_energies, spectral_centroid)");
    }
  }
  if (features->feature_mask == 0) return reader.Fail("features", "no feature selected");
  if (interpolation == "linear") {
    features->interpolation = dsp::InterpolationMethod::kLinear;
  } else if (interpolation == "hold_last") {
    features->interpolation = dsp::InterpolationMethod::kHoldLast;
  } else {
    return reader.Fail("interpolation", "must be \"linear\" or \"hold_last\"");
  }
  if (normalization == "none") {
    features->normalization.kind = dsp::NormalizationKind::kNone;
  } else if (normalization == "zscore") {
    features->normalization.kind = dsp::NormalizationKind::kZScore;
  } else if (normalization == "minmax") {
    features->normalization.kind = dsp::NormalizationKind::kMinMax;
  } else {
    return reader.Fail("normalization", "must be \"none\", \"zscore\" or \"minmax\"");
  }
  return {};
}

Result<void> CheckHidden(TableReader& reader, const std::vector<int>& hidden) {
  if (hidden.empty() || hidden.size() > 8) return reader.Fail("hidden", "needs 1 to 8 layer sizes");
  for (const int width : hidden) {
    if (width < 1 || width > 4096) return reader.Fail("hidden", "layer sizes must be 1..4096");
  }
  return {};
}

// The training settings every trainer needs; TOML allows nan, inf and 0, none of which trains
// (found by the pipeline mutation test: learning_rate = nan was accepted).
Result<void> CheckPipelineTraining(TableReader& reader, int epochs, int batch_size,
                                   float learning_rate) {
  if (epochs < 1) return reader.Fail("epochs", "must be at least 1");
  if (batch_size < 1) return reader.Fail("batch_size", "must be at least 1");
  if (!std::isfinite(learning_rate) || !(learning_rate > 0.0f)) {
    return reader.Fail("learning_rate", "must be a positive finite number");
  }
  return {};
}

}  // namespace

Result<PipelineSpec> ParsePipelineSpec(const std::string& text, const fs::path& file,
                                       const fs::path& shared_root) {
  // TOML forbids raw control characters other than tab (and the CR of CRLF) anywhere, strings and
  // comments included; they are refused here with their position. (Found by the libFuzzer
  // pipeline target, built with toml++ header-only and assertions on: "[\x02...]" reaches an
  // assertion in toml++'s parse_key. Debian's GCC-built libtomlplusplus, which we link, compiles
  // that assertion out and reports the error itself, so this is a clearer message, not a guard.)
  size_t line = 1, column = 1;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7F) {
      return MakeError(file.string() + ":" + std::to_string(line) + ":" + std::to_string(column) +
                       ": control character " + std::to_string(byte) +
                       " (TOML allows only tab; write it escaped inside a string)");
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((byte & 0xC0) != 0x80) {  // count characters, not UTF-8 continuation bytes
      ++column;
    }
  }
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& error) {
    const auto at = error.source().begin;
    return MakeError(file.string() + ":" + std::to_string(at.line) + ":" +
                     std::to_string(at.column) + ": " + std::string(error.description()));
  }
  PipelineSpec spec;
  spec.file = file;
  const fs::path base = file.has_parent_path() ? file.parent_path() : fs::path(".");
  static const std::set<std::string> kSections = {"pipeline", "data",     "features", "classifier",
                                                  "anomaly",  "quantize", "package"};
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    if (kSections.count(name) == 0 || !node.is_table()) {
      const auto at = node.source().begin;
      return MakeError(file.string() + ":" + std::to_string(at.line) + ":" +
                       std::to_string(at.column) + ": unknown section '" + name +
                       "' (known: pipeline, data, features, classifier, anomaly, quantize, "
                       "package)");
    }
  }

  TableReader pipeline(root["pipeline"].as_table(), "pipeline", file);
  if (!pipeline.present()) return MakeError(file.string() + ":1:1: missing [pipeline] section");
  std::string output_dir;
  TINYFORGE_TRY(pipeline.Read("name", &spec.name));
  TINYFORGE_TRY(pipeline.Read("output_dir", &output_dir));
  TINYFORGE_TRY(pipeline.Read("seed", &spec.seed));
  TINYFORGE_TRY(pipeline.CheckNoUnknownKeys());
  if (spec.name.empty()) return pipeline.Fail("name", "is required and must not be empty");
  spec.output_dir = output_dir.empty() ? fs::path("tinyforge-out") / spec.name
                                       : fs::path(ExpandShared(output_dir, shared_root));

  TableReader data(root["data"].as_table(), "data", file);
  if (!data.present()) return MakeError(file.string() + ": missing [data] section");
  std::string data_path;
  TINYFORGE_TRY(data.Read("kind", &spec.data.kind));
  TINYFORGE_TRY(data.Read("path", &data_path));
  TINYFORGE_TRY(data.ReadList("train_loads_hp", &spec.data.train_loads_hp));
  TINYFORGE_TRY(data.ReadList("test_loads_hp", &spec.data.test_loads_hp));
  TINYFORGE_TRY(data.ReadList("classes", &spec.data.classes));
  TINYFORGE_TRY(data.Read("holdout_fraction", &spec.data.holdout_fraction));
  TINYFORGE_TRY(data.Read("channel", &spec.data.channel));
  TINYFORGE_TRY(data.Read("timestamp_column", &spec.data.timestamp_column));
  TINYFORGE_TRY(data.Read("sample_rate_hz", &spec.data.sample_rate_hz));
  TINYFORGE_TRY(data.Read("sensor_type", &spec.data.sensor_type));
  TINYFORGE_TRY(data.CheckNoUnknownKeys());
  {
    // The sensor classes the server's shapes accept (ontology/shapes.ttl).
    static const std::set<std::string> kPipelineSensorTypes = {
        "Accelerometer", "Gyroscope", "Magnetometer", "Microphone", "Camera",
        "Thermometer", "Hygrometer", "Barometer", "LightSensor", "ProximitySensor",
        "GasSensor", "PPGSensor", "ECGSensor", "CurrentSensor", "VibrationSensor"};
    if (kPipelineSensorTypes.count(spec.data.sensor_type) == 0) {
      return data.Fail("sensor_type", "'" + spec.data.sensor_type +
                                          "' is not a known sensor class (Accelerometer, Gyroscope, "
                                          "Magnetometer, Microphone, Camera, Thermometer, Hygrometer, "
                                          "Barometer, LightSensor, ProximitySensor, GasSensor, PPGSensor, "
                                          "ECGSensor, CurrentSensor, VibrationSensor)");
    }
  }
  if (spec.data.kind != "cwru" && spec.data.kind != "recordings") {
    return data.Fail("kind", "must be \"cwru\" (the CWRU layout) or \"recordings\" (a manifest CSV)");
  }
  if (spec.data.kind == "cwru" &&
      (!spec.data.channel.empty() || !spec.data.timestamp_column.empty() || spec.data.sample_rate_hz != 0.0)) {
    return data.Fail("kind", "channel, timestamp_column and sample_rate_hz apply to kind = \"recordings\" only");
  }
  if (!(spec.data.sample_rate_hz >= 0.0 && spec.data.sample_rate_hz < 1e9)) {
    return data.Fail("sample_rate_hz", "must be a positive rate in Hz");
  }
  if (data_path.empty()) return data.Fail("path", "is required");
  spec.data.path = ExpandShared(data_path, shared_root);
  if (spec.data.path.is_relative()) spec.data.path = base / spec.data.path;
  if (!(spec.data.holdout_fraction > 0.0 && spec.data.holdout_fraction < 1.0)) {
    return data.Fail("holdout_fraction", "must be between 0 and 1 (exclusive)");
  }
  if (spec.data.train_loads_hp.empty()) return data.Fail("train_loads_hp", "must not be empty");

  TableReader features(root["features"].as_table(), "features", file);
  TINYFORGE_TRY(ReadFeatures(features, &spec.features));

  TableReader classifier(root["classifier"].as_table(), "classifier", file);
  spec.classifier.enabled = classifier.present();
  TINYFORGE_TRY(classifier.Read("kind", &spec.classifier.kind));
  TINYFORGE_TRY(classifier.Read("trees", &spec.classifier.trees));
  TINYFORGE_TRY(classifier.Read("max_depth", &spec.classifier.max_depth));
  TINYFORGE_TRY(classifier.ReadList("hidden", &spec.classifier.hidden));
  TINYFORGE_TRY(classifier.Read("epochs", &spec.classifier.epochs));
  TINYFORGE_TRY(classifier.Read("batch_size", &spec.classifier.batch_size));
  TINYFORGE_TRY(classifier.Read("learning_rate", &spec.classifier.learning_rate));
  TINYFORGE_TRY(classifier.Read("patience", &spec.classifier.patience));
  TINYFORGE_TRY(classifier.CheckNoUnknownKeys());
  if (spec.classifier.kind != "mlp" && spec.classifier.kind != "forest") {
    return classifier.Fail("kind", "must be \"mlp\" or \"forest\"");
  }
  if (spec.classifier.trees < 1 || spec.classifier.trees > 65535) {
    return classifier.Fail("trees", "must be 1..65535");
  }
  if (spec.classifier.max_depth < 1 || spec.classifier.max_depth > 30) {
    return classifier.Fail("max_depth", "must be 1..30");
  }
  if (spec.classifier.enabled) {
    TINYFORGE_TRY(CheckHidden(classifier, spec.classifier.hidden));
    TINYFORGE_TRY(CheckPipelineTraining(classifier, spec.classifier.epochs,
                                        spec.classifier.batch_size, spec.classifier.learning_rate));
    if (spec.data.classes.size() == 1) {
      return data.Fail("classes", "a classifier needs at least two classes");
    }
  }

  TableReader anomaly(root["anomaly"].as_table(), "anomaly", file);
  spec.anomaly.enabled = anomaly.present();
  TINYFORGE_TRY(anomaly.Read("kind", &spec.anomaly.kind));
  TINYFORGE_TRY(anomaly.Read("trees", &spec.anomaly.trees));
  TINYFORGE_TRY(anomaly.Read("normal_class", &spec.anomaly.normal_class));
  TINYFORGE_TRY(anomaly.ReadList("hidden", &spec.anomaly.hidden));
  TINYFORGE_TRY(anomaly.Read("epochs", &spec.anomaly.epochs));
  TINYFORGE_TRY(anomaly.Read("batch_size", &spec.anomaly.batch_size));
  TINYFORGE_TRY(anomaly.Read("learning_rate", &spec.anomaly.learning_rate));
  TINYFORGE_TRY(anomaly.Read("threshold_quantile", &spec.anomaly.threshold_quantile));
  TINYFORGE_TRY(anomaly.CheckNoUnknownKeys());
  if (spec.anomaly.kind != "autoencoder" && spec.anomaly.kind != "isolation-forest") {
    return anomaly.Fail("kind", "must be \"autoencoder\" or \"isolation-forest\"");
  }
  if (spec.anomaly.trees < 1 || spec.anomaly.trees > 65535) return anomaly.Fail("trees", "must be 1..65535");
  if (spec.anomaly.enabled) {
    TINYFORGE_TRY(CheckHidden(anomaly, spec.anomaly.hidden));
    TINYFORGE_TRY(CheckPipelineTraining(anomaly, spec.anomaly.epochs, spec.anomaly.batch_size,
                                        spec.anomaly.learning_rate));
  }
  if (!(spec.anomaly.threshold_quantile > 0.5 && spec.anomaly.threshold_quantile <= 1.0)) {
    return anomaly.Fail("threshold_quantile", "must be in (0.5, 1]");
  }
  if (!spec.classifier.enabled && !spec.anomaly.enabled) {
    return MakeError(file.string() + ": nothing to train: add a [classifier] or [anomaly] section");
  }

  TableReader quantize(root["quantize"].as_table(), "quantize", file);
  std::string range = "percentile";
  TINYFORGE_TRY(quantize.Read("range", &range));
  TINYFORGE_TRY(quantize.Read("percentile", &spec.quantize.percentile_value));
  TINYFORGE_TRY(quantize.Read("calibration_rows", &spec.quantize.calibration_rows));
  TINYFORGE_TRY(quantize.CheckNoUnknownKeys());
  if (range != "percentile" && range != "minmax") {
    return quantize.Fail("range", "must be \"percentile\" or \"minmax\"");
  }
  spec.quantize.percentile = range == "percentile";
  if (!(spec.quantize.percentile_value > 50.0 && spec.quantize.percentile_value <= 100.0)) {
    return quantize.Fail("percentile", "must be in (50, 100]");
  }

  TableReader package(root["package"].as_table(), "package", file);
  std::string run_on = "qemu-m4";
  TINYFORGE_TRY(package.ReadList("targets", &spec.package.targets));
  TINYFORGE_TRY(package.Read("device_samples", &spec.package.device_samples));
  TINYFORGE_TRY(package.Read("run_on", &run_on));
  TINYFORGE_TRY(package.CheckNoUnknownKeys());
  for (const std::string& target : spec.package.targets) {
    if (target != "c" && target != "arduino" && target != "firmware") {
      return package.Fail("targets", "unknown target '" + target + "' (c, arduino, firmware)");
    }
  }
  if (run_on != "qemu-m4" && run_on != "none") {
    return package.Fail("run_on", "must be \"qemu-m4\" or \"none\"");
  }
  spec.package.run_on_qemu = run_on == "qemu-m4";
  return spec;
}

Result<PipelineSpec> LoadPipelineSpec(const fs::path& file, const fs::path& shared_root) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) return MakeError(file.string() + ": cannot open the pipeline file");
  std::ostringstream text;
  text << stream.rdbuf();
  return ParsePipelineSpec(text.str(), file, shared_root);
}

}  // namespace tinyforge::toolchain
