// Dataset checks, subsets, splits and quantiles shared by the trainers.
#include "toolchain/train/dataset.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace tinyforge::toolchain {

Result<void> Dataset::Check(bool require_labels) const {
  if (rows == 0 || cols == 0) return MakeError("dataset: empty (rows=" + std::to_string(rows) +
                                               ", cols=" + std::to_string(cols) + ")");
  if (features.size() != rows * cols)
    return MakeError("dataset: " + std::to_string(features.size()) + " values for " +
                     std::to_string(rows) + "x" + std::to_string(cols));
  for (size_t i = 0; i < features.size(); ++i) {
    if (!std::isfinite(features[i]))
      return MakeError("dataset: non-finite value at row " + std::to_string(i / cols) +
                       ", column " + std::to_string(i % cols));
  }
  if (require_labels && labels.size() != rows)
    return MakeError("dataset: " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(rows) + " rows");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) return MakeError("dataset: negative label at row " + std::to_string(i));
  }
  return {};
}

int Dataset::ClassCount() const {
  if (labels.empty()) return 0;
  return 1 + *std::max_element(labels.begin(), labels.end());
}

Dataset Dataset::Subset(const std::vector<size_t>& indices) const {
  Dataset subset;
  subset.rows = indices.size();
  subset.cols = cols;
  subset.features.reserve(indices.size() * cols);
  for (size_t row : indices) {
    const auto begin = features.begin() + static_cast<std::ptrdiff_t>(row * cols);
    subset.features.insert(subset.features.end(), begin, begin + static_cast<std::ptrdiff_t>(cols));
    if (!labels.empty()) subset.labels.push_back(labels[row]);
  }
  return subset;
}

SplitIndices ShuffledSplit(size_t rows, double validation_fraction, Rng& rng) {
  std::vector<size_t> order(rows);
  std::iota(order.begin(), order.end(), size_t{0});
  rng.Shuffle(order);
  size_t validation = static_cast<size_t>(std::llround(static_cast<double>(rows) * validation_fraction));
  if (validation_fraction > 0.0 && rows >= 2) validation = std::clamp<size_t>(validation, 1, rows - 1);
  validation = std::min(validation, rows);
  SplitIndices split;
  split.validation.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(validation));
  split.train.assign(order.begin() + static_cast<std::ptrdiff_t>(validation), order.end());
  return split;
}

double Quantile(std::vector<float> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double position = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return values[below] + fraction * (static_cast<double>(values[above]) - values[below]);
}

}  // namespace tinyforge::toolchain
