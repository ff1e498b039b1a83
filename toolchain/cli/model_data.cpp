// Feature tables, model facts and atomic writes for the model subcommands (see model_data.h).
#include "toolchain/cli/model_data.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "toolchain/data/csv_reader.h"
#include "toolchain/ir/float_executor.h"
#include "toolchain/train/autoencoder.h"
#include "toolchain/train/metrics.h"
#include "toolchain/verify/host_runner.h"
#include "toolchain/verify/metrics.h"

namespace tinyforge::cli {

using toolchain::MakeError;
using toolchain::Result;

namespace {
constexpr char kFactsKey[] = "tinyforge_train";
}  // namespace

Result<FeatureTable> ReadFeatureTable(const std::string& path, const std::string& label_column,
                                      const std::vector<std::string>& known_classes) {
  toolchain::CsvOptions options;
  options.label_column = label_column;
  options.allow_missing = false;
  auto series = toolchain::ReadCsv(path, options);
  if (!series.ok()) return series.error();
  FeatureTable table;
  table.path = path;
  table.feature_names = series->channel_names;
  const size_t rows = series->sample_count();
  const size_t cols = series->channels.size();
  if (cols == 0) return MakeError(path + ": no feature columns");
  table.data.rows = rows;
  table.data.cols = cols;
  table.data.features.resize(rows * cols);
  for (size_t c = 0; c < cols; ++c) {
    for (size_t r = 0; r < rows; ++r) table.data.features[r * cols + c] = series->channels[c][r];
  }
  if (label_column.empty()) return table;
  table.raw_labels = series->labels;
  if (!known_classes.empty()) {
    table.class_names = known_classes;
  } else {
    const std::set<std::string> distinct(series->labels.begin(), series->labels.end());
    table.class_names.assign(distinct.begin(), distinct.end());
  }
  std::map<std::string, int> index;
  for (size_t i = 0; i < table.class_names.size(); ++i) index[table.class_names[i]] = static_cast<int>(i);
  for (size_t r = 0; r < rows; ++r) {
    const auto found = index.find(series->labels[r]);
    if (found == index.end()) {
      const std::string line = r < series->source_lines.size() ? std::to_string(series->source_lines[r]) : "?";
      std::string known;
      for (const auto& name : table.class_names) known += (known.empty() ? "" : ", ") + name;
      return MakeError(path + ":" + line + ": label '" + series->labels[r] +
                       "' is not one of the model's classes (" + known + ")");
    }
    table.data.labels.push_back(found->second);
  }
  return table;
}

Result<void> RequireTwoClasses(const FeatureTable& table) {
  std::set<int> present(table.data.labels.begin(), table.data.labels.end());
  if (present.size() >= 2) return {};
  return MakeError(table.path + ": a classifier needs at least 2 classes, the labels hold " +
                   (present.empty() ? std::string("none")
                                    : "only '" + table.class_names[static_cast<size_t>(*present.begin())] + "'"));
}

nlohmann::json FactsToJson(const ModelFacts& facts) {
  nlohmann::json out = {{kFactsKey,
                         {{"kind", facts.kind},
                          {"label_column", facts.label_column},
                          {"classes", facts.classes},
                          {"features", facts.features},
                          {"normal_label", facts.normal_label},
                          {"channels", facts.channels}}}};
  if (!facts.training.is_null()) out[kFactsKey]["training"] = facts.training;
  if (!facts.evaluation.is_null()) out[kFactsKey]["evaluation"] = facts.evaluation;
  return out;
}

ModelFacts FactsOf(const toolchain::Graph& graph) {
  ModelFacts facts;
  const auto parsed = nlohmann::json::parse(graph.metadata.preprocessing_json, nullptr, false);
  if (!parsed.is_object() || !parsed.contains(kFactsKey) || !parsed[kFactsKey].is_object()) return facts;
  const auto& f = parsed[kFactsKey];
  facts.kind = f.value("kind", "");
  facts.label_column = f.value("label_column", "");
  facts.classes = f.value("classes", std::vector<std::string>{});
  facts.features = f.value("features", std::vector<std::string>{});
  facts.normal_label = f.value("normal_label", "");
  facts.channels = f.value("channels", 1u);
  if (f.contains("training") && f["training"].is_object()) facts.training = f["training"];
  if (f.contains("evaluation") && f["evaluation"].is_object()) facts.evaluation = f["evaluation"];
  return facts;
}

Result<void> WriteAtomically(const std::string& path, std::span<const uint8_t> bytes) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code error;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), error);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream stream(temporary, std::ios::binary | std::ios::trunc);
    stream.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!stream) {
      fs::remove(temporary, error);
      return MakeError(path + ": cannot write (" + temporary + ")");
    }
  }
  fs::rename(temporary, target, error);
  if (error) {
    fs::remove(temporary, error);
    return MakeError(path + ": " + error.message());
  }
  return {};
}

std::string Percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f%%", fraction * 100.0);
  return text;
}

Result<std::vector<int>> ParseWidths(const std::string& text, const std::string& option) {
  std::vector<int> widths;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    char* end = nullptr;
    const long value = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || end == nullptr || *end != '\0' || value <= 0 || value > 65535) {
      return MakeError(option + ": '" + item + "' is not a layer width (expected e.g. 32,16)");
    }
    widths.push_back(static_cast<int>(value));
    start = comma + 1;
  }
  return widths;
}

}  // namespace tinyforge::cli

