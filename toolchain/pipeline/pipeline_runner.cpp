// The pipeline's stages after the data: training, int8 conversion, evaluation on the host with the
// real runtime, packaging, and the firmware run on QEMU with a byte-for-byte host comparison.
#include "toolchain/pipeline/pipeline_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "toolchain/emit/package.h"
#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/format/blob_reader.h"
#include "toolchain/ir/float_executor.h"
#include "toolchain/passes/quantize.h"
#include "toolchain/passes/standardize.h"
#include "toolchain/pipeline/pipeline_data.h"
#include "toolchain/pipeline/pipeline_output.h"
#include "toolchain/pipeline/pipeline_trees.h"
#include "toolchain/train/autoencoder.h"
#include "toolchain/train/dataset.h"
#include "toolchain/train/metrics.h"
#include "toolchain/train/mlp_classifier.h"
#include "toolchain/verify/firmware_runner.h"
#include "toolchain/verify/host_runner.h"
#include "toolchain/verify/metrics.h"

#ifndef TINYFORGE_VERSION
#define TINYFORGE_VERSION "0.1.0"
#endif

namespace tinyforge::toolchain {
namespace fs = std::filesystem;
using json = nlohmann::json;
namespace {

class Stages {
 public:
  Stages(const ProgressCallback& progress, json& out) : progress_(progress), out_(out) {}
  void Begin(const std::string& name, const std::string& what) {
    End();
    name_ = name;
    start_ = std::chrono::steady_clock::now();
    if (progress_) progress_("[" + name + "] " + what);
  }
  void End() {
    if (name_.empty()) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    out_.push_back({{"stage", name_}, {"seconds", seconds}});
    name_.clear();
  }

 private:
  const ProgressCallback& progress_;
  json& out_;
  std::string name_;
  std::chrono::steady_clock::time_point start_;
};

Dataset MakeSet(std::vector<float> values, size_t rows, size_t cols, std::vector<int> labels) {
  Dataset set;
  set.features = std::move(values);
  set.rows = rows;
  set.cols = cols;
  set.labels = std::move(labels);
  return set;
}

// Rows `indices` of a row-major matrix.
std::vector<float> TakeRows(const std::vector<float>& values, size_t cols,
                            const std::vector<size_t>& indices) {
  std::vector<float> out;
  out.reserve(indices.size() * cols);
  for (const size_t row : indices) {
    out.insert(out.end(), values.begin() + static_cast<long>(row * cols),
               values.begin() + static_cast<long>((row + 1) * cols));
  }
  return out;
}

std::vector<int> ArgMaxRows(const std::vector<float>& scores, size_t rows, size_t classes) {
  std::vector<int> out;
  for (size_t row = 0; row < rows; ++row) {
    out.push_back(static_cast<int>(ArgMax(scores.data() + row * classes, classes)));
  }
  return out;
}

// Standardized calibration rows: at most `limit`, spread evenly over the training set.
std::vector<float> Calibration(const std::vector<float>& standardized, size_t rows, size_t cols,
                               size_t limit, size_t* used) {
  std::vector<size_t> picks;
  const size_t count = std::min(limit, rows);
  for (size_t i = 0; i < count; ++i) picks.push_back(i * rows / count);
  *used = picks.size();
  return TakeRows(standardized, cols, picks);
}

// float graph on standardized inputs → int8 graph with the standardization in front → .tfm.
Result<Graph> ToInt8Graph(const Graph& float_graph, const Standardization& standardization,
                          const std::vector<float>& calibration, size_t calibration_rows,
                          const QuantizeSpec& spec) {
  QuantizeOptions options;
  options.range_method = spec.percentile ? RangeMethod::kPercentile : RangeMethod::kMinMax;
  options.percentile = spec.percentile_value;
  options.float_interface = true;
  auto quantized = QuantizeGraph(float_graph, calibration, calibration_rows, options);
  if (!quantized.ok()) return quantized.error();
  TINYFORGE_TRY(PrependStandardization(*quantized, standardization));
  return std::move(*quantized);
}

Result<std::vector<uint8_t>> ToInt8Blob(const Graph& float_graph, const Standardization& standardization,
                                        const std::vector<float>& calibration, size_t calibration_rows,
                                        const QuantizeSpec& spec) {
  auto quantized = ToInt8Graph(float_graph, standardization, calibration, calibration_rows, spec);
  if (!quantized.ok()) return quantized.error();
  return EmitTfm(*quantized);
}

// Replaces (or adds) one numeric metadata entry.
void SetMetadataNumber(Graph& graph, const std::string& key, double value) {
  for (auto& [existing, number] : graph.metadata.numbers) {
    if (existing == key) {
      number = value;
      return;
    }
  }
  graph.metadata.numbers.emplace_back(key, value);
}

Result<void> WriteBytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream stream(temporary, std::ios::binary);
    stream.write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
    if (!stream) return MakeError(temporary.string() + ": write failed");
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) return MakeError(path.string() + ": " + error.message());
  return {};
}

