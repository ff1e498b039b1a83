// Stream file writing and the replay of a stream through tinyforge::learn::Learner.
#include "bench/tinyol/stream.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "bench/tinyol/tinyol_config.h"

namespace tinyforge::bench {

using toolchain::MakeError;
using toolchain::Result;

void Stream::AddRow(const float* row, int32_t label, bool is_scored, int32_t frozen, int32_t seg) {
  features.insert(features.end(), row, row + cols);
  labels.push_back(label);
  scored.push_back(is_scored ? 1 : 0);
  frozen_predictions.push_back(frozen);
  segment.push_back(seg);
}

Result<void> WriteStream(const Stream& stream, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::string bin_path = dir + "/" + stream.name + ".stream.bin";
  std::ofstream bin(bin_path, std::ios::binary);
  auto put_u32 = [&](uint32_t v) { bin.write(reinterpret_cast<const char*>(&v), 4); };
  bin.write("TOLS", 4);
  put_u32(1);
  put_u32(static_cast<uint32_t>(stream.rows()));
  put_u32(static_cast<uint32_t>(stream.cols));
  bin.write(reinterpret_cast<const char*>(stream.labels.data()),
            static_cast<std::streamsize>(stream.labels.size() * 4));
  bin.write(reinterpret_cast<const char*>(stream.scored.data()),
            static_cast<std::streamsize>(stream.scored.size() * 4));
  bin.write(reinterpret_cast<const char*>(stream.features.data()),
            static_cast<std::streamsize>(stream.features.size() * 4));
  if (!bin) return MakeError(bin_path + ": write failed");

  nlohmann::json meta = {{"name", stream.name},
                         {"rows", stream.rows()},
                         {"cols", stream.cols},
                         {"task", stream.task},
                         {"class_names", stream.class_names},
                         {"initial_classes", stream.initial_classes},
                         {"frozen_predictions", stream.frozen_predictions},
                         {"segment", stream.segment},
                         {"built", stream.meta}};
  const std::string meta_path = dir + "/" + stream.name + ".meta.json";
  std::ofstream out(meta_path);
  out << meta.dump() << "\n";
  if (!out) return MakeError(meta_path + ": write failed");
  return {};
}

Result<Stream> ReadStream(const std::string& dir, const std::string& name) {
  const std::string bin_path = dir + "/" + name + ".stream.bin";
  std::ifstream bin(bin_path, std::ios::binary);
  char magic[4] = {};
  uint32_t header[3] = {};
  bin.read(magic, 4);
  bin.read(reinterpret_cast<char*>(header), sizeof(header));
  if (!bin || std::memcmp(magic, "TOLS", 4) != 0 || header[0] != 1) {
    return MakeError(bin_path + ": not a version 1 TinyOL stream file");
  }
  const uint32_t rows = header[1];
  Stream stream;
  stream.name = name;
  stream.cols = header[2];
  stream.labels.resize(rows);
  stream.scored.resize(rows);
  stream.features.resize(static_cast<size_t>(rows) * stream.cols);
  bin.read(reinterpret_cast<char*>(stream.labels.data()), static_cast<std::streamsize>(rows) * 4);
  bin.read(reinterpret_cast<char*>(stream.scored.data()), static_cast<std::streamsize>(rows) * 4);
  bin.read(reinterpret_cast<char*>(stream.features.data()),
           static_cast<std::streamsize>(stream.features.size() * 4));
  if (!bin) return MakeError(bin_path + ": truncated");
  const std::string meta_path = dir + "/" + name + ".meta.json";
  std::ifstream meta_in(meta_path);
  const nlohmann::json meta = nlohmann::json::parse(meta_in, nullptr, false);
  if (meta.is_discarded() || !meta.is_object()) return MakeError(meta_path + ": not JSON");
  try {
    stream.class_names = meta.at("class_names").get<std::vector<std::string>>();
    stream.initial_classes = meta.at("initial_classes").get<uint32_t>();
    stream.task = meta.at("task").get<std::string>();
    stream.frozen_predictions = meta.at("frozen_predictions").get<std::vector<int32_t>>();
    stream.segment = meta.at("segment").get<std::vector<int32_t>>();
    stream.meta = meta.at("built");
  } catch (const nlohmann::json::exception& e) {
    return MakeError(meta_path + ": " + e.what());
  }
  if (stream.segment.size() != rows || stream.frozen_predictions.size() != rows) {
    return MakeError(meta_path + ": per-row arrays do not match the stream's " +
                     std::to_string(rows) + " rows");
  }
  return stream;
}

learn::LearnerConfig ExperimentConfig(const Stream& stream) {
  const auto features = static_cast<uint16_t>(stream.cols);
  if (stream.task == "anomaly") return TinyolAnomalyConfig(features);
  return TinyolClassificationConfig(features, static_cast<uint8_t>(stream.initial_classes));
}

nlohmann::json LearnerConfigJson(const learn::LearnerConfig& c) {
  return {{"feature_count", c.feature_count},
          {"max_classes", c.max_classes},
          {"pending_capacity", c.pending_capacity},
          {"learning_rate", c.learning_rate},
          {"normalized_step", c.normalized_step},
          {"momentum", c.momentum},
          {"l2", c.l2},
          {"gradient_clip", c.gradient_clip},
          {"feature_clip", c.feature_clip},
          {"standardizer_max_count", c.standardizer_max_count},
          {"imprint_samples", c.imprint_samples},
          {"new_class_learning_rate_boost", c.new_class_learning_rate_boost},
          {"new_class_boost_samples", c.new_class_boost_samples},
          {"anomaly_sigmas", c.anomaly_sigmas},
          {"anomaly_stat_max_count", c.anomaly_stat_max_count},
          {"anomaly_warmup", c.anomaly_warmup},
          {"anomaly_absorb_unlabelled", c.anomaly_absorb_unlabelled},
          {"anomaly_threshold_rule", c.anomaly_threshold_rule == learn::AnomalyThresholdRule::kMeanSigma
                                         ? "mean_sigma" : "log_mean_sigma"},
          {"anomaly_learn_faults", c.anomaly_learn_faults},
          {"anomaly_alarm_k", c.anomaly_alarm_k},
          {"anomaly_alarm_n", c.anomaly_alarm_n},
          {"drift_detector", static_cast<int>(c.drift_detector)},
          {"drift_action", static_cast<int>(c.drift_action)},
          {"drift_boost", c.drift_boost},
          {"drift_boost_samples", c.drift_boost_samples}};
}

Result<LearnerRun> RunLearner(const Stream& stream, const learn::LearnerConfig& config,
                              int repeats) {
  std::vector<float> storage(learn::StorageBytes(config) / 4 + 1);
  learn::Learner learner;
  LearnerRun run;
  double learn_seconds = 0.0;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    if (learner.Init(config, storage.data(), storage.size() * 4) != learn::LearnStatus::kOk) {
      return MakeError(stream.name + ": bad learner config");
    }
    const auto start = std::chrono::steady_clock::now();
    for (size_t row = 0; row < stream.rows(); ++row) {
      const float* x = stream.features.data() + row * stream.cols;
      const int32_t label = stream.labels[row];
      while (config.task == learn::Task::kClassification &&
             label >= static_cast<int32_t>(learner.class_count())) {
        if (learner.AddClass(nullptr) != learn::LearnStatus::kOk) {
          return MakeError(stream.name + ": row " + std::to_string(row) + ": no class left");
        }
        if (repeat == 0) ++run.classes_added;
      }
      learn::Prediction prediction{-1, 0.0f, 0.0f};
      const learn::LearnStatus status =
          learner.Learn(x, static_cast<uint32_t>(stream.cols), label, &prediction);
      if (status != learn::LearnStatus::kOk) {
        return MakeError(stream.name + ": row " + std::to_string(row) + ": Learn: " +
                         learn::LearnStatusName(status));
      }
      if (repeat == 0) run.predictions.push_back(prediction.label);
    }
    learn_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (repeat == 0) run.drift_events = learner.drift_events();
  }
  run.learn_us_per_sample = learn_seconds * 1e6 / static_cast<double>(stream.rows() * repeats);
  // Inference alone, on the learned state.
  const auto start = std::chrono::steady_clock::now();
  volatile int32_t sink = 0;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    for (size_t row = 0; row < stream.rows(); ++row) {
      learn::Prediction prediction{};
      (void)learner.Predict(stream.features.data() + row * stream.cols,
                            static_cast<uint32_t>(stream.cols), &prediction);
      sink = sink + prediction.label;
    }
  }
  run.predict_us_per_sample =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() * 1e6 /
      static_cast<double>(stream.rows() * repeats);
  return run;
}

}  // namespace tinyforge::bench
