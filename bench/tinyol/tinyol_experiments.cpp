// TinyOL experiment driver (host): builds a stream, runs our Learner on it (test then train) and
// writes the stream, our per-row predictions and timings for sklearn_baselines.py and
// merge_results.py. One experiment per call (scripts/run-tinyol.sh runs them all):
//   tinyol_experiments <cwru-new-class|cwru-new-bearing|elec2|anomaly> <shared-dir> <out-dir>
//   tinyol_experiments replay <out-dir>     (our learner again on the streams written before)
// cwru-new-class also writes <out-dir>/device/: the files the Cortex-M4 replay image embeds.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "bench/tinyol/cwru_streams.h"
#include "bench/tinyol/stream.h"
#include "bench/tinyol/tinyol_config.h"
#include "toolchain/data/csv_reader.h"

namespace {

using tinyforge::bench::Stream;
using tinyforge::toolchain::MakeError;
using tinyforge::toolchain::Result;

Result<void> WriteBytes(const std::string& path, const void* data, size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!out) return MakeError(path + ": write failed");
  return {};
}

// Runs our learner and writes <name>.ours.json next to the stream.
Result<tinyforge::bench::LearnerRun> RunOurs(const Stream& stream, const std::string& out_dir) {
  TINYFORGE_TRY(tinyforge::bench::WriteStream(stream, out_dir));
  const tinyforge::learn::LearnerConfig config = tinyforge::bench::ExperimentConfig(stream);
  // Timing repeats: enough for a stable per-sample figure, one pass keeps the predictions.
  const int repeats = stream.rows() < 10000 ? 20 : 3;
  auto run = tinyforge::bench::RunLearner(stream, config, repeats);
  if (!run.ok()) return run.error();
  nlohmann::json ours = {{"learner", "tinyol"},
                         {"predictions", run->predictions},
                         {"learn_us_per_sample", run->learn_us_per_sample},
                         {"predict_us_per_sample", run->predict_us_per_sample},
                         {"drift_events", run->drift_events},
                         {"classes_added", run->classes_added},
                         {"storage_bytes", tinyforge::learn::StorageBytes(config)},
                         {"learner_object_bytes", sizeof(tinyforge::learn::Learner)},
                         {"config", tinyforge::bench::LearnerConfigJson(config)}};
  const std::string path = out_dir + "/" + stream.name + ".ours.json";
  std::ofstream out(path);
  out << ours.dump() << "\n";
  if (!out) return MakeError(path + ": write failed");
  size_t correct = 0, scored = 0;
  for (size_t r = 0; r < stream.rows(); ++r) {
    if (!stream.scored[r]) continue;
    ++scored;
    correct += run->predictions[r] == stream.labels[r] ? 1u : 0u;
  }
  std::printf("%-28s rows %6zu cols %2zu  ours prequential %.4f  learn %.2f us  predict %.2f us\n",
              stream.name.c_str(), stream.rows(), stream.cols,
              scored ? static_cast<double>(correct) / static_cast<double>(scored) : 0.0,
              run->learn_us_per_sample, run->predict_us_per_sample);
  return run;
}

// The anomaly stream with the information the sklearn classifiers get (every fault label): our
// classification task (the experiments' one config, 2 classes: normal, fault) on the same
// residuals, test then train. Writes <name>.ours_supervised.json.
Result<void> RunOursSupervised(const Stream& stream, const std::string& out_dir) {
  const tinyforge::learn::LearnerConfig config = tinyforge::bench::TinyolClassificationConfig(
      static_cast<uint16_t>(stream.cols), static_cast<uint8_t>(stream.class_names.size()));
  auto run = tinyforge::bench::RunLearner(stream, config, 20);
  if (!run.ok()) return run.error();
  nlohmann::json ours = {{"learner", "tinyol_supervised"},
                         {"predictions", run->predictions},
                         {"learn_us_per_sample", run->learn_us_per_sample},
                         {"predict_us_per_sample", run->predict_us_per_sample},
                         {"config", tinyforge::bench::LearnerConfigJson(config)}};
  const std::string path = out_dir + "/" + stream.name + ".ours_supervised.json";
  std::ofstream out(path);
  out << ours.dump() << "\n";
  if (!out) return MakeError(path + ": write failed");
  std::printf("%-28s ours (classification, every label) learn %.2f us\n", stream.name.c_str(),
              run->learn_us_per_sample);
  return {};
}