namespace tinyforge::cli {
namespace {

using json = nlohmann::json;

std::vector<float> Floats(const std::vector<std::vector<uint8_t>>& outputs) {
  std::vector<float> values;
  for (const auto& output : outputs) {
    const auto row = toolchain::OutputFloats(output);
    values.insert(values.end(), row.begin(), row.end());
  }
  return values;
}

}  // namespace

Result<FeatureTable> ReadTableForModel(const toolchain::Graph& graph, const std::string& path,
                                       std::string label_column) {
  const ModelFacts facts = FactsOf(graph);
  if (label_column.empty()) label_column = facts.label_column;
  if (label_column.empty())
    return MakeError(path + ": --label-column is needed (the model does not record one)");
  auto table = ReadFeatureTable(path, label_column, facts.classes);
  if (!table.ok()) return table.error();
  const auto& input = graph.tensors[static_cast<size_t>(graph.inputs.at(0))];
  const size_t width = input.ElementCount();
  if (table->data.cols != width)
    return MakeError(path + ": " + std::to_string(table->data.cols) + " feature columns, the model takes " +
                     std::to_string(width));
  return table;
}

Result<Evaluation> EvaluateOutputs(const toolchain::Graph& graph, const std::string& source,
                                   const FeatureTable& table,
                                   std::vector<std::vector<uint8_t>> outputs,
                                   std::string normal_label, const std::string& anomaly_label) {
  const ModelFacts facts = FactsOf(graph);
  const auto& input = graph.tensors[static_cast<size_t>(graph.inputs.at(0))];
  const auto& output = graph.tensors[static_cast<size_t>(graph.outputs.at(0))];
  const size_t width = input.ElementCount();
  const size_t out_width = output.ElementCount();
  const size_t rows = table.data.rows;
  Evaluation evaluation;
  const std::vector<float> scores = Floats(outputs);
  evaluation.outputs = std::move(outputs);
  if (scores.size() != rows * out_width) return MakeError(source + ": output count does not match the rows");
  const bool isolation_forest = facts.kind == "isolation-forest";
  const bool anomaly = facts.kind == "autoencoder" || isolation_forest ||
                       (facts.kind.empty() && out_width == width && graph.nodes.back().op != toolchain::OpCode::kSoftmax);
  if (!anomaly) {
    const size_t classes = out_width;
    if (!table.class_names.empty() && table.class_names.size() != classes)
      return MakeError(table.path + ": the labels name " + std::to_string(table.class_names.size()) +
                       " classes, " + source + " outputs " + std::to_string(classes));
    std::vector<int> predicted;
    for (size_t r = 0; r < rows; ++r)
      predicted.push_back(static_cast<int>(toolchain::ArgMax(scores.data() + r * classes, classes)));
    const auto m = toolchain::Classify(predicted, table.data.labels, classes);
    evaluation.metrics = {{"accuracy", m.accuracy}, {"macro_f1", m.macro_f1}, {"f1_per_class", m.f1},
                          {"confusion", m.confusion}, {"classes", table.class_names}, {"count", m.count}};
    char text[160];
    std::snprintf(text, sizeof(text), "accuracy %s, macro F1 %.3f on %zu rows", Percent(m.accuracy).c_str(),
                  m.macro_f1, rows);
    evaluation.summary = text;
    return evaluation;
  }
  evaluation.anomaly = true;
  if (normal_label.empty()) normal_label = facts.normal_label;
  if (normal_label.empty() && anomaly_label.empty())
    return MakeError(source + ": an anomaly model needs --anomaly-label or --normal-label");
  const std::string& wanted = anomaly_label.empty() ? normal_label : anomaly_label;
  const auto it = std::find(table.class_names.begin(), table.class_names.end(), wanted);
  if (it == table.class_names.end())
    return MakeError(table.path + ": the label '" + wanted + "' does not occur");
  const int marked = static_cast<int>(it - table.class_names.begin());
  // The anomaly score: an Isolation Forest outputs it; an autoencoder's is its reconstruction
  // error in the model's standardized space. Either is anomalous above "anomaly.threshold".
  std::vector<float> errors = scores;
  if (!isolation_forest) {
    toolchain::Graph inner = graph;
    const auto front = toolchain::SplitStandardization(inner);
    std::vector<float> targets = table.data.features;
    if (front) front->Apply(targets);
    errors = toolchain::RowMeanSquaredErrors(scores, targets, width);
  }
  double threshold = 0.0;
  for (const auto& [key, value] : graph.metadata.numbers)
    if (key == toolchain::kAnomalyThresholdKey) threshold = value;
  std::vector<bool> is_anomaly;
  for (int label : table.data.labels)
    is_anomaly.push_back(anomaly_label.empty() ? label != marked : label == marked);
  const auto m = toolchain::ScoreAnomalies(errors, is_anomaly, static_cast<float>(threshold));
  evaluation.metrics = {{"roc_auc", m.roc_auc}, {"f1", m.f1}, {"precision", m.precision},
                        {"recall", m.recall}, {"false_positive_rate", m.false_positive_rate},
                        {"threshold", threshold}, {"normal_label", normal_label},
                        {"anomaly_label", anomaly_label}, {"count", rows}};
  char text[160];
  std::snprintf(text, sizeof(text), "ROC AUC %.3f, F1 %.3f at threshold %.4g on %zu rows", m.roc_auc, m.f1,
                threshold, rows);
  evaluation.summary = text;
  return evaluation;
}

Result<Evaluation> EvaluateBlob(std::span<const uint8_t> blob, const std::string& source,
                                const FeatureTable& table, std::string normal_label,
                                const std::string& anomaly_label) {
  auto graph = toolchain::ReadTfmGraph(blob, source);
  if (!graph.ok()) return graph.error();
  auto run = toolchain::RunBlobOnHost(blob, table.data.features, table.data.rows);
  if (!run.ok()) return MakeError(source + ": " + run.error().message);
  return EvaluateOutputs(*graph, source, table, std::move(run->outputs), std::move(normal_label),
                         anomaly_label);
}

}  // namespace tinyforge::cli
