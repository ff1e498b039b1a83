// TinyOL experiment driver (host): builds a stream, runs our Learner on it (test then train) and
// writes the stream, our per-row predictions and timings for sklearn_baselines.py and
// merge_results.py. One experiment per call (scripts/run-tinyol.sh runs them all):
//   tinyol_experiments <cwru-new-class|cwru-new-bearing|elec2|anomaly> <shared-dir> <out-dir>
//   tinyol_experiments replay <out-dir>     (our learner again on the streams written before)
// cwru-new-class also writes <out-dir>/device/: the files the Cortex-M4 replay image embeds.
#include <cstdio>
#include <filesystem>
#include <fstream>
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
  return {};
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
    auto stream = tinyforge::bench::BuildCwruAnomalyStream(shared + "/datasets/cwru_bearing", 1);
    if (!stream.ok()) {
      result = stream.error();
    } else {
      auto run = RunOurs(*stream, out_dir);
      result = run.ok() ? Result<void>() : Result<void>(run.error());
      if (result.ok()) result = RunOursSupervised(*stream, out_dir);
    }
  }
  if (!result.ok()) {
    std::fprintf(stderr, "tinyol_experiments %s: %s\n", experiment.c_str(),
                 result.error().message.c_str());
    return 1;
  }
  return 0;
}