// Every anomaly detector variant (tinyol_config.h) on the same stream: <name>.variant_<v>.json
// with the per-row predictions (the debounced alarm). merge_results.py scores them all.
Result<void> RunAnomalyVariants(const Stream& stream, const std::string& out_dir) {
  for (const tinyforge::bench::AnomalyVariant& variant : tinyforge::bench::kAnomalyVariants) {
    const tinyforge::learn::LearnerConfig config =
        tinyforge::bench::TinyolAnomalyVariantConfig(static_cast<uint16_t>(stream.cols), variant);
    auto run = tinyforge::bench::RunLearner(stream, config, 20);
    if (!run.ok()) return run.error();
    nlohmann::json out = {{"learner", variant.name},
                          {"framing", variant.learn_faults ? "every_label" : "normal_labels_only"},
                          {"predictions", run->predictions},
                          {"learn_us_per_sample", run->learn_us_per_sample},
                          {"predict_us_per_sample", run->predict_us_per_sample},
                          {"config", tinyforge::bench::LearnerConfigJson(config)}};
    const std::string path = out_dir + "/" + stream.name + ".variant_" + variant.name + ".json";
    std::ofstream file(path);
    file << out.dump() << "\n";
    if (!file) return MakeError(path + ": write failed");
  }
  return {};
}

// Anomaly scores of one run, computed as merge_results.py does: F1 (fault = positive), false
// alarm windows (alarm on a normal window), transitions missed, mean delay in windows.
struct AnomalyScores {
  double f1 = 0.0;
  size_t false_alarms = 0, missed = 0, transitions = 0, normal_windows = 0;
  double delay_windows = 0.0;
  std::vector<int32_t> false_alarm_segments;  // the transition of each false alarm window
  std::map<int32_t, size_t> missed_per_segment;  // fault windows not alarmed, per transition
};

AnomalyScores ScoreAnomaly(const Stream& stream, const std::vector<int32_t>& predictions) {
  AnomalyScores scores;
  size_t tp = 0, fp = 0, fn = 0;
  std::map<int32_t, std::pair<size_t, long>> first_alarm;  // segment -> (fault seen, delay)
  for (size_t r = 0; r < stream.rows(); ++r) {
    if (!stream.scored[r]) continue;
    const bool alarm = predictions[r] == 1, fault = stream.labels[r] == 1;
    tp += alarm && fault;
    fp += alarm && !fault;
    if (alarm && !fault) scores.false_alarm_segments.push_back(stream.segment[r]);
    fn += !alarm && fault;
    scores.normal_windows += !fault;
    if (!fault) continue;
    if (!alarm) ++scores.missed_per_segment[stream.segment[r]];
    auto [it, fresh] = first_alarm.try_emplace(stream.segment[r], std::make_pair(size_t{0}, -1L));
    (void)fresh;
    if (alarm && it->second.second < 0) it->second.second = static_cast<long>(it->second.first);
    ++it->second.first;
  }
  const double precision = tp + fp ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0.0;
  const double recall = tp + fn ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 0.0;
  scores.f1 = precision + recall > 0.0 ? 2 * precision * recall / (precision + recall) : 0.0;
  scores.false_alarms = fp;
  size_t detected = 0;
  for (const auto& [segment, seen_delay] : first_alarm) {
    ++scores.transitions;
    if (seen_delay.second < 0) {
      ++scores.missed;
    } else {
      ++detected;
      scores.delay_windows += static_cast<double>(seen_delay.second);
    }
  }
  if (detected) scores.delay_windows /= static_cast<double>(detected);
  return scores;
}

