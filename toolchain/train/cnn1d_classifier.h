// Built-in 1D-CNN classifier for windows of multichannel signals: Conv1D (valid, stride 1) + ReLU,
// max pooling, then dense ReLU layers and softmax, trained like the MLP (cross-entropy, Adam,
// early stopping). Graph: input [1, width, channels] -> Conv1D -> Reshape [1,1,w,f] ->
// MaxPool2D(1 x pool) -> Reshape [1, w/pool * f] -> FullyConnected... -> Softmax.
#ifndef TINYFORGE_TOOLCHAIN_TRAIN_CNN1D_CLASSIFIER_H_
#define TINYFORGE_TOOLCHAIN_TRAIN_CNN1D_CLASSIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "toolchain/ir/result.h"
#include "toolchain/train/dataset.h"
#include "toolchain/train/mlp_classifier.h"

namespace tinyforge::toolchain {

struct Cnn1dConfig {
  uint32_t channels = 1;      // data.cols = width * channels, row layout [width][channels]
  uint32_t kernel_width = 5;
  uint32_t filters = 8;
  uint32_t pool = 2;
  std::vector<int> hidden = {16};  // dense ReLU layers after the pooled features
  FitConfig fit;
  double validation_fraction = 0.2;
  uint32_t seed = 1;
  std::string model_id = "cnn1d_classifier";
};

Result<TrainedModel> TrainCnn1dClassifier(const Dataset& data, const Cnn1dConfig& config);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_TRAIN_CNN1D_CLASSIFIER_H_
