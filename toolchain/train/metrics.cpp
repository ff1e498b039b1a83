// Accuracy and reconstruction-error helpers.
#include "toolchain/train/metrics.h"

#include "toolchain/ir/float_executor.h"

namespace tinyforge::toolchain {

float Accuracy(const std::vector<float>& scores, size_t classes, const std::vector<int>& labels) {
  if (classes == 0 || labels.empty() || scores.size() != labels.size() * classes) return 0.0f;
  size_t correct = 0;
  for (size_t row = 0; row < labels.size(); ++row) {
    if (static_cast<int>(ArgMax(scores.data() + row * classes, classes)) == labels[row]) ++correct;
  }
  return static_cast<float>(correct) / static_cast<float>(labels.size());
}

Result<float> GraphAccuracy(const Graph& graph, const Dataset& data) {
  auto scores = PredictFloat(graph, data.features, data.rows);
  if (!scores.ok()) return scores.error();
  if (data.rows == 0 || scores->size() % data.rows != 0)
    return MakeError("GraphAccuracy: output size does not divide by the row count");
  return Accuracy(*scores, scores->size() / data.rows, data.labels);
}

std::vector<float> RowMeanSquaredErrors(const std::vector<float>& a, const std::vector<float>& b,
                                        size_t cols) {
  std::vector<float> errors;
  if (cols == 0 || a.size() != b.size()) return errors;
  for (size_t row = 0; row < a.size() / cols; ++row) {
    double sum = 0.0;
    for (size_t c = 0; c < cols; ++c) {
      const double difference = static_cast<double>(a[row * cols + c]) - b[row * cols + c];
      sum += difference * difference;
    }
    errors.push_back(static_cast<float>(sum / static_cast<double>(cols)));
  }
  return errors;
}

}  // namespace tinyforge::toolchain