void PrintAnomaly(const char* name, const AnomalyScores& s) {
  std::printf("  %-40s F1 %.4f  false alarms %3zu of %zu normal  missed %zu of %zu  delay %.2f\n",
              name, s.f1, s.false_alarms, s.normal_windows, s.missed, s.transitions,
              s.delay_windows);
  if (!s.missed_per_segment.empty()) {
    std::printf("    missed fault windows (transition:count):");
    for (const auto& [segment, count] : s.missed_per_segment) std::printf(" %d:%zu", segment, count);
    std::printf("\n");
  }
  if (s.false_alarm_segments.empty()) return;
  std::printf("    false alarms in transitions:");
  for (const int32_t segment : s.false_alarm_segments) std::printf(" %d", segment);
  std::printf("\n");
}

// The anomaly stream in the replay: every detector variant, then the diagnosis of the
// classification task on the residuals (docs/tinyol.md, "Why 0.911"): its standardizer window,
// normalized step and learning rate, one change at a time from the experiments' config.
Result<void> ReplayAnomaly(const std::string& work) {
  for (const char* name : {"cwru_anomaly_normal", "cwru_anomaly"}) {
    auto stream = tinyforge::bench::ReadStream(work, name);
    if (!stream.ok()) return stream.error();
    std::printf("%s (window delay; false alarms = alarmed normal windows)\n", name);
    for (const tinyforge::bench::AnomalyVariant& variant : tinyforge::bench::kAnomalyVariants) {
      auto run = tinyforge::bench::RunLearner(
          *stream, tinyforge::bench::TinyolAnomalyVariantConfig(
                       static_cast<uint16_t>(stream->cols), variant));
      if (!run.ok()) return run.error();
      PrintAnomaly(variant.name, ScoreAnomaly(*stream, run->predictions));
    }
  }
  auto stream = tinyforge::bench::ReadStream(work, "cwru_anomaly");
  if (!stream.ok()) return stream.error();
  const auto features = static_cast<uint16_t>(stream->cols);
  struct Diagnosis {
    const char* name;
    uint32_t standardizer_max_count;
    bool normalized_step;
    float learning_rate;
  };
  const Diagnosis diagnoses[] = {
      {"classification (experiments' config)", 100, true, 8.0f},
      {"classification, standardizer 1000", 1000, true, 8.0f},
      {"classification, standardizer 100000", 100000, true, 8.0f},
      {"classification, lr 2", 100, true, 2.0f},
      {"classification, lr 32", 100, true, 32.0f},
      {"classification, plain SGD lr 0.05", 100, false, 0.05f},
      {"classification, plain SGD lr 0.05, std 100000", 100000, false, 0.05f},
  };
  for (const Diagnosis& d : diagnoses) {
    tinyforge::learn::LearnerConfig config =
        tinyforge::bench::TinyolClassificationConfig(features, 2);
    config.standardizer_max_count = d.standardizer_max_count;
    config.normalized_step = d.normalized_step;
    config.learning_rate = d.learning_rate;
    auto run = tinyforge::bench::RunLearner(*stream, config);
    if (!run.ok()) return run.error();
    PrintAnomaly(d.name, ScoreAnomaly(*stream, run->predictions));
  }
  return {};
}

// The replay data of the Cortex-M4 image: frozen hidden-layer blob, its raw inputs, the host's
// hidden activations, labels and our host predictions (the device must reproduce them).
Result<void> WriteDeviceFiles(const Stream& s, const std::vector<uint8_t>& blob,
                              const tinyforge::bench::LearnerRun& run, const std::string& dir) {
  std::filesystem::create_directories(dir);
  TINYFORGE_TRY(WriteBytes(dir + "/frozen_hidden.tfm", blob.data(), blob.size()));
  TINYFORGE_TRY(WriteBytes(dir + "/stream_inputs.bin", s.frozen_inputs.data(),
                           s.frozen_inputs.size() * 4));
  TINYFORGE_TRY(WriteBytes(dir + "/stream_hidden.bin", s.features.data(), s.features.size() * 4));
  TINYFORGE_TRY(WriteBytes(dir + "/stream_labels.bin", s.labels.data(), s.labels.size() * 4));
  TINYFORGE_TRY(WriteBytes(dir + "/stream_scored.bin", s.scored.data(), s.scored.size() * 4));
  TINYFORGE_TRY(WriteBytes(dir + "/stream_expected.bin", run.predictions.data(),
                           run.predictions.size() * 4));
  const uint32_t shape[4] = {static_cast<uint32_t>(s.rows()),
                             static_cast<uint32_t>(s.frozen_input_cols),
                             static_cast<uint32_t>(s.cols), s.initial_classes};
  return WriteBytes(dir + "/stream_shape.bin", shape, sizeof(shape));
}