json MetricsJson(const ClassificationMetrics& metrics) {
  return {{"accuracy", metrics.accuracy}, {"macro_f1", metrics.macro_f1},
          {"f1_per_class", metrics.f1}, {"confusion", metrics.confusion}, {"count", metrics.count}};
}

json AnomalyJson(const AnomalyMetrics& metrics, float threshold) {
  return {{"roc_auc", metrics.roc_auc}, {"f1", metrics.f1}, {"precision", metrics.precision},
          {"recall", metrics.recall}, {"false_positive_rate", metrics.false_positive_rate},
          {"threshold", threshold}};
}

struct ClassifierOutcome {
  std::vector<uint8_t> blob;
  std::vector<std::vector<uint8_t>> host_outputs;  // per test row
  json report;
};

Result<ClassifierOutcome> TrainClassifier(const PipelineSpec& spec, const PipelineData& data) {
  if (spec.classifier.kind == "forest") {  // pipeline_trees.cpp
    auto forest = TrainForestClassifierStage(spec, data);
    if (!forest.ok()) return forest.error();
    return ClassifierOutcome{std::move(forest->blob), std::move(forest->host_outputs), std::move(forest->report)};
  }
  const size_t cols = data.cols;
  const size_t classes = data.class_names.size();
  const Standardization standardization =
      FitStandardization(data.train.values, data.train.rows, cols);
  std::vector<float> train_std = data.train.values;
  ApplyStandardization(standardization, train_std);
  std::vector<float> test_std = data.test.values;
  ApplyStandardization(standardization, test_std);

  MlpConfig config;
  config.hidden = spec.classifier.hidden;
  config.fit.epochs = spec.classifier.epochs;
  config.fit.batch_size = spec.classifier.batch_size;
  config.fit.patience = spec.classifier.patience;
  config.fit.adam.learning_rate = spec.classifier.learning_rate;
  config.seed = spec.seed;
  config.model_id = spec.name + "_classifier";
  auto trained = TrainMlpClassifier(
      MakeSet(train_std, data.train.rows, cols, data.train.labels), config);
  if (!trained.ok()) return trained.error();
  trained->graph.metadata.preprocessing_json = data.preprocessing_json.dump();

  auto float_scores = PredictFloat(trained->graph, test_std, data.test.rows);
  if (!float_scores.ok()) return float_scores.error();
  const ClassificationMetrics float_metrics =
      Classify(ArgMaxRows(*float_scores, data.test.rows, classes), data.test.labels, classes);

  size_t calibration_rows = 0;
  const std::vector<float> calibration = Calibration(
      train_std, data.train.rows, cols, spec.quantize.calibration_rows, &calibration_rows);
  auto blob = ToInt8Blob(trained->graph, standardization, calibration, calibration_rows,
                         spec.quantize);
  if (!blob.ok()) return MakeError("classifier int8 conversion: " + blob.error().message);

  // int8 on the host through the real runtime, from raw (unstandardized) features.
  auto host = RunBlobOnHost(*blob, data.test.values, data.test.rows);
  if (!host.ok()) return MakeError("classifier on the host runtime: " + host.error().message);
  std::vector<float> int8_scores;
  for (const auto& output : host->outputs) {
    const auto values = OutputFloats(output);
    int8_scores.insert(int8_scores.end(), values.begin(), values.end());
  }
  const ClassificationMetrics int8_metrics =
      Classify(ArgMaxRows(int8_scores, data.test.rows, classes), data.test.labels, classes);

  ClassifierOutcome outcome;
  outcome.blob = std::move(*blob);
  outcome.host_outputs = std::move(host->outputs);
  outcome.report = {{"kind", "mlp"},
                    {"hidden", spec.classifier.hidden},
                    {"epochs_run", trained->report.history.epochs_run},
                    {"validation_accuracy", trained->report.validation_accuracy},
                    {"float", MetricsJson(float_metrics)},
                    {"int8", MetricsJson(int8_metrics)},
                    {"arena_bytes", host->arena_bytes},
                    {"model_bytes", outcome.blob.size()}};
  return outcome;
}

