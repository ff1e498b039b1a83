// Data stage: CWRU or manifest recordings → train/test signals → windows → features (runtime/dsp, the code
// the device runs).
#include "toolchain/pipeline/pipeline_data.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include <sodium.h>

#include "toolchain/data/cwru.h"
#include "toolchain/pipeline/pipeline_recordings.h"
#include "toolchain/preprocess/pipeline.h"

namespace tinyforge::toolchain {
namespace {

uint64_t Fnv1a(uint64_t hash, const void* data, size_t bytes) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < bytes; ++i) {
    hash ^= p[i];
    hash *= 1099511628211ull;
  }
  return hash;
}

struct SplitSignals {
  std::vector<LabeledSignal> train;
  std::vector<LabeledSignal> test;
  std::map<std::string, std::vector<float>> by_source;  // raw samples, to recover test windows
};

FeatureRows ToRows(const FeatureMatrix& matrix, const std::vector<std::string>& class_names) {
  FeatureRows rows;
  rows.values = matrix.values;
  rows.rows = matrix.rows;
  rows.sources = matrix.row_sources;
  for (const int32_t label : matrix.labels) {
    // BuildFeatureMatrix indexes matrix.class_names; map to the pipeline's order.
    const std::string& name = matrix.class_names[static_cast<size_t>(label)];
    rows.labels.push_back(static_cast<int>(
        std::find(class_names.begin(), class_names.end(), name) - class_names.begin()));
  }
  return rows;
}

// "source@start" → the window's raw samples.
Result<std::vector<float>> RawWindow(const SplitSignals& signals, const std::string& row_source,
                                     uint32_t window_size) {
  const size_t at = row_source.rfind('@');
  if (at == std::string::npos) return MakeError("pipeline: malformed row source " + row_source);
  const std::string source = row_source.substr(0, at);
  const size_t start = std::stoul(row_source.substr(at + 1));
  const auto it = signals.by_source.find(source);
  if (it == signals.by_source.end() || start + window_size > it->second.size()) {
    return MakeError("pipeline: cannot find the raw window " + row_source);
  }
  return std::vector<float>(it->second.begin() + static_cast<long>(start),
                            it->second.begin() + static_cast<long>(start + window_size));
}

// Every recording of the CWRU layout at the spec's loads, class by class; returns the rate.
Result<double> CollectCwru(const PipelineSpec& spec, std::vector<std::string>& class_names,
                           std::vector<SourceRecording>& out) {
  const std::string dir = spec.data.path.string();
  auto entries = ListCwru(dir);
  if (!entries.ok()) return entries.error();
  if (class_names.empty()) {
    std::set<std::string> labels;
    for (const CwruEntry& entry : *entries) labels.insert(entry.label);
    class_names.assign(labels.begin(), labels.end());
  }
  const double rate = 12000.0;  // every CWRU fault file; normal has a derived 12 kHz copy
  auto in = [](const std::vector<int>& loads, int load) {
    return std::find(loads.begin(), loads.end(), load) != loads.end();
  };
  for (const std::string& label : class_names) {
    const auto recordings = SelectCwru(*entries, label, -1, rate);
    if (recordings.empty()) return MakeError(dir + ": no 12 kHz recording of class '" + label + "'");
    for (const CwruEntry& entry : recordings) {
      const bool train_load = in(spec.data.train_loads_hp, entry.load_hp);
      const bool test_load = in(spec.data.test_loads_hp, entry.load_hp);
      if (!train_load && !test_load) continue;
      auto recording = LoadCwru(dir, entry);
      if (!recording.ok()) return recording.error();
      out.push_back({entry.file, label, test_load, std::move(recording->channels.at(0))});
    }
  }
  return rate;
}

// The manifest's recordings of the spec's classes (all labels when none are listed), class by
// class in manifest order; returns their common rate.
Result<double> CollectManifestRecordings(const PipelineSpec& spec, std::vector<std::string>& class_names,
                                         std::vector<SourceRecording>& out) {
  auto set = LoadRecordings(spec.data);
  if (!set.ok()) return set.error();
  if (class_names.empty()) {
    std::set<std::string> labels;
    for (const SourceRecording& recording : set->recordings) labels.insert(recording.label);
    class_names.assign(labels.begin(), labels.end());
  }
  for (const std::string& label : class_names) {
    size_t found = 0;
    for (SourceRecording& recording : set->recordings) {
      if (recording.label != label) continue;
      out.push_back(std::move(recording));
      ++found;
    }
    if (found == 0) return MakeError(spec.data.path.string() + ": no recording of class '" + label + "'");
  }
  return set->sample_rate_hz;
}

}  // namespace