Result<void> Cwru(const std::string& shared, const std::string& out_dir,
                  tinyforge::bench::CwruExperiment experiment) {
  auto streams = tinyforge::bench::BuildCwruStreams(shared + "/datasets/cwru_bearing", experiment, 1);
  if (!streams.ok()) return streams.error();
  auto hidden = RunOurs(streams->hidden, out_dir);
  if (!hidden.ok()) return hidden.error();
  auto features = RunOurs(streams->features, out_dir);
  if (!features.ok()) return features.error();
  if (experiment == tinyforge::bench::CwruExperiment::kNewClass) {
    TINYFORGE_TRY(
        WriteDeviceFiles(streams->hidden, streams->hidden_blob, *hidden, out_dir + "/device"));
    // The int8 frozen model's variant (flash comparison): same rows, its own hidden activations,
    // our learner's host predictions on them.
    Stream int8 = streams->hidden;
    int8.name += "_int8";
    int8.features = streams->hidden_int8;
    int8.meta["learner_input"] = "last hidden layer of the int8-quantized frozen MLP, dequantized";
    auto int8_run = RunOurs(int8, out_dir);
    if (!int8_run.ok()) return int8_run.error();
    TINYFORGE_TRY(WriteDeviceFiles(int8, streams->hidden_int8_blob, *int8_run,
                                   out_dir + "/device-int8"));
  }
  return {};
}

// Elec2 in file order; all 8 features, and the 6 without date and nswprice.
Result<void> Elec2(const std::string& shared, const std::string& out_dir) {
  tinyforge::toolchain::CsvOptions options;
  options.label_column = "class";
  options.allow_missing = false;
  const std::string path = shared + "/datasets/elec2/elec2.csv";
  auto csv = tinyforge::toolchain::ReadCsv(path, options);
  if (!csv.ok()) return csv.error();
  const std::vector<std::string> all = {"date", "day", "period", "nswprice",
                                        "nswdemand", "vicprice", "vicdemand", "transfer"};
  for (const bool six : {false, true}) {
    Stream stream;
    stream.name = six ? "elec2_6" : "elec2_8";
    stream.class_names = {"DOWN", "UP"};
    stream.initial_classes = 2;
    std::vector<size_t> channels;
    std::vector<std::string> names;
    for (const std::string& name : all) {
      if (six && (name == "date" || name == "nswprice")) continue;
      const auto it = std::find(csv->channel_names.begin(), csv->channel_names.end(), name);
      if (it == csv->channel_names.end()) return MakeError(path + ": no column '" + name + "'");
      channels.push_back(static_cast<size_t>(it - csv->channel_names.begin()));
      names.push_back(name);
    }
    stream.cols = channels.size();
    stream.meta = {{"dataset", path}, {"feature_names", names}, {"order", "file order"}};
    std::vector<float> row(stream.cols);
    for (size_t i = 0; i < csv->sample_count(); ++i) {
      for (size_t c = 0; c < channels.size(); ++c) row[c] = csv->channels[channels[c]][i];
      const std::string& label = csv->labels[i];
      if (label != "UP" && label != "DOWN") {
        return MakeError(path + ":" + std::to_string(i + 2) + ": class '" + label + "'");
      }
      stream.AddRow(row.data(), label == "UP" ? 1 : 0, true, -1, -1);
    }
    auto run = RunOurs(stream, out_dir);
    if (!run.ok()) return run.error();
  }
  return {};
}