Result<json> TrainAnomaly(const PipelineSpec& spec, const PipelineData& data,
                          std::vector<uint8_t>* blob_out) {
  if (spec.anomaly.kind == "isolation-forest") {  // pipeline_trees.cpp
    auto forest = TrainIsolationForestStage(spec, data);
    if (!forest.ok()) return forest.error();
    *blob_out = std::move(forest->blob);
    return forest->report;
  }
  const size_t cols = data.cols;
  const auto normal_it =
      std::find(data.class_names.begin(), data.class_names.end(), spec.anomaly.normal_class);
  if (normal_it == data.class_names.end()) {
    return MakeError(spec.file.string() + ": [anomaly] normal_class '" + spec.anomaly.normal_class +
                     "' is not one of the data's classes");
  }
  const int normal = static_cast<int>(normal_it - data.class_names.begin());
  std::vector<size_t> normal_rows;
  for (size_t row = 0; row < data.train.rows; ++row) {
    if (data.train.labels[row] == normal) normal_rows.push_back(row);
  }
  if (normal_rows.size() < 8) return MakeError("anomaly: fewer than 8 normal training windows");
  const std::vector<float> normal_raw = TakeRows(data.train.values, cols, normal_rows);
  const Standardization standardization = FitStandardization(normal_raw, normal_rows.size(), cols);
  std::vector<float> normal_std = normal_raw;
  ApplyStandardization(standardization, normal_std);
  std::vector<float> test_std = data.test.values;
  ApplyStandardization(standardization, test_std);
  std::vector<bool> is_anomaly;
  for (const int label : data.test.labels) is_anomaly.push_back(label != normal);

  AutoencoderConfig config;
  config.hidden = spec.anomaly.hidden;
  config.fit.epochs = spec.anomaly.epochs;
  config.fit.batch_size = spec.anomaly.batch_size;
  config.fit.adam.learning_rate = spec.anomaly.learning_rate;
  config.threshold_quantile = spec.anomaly.threshold_quantile;
  config.seed = spec.seed;
  config.model_id = spec.name + "_anomaly";
  auto trained = TrainAutoencoder(MakeSet(normal_std, normal_rows.size(), cols, {}), config);
  if (!trained.ok()) return trained.error();
  trained->graph.metadata.preprocessing_json = data.preprocessing_json.dump();

  auto float_errors =
      ReconstructionErrors(trained->graph, MakeSet(test_std, data.test.rows, cols, {}));
  if (!float_errors.ok()) return float_errors.error();
  const AnomalyMetrics float_metrics = ScoreAnomalies(*float_errors, is_anomaly, trained->threshold);

  size_t calibration_rows = 0;
  const std::vector<float> calibration = Calibration(
      normal_std, normal_rows.size(), cols, spec.quantize.calibration_rows, &calibration_rows);
  auto int8_graph = ToInt8Graph(trained->graph, standardization, calibration, calibration_rows,
                                spec.quantize);
  if (!int8_graph.ok()) return MakeError("anomaly int8 conversion: " + int8_graph.error().message);
  auto blob = EmitTfm(*int8_graph);
  if (!blob.ok()) return MakeError("anomaly int8 conversion: " + blob.error().message);

  // The deployed (int8) model gets its own threshold, at the same quantile of its own errors on
  // the normal training windows.
  auto errors_of = [&](const std::vector<float>& raw, const std::vector<float>& standardized,
                       size_t rows) -> Result<std::vector<float>> {
    auto run = RunBlobOnHost(*blob, raw, rows);
    if (!run.ok()) return run.error();
    std::vector<float> reconstruction;
    for (const auto& output : run->outputs) {
      const auto values = OutputFloats(output);
      reconstruction.insert(reconstruction.end(), values.begin(), values.end());
    }
    return RowMeanSquaredErrors(reconstruction, standardized, cols);
  };
  auto train_errors = errors_of(normal_raw, normal_std, normal_rows.size());
  if (!train_errors.ok()) return MakeError("anomaly on the host runtime: " + train_errors.error().message);
  const float int8_threshold =
      static_cast<float>(Quantile(*train_errors, spec.anomaly.threshold_quantile));
  auto test_errors = errors_of(data.test.values, test_std, data.test.rows);
  if (!test_errors.ok()) return MakeError("anomaly on the host runtime: " + test_errors.error().message);
  const AnomalyMetrics int8_metrics = ScoreAnomalies(*test_errors, is_anomaly, int8_threshold);
  // The blob carries the threshold its own errors were measured against (a device reads it from
  // the metadata), not the float model's: the two differ by the quantization error.
  SetMetadataNumber(*int8_graph, kAnomalyThresholdKey, int8_threshold);
  blob = EmitTfm(*int8_graph);
  if (!blob.ok()) return MakeError("anomaly int8 conversion: " + blob.error().message);

  *blob_out = std::move(*blob);
  return json{{"kind", "autoencoder"},
              {"hidden", spec.anomaly.hidden},
              {"normal_class", spec.anomaly.normal_class},
              {"float", AnomalyJson(float_metrics, trained->threshold)},
              {"int8", AnomalyJson(int8_metrics, int8_threshold)},
              {"model_bytes", blob_out->size()}};
}

