// Tree-model pipeline stages (see pipeline_trees.h).
#include "toolchain/pipeline/pipeline_trees.h"

#include <algorithm>

#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/ir/float_executor.h"
#include "toolchain/train/tree_export.h"
#include "toolchain/train/tree_models.h"
#include "toolchain/verify/host_runner.h"
#include "toolchain/verify/metrics.h"

namespace tinyforge::toolchain {
namespace {

using json = nlohmann::json;

Dataset TreeStageSet(const FeatureRows& rows, size_t cols) {
  Dataset set;
  set.features = rows.values;
  set.rows = rows.rows;
  set.cols = cols;
  set.labels = rows.labels;
  return set;
}

// Emits `graph` with the pipeline's preprocessing metadata and runs it on the test rows.
Result<TreeStageOutcome> EmitAndRun(Graph& graph, const PipelineData& data, const std::string& model_id,
                                    std::vector<float>* scores) {
  graph.metadata.model_id = model_id;
  graph.metadata.preprocessing_json = data.preprocessing_json.dump();
  auto blob = EmitTfm(graph);
  if (!blob.ok()) return MakeError(model_id + ": " + blob.error().message);
  auto run = RunBlobOnHost(*blob, data.test.values, data.test.rows);
  if (!run.ok()) return MakeError(model_id + " on the host runtime: " + run.error().message);
  for (const auto& output : run->outputs) {
    const auto values = OutputFloats(output);
    scores->insert(scores->end(), values.begin(), values.end());
  }
  TreeStageOutcome outcome;
  outcome.blob = std::move(*blob);
  outcome.host_outputs = std::move(run->outputs);
  outcome.report = {{"deployed", "float32"}, {"arena_bytes", run->arena_bytes},
                    {"model_bytes", outcome.blob.size()}};
  return outcome;
}

}  // namespace

Result<TreeStageOutcome> TrainForestClassifierStage(const PipelineSpec& spec, const PipelineData& data) {
  RandomForestConfig config;
  config.trees = spec.classifier.trees;
  config.max_depth = spec.classifier.max_depth;
  config.seed = spec.seed;
  auto forest = TrainRandomForest(TreeStageSet(data.train, data.cols), config);
  if (!forest.ok()) return MakeError("classifier forest: " + forest.error().message);
  auto graph = RandomForestGraph(*forest, {data.cols, std::nullopt});
  if (!graph.ok()) return MakeError("classifier forest: " + graph.error().message);
  std::vector<float> scores;
  auto outcome = EmitAndRun(*graph, data, spec.name + "_classifier", &scores);
  if (!outcome.ok()) return outcome.error();
  const size_t classes = data.class_names.size();
  std::vector<int> predicted;
  for (size_t r = 0; r < data.test.rows; ++r)
    predicted.push_back(static_cast<int>(ArgMax(scores.data() + r * classes, classes)));
  const auto m = Classify(predicted, data.test.labels, classes);
  outcome->report["kind"] = "forest";
  outcome->report["trees"] = config.trees;
  outcome->report["max_depth"] = config.max_depth;
  outcome->report["float"] = {{"accuracy", m.accuracy}, {"macro_f1", m.macro_f1}, {"f1_per_class", m.f1},
                              {"confusion", m.confusion}, {"count", m.count}};
  return outcome;
}

Result<TreeStageOutcome> TrainIsolationForestStage(const PipelineSpec& spec, const PipelineData& data) {
  const auto normal_it = std::find(data.class_names.begin(), data.class_names.end(), spec.anomaly.normal_class);
  if (normal_it == data.class_names.end())
    return MakeError(spec.file.string() + ": [anomaly] normal_class '" + spec.anomaly.normal_class +
                     "' is not one of the data's classes");
  const int normal = static_cast<int>(normal_it - data.class_names.begin());
  std::vector<size_t> normal_rows;
  for (size_t row = 0; row < data.train.rows; ++row)
    if (data.train.labels[row] == normal) normal_rows.push_back(row);
  if (normal_rows.size() < 8) return MakeError("anomaly: fewer than 8 normal training windows");
  Dataset normal_set = TreeStageSet(data.train, data.cols).Subset(normal_rows);
  normal_set.labels.clear();
  IsolationForestConfig config;
  config.trees = spec.anomaly.trees;
  config.contamination = 1.0 - spec.anomaly.threshold_quantile;
  config.seed = spec.seed;
  auto forest = TrainIsolationForest(normal_set, config);
  if (!forest.ok()) return MakeError("anomaly isolation forest: " + forest.error().message);
  auto graph = IsolationForestGraph(*forest, {data.cols, std::nullopt});
  if (!graph.ok()) return MakeError("anomaly isolation forest: " + graph.error().message);
  std::vector<float> scores;
  auto outcome = EmitAndRun(*graph, data, spec.name + "_anomaly", &scores);
  if (!outcome.ok()) return outcome.error();
  std::vector<bool> is_anomaly;
  for (const int label : data.test.labels) is_anomaly.push_back(label != normal);
  const auto m = ScoreAnomalies(scores, is_anomaly, forest->threshold);
  outcome->report["kind"] = "isolation-forest";
  outcome->report["trees"] = config.trees;
  outcome->report["normal_class"] = spec.anomaly.normal_class;
  outcome->report["float"] = {{"roc_auc", m.roc_auc}, {"f1", m.f1}, {"precision", m.precision},
                              {"recall", m.recall}, {"false_positive_rate", m.false_positive_rate},
                              {"threshold", forest->threshold}};
  return outcome;
}

}  // namespace tinyforge::toolchain
