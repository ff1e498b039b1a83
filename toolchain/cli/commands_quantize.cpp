// `tinyforge quantize`: float .tfm + calibration CSV → int8 .tfm, with float vs int8 quality on
// held-out data. The standardization front stays float so int8 sees standardized features.
#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "toolchain/cli/commands.h"
#include "toolchain/cli/model_data.h"
#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/format/blob_reader.h"
#include "toolchain/importers/tfm_reader.h"
#include "toolchain/passes/quantize.h"

namespace tinyforge::cli {
namespace {

using json = nlohmann::json;
using toolchain::Result;

struct QuantizeCliOptions {
  std::string model_path;
  std::string calibration_path;
  std::string out_path;
  std::string range = "minmax";
  double percentile = 99.99;
  size_t calibration_rows = 2000;
  std::string holdout_path;
  std::string label_column;
  std::string anomaly_label;
  std::string normal_label;
  bool as_json = false;
};

// The calibration CSV may or may not carry the label column; only features are used.
Result<FeatureTable> ReadCalibration(const std::string& path, const std::string& label_column) {
  if (!label_column.empty()) {
    auto with_label = ReadFeatureTable(path, label_column);
    if (with_label.ok() || with_label.error().message.find("no label column") == std::string::npos)
      return with_label;
  }
  return ReadFeatureTable(path, "");
}

// The held-out metrics stored in the int8 model (no confusion matrix: the card wants the figures).
json HeldOutSummary(const std::string& holdout_path, const json& float_metrics, const json& int8_metrics) {
  json out = {{"data", std::filesystem::path(holdout_path).filename().string()}};
  for (const char* key : {"count", "accuracy", "macro_f1", "roc_auc", "f1", "false_positive_rate"}) {
    if (int8_metrics.contains(key)) out[key] = int8_metrics[key];
  }
  if (float_metrics.contains("accuracy")) out["float_accuracy"] = float_metrics["accuracy"];
  if (float_metrics.contains("roc_auc")) out["float_roc_auc"] = float_metrics["roc_auc"];
  return out;
}

int RunQuantize(const QuantizeCliOptions& o) {
  FILE* progress = o.as_json ? stderr : stdout;
  auto bytes = toolchain::ReadFileBytes(o.model_path);
  if (!bytes.ok()) return Fail(bytes.error().message);
  auto float_graph = toolchain::ReadTfmGraph(*bytes, o.model_path);
  if (!float_graph.ok()) return Fail(float_graph.error().message);
  if (float_graph->UsesOp(toolchain::OpCode::kTreeEnsemble))
    return Fail(o.model_path + ": a TreeEnsemble (forest) model has no weights to quantize: it deploys as "
                "float32 (its thresholds compare raw features, which share no single int8 scale)");
  for (const auto& tensor : float_graph->tensors) {
    if (tensor.dtype != toolchain::DType::kFloat32)
      return Fail(o.model_path + ": tensor '" + tensor.name + "' is " +
                  format::DTypeName(static_cast<uint8_t>(tensor.dtype)) +
                  ": the model is already quantized (quantize takes a float .tfm)");
  }
  const ModelFacts facts = FactsOf(*float_graph);
  const std::string label_column = o.label_column.empty() ? facts.label_column : o.label_column;
  auto calibration = ReadCalibration(o.calibration_path, label_column);
  if (!calibration.ok()) return Fail(calibration.error().message);
  const size_t width =
      float_graph->tensors[static_cast<size_t>(float_graph->inputs.at(0))].ElementCount();
  if (calibration->data.cols != width)
    return Fail(o.calibration_path + ": " + std::to_string(calibration->data.cols) +
                " feature columns, " + o.model_path + " takes " + std::to_string(width));

  // Rows spread evenly over the file, at most --calibration-rows.
  const size_t rows = calibration->data.rows;
  const size_t count = std::min(o.calibration_rows, rows);
  std::vector<float> values;
  for (size_t i = 0; i < count; ++i) {
    const size_t row = i * rows / count;
    values.insert(values.end(), calibration->data.features.begin() + static_cast<long>(row * width),
                  calibration->data.features.begin() + static_cast<long>((row + 1) * width));
  }
  toolchain::Graph inner = *float_graph;
  const auto front = toolchain::SplitStandardization(inner);
  if (front) front->Apply(values);
  std::fprintf(progress, "[quantize] calibrating %s on %zu rows (%s ranges)%s\n", o.model_path.c_str(),
               count, o.range.c_str(), front ? ", standardization kept in float" : "");
  std::fflush(progress);
  toolchain::QuantizeOptions options;
  options.range_method = o.range == "percentile" ? toolchain::RangeMethod::kPercentile
                                                 : toolchain::RangeMethod::kMinMax;
  options.percentile = o.percentile;
  options.float_interface = true;
  auto quantized = toolchain::QuantizeGraph(inner, values, count, options);
  if (!quantized.ok()) return Fail(o.model_path + ": " + quantized.error().message);
  if (front) {
    auto prepended = toolchain::PrependFront(*quantized, *front);
    if (!prepended.ok()) return Fail(o.model_path + ": " + prepended.error().message);
  }
  ModelFacts int8_facts = facts;
  int8_facts.evaluation = nullptr;  // the float model's (if any) does not describe the int8 one
  if (!facts.kind.empty()) quantized->metadata.preprocessing_json = FactsToJson(int8_facts).dump();
  auto blob = toolchain::EmitTfm(*quantized);
  if (!blob.ok()) return Fail(o.model_path + ": " + blob.error().message);

  json report = {{"model", o.model_path}, {"out", o.out_path}, {"range", o.range},
                 {"calibration_rows", count}, {"float_bytes", bytes->size()},
                 {"int8_bytes", blob->size()}};
  if (!o.holdout_path.empty()) {
    std::fprintf(progress, "[quantize] evaluating float and int8 on %s\n", o.holdout_path.c_str());
    std::fflush(progress);
    auto table = ReadTableForModel(*float_graph, o.holdout_path, o.label_column);
    if (!table.ok()) return Fail(table.error().message);
    auto float_eval = EvaluateBlob(*bytes, o.model_path, *table, o.normal_label, o.anomaly_label);
    if (!float_eval.ok()) return Fail(float_eval.error().message);
    auto int8_eval = EvaluateBlob(*blob, o.out_path, *table, o.normal_label, o.anomaly_label);
    if (!int8_eval.ok()) return Fail(int8_eval.error().message);
    report["holdout"] = o.holdout_path;
    report["float"] = float_eval->metrics;
    report["int8"] = int8_eval->metrics;
    if (!facts.kind.empty()) {
      // The int8 model carries its own held-out quality, which `package` puts in the model card
      // (accuracy). Metadata only: the graph evaluated above is unchanged.
      int8_facts.evaluation = HeldOutSummary(o.holdout_path, float_eval->metrics, int8_eval->metrics);
      quantized->metadata.preprocessing_json = FactsToJson(int8_facts).dump();
      blob = toolchain::EmitTfm(*quantized);
      if (!blob.ok()) return Fail(o.model_path + ": " + blob.error().message);
    }
    if (!o.as_json) {
      std::printf("float: %s\nint8:  %s\n", float_eval->summary.c_str(), int8_eval->summary.c_str());
      if (report["float"].contains("accuracy"))
        std::printf("int8 - float accuracy: %+.2f points\n",
                    (report["int8"]["accuracy"].get<double>() - report["float"]["accuracy"].get<double>()) * 100.0);
    }
  }
  // Written last, after every check: a failure above leaves no output.
  auto written = WriteAtomically(o.out_path, *blob);
  if (!written.ok()) return Fail(written.error().message);
  if (o.as_json) {
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    std::printf("wrote %s (%zu B int8, float model %zu B)\n", o.out_path.c_str(), blob->size(), bytes->size());
  }
  return 0;
}

}  // namespace

void AddQuantizeCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<QuantizeCliOptions>();
  auto* command = app.add_subcommand(
      "quantize",
      "Post-training int8 quantization of a float .tfm (per-channel weights, calibrated\n"
      "activations); prints float vs int8 quality on --holdout data");
  command->add_option("model", o->model_path, "float .tfm (e.g. from `tinyforge train`)")->required();
  command->add_option("--calibration", o->calibration_path, "CSV of representative feature rows")->required();
  command->add_option("--out", o->out_path, "int8 .tfm to write")->required();
  command->add_option("--range", o->range, "activation ranges: minmax | percentile")
      ->check(CLI::IsMember({"minmax", "percentile"}));
  command->add_option("--percentile", o->percentile, "--range percentile: keep [100-p, p] percent");
  command->add_option("--calibration-rows", o->calibration_rows, "at most this many rows, spread evenly");
  command->add_option("--holdout", o->holdout_path, "labelled CSV to compare float and int8 on");
  command->add_option("--label-column", o->label_column, "label column (default: the one recorded at training)");
  command->add_option("--anomaly-label", o->anomaly_label, "autoencoders: rows with this label are anomalies");
  command->add_option("--normal-label", o->normal_label, "autoencoders: rows with other labels are anomalies");
  command->add_flag("--json", o->as_json, "print the report as JSON (progress goes to stderr)");
  command->callback([=] { *exit_code = RunQuantize(*o); });
}

}  // namespace tinyforge::cli