json ModelCard(const PipelineSpec& spec, const PipelineData& data, const json& classifier) {
  // The deployed model: int8 for the MLP, the float32 TreeEnsemble for a forest.
  const bool forest = classifier.value("kind", "") == "forest";
  const json& deployed = forest ? classifier["float"] : classifier["int8"];
  const json source = spec.data.kind == "cwru"
                          ? json::array({"train_loads_hp", spec.data.train_loads_hp})
                          : json::array({"manifest", spec.data.path.filename().string()});
  const json training = forest ? json{{"trainer", "random-forest"}, {"trees", spec.classifier.trees},
                                      {"max_depth", spec.classifier.max_depth}, {"seed", spec.seed}, source}
                               : json{{"trainer", "mlp"}, {"hidden", spec.classifier.hidden},
                                      {"epochs", spec.classifier.epochs}, {"seed", spec.seed}, source};
  return {{"@context",
           {{"tf", "https://w3id.org/tinyforge#"},
            {"schema", "https://schema.org/"},
            {"nn", "https://w3id.org/tinyml-schema/neural-network-schema#"}}},
          {"@type", "tf:ModelCard"},
          {"@id", "urn:tinyforge:model:" + spec.name + "_classifier:1.0.0"},
          {"name", spec.name + "_classifier"},
          // The server's keys (server/kg/rdf_parsing.cpp); ops, inputs, outputs, arena_bytes,
          // flash_bytes and runtime_version are filled from the blob by the package writer.
          {"id", spec.name + "_classifier"},
          {"version", "1.0.0"},
          {"required_sensors", json::array({{{"type", spec.data.sensor_type},
                                             {"min_sampling_rate_hz", data.features.sample_rate_hz}}})},
          {"accuracy", deployed["accuracy"]},
          {"dataset_hash", "sha256:" + data.dataset_sha256},
          {"quantization", forest ? json{{"scheme", "float32"}, {"weight_bits", 32}, {"activation_bits", 32}}
                                  : json{{"scheme", "int8-per-channel"}, {"weight_bits", 8}, {"activation_bits", 8}}},
          {"tf:task", "classification"},
          {"tf:signal", json::array({{{"name", "raw_window"},
                                      {"shape", {data.features.window_size}},
                                      {"dtype", "float32"},
                                      {"sampleRateHz", data.features.sample_rate_hz}}})},
          {"tf:features", data.feature_names},
          {"tf:classes", data.class_names},
          {"tf:macroF1", deployed["macro_f1"]},
          {"tf:floatAccuracy", classifier["float"]["accuracy"]},
          {"tf:datasetHash", "fnv1a64:" + data.dataset_hash},
          {"tf:preprocessing", data.preprocessing_json},
          {"tf:training", training},
          {"tf:quantization", forest ? json{{"scheme", "none: float32 TreeEnsemble"}}
                                     : json{{"scheme", "int8 asymmetric activations, symmetric per-channel weights"},
                                            {"range", spec.quantize.percentile ? "percentile" : "minmax"}}},
          {"tf:producer", std::string("tinyforge ") + TINYFORGE_VERSION},
          {"tf:runtimeVersion", TINYFORGE_VERSION}};
}

