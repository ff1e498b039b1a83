// Built-in dense autoencoder for anomaly detection: trained on (mostly) normal rows with MSE; a
// row is anomalous when its reconstruction error exceeds a threshold taken at a quantile of the
// training errors. Graph: input [1, features] -> FullyConnected... -> reconstruction [1, features];
// the threshold ships as metadata number "anomaly.threshold" (the error itself is computed by the
// application, the device format has no reduction op for it).
#ifndef TINYFORGE_TOOLCHAIN_TRAIN_AUTOENCODER_H_
#define TINYFORGE_TOOLCHAIN_TRAIN_AUTOENCODER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"
#include "toolchain/train/dataset.h"
#include "toolchain/train/fit.h"

namespace tinyforge::toolchain {

inline constexpr const char* kAnomalyThresholdKey = format::kKeyAnomalyThreshold;

struct AutoencoderConfig {
  std::vector<int> hidden = {16, 4, 16};  // ReLU layers; the output layer is linear
  FitConfig fit;
  double validation_fraction = 0.2;
  uint32_t seed = 1;
  double threshold_quantile = 0.99;  // of the training rows' reconstruction errors
  float prune_sparsity = 0.0f;
  int finetune_epochs = 30;
  std::string model_id = "autoencoder";
};

struct TrainedAutoencoder {
  Graph graph;
  FitHistory history;
  float threshold = 0.0f;
  std::vector<float> train_errors;  // per training-split row
};

Result<TrainedAutoencoder> TrainAutoencoder(const Dataset& data, const AutoencoderConfig& config);

// Per-row mean squared reconstruction error of `data` through a float autoencoder graph.
Result<std::vector<float>> ReconstructionErrors(const Graph& graph, const Dataset& data);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_TRAIN_AUTOENCODER_H_
