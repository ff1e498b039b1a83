// Built-in MLP classifier: dense layers + ReLU, softmax cross-entropy, Adam on mini-batches,
// early stopping on a validation split, optional magnitude pruning with fine-tuning. Produces a
// float graph: input [1, features] -> FullyConnected... -> Softmax [1, classes].
#ifndef TINYFORGE_TOOLCHAIN_TRAIN_MLP_CLASSIFIER_H_
#define TINYFORGE_TOOLCHAIN_TRAIN_MLP_CLASSIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"
#include "toolchain/train/dataset.h"
#include "toolchain/train/fit.h"

namespace tinyforge::toolchain {

struct MlpConfig {
  std::vector<int> hidden = {32, 16};  // ReLU layers
  FitConfig fit;
  double validation_fraction = 0.2;
  uint32_t seed = 1;
  float prune_sparsity = 0.0f;  // > 0: prune each layer to this fraction, then fine-tune
  int finetune_epochs = 30;
  std::string model_id = "mlp_classifier";
};

struct TrainingReport {
  FitHistory history;           // of the main phase
  FitHistory finetune_history;  // of the pruning fine-tune phase (empty without pruning)
  float train_accuracy = 0.0f;
  float validation_accuracy = 0.0f;  // on the held-out split (train accuracy if there is none)
  float weight_sparsity = 0.0f;
};

struct TrainedModel {
  Graph graph;
  TrainingReport report;
};

// data.labels must hold class ids 0..classes-1. Same data + config → bit-identical weights.
Result<TrainedModel> TrainMlpClassifier(const Dataset& data, const MlpConfig& config);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_TRAIN_MLP_CLASSIFIER_H_