Result<void> KeepFirmwareImage(const fs::path& work, const fs::path& image_dir) {
  std::error_code error;
  fs::create_directories(image_dir, error);
  if (error) return MakeError(image_dir.string() + ": " + error.message());
  for (const auto& entry : fs::directory_iterator(work)) {
    if (entry.path().extension() != ".elf") continue;
    fs::rename(entry.path(), image_dir / entry.path().filename(), error);
    if (error) return MakeError(entry.path().string() + ": " + error.message());
  }
  fs::remove_all(work, error);
  return {};
}

// spec.output_dir is the run's staging folder; final_dir is where the outputs will be published
// (the paths the report names).
Result<json> PackageAndRun(const PipelineSpec& spec, const fs::path& final_dir, const PipelineData& data,
                           const ClassifierOutcome& classifier, Stages& stages) {
  PackageRequest request;
  request.blob = classifier.blob;
  request.name = spec.name;
  request.features = data.features;
  request.model_card = ModelCard(spec, data, classifier.report);
  std::vector<size_t> sample_rows;
  for (size_t row = 0; row < data.test.rows; ++row) {
    if (!data.test.raw_windows[row].empty()) sample_rows.push_back(row);
  }
  json out = json::object();
  for (const std::string& target_name : spec.package.targets) {
    auto target = ParsePackageTarget(target_name);
    if (!target.ok()) return target.error();
    stages.Begin("package-" + target_name, "writing the " + target_name + " package");
    PackageRequest per_target = request;
    if (*target == PackageTarget::kFirmware) {
      for (const size_t row : sample_rows) per_target.samples.push_back(data.test.raw_windows[row]);
    }
    auto report = WritePackage(*target, per_target, spec.output_dir / "package" / target_name);
    if (!report.ok()) return report.error();
    out[target_name] = {{"directory", (final_dir / "package" / target_name).string()}, {"ops", report->ops}};
    if (*target != PackageTarget::kFirmware || !spec.package.run_on_qemu) continue;

    stages.Begin("device", "building the firmware and running it on QEMU mps2-an386 (Cortex-M4)");
    // A CMake build tree records its absolute path, so it is built in a work folder and only the
    // image is kept: build/firmware/<name>_firmware.elf.
    const fs::path work = spec.output_dir / "build" / "firmware-work";
    auto run = BuildAndRunFirmware(report->directory, work);
    if (!run.ok()) return run.error();
    TINYFORGE_TRY(KeepFirmwareImage(work, spec.output_dir / "build" / "firmware"));
    size_t identical = 0, same_prediction = 0;
    const size_t classes = data.class_names.size();
    for (size_t k = 0; k < sample_rows.size(); ++k) {
      const auto device = run->outputs.find(static_cast<uint32_t>(k));
      if (device == run->outputs.end()) continue;
      const auto& host = classifier.host_outputs[sample_rows[k]];
      if (device->second == host) ++identical;
      const auto device_values = OutputFloats(device->second);
      const auto host_values = OutputFloats(host);
      if (device_values.size() == classes && host_values.size() == classes &&
          ArgMax(device_values.data(), classes) == ArgMax(host_values.data(), classes)) {
        ++same_prediction;
      }
    }
    out["device"] = {{"target", "cortex-m4 (qemu-system-arm mps2-an386)"},
                     {"samples", sample_rows.size()},
                     {"outputs_identical", identical},
                     {"predictions_identical", same_prediction},
                     {"skipped", run->skipped.size()},
                     {"flash_bytes", run->flash_bytes},
                     {"ram_bytes", run->ram_bytes},
                     {"embedded_samples_bytes", run->samples_bytes},
                     {"stack_used_bytes", run->stack_used_bytes},
                     {"build_seconds", run->build_seconds},
                     {"run_seconds", run->run_seconds}};
  }
  stages.End();
  return out;
}