// Re-runs our learner on streams already written (no stream building, no sklearn): the quick
// check of a learner change against every stream. Prints accuracy and, for a stream with a new
// class, labelled samples to 90% recall (window 20), as merge_results.py computes them.
Result<void> Replay(const std::string& work) {
  const char* names[] = {"cwru_new_class_hidden",   "cwru_new_class_features",
                         "cwru_new_bearing_hidden", "cwru_new_bearing_features",
                         "elec2_8",                 "elec2_6",
                         "cwru_new_class_hidden_int8"};
  for (const char* name : names) {
    auto stream = tinyforge::bench::ReadStream(work, name);
    if (!stream.ok()) return stream.error();
    auto run = tinyforge::bench::RunLearner(*stream, tinyforge::bench::ExperimentConfig(*stream));
    if (!run.ok()) return run.error();
    size_t correct = 0, scored = 0;
    std::vector<int> new_class_hits;
    for (size_t r = 0; r < stream->rows(); ++r) {
      if (!stream->scored[r]) continue;
      ++scored;
      const bool hit = run->predictions[r] == stream->labels[r];
      correct += hit ? 1u : 0u;
      if (stream->labels[r] >= static_cast<int32_t>(stream->initial_classes))
        new_class_hits.push_back(hit ? 1 : 0);
    }
    int to_recall = -1;
    for (size_t k = 0; k + 20 <= new_class_hits.size() && to_recall < 0; ++k) {
      int sum = 0;
      for (size_t j = k; j < k + 20; ++j) sum += new_class_hits[j];
      if (sum >= 18) to_recall = static_cast<int>(k);
    }
    std::printf("%-28s %.4f  errors %4zu  drift %3u  to90 %d\n", name,
                static_cast<double>(correct) / static_cast<double>(scored), scored - correct,
                run->drift_events, to_recall);
  }
  return ReplayAnomaly(work);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "replay") {
    const Result<void> replayed = Replay(argv[2]);
    if (!replayed.ok()) {
      std::fprintf(stderr, "tinyol_experiments replay: %s\n", replayed.error().message.c_str());
      return 1;
    }
    return 0;
  }
  if (argc != 4) {
    std::fprintf(stderr,
                 "usage: tinyol_experiments <cwru-new-class|cwru-new-bearing|elec2|anomaly> "
                 "<shared-dir> <out-dir>\n");
    return 2;
  }
  const std::string experiment = argv[1], shared = argv[2], out_dir = argv[3];
  std::filesystem::create_directories(out_dir);
  Result<void> result = MakeError("unknown experiment '" + experiment + "'");
  if (experiment == "cwru-new-class") {
    result = Cwru(shared, out_dir, tinyforge::bench::CwruExperiment::kNewClass);
  } else if (experiment == "cwru-new-bearing") {
    result = Cwru(shared, out_dir, tinyforge::bench::CwruExperiment::kNewBearing);
  } else if (experiment == "elec2") {
    result = Elec2(shared, out_dir);
  } else if (experiment == "anomaly") {
    auto streams = tinyforge::bench::BuildCwruAnomalyStreams(shared + "/datasets/cwru_bearing", 1);
    if (!streams.ok()) {
      result = streams.error();
    } else {
      result = {};
      for (const Stream* stream : {&streams->transitions, &streams->normal_only}) {
        auto run = RunOurs(*stream, out_dir);
        if (result.ok() && !run.ok()) result = run.error();
        if (result.ok()) result = RunOursSupervised(*stream, out_dir);
        if (result.ok()) result = RunAnomalyVariants(*stream, out_dir);
      }
    }
  }
  if (!result.ok()) {
    std::fprintf(stderr, "tinyol_experiments %s: %s\n", experiment.c_str(),
                 result.error().message.c_str());
    return 1;
  }
  return 0;
}
