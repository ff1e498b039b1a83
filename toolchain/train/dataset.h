// The trainers' input: a plain row-major feature matrix with optional integer labels, so the
// training code does not depend on the data/preprocess types (convert at the call site).
#ifndef TINYFORGE_TOOLCHAIN_TRAIN_DATASET_H_
#define TINYFORGE_TOOLCHAIN_TRAIN_DATASET_H_

#include <cstddef>
#include <vector>

#include "toolchain/ir/result.h"
#include "toolchain/train/random.h"

namespace tinyforge::toolchain {

struct Dataset {
  std::vector<float> features;  // rows * cols, row-major
  size_t rows = 0;
  size_t cols = 0;
  std::vector<int> labels;  // rows entries in [0, classes), or empty (unsupervised)

  // Checks sizes, finiteness, and (when require_labels) that labels are present and >= 0.
  Result<void> Check(bool require_labels) const;
  int ClassCount() const;  // 1 + the largest label, 0 without labels
  // The rows at `indices`, in that order.
  Dataset Subset(const std::vector<size_t>& indices) const;
};

struct SplitIndices {
  std::vector<size_t> train;
  std::vector<size_t> validation;
};

// Shuffles 0..rows-1 with `rng` and puts round(rows * validation_fraction) in validation (at
// least one row in each part when rows >= 2 and the fraction is > 0).
SplitIndices ShuffledSplit(size_t rows, double validation_fraction, Rng& rng);

// Value at quantile q in [0, 1] (linear interpolation between order statistics). values empty → 0.
double Quantile(std::vector<float> values, double q);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_TRAIN_DATASET_H_