Result<PipelineData> LoadPipelineData(const PipelineSpec& spec, size_t keep_raw_test) {
  const std::string dir = spec.data.path.string();
  PipelineData data;
  data.class_names = spec.data.classes;
  std::vector<SourceRecording> recordings;
  auto rate = spec.data.kind == "recordings" ? CollectManifestRecordings(spec, data.class_names, recordings)
                                             : CollectCwru(spec, data.class_names, recordings);
  if (!rate.ok()) return rate.error();

  SplitSignals signals;
  uint64_t hash = 1469598103934665603ull;
  crypto_hash_sha256_state sha256;  // over the same bytes as the FNV hash
  crypto_hash_sha256_init(&sha256);
  std::set<std::string> labels_with_test;
  for (const SourceRecording& recording : recordings)
    if (recording.test) labels_with_test.insert(recording.label);
  for (SourceRecording& recording : recordings) {
    const bool class_has_test = labels_with_test.count(recording.label) != 0;
    const std::vector<float>& samples = recording.samples;
    hash = Fnv1a(hash, samples.data(), samples.size() * sizeof(float));
    crypto_hash_sha256_update(&sha256, reinterpret_cast<const unsigned char*>(samples.data()),
                              samples.size() * sizeof(float));
    signals.by_source[recording.source] = samples;
    if (recording.test) {
      signals.test.push_back({recording.source, recording.label, samples});
    } else if (!class_has_test) {
      // Only recorded for training (CWRU normal: 0 HP only): hold out the tail (cut before
      // windowing, so no window straddles the split).
      const size_t cut = static_cast<size_t>(static_cast<double>(samples.size()) *
                                             (1.0 - spec.data.holdout_fraction));
      signals.train.push_back({recording.source, recording.label,
                               {samples.begin(), samples.begin() + static_cast<long>(cut)}});
      const std::string tail_name = recording.source + "#tail";
      signals.by_source[tail_name] = {samples.begin() + static_cast<long>(cut), samples.end()};
      signals.test.push_back({tail_name, recording.label, signals.by_source[tail_name]});
      data.notes.push_back("class '" + recording.label + "' has no " +
                           (spec.data.kind == "recordings" ? std::string("test recording")
                                                           : std::string("recording at the test loads")) +
                           ": its last " + std::to_string(static_cast<int>(spec.data.holdout_fraction * 100)) +
                           "% of " + recording.source + " is the test set");
    } else {
      signals.train.push_back({recording.source, recording.label, samples});
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(hash));
  data.dataset_hash = hex;
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&sha256, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  for (const unsigned char byte : digest) {
    data.dataset_sha256 += kHex[byte >> 4];
    data.dataset_sha256 += kHex[byte & 15];
  }

  PreprocessOptions options;
  options.features = spec.features;
  if (options.features.sample_rate_hz <= 0.0f) options.features.sample_rate_hz = static_cast<float>(*rate);
  options.normalization = spec.features.normalization.kind;
  auto config = FitPreprocessing(signals.train, options);
  if (!config.ok()) return config.error();
  data.features = *config;
  data.preprocessing_json = FeatureConfigToJson(data.features);
  auto train = BuildFeatureMatrix(signals.train, data.features, data.class_names);
  if (!train.ok()) return train.error();
  auto test = BuildFeatureMatrix(signals.test, data.features, data.class_names);
  if (!test.ok()) return test.error();
  data.cols = train->cols;
  data.feature_names = train->feature_names;
  data.dropped_windows = train->dropped_windows + test->dropped_windows;
  data.train = ToRows(*train, data.class_names);
  data.test = ToRows(*test, data.class_names);
  if (data.train.rows == 0 || data.test.rows == 0) {
    return MakeError(dir + ": no complete window in the " +
                     std::string(data.train.rows == 0 ? "training" : "test") + " data");
  }

  const size_t keep = std::min(keep_raw_test, data.test.rows);
  data.test.raw_windows.resize(data.test.rows);
  for (size_t i = 0; i < keep; ++i) {
    const size_t row = i * data.test.rows / keep;
    auto raw = RawWindow(signals, data.test.sources[row], data.features.window_size);
    if (!raw.ok()) return raw.error();
    data.test.raw_windows[row] = std::move(*raw);
  }
  return data;
}

}  // namespace tinyforge::toolchain
