// Dense autoencoder training and scoring (see autoencoder.h).
#include "toolchain/train/autoencoder.h"

#include "toolchain/ir/float_executor.h"
#include "toolchain/train/dense_stack.h"
#include "toolchain/train/metrics.h"

namespace tinyforge::toolchain {

Result<TrainedAutoencoder> TrainAutoencoder(const Dataset& data, const AutoencoderConfig& config) {
  TINYFORGE_TRY(data.Check(false));
  if (config.hidden.empty()) return MakeError("TrainAutoencoder: need at least one hidden layer");
  for (int width : config.hidden) {
    if (width <= 0) return MakeError("TrainAutoencoder: hidden layer widths must be > 0");
  }
  Rng rng(config.seed);
  const SplitIndices split = ShuffledSplit(data.rows, config.validation_fraction, rng);
  const Dataset train = data.Subset(split.train);
  const Dataset validation = split.validation.empty() ? train : data.Subset(split.validation);
  const RowMatrix validation_x = ToMatrix(validation);

  std::vector<int> sizes = {static_cast<int>(data.cols)};
  sizes.insert(sizes.end(), config.hidden.begin(), config.hidden.end());
  sizes.push_back(static_cast<int>(data.cols));
  std::vector<FusedActivation> activations(config.hidden.size(), FusedActivation::kRelu);
  activations.push_back(FusedActivation::kNone);
  DenseStack stack;
  stack.Init(sizes, activations, rng);

  auto train_step = [&](DenseStack& model, const std::vector<size_t>& batch) {
    const RowMatrix x = GatherRows(train, batch);
    RowMatrix gradient;
    const float loss = MeanSquaredError(model.Forward(x, true), x, &gradient);
    model.Backward(gradient);
    return loss;
  };
  auto validation_loss = [&](DenseStack& model) {
    return MeanSquaredError(model.Forward(validation_x, false), validation_x, nullptr);
  };
  TrainedAutoencoder result;
  result.history = Fit(stack, train.rows, config.fit, rng, train_step, validation_loss);
  if (config.prune_sparsity > 0.0f) {
    stack.PruneByMagnitude(config.prune_sparsity);
    FitConfig finetune = config.fit;
    finetune.epochs = config.finetune_epochs;
    (void)Fit(stack, train.rows, finetune, rng, train_step, validation_loss);
  }

  Graph& graph = result.graph;
  graph.metadata.model_id = config.model_id;
  const int input = graph.AddActivation("input", {1, static_cast<uint32_t>(data.cols)});
  graph.inputs = {input};
  auto output = stack.AppendToGraph(graph, input, "");
  if (!output.ok()) return output.error();
  graph.outputs = {*output};
  TINYFORGE_TRY(graph.Validate());

  // Threshold from the graph's own errors, so it matches what the shipped model computes.
  auto errors = ReconstructionErrors(graph, train);
  if (!errors.ok()) return errors.error();
  result.train_errors = std::move(*errors);
  result.threshold = static_cast<float>(Quantile(result.train_errors, config.threshold_quantile));
  graph.metadata.numbers.emplace_back(kAnomalyThresholdKey, result.threshold);
  return result;
}

Result<std::vector<float>> ReconstructionErrors(const Graph& graph, const Dataset& data) {
  auto reconstruction = PredictFloat(graph, data.features, data.rows);
  if (!reconstruction.ok()) return reconstruction.error();
  if (reconstruction->size() != data.features.size())
    return MakeError("ReconstructionErrors: output shape differs from the input shape");
  return RowMeanSquaredErrors(*reconstruction, data.features, data.cols);
}

}  // namespace tinyforge::toolchain