std::string Percent(const json& value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f%%", value.get<double>() * 100.0);
  return text;
}

std::string Fixed(double value, int digits = 3) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f", digits, value);
  return text;
}

std::string TextReport(const json& report) {
  std::ostringstream out;
  out << "TinyForge pipeline '" << report["name"].get<std::string>() << "'\n";
  const json& data = report["data"];
  if (data.contains("train_loads_hp")) {
    out << "  data      " << data["train_windows"] << " training windows (loads "
        << data["train_loads_hp"].dump() << " HP), " << data["test_windows"]
        << " test windows (loads " << data["test_loads_hp"].dump() << " HP), ";
  } else {
    out << "  data      " << data["train_windows"] << " training windows, " << data["test_windows"]
        << " test windows (" << data["kind"].get<std::string>() << " manifest splits), ";
  }
  out << data["features"] << " features, dataset fnv1a64:" << data["dataset_hash"].get<std::string>()
      << "\n";
  for (const auto& note : data["notes"]) out << "            note: " << note.get<std::string>() << "\n";
  if (report.contains("classifier") && report["classifier"].value("kind", "") == "forest") {
    const json& c = report["classifier"];
    out << "  classifier random forest (" << c["trees"] << " trees, float32 TreeEnsemble): accuracy "
        << Percent(c["float"]["accuracy"]) << " (macro F1 " << Fixed(c["float"]["macro_f1"]) << "); arena "
        << c["arena_bytes"] << " B, model " << c["model_bytes"] << " B\n";
  } else if (report.contains("classifier")) {
    const json& c = report["classifier"];
    const double delta = (c["int8"]["accuracy"].get<double>() - c["float"]["accuracy"].get<double>()) * 100.0;
    out << "  classifier MLP " << c["hidden"].dump() << ": float accuracy "
        << Percent(c["float"]["accuracy"]) << " (macro F1 " << Fixed(c["float"]["macro_f1"]) << "), int8 "
        << Percent(c["int8"]["accuracy"]) << " (macro F1 " << Fixed(c["int8"]["macro_f1"]) << "), int8 - float = "
        << Fixed(delta, 2) << " points; arena " << c["arena_bytes"] << " B, model " << c["model_bytes"] << " B\n";
  }
  if (report.contains("anomaly") && report["anomaly"].value("kind", "") == "isolation-forest") {
    const json& a = report["anomaly"];
    out << "  anomaly   isolation forest (" << a["trees"] << " trees, float32 TreeEnsemble): ROC AUC "
        << Fixed(a["float"]["roc_auc"]) << ", F1 " << Fixed(a["float"]["f1"]) << " (false-alarm rate "
        << Percent(a["float"]["false_positive_rate"]) << ")\n";
  } else if (report.contains("anomaly")) {
    const json& a = report["anomaly"];
    out << "  anomaly   autoencoder " << a["hidden"].dump() << ": float ROC AUC "
        << Fixed(a["float"]["roc_auc"]) << ", F1 " << Fixed(a["float"]["f1"]) << " | int8 ROC AUC "
        << Fixed(a["int8"]["roc_auc"]) << ", F1 " << Fixed(a["int8"]["f1"]) << " (false-alarm rate "
        << Percent(a["int8"]["false_positive_rate"]) << ")\n";
  }
  if (report.contains("packages") && report["packages"].contains("device")) {
    const json& d = report["packages"]["device"];
    out << "  device    " << d["target"].get<std::string>() << ": " << d["outputs_identical"] << "/"
        << d["samples"] << " outputs byte-identical to the host, " << d["predictions_identical"] << "/"
        << d["samples"] << " predictions identical; flash " << d["flash_bytes"] << " B, static RAM "
        << d["ram_bytes"] << " B, stack " << d["stack_used_bytes"] << " B\n";
  }
  out << "  stages   ";
  double total = 0.0;
  for (const auto& stage : report["stages"]) {
    out << " " << stage["stage"].get<std::string>() << " " << Fixed(stage["seconds"].get<double>(), 2) << " s;";
    total += stage["seconds"].get<double>();
  }
  out << " total " << Fixed(total, 1) << " s\n";
  return out.str();
}

}  // namespace

