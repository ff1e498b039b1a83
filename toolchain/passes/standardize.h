// Per-feature standardization as the first ops of a graph: y = x * (1/std) + (-mean/std), in
// float before anything else (so int8 graphs quantize standardized features, not raw ones whose
// ranges differ by orders of magnitude), shipped inside the model so the device needs no extra
// parameters.
#ifndef TINYFORGE_TOOLCHAIN_PASSES_STANDARDIZE_H_
#define TINYFORGE_TOOLCHAIN_PASSES_STANDARDIZE_H_

#include <vector>

#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

struct Standardization {
  std::vector<float> mean;  // one per feature
  std::vector<float> std;   // one per feature; 0 is stored as 1 (a constant feature maps to 0)
};

// Column means and population standard deviations of a row-major matrix (double accumulation).
Standardization FitStandardization(const std::vector<float>& values, size_t rows, size_t cols);

// Applies it to a row-major matrix in place, with the float operations the runtime performs
// (x * inv_std, then + shift), so host features equal what the model sees.
void ApplyStandardization(const Standardization& standardization, std::vector<float>& values);

// Inserts Mul and Add at the single float graph input [1, features]. Error when the graph input
// is not float32 [1, features] with features == mean.size().
Result<void> PrependStandardization(Graph& graph, const Standardization& standardization);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PASSES_STANDARDIZE_H_
