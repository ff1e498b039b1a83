// MLP classifier training (see mlp_classifier.h).
#include "toolchain/train/mlp_classifier.h"

#include "toolchain/train/dense_stack.h"
#include "toolchain/train/metrics.h"

namespace tinyforge::toolchain {
namespace {

float StackAccuracy(DenseStack& stack, const RowMatrix& x, const std::vector<int>& labels) {
  const RowMatrix logits = stack.Forward(x, false);
  return Accuracy(ToVector(logits), static_cast<size_t>(logits.cols()), labels);
}

}  // namespace

Result<TrainedModel> TrainMlpClassifier(const Dataset& data, const MlpConfig& config) {
  TINYFORGE_TRY(data.Check(true));
  const int classes = data.ClassCount();
  if (classes < 2) return MakeError("TrainMlpClassifier: need at least 2 classes");
  for (int width : config.hidden) {
    if (width <= 0) return MakeError("TrainMlpClassifier: hidden layer widths must be > 0");
  }
  Rng rng(config.seed);
  const SplitIndices split = ShuffledSplit(data.rows, config.validation_fraction, rng);
  const Dataset train = data.Subset(split.train);
  const Dataset validation = split.validation.empty() ? train : data.Subset(split.validation);
  const RowMatrix train_x = ToMatrix(train);
  const RowMatrix validation_x = ToMatrix(validation);

  std::vector<int> sizes = {static_cast<int>(data.cols)};
  sizes.insert(sizes.end(), config.hidden.begin(), config.hidden.end());
  sizes.push_back(classes);
  std::vector<FusedActivation> activations(config.hidden.size(), FusedActivation::kRelu);
  activations.push_back(FusedActivation::kNone);  // logits; softmax is a separate node
  DenseStack stack;
  stack.Init(sizes, activations, rng);

  auto train_step = [&](DenseStack& model, const std::vector<size_t>& batch) {
    std::vector<int> labels;
    labels.reserve(batch.size());
    for (size_t row : batch) labels.push_back(train.labels[row]);
    RowMatrix gradient;
    const float loss = SoftmaxCrossEntropy(model.Forward(GatherRows(train, batch), true), labels,
                                           &gradient);
    model.Backward(gradient);
    return loss;
  };
  auto validation_loss = [&](DenseStack& model) {
    return SoftmaxCrossEntropy(model.Forward(validation_x, false), validation.labels, nullptr);
  };

  TrainedModel result;
  result.report.history = Fit(stack, train.rows, config.fit, rng, train_step, validation_loss);
  if (config.prune_sparsity > 0.0f) {
    stack.PruneByMagnitude(config.prune_sparsity);
    FitConfig finetune = config.fit;
    finetune.epochs = config.finetune_epochs;
    result.report.finetune_history = Fit(stack, train.rows, finetune, rng, train_step,
                                         validation_loss);
  }
  result.report.train_accuracy = StackAccuracy(stack, train_x, train.labels);
  result.report.validation_accuracy = StackAccuracy(stack, validation_x, validation.labels);
  result.report.weight_sparsity = stack.Sparsity();

  Graph& graph = result.graph;
  graph.metadata.model_id = config.model_id;
  const int input = graph.AddActivation("input", {1, static_cast<uint32_t>(data.cols)});
  graph.inputs = {input};
  auto logits = stack.AppendToGraph(graph, input, "");
  if (!logits.ok()) return logits.error();
  auto probabilities = AddInferredNode(graph, OpCode::kSoftmax, {*logits}, {}, "softmax");
  if (!probabilities.ok()) return probabilities.error();
  graph.outputs = {*probabilities};
  TINYFORGE_TRY(graph.Validate());
  return result;
}

}  // namespace tinyforge::toolchain
