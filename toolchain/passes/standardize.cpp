// Per-feature standardization folded into the graph head as float Mul + Add.
#include "toolchain/passes/standardize.h"

#include <cmath>
#include <string>

namespace tinyforge::toolchain {
namespace {

struct Coefficients {
  std::vector<float> inv_std;
  std::vector<float> shift;
};

Coefficients ToCoefficients(const Standardization& standardization) {
  Coefficients out;
  for (size_t i = 0; i < standardization.mean.size(); ++i) {
    const float std_value = standardization.std[i] > 0.0f ? standardization.std[i] : 1.0f;
    out.inv_std.push_back(1.0f / std_value);
    out.shift.push_back(-standardization.mean[i] / std_value);
  }
  return out;
}

}  // namespace

Standardization FitStandardization(const std::vector<float>& values, size_t rows, size_t cols) {
  Standardization out;
  out.mean.assign(cols, 0.0f);
  out.std.assign(cols, 1.0f);
  if (rows == 0) return out;
  for (size_t col = 0; col < cols; ++col) {
    double sum = 0.0;
    for (size_t row = 0; row < rows; ++row) sum += values[row * cols + col];
    const double mean = sum / static_cast<double>(rows);
    double squares = 0.0;
    for (size_t row = 0; row < rows; ++row) {
      const double centered = values[row * cols + col] - mean;
      squares += centered * centered;
    }
    const double std_value = std::sqrt(squares / static_cast<double>(rows));
    out.mean[col] = static_cast<float>(mean);
    out.std[col] = std_value > 1e-12 ? static_cast<float>(std_value) : 1.0f;
  }
  return out;
}

void ApplyStandardization(const Standardization& standardization, std::vector<float>& values) {
  const Coefficients coefficients = ToCoefficients(standardization);
  const size_t cols = coefficients.inv_std.size();
  if (cols == 0) return;
  for (size_t i = 0; i < values.size(); ++i) {
    const float scaled = values[i] * coefficients.inv_std[i % cols];
    values[i] = scaled + coefficients.shift[i % cols];
  }
}

Result<void> PrependStandardization(Graph& graph, const Standardization& standardization) {
  if (graph.inputs.size() != 1) {
    return MakeError("standardize: the graph must have exactly one input, it has " +
                     std::to_string(graph.inputs.size()));
  }
  const int old_input = graph.inputs[0];
  const IrTensor input = graph.tensors[static_cast<size_t>(old_input)];
  const size_t features = standardization.mean.size();
  if (input.dtype != DType::kFloat32 || input.shape.size() != 2 || input.shape[0] != 1 ||
      input.shape[1] != features || standardization.std.size() != features) {
    return MakeError("standardize: graph input '" + input.name + "' is " + ShapeString(input.shape) +
                     ", expected float32 [1, " + std::to_string(features) + "]");
  }
  const Coefficients coefficients = ToCoefficients(standardization);
  const uint32_t width = static_cast<uint32_t>(features);
  const int raw = graph.AddActivation("raw_features", {1, width});
  const int inv_std = graph.AddConstant("standardize_inv_std", {1, width}, coefficients.inv_std);
  const int shift = graph.AddConstant("standardize_shift", {1, width}, coefficients.shift);
  const int scaled = graph.AddActivation("standardize_scaled", {1, width});
  // Execution order: the two new nodes run before every existing one.
  IrNode mul{OpCode::kMul, {raw, inv_std}, scaled, {}, "standardize_mul"};
  IrNode add{OpCode::kAdd, {scaled, shift}, old_input, {}, "standardize_add"};
  graph.nodes.insert(graph.nodes.begin(), {mul, add});
  graph.inputs[0] = raw;
  return graph.Validate();
}

}  // namespace tinyforge::toolchain