namespace {

// Every stage, writing into spec.output_dir (the staging folder).
Result<PipelineReport> RunPipelineStages(const PipelineSpec& spec, const fs::path& final_dir,
                                         const ProgressCallback& progress) {
  json report = {{"name", spec.name}, {"stages", json::array()}};
  Stages stages(progress, report["stages"]);

  stages.Begin("data", "loading " + spec.data.path.string() + " and computing features");
  auto data = LoadPipelineData(spec, spec.package.device_samples);
  if (!data.ok()) return data.error();
  report["data"] = {{"train_windows", data->train.rows},
                    {"test_windows", data->test.rows},
                    {"features", data->cols},
                    {"feature_names", data->feature_names},
                    {"classes", data->class_names},
                    {"kind", spec.data.kind},
                    {"dropped_windows", data->dropped_windows},
                    {"dataset_hash", data->dataset_hash},
                    {"notes", data->notes}};
  if (spec.data.kind == "cwru") {
    report["data"]["train_loads_hp"] = spec.data.train_loads_hp;
    report["data"]["test_loads_hp"] = spec.data.test_loads_hp;
  }

  std::optional<ClassifierOutcome> classifier;
  if (spec.classifier.enabled) {
    stages.Begin("classifier", spec.classifier.kind == "forest"
                                    ? "training the random forest, TreeEnsemble export, host evaluation"
                                    : "training the MLP classifier, int8 conversion, host evaluation");
    auto outcome = TrainClassifier(spec, *data);
    if (!outcome.ok()) return outcome.error();
    TINYFORGE_TRY(WriteBytes(spec.output_dir / "classifier.tfm", outcome->blob));
    report["classifier"] = outcome->report;
    classifier = std::move(*outcome);
  }
  if (spec.anomaly.enabled) {
    stages.Begin("anomaly", spec.anomaly.kind == "isolation-forest"
                                 ? "training the isolation forest, TreeEnsemble export, host evaluation"
                                 : "training the autoencoder, int8 conversion, host evaluation");
    std::vector<uint8_t> blob;
    auto anomaly = TrainAnomaly(spec, *data, &blob);
    if (!anomaly.ok()) return anomaly.error();
    TINYFORGE_TRY(WriteBytes(spec.output_dir / "anomaly.tfm", blob));
    report["anomaly"] = *anomaly;
  }
  if (classifier && !spec.package.targets.empty()) {
    auto packages = PackageAndRun(spec, final_dir, *data, *classifier, stages);
    if (!packages.ok()) return packages.error();
    report["packages"] = *packages;
  }
  stages.End();

  PipelineReport result;
  result.text = TextReport(report);
  result.json = std::move(report);
  const std::string dumped = result.json.dump(2) + "\n";
  TINYFORGE_TRY(WriteBytes(spec.output_dir / "report.json",
                           std::vector<uint8_t>(dumped.begin(), dumped.end())));
  return result;
}

}  // namespace

Result<PipelineReport> RunPipeline(const PipelineSpec& spec, const ProgressCallback& progress) {
  auto output = PipelineOutput::Create(spec.output_dir);
  if (!output.ok()) return output.error();
  PipelineSpec staged = spec;
  staged.output_dir = output->staging();
  auto report = RunPipelineStages(staged, output->final_dir(), progress);
  if (!report.ok()) return report.error();  // the staging folder goes with `output`
  TINYFORGE_TRY(output->Publish());
  return report;
}

}  // namespace tinyforge::toolchain
