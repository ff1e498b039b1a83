// Tree models: Isolation Forest (unsupervised anomaly scores) and a random-forest classifier
// (bootstrap CART trees, Gini splits). tree_export.h turns them into a .tfm TreeEnsemble graph;
// scores here use the device kernel's float32 arithmetic, so host and device agree exactly.
#ifndef TINYFORGE_TOOLCHAIN_TRAIN_TREE_MODELS_H_
#define TINYFORGE_TOOLCHAIN_TRAIN_TREE_MODELS_H_

#include <cstdint>
#include <vector>

#include "toolchain/ir/result.h"
#include "toolchain/train/dataset.h"

namespace tinyforge::toolchain {

// A binary tree in flat arrays; a leaf has feature == -1.
struct TreeNode {
  int feature = -1;
  float threshold = 0.0f;  // go left when x[feature] < threshold
  int left = -1, right = -1;
  float value = 0.0f;            // isolation leaf: path length, depth + c(rows reaching it)
  std::vector<float> class_votes;  // classifier leaf: class distribution
};
using Tree = std::vector<TreeNode>;

struct IsolationForestConfig {
  int trees = 100;
  size_t sample_size = 256;
  double contamination = 0.01;  // the threshold is this upper quantile of training scores
  uint32_t seed = 1;
};

struct IsolationForest {
  std::vector<Tree> trees;
  size_t sample_size = 0;
  float normalizer = 0.0f;  // c(sample_size): average path length of the subsample
  float threshold = 0.0f;   // anomalous when score > threshold
  // Anomaly score in (0, 1): 2^(-E[path length] / c(sample_size)); higher = more anomalous.
  std::vector<float> Score(const Dataset& data) const;
};

Result<IsolationForest> TrainIsolationForest(const Dataset& data,
                                             const IsolationForestConfig& config);

struct RandomForestConfig {
  int trees = 50;
  int max_depth = 10;
  size_t min_samples_leaf = 2;
  int features_per_split = 0;  // 0 = round(sqrt(cols))
  uint32_t seed = 1;
};

struct RandomForest {
  std::vector<Tree> trees;
  int classes = 0;
  // Averaged class distributions, row-major [rows, classes].
  std::vector<float> PredictProbabilities(const Dataset& data) const;
};

Result<RandomForest> TrainRandomForest(const Dataset& data, const RandomForestConfig& config);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_TRAIN_TREE_MODELS_H_
