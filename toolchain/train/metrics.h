// Evaluation helpers shared by trainers, passes and tests: accuracy from class scores, the
// float accuracy of a classifier graph, and per-row reconstruction errors.
#ifndef TINYFORGE_TOOLCHAIN_TRAIN_METRICS_H_
#define TINYFORGE_TOOLCHAIN_TRAIN_METRICS_H_

#include <cstddef>
#include <vector>

#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"
#include "toolchain/train/dataset.h"

namespace tinyforge::toolchain {

// Fraction of rows whose arg-max over `classes` scores equals the label.
float Accuracy(const std::vector<float>& scores, size_t classes, const std::vector<int>& labels);

// Accuracy of a float classifier graph (output 0 = [batch, classes]) on labelled data.
Result<float> GraphAccuracy(const Graph& graph, const Dataset& data);

// Mean squared difference per row between two row-major [rows, cols] arrays.
std::vector<float> RowMeanSquaredErrors(const std::vector<float>& a, const std::vector<float>& b,
                                        size_t cols);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_TRAIN_METRICS_H_
