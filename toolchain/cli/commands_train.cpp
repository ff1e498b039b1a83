// `tinyforge train`: trains a built-in model on a feature CSV and writes a float .tfm (MLP, 1D-CNN,
// autoencoder, and the tree models: random forest and Isolation Forest as one TreeEnsemble op).
#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "toolchain/cli/commands.h"
#include "toolchain/cli/model_data.h"
#include "toolchain/data/time_series.h"
#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/ir/float_executor.h"
#include "toolchain/passes/standardize.h"
#include "toolchain/train/autoencoder.h"
#include "toolchain/train/cnn1d_classifier.h"
#include "toolchain/train/mlp_classifier.h"
#include "toolchain/train/tree_export.h"
#include "toolchain/train/tree_models.h"
#include "toolchain/verify/metrics.h"

namespace tinyforge::cli {
namespace {

using json = nlohmann::json;
using toolchain::Dataset;
using toolchain::Graph;
using toolchain::MakeError;
using toolchain::Result;

// The model card's dataset_hash (`tinyforge package`): SHA-256 of the training data file, kept
// in the model's training facts so quantize/prune/package carry it along.
void RecordDatasetHash(const std::string& data_path, json& training) {
  auto hash = toolchain::FileSha256Hex(data_path);
  if (hash.ok()) training["dataset_sha256"] = *hash;
}

struct TrainOptions {
  std::string data_path;
  std::string label_column;
  std::string kind;
  std::string out_path;
  std::string hidden;  // "" = the trainer's default
  int epochs = 100;
  int batch_size = 32;
  int patience = 10;
  float learning_rate = 1e-3f;
  uint32_t seed = 1;
  uint32_t channels = 1;
  std::string normal_label;
  std::string test_path;
  int trees = 0;      // tree models: 0 = the trainer's default
  int max_depth = 0;  // forest: 0 = the trainer's default
  bool as_json = false;
};

// Progress lines go to stdout, or to stderr when stdout carries the JSON report.
class Progress {
 public:
  explicit Progress(bool to_stderr) : stream_(to_stderr ? stderr : stdout) {}
  void operator()(const std::string& line) const {
    std::fprintf(stream_, "[train] %s\n", line.c_str());
    std::fflush(stream_);
  }

