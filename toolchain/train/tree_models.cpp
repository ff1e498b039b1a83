// Isolation Forest and random forest training/evaluation (see tree_models.h).
#include "toolchain/train/tree_models.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/reference/tree_ensemble.h"

namespace tinyforge::toolchain {
namespace {

// Average path length of an unsuccessful BST search over n points (Liu et al. 2008).
double AveragePathLength(size_t n) {
  if (n <= 1) return 0.0;
  if (n == 2) return 1.0;
  const double harmonic = std::log(static_cast<double>(n - 1)) + 0.5772156649015329;
  return 2.0 * harmonic - 2.0 * static_cast<double>(n - 1) / static_cast<double>(n);
}

float Feature(const Dataset& data, size_t row, int feature) {
  return data.features[row * data.cols + static_cast<size_t>(feature)];
}

int BuildIsolationTree(const Dataset& data, std::vector<size_t> rows, int depth, int max_depth,
                       Rng& rng, Tree& tree) {
  const int index = static_cast<int>(tree.size());
  tree.emplace_back();
  // A leaf stores its whole path length: depth + c(rows reaching it).
  const auto leaf_path = static_cast<float>(depth + AveragePathLength(rows.size()));
  if (depth >= max_depth || rows.size() <= 1) {
    tree[static_cast<size_t>(index)].value = leaf_path;
    return index;
  }
  const int feature = static_cast<int>(rng.Below(static_cast<uint32_t>(data.cols)));
  float low = Feature(data, rows[0], feature), high = low;
  for (size_t row : rows) {
    low = std::min(low, Feature(data, row, feature));
    high = std::max(high, Feature(data, row, feature));
  }
  if (!(high > low)) {
    tree[static_cast<size_t>(index)].value = leaf_path;
    return index;
  }
  const auto threshold = static_cast<float>(rng.Uniform(low, high));
  std::vector<size_t> left, right;
  for (size_t row : rows) (Feature(data, row, feature) < threshold ? left : right).push_back(row);
  const int left_index = BuildIsolationTree(data, std::move(left), depth + 1, max_depth, rng, tree);
  const int right_index = BuildIsolationTree(data, std::move(right), depth + 1, max_depth, rng, tree);
  TreeNode& node = tree[static_cast<size_t>(index)];
  node.feature = feature;
  node.threshold = threshold;
  node.left = left_index;
  node.right = right_index;
  return index;
}

double Gini(const std::vector<double>& counts, double total) {
  double sum = 0.0;
  for (double c : counts) sum += (c / total) * (c / total);
  return 1.0 - sum;
}

int BuildClassTree(const Dataset& data, const std::vector<size_t>& rows, int depth,
                   const RandomForestConfig& config, int classes, int features_per_split, Rng& rng,
                   Tree& tree) {
  const int index = static_cast<int>(tree.size());
  tree.emplace_back();
  std::vector<double> counts(static_cast<size_t>(classes), 0.0);
  for (size_t row : rows) counts[static_cast<size_t>(data.labels[row])] += 1.0;
  const auto total = static_cast<double>(rows.size());
  double best_impurity = Gini(counts, total);
  int best_feature = -1;
  float best_threshold = 0.0f;
  if (depth < config.max_depth && rows.size() >= 2 * config.min_samples_leaf &&
      best_impurity > 0.0) {
    std::vector<int> features(data.cols);
    std::iota(features.begin(), features.end(), 0);
    rng.Shuffle(features);
    features.resize(static_cast<size_t>(features_per_split));
    std::vector<size_t> sorted = rows;
    for (int feature : features) {
      std::stable_sort(sorted.begin(), sorted.end(), [&](size_t a, size_t b) {
        return Feature(data, a, feature) < Feature(data, b, feature);
      });
      std::vector<double> left(static_cast<size_t>(classes), 0.0), right = counts;
      for (size_t i = 0; i + 1 < sorted.size(); ++i) {
        const auto label = static_cast<size_t>(data.labels[sorted[i]]);
        left[label] += 1.0;
        right[label] -= 1.0;
        const float here = Feature(data, sorted[i], feature);
        const float next = Feature(data, sorted[i + 1], feature);
        const size_t left_count = i + 1;
        if (!(next > here) || left_count < config.min_samples_leaf ||
            sorted.size() - left_count < config.min_samples_leaf)
          continue;
        const auto l = static_cast<double>(left_count), r = total - l;
        const double impurity = (l * Gini(left, l) + r * Gini(right, r)) / total;
        if (impurity < best_impurity - 1e-12) {
          best_impurity = impurity;
          best_feature = feature;
          best_threshold = 0.5f * (here + next);
        }
      }
    }
  }
  if (best_feature < 0) {
    TreeNode& leaf = tree[static_cast<size_t>(index)];
    for (double c : counts) leaf.class_votes.push_back(static_cast<float>(c / total));
    return index;
  }
  std::vector<size_t> left_rows, right_rows;
  for (size_t row : rows)
    (Feature(data, row, best_feature) < best_threshold ? left_rows : right_rows).push_back(row);
  const int left_index =
      BuildClassTree(data, left_rows, depth + 1, config, classes, features_per_split, rng, tree);
  const int right_index =
      BuildClassTree(data, right_rows, depth + 1, config, classes, features_per_split, rng, tree);
  TreeNode& node = tree[static_cast<size_t>(index)];
  node.feature = best_feature;
  node.threshold = best_threshold;
  node.left = left_index;
  node.right = right_index;
  return index;
}

const TreeNode& Descend(const Tree& tree, const Dataset& data, size_t row) {
  size_t index = 0;
  while (tree[index].feature >= 0) {
    index = static_cast<size_t>(Feature(data, row, tree[index].feature) < tree[index].threshold
                                    ? tree[index].left
                                    : tree[index].right);
  }
  return tree[index];
}

}  // namespace

// Float32 sums in tree order, one division and kernels::IsolationScore: the device kernel's exact
// arithmetic, so the exported model reproduces these scores (and the threshold decisions) bit for bit.
std::vector<float> IsolationForest::Score(const Dataset& data) const {
  std::vector<float> scores(data.rows, 0.0f);
  for (size_t row = 0; row < data.rows; ++row) {
    float total = 0.0f;
    for (const Tree& tree : trees) total += Descend(tree, data, row).value;
    const float mean = total / static_cast<float>(trees.size());
    scores[row] = kernels::IsolationScore(mean, normalizer);
  }
  return scores;
}

Result<IsolationForest> TrainIsolationForest(const Dataset& data,
                                             const IsolationForestConfig& config) {
  TINYFORGE_TRY(data.Check(false));
  if (config.trees <= 0) return MakeError("TrainIsolationForest: trees must be > 0");
  Rng rng(config.seed);
  IsolationForest forest;
  forest.sample_size = std::min(config.sample_size, data.rows);
  forest.normalizer = static_cast<float>(AveragePathLength(forest.sample_size));
  if (!(forest.normalizer > 0.0f))
    return MakeError("TrainIsolationForest: needs at least 2 rows to subsample");
  const int max_depth =
      static_cast<int>(std::ceil(std::log2(static_cast<double>(std::max<size_t>(forest.sample_size, 2)))));
  std::vector<size_t> all(data.rows);
  std::iota(all.begin(), all.end(), size_t{0});
  for (int t = 0; t < config.trees; ++t) {
    rng.Shuffle(all);  // a subsample without replacement
    std::vector<size_t> sample(all.begin(),
                               all.begin() + static_cast<std::ptrdiff_t>(forest.sample_size));
    Tree tree;
    BuildIsolationTree(data, std::move(sample), 0, max_depth, rng, tree);
    forest.trees.push_back(std::move(tree));
  }
  forest.threshold = static_cast<float>(Quantile(forest.Score(data), 1.0 - config.contamination));
  return forest;
}

// Float32 sums in tree order, then one division: the device kernel's arithmetic (tree_ensemble.h).
std::vector<float> RandomForest::PredictProbabilities(const Dataset& data) const {
  std::vector<float> probabilities(data.rows * static_cast<size_t>(classes), 0.0f);
  const auto count = static_cast<float>(trees.size());
  for (size_t row = 0; row < data.rows; ++row) {
    float* out = probabilities.data() + row * static_cast<size_t>(classes);
    for (const Tree& tree : trees) {
      const TreeNode& leaf = Descend(tree, data, row);
      for (int c = 0; c < classes; ++c) out[c] += leaf.class_votes[static_cast<size_t>(c)];
    }
    for (int c = 0; c < classes; ++c) out[c] = out[c] / count;
  }
  return probabilities;
}

Result<RandomForest> TrainRandomForest(const Dataset& data, const RandomForestConfig& config) {
  TINYFORGE_TRY(data.Check(true));
  if (config.trees <= 0 || config.max_depth <= 0 || config.min_samples_leaf == 0)
    return MakeError("TrainRandomForest: trees, max_depth and min_samples_leaf must be > 0");
  RandomForest forest;
  forest.classes = data.ClassCount();
  const int features_per_split =
      config.features_per_split > 0
          ? std::min(config.features_per_split, static_cast<int>(data.cols))
          : std::max(1, static_cast<int>(std::lround(std::sqrt(static_cast<double>(data.cols)))));
  Rng rng(config.seed);
  for (int t = 0; t < config.trees; ++t) {
    std::vector<size_t> bootstrap(data.rows);
    for (size_t& row : bootstrap) row = rng.Below(static_cast<uint32_t>(data.rows));
    Tree tree;
    BuildClassTree(data, bootstrap, 0, config, forest.classes, features_per_split, rng, tree);
    forest.trees.push_back(std::move(tree));
  }
  return forest;
}

}  // namespace tinyforge::toolchain