 private:
  FILE* stream_;
};

bool IsTreeKind(const std::string& kind) { return kind == "isolation-forest" || kind == "forest"; }

json Metrics(const toolchain::ClassificationMetrics& m) {
  return {{"accuracy", m.accuracy}, {"macro_f1", m.macro_f1}, {"confusion", m.confusion},
          {"count", m.count}};
}

std::vector<int> ArgMaxRows(const std::vector<float>& scores, size_t rows, size_t classes) {
  std::vector<int> out;
  for (size_t r = 0; r < rows; ++r)
    out.push_back(static_cast<int>(toolchain::ArgMax(scores.data() + r * classes, classes)));
  return out;
}

// Standardizes `table` in place with statistics fitted on it, returning the statistics.
toolchain::Standardization StandardizeInPlace(Dataset& data) {
  auto standardization = toolchain::FitStandardization(data.features, data.rows, data.cols);
  toolchain::ApplyStandardization(standardization, data.features);
  return standardization;
}

Result<Dataset> NormalRows(const FeatureTable& table, const std::string& normal_label) {
  if (normal_label.empty()) return table.data;
  const auto it = std::find(table.class_names.begin(), table.class_names.end(), normal_label);
  if (it == table.class_names.end())
    return MakeError(table.path + ": --normal-label '" + normal_label + "' does not occur in the labels");
  const int normal = static_cast<int>(it - table.class_names.begin());
  std::vector<size_t> rows;
  for (size_t r = 0; r < table.data.rows; ++r)
    if (table.data.labels[r] == normal) rows.push_back(r);
  Dataset subset = table.data.Subset(rows);
  subset.labels.clear();
  return subset;
}

// Trains an exportable model; fills `report` and returns the float graph with raw-feature input.
// The model's metadata as every trainer writes it: the facts plus the data file (by name only, so
// the same command gives the same bytes from any working directory), its rows and its SHA-256,
// and the model id from the output file's name.
void StampModelFacts(Graph& graph, ModelFacts facts, const TrainOptions& o, size_t rows) {
  facts.training["data"] = std::filesystem::path(o.data_path).filename().string();
  facts.training["rows"] = rows;
  RecordDatasetHash(o.data_path, facts.training);
  graph.metadata.model_id = std::filesystem::path(o.out_path).stem().stem().string();
  graph.metadata.preprocessing_json = FactsToJson(facts).dump();
}

// Emits the graph as a .tfm, writes it atomically and records "out" and "model_bytes" in the report.
Result<size_t> WriteModel(const Graph& graph, const std::string& out_path, const Progress& progress,
                          json& report) {
  progress("writing " + out_path);
  auto blob = toolchain::EmitTfm(graph);
  if (!blob.ok()) return MakeError(out_path + ": " + blob.error().message);
  auto written = WriteAtomically(out_path, *blob);
  if (!written.ok()) return written.error();
  report["out"] = out_path;
  report["model_bytes"] = blob->size();
  return blob->size();
}

Result<Graph> TrainExportable(const TrainOptions& o, const FeatureTable& table, const Progress& progress,
                              json& report) {
  ModelFacts facts;
  facts.kind = o.kind;
  facts.label_column = o.label_column;
  facts.classes = table.class_names;
  facts.features = table.feature_names;
  facts.channels = o.channels;
  toolchain::FitConfig fit;
  fit.epochs = o.epochs;
  fit.batch_size = o.batch_size;
  fit.patience = o.patience;
  fit.adam.learning_rate = o.learning_rate;
  // Progress on long trainings: about ten lines whatever the epoch count (early stopping may end
  // the run before the last one).
  const int report_every = std::max(1, o.epochs / 10);
  fit.on_epoch = [&progress, report_every, epochs = o.epochs](int epoch, float validation_loss) {
    if (epoch % report_every != 0 && epoch != epochs) return;
    char line[96];
    std::snprintf(line, sizeof(line), "epoch %d/%d, validation loss %.4g", epoch, epochs,
                  static_cast<double>(validation_loss));
    progress(line);
  };
  std::vector<int> hidden;
  if (!o.hidden.empty()) {
    auto parsed = ParseWidths(o.hidden, "--hidden");
    if (!parsed.ok()) return parsed.error();
    hidden = *parsed;
  }
  Graph graph;
  std::optional<toolchain::Standardization> standardization;
  if (o.kind == "mlp" || o.kind == "cnn1d") {
    if (o.label_column.empty()) return MakeError("--kind " + o.kind + " needs --label-column");
    TINYFORGE_TRY(RequireTwoClasses(table));
    Dataset data = table.data;
    Result<toolchain::TrainedModel> trained = MakeError("");
    if (o.kind == "mlp") {
      standardization = StandardizeInPlace(data);
      toolchain::MlpConfig config;
      if (!hidden.empty()) config.hidden = hidden;
      config.fit = fit;
      config.seed = o.seed;
      progress("training an MLP " + json(config.hidden).dump() + " on " + std::to_string(data.rows) +
               " rows x " + std::to_string(data.cols) + " features, " +
               std::to_string(table.class_names.size()) + " classes, up to " + std::to_string(o.epochs) + " epochs");
      trained = toolchain::TrainMlpClassifier(data, config);
      report["hidden"] = config.hidden;
    } else {
      toolchain::Cnn1dConfig config;
      if (!hidden.empty()) config.hidden = hidden;
      config.channels = o.channels;
      config.fit = fit;
      config.seed = o.seed;
      progress("training a 1D CNN on " + std::to_string(data.rows) + " windows of " +
               std::to_string(data.cols / std::max(o.channels, 1u)) + " x " + std::to_string(o.channels));
      trained = toolchain::TrainCnn1dClassifier(data, config);
      report["hidden"] = config.hidden;
    }
    if (!trained.ok()) return MakeError(table.path + ": " + trained.error().message);
    graph = std::move(trained->graph);
    report["epochs_run"] = trained->report.history.epochs_run;
    report["train_accuracy"] = trained->report.train_accuracy;
    report["validation_accuracy"] = trained->report.validation_accuracy;
  } else {  // autoencoder
    auto normal = NormalRows(table, o.normal_label);
    if (!normal.ok()) return normal.error();
    Dataset data = std::move(*normal);
    if (data.rows < 8) return MakeError(table.path + ": an autoencoder needs at least 8 training rows");
    standardization = StandardizeInPlace(data);
    toolchain::AutoencoderConfig config;
    if (!hidden.empty()) config.hidden = hidden;
    config.fit = fit;
    config.seed = o.seed;
    facts.normal_label = o.normal_label;
    progress("training an autoencoder " + json(config.hidden).dump() + " on " +
             std::to_string(data.rows) + (o.normal_label.empty() ? " rows" : " '" + o.normal_label + "' rows"));
    auto trained = toolchain::TrainAutoencoder(data, config);
    if (!trained.ok()) return MakeError(table.path + ": " + trained.error().message);
    graph = std::move(trained->graph);
    report["hidden"] = config.hidden;
    report["epochs_run"] = trained->history.epochs_run;
    report["threshold"] = trained->threshold;
  }
  // The model card's training parameters (`tinyforge package`).
  facts.training = {{"trainer", o.kind},
                    {"hidden", report["hidden"]},
                    {"max_epochs", o.epochs},
                    {"epochs_run", report["epochs_run"]},
                    {"batch_size", o.batch_size},
                    {"patience", o.patience},
                    {"learning_rate", o.learning_rate},
                    {"optimizer", "Adam"},
                    {"seed", o.seed}};
  StampModelFacts(graph, std::move(facts), o, table.data.rows);
  if (standardization) TINYFORGE_TRY(toolchain::PrependStandardization(graph, *standardization));
  return graph;
}

int RunTrees(const TrainOptions& o, const FeatureTable& table, const Progress& progress) {
  json report = {{"kind", o.kind}, {"data", o.data_path}, {"rows", table.data.rows}};
  std::optional<Graph> graph;  // set when --out asks for a .tfm
  FeatureTable test = table;
  if (!o.test_path.empty()) {
    auto read = ReadFeatureTable(o.test_path, o.label_column, table.class_names);
    if (!read.ok()) return Fail(read.error().message);
    test = std::move(*read);
  }
  report["evaluated_on"] = o.test_path.empty() ? "the training rows (no --test given)" : o.test_path;
  if (o.kind == "forest") {
    if (o.label_column.empty()) return Fail("--kind forest needs --label-column");
    auto two = RequireTwoClasses(table);
    if (!two.ok()) return Fail(two.error().message);
    toolchain::RandomForestConfig config;
    config.seed = o.seed;
    if (o.trees > 0) config.trees = o.trees;
    if (o.max_depth > 0) config.max_depth = o.max_depth;
    progress("training a random forest (" + std::to_string(config.trees) + " trees) on " +
             std::to_string(table.data.rows) + " rows");
    auto forest = toolchain::TrainRandomForest(table.data, config);
    if (!forest.ok()) return Fail(table.path + ": " + forest.error().message);
    const size_t classes = table.class_names.size();
    const auto scores = forest->PredictProbabilities(test.data);
    const auto m = toolchain::Classify(ArgMaxRows(scores, test.data.rows, classes), test.data.labels, classes);
    report["metrics"] = Metrics(m);
    report["trees"] = config.trees;
    report["max_depth"] = config.max_depth;
    if (!o.out_path.empty()) {
      auto exported = toolchain::RandomForestGraph(*forest, {table.data.cols, std::nullopt});
      if (!exported.ok()) return Fail(o.out_path + ": " + exported.error().message);
      graph = std::move(*exported);
    }
  } else {
    toolchain::IsolationForestConfig config;
    config.seed = o.seed;
    if (o.trees > 0) config.trees = o.trees;
    auto normal = NormalRows(table, o.normal_label);
    if (!normal.ok()) return Fail(normal.error().message);
    progress("training an isolation forest (" + std::to_string(config.trees) + " trees) on " +
             std::to_string(normal->rows) + " rows");
    auto forest = toolchain::TrainIsolationForest(*normal, config);
    if (!forest.ok()) return Fail(table.path + ": " + forest.error().message);
    const auto scores = forest->Score(test.data);
    report["threshold"] = forest->threshold;
    if (!o.normal_label.empty() && !test.data.labels.empty()) {
      const auto it = std::find(test.class_names.begin(), test.class_names.end(), o.normal_label);
      const int normal_id = static_cast<int>(it - test.class_names.begin());
      std::vector<bool> is_anomaly;
      for (int label : test.data.labels) is_anomaly.push_back(label != normal_id);
      const auto m = toolchain::ScoreAnomalies(scores, is_anomaly, forest->threshold);
      report["metrics"] = {{"roc_auc", m.roc_auc}, {"f1", m.f1}, {"precision", m.precision},
                           {"recall", m.recall}, {"false_positive_rate", m.false_positive_rate}};
    } else {
      size_t flagged = 0;
      for (float s : scores) flagged += s > forest->threshold ? 1 : 0;
      report["flagged_rows"] = flagged;
    }
    report["trees"] = config.trees;
    if (!o.out_path.empty()) {
      auto exported = toolchain::IsolationForestGraph(*forest, {table.data.cols, std::nullopt});
      if (!exported.ok()) return Fail(o.out_path + ": " + exported.error().message);
      graph = std::move(*exported);
    }
  }
  report["exported"] = graph.has_value();
  if (graph) {
    // The same preprocessing metadata as the neural models, so eval/package/inspect read the
    // label column, classes and features back. Trees split raw features: no standardization.
    ModelFacts facts;
    facts.kind = o.kind;
    facts.label_column = o.label_column;
    facts.classes = table.class_names;
    facts.features = table.feature_names;
    facts.normal_label = o.normal_label;
    facts.training = {{"trainer", o.kind}};
    StampModelFacts(*graph, std::move(facts), o, table.data.rows);
    auto written = WriteModel(*graph, o.out_path, progress, report);
    if (!written.ok()) return Fail(written.error().message);
  }
  if (o.as_json) {
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    std::printf("%s on %s: %s\n", o.kind.c_str(), report["evaluated_on"].get<std::string>().c_str(),
                report.contains("metrics") ? report["metrics"].dump().c_str()
                                           : ("flagged " + report["flagged_rows"].dump() + " rows").c_str());
    if (graph) {
      std::printf("wrote %s (%s B, TreeEnsemble, float32 input)\n", o.out_path.c_str(),
                  report["model_bytes"].dump().c_str());
    } else {
      std::printf("no --out given: nothing written\n");
    }
  }
  return 0;
}

int RunTrain(const TrainOptions& o) {
  const Progress progress(o.as_json);
  const bool trees = IsTreeKind(o.kind);
  if (!trees && o.out_path.empty()) return Fail("--kind " + o.kind + " needs --out model.tfm");
  if (!o.out_path.empty()) {
    const std::string extension = std::filesystem::path(o.out_path).extension().string();
    if (extension != ".tfm")
      return Fail(o.out_path + ": the output must be a .tfm file (a float model blob; "
                  "`tinyforge quantize` turns it into int8)");
  }
  if (o.epochs <= 0 || o.batch_size <= 0) return Fail("--epochs and --batch-size must be > 0");
  progress("reading " + o.data_path);
  auto table = ReadFeatureTable(o.data_path, o.label_column);
  if (!table.ok()) return Fail(table.error().message);
  if (trees) return RunTrees(o, *table, progress);

  json report = {{"kind", o.kind}, {"data", o.data_path}, {"rows", table->data.rows},
                 {"features", table->data.cols}, {"classes", table->class_names}};
  auto graph = TrainExportable(o, *table, progress, report);
  if (!graph.ok()) return Fail(graph.error().message);
  auto written = WriteModel(*graph, o.out_path, progress, report);
  if (!written.ok()) return Fail(written.error().message);
  if (o.as_json) {
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    std::printf("wrote %s (%zu B, float32)", o.out_path.c_str(), *written);
    if (report.contains("validation_accuracy"))
      std::printf(": train accuracy %s, validation accuracy %s after %d epochs",
                  Percent(report["train_accuracy"].get<double>()).c_str(),
                  Percent(report["validation_accuracy"].get<double>()).c_str(),
                  report["epochs_run"].get<int>());
    if (report.contains("threshold"))
      std::printf(": anomaly threshold %.6g after %d epochs", report["threshold"].get<double>(),
                  report["epochs_run"].get<int>());
    std::printf("\n");
  }
  return 0;
}

}  // namespace

void AddTrainCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<TrainOptions>();
  auto* train = app.add_subcommand(
      "train",
      "Train a built-in model on a feature CSV (one row per sample).\n"
      "mlp, cnn1d and autoencoder write a float .tfm (input = raw features; the standardization is\n"
      "inside the model); `tinyforge quantize` makes it int8. forest and isolation-forest write one\n"
      "TreeEnsemble op on the raw features (--out optional: without it they only evaluate).");
  train->add_option("--data", o->data_path, "features CSV with a header")->required();
  train->add_option("--label-column", o->label_column, "the label column (classifiers; optional otherwise)");
  train->add_option("--kind", o->kind, "mlp | cnn1d | autoencoder | isolation-forest | forest")
      ->required()
      ->check(CLI::IsMember({"mlp", "cnn1d", "autoencoder", "isolation-forest", "forest"}));
  train->add_option("--out", o->out_path, "model.tfm (float32)");
  train->add_option("--hidden", o->hidden, "hidden layer widths, e.g. 32,16");
  train->add_option("--epochs", o->epochs, "maximum epochs (early stopping on a 20% validation split)");
  train->add_option("--batch-size", o->batch_size, "mini-batch size");
  train->add_option("--patience", o->patience, "epochs without validation improvement before stopping");
  train->add_option("--learning-rate", o->learning_rate, "Adam learning rate");
  train->add_option("--seed", o->seed, "random seed (same data + seed = same model)");
  train->add_option("--channels", o->channels, "cnn1d: channels per time step (row = [width][channels])");
  train->add_option("--normal-label", o->normal_label, "autoencoder/isolation-forest: train on these rows only");
  train->add_option("--test", o->test_path, "tree models: CSV to evaluate on (default: the training rows)");
  train->add_option("--trees", o->trees, "tree models: number of trees (default 50 forest, 100 isolation-forest)")
      ->check(CLI::Range(1, 65535));
  train->add_option("--max-depth", o->max_depth, "forest: maximum tree depth (default 10)")->check(CLI::Range(1, 30));
  train->add_flag("--json", o->as_json, "print the report as JSON (progress goes to stderr)");
  train->callback([=] { *exit_code = RunTrain(*o); });
}

}  // namespace tinyforge::cli
