// Post-training int8 quantization of a float graph with a calibration set.
//
// Steps:
//   1. fuse Relu/Relu6 into their producers (fuse_activations.h);
//   2. run the float executor over the calibration rows and record each activation's range:
//      min/max, or a central percentile interval (robust to outliers);
//   3. activations: int8 per tensor, asymmetric: scale = (max - min) / 255 over a range that
//      contains 0, zero point so that min maps to -128. Ops the runtime requires to keep their
//      input's quantization (Reshape, pools, Relu) copy it; Concat inputs and output share the
//      union range; Softmax/Sigmoid use scale 1/256, zero point -128, Tanh 1/128, 0;
//   4. weights: int8 symmetric per output channel (zero point 0, scale = max|w| / 127); bias:
//      int32 with scale in_scale * w_scale[c]; requant: int32 [channels, 2] from
//      kernels::EffectiveScale + kernels::QuantizeMultiplier, exactly what Prepare recomputes;
//      Add/Mul multipliers from kernels::DeriveAddParams/DeriveMulParams;
//   5. with a float interface, a Quantize node feeds each graph input and a Dequantize node
//      reads each graph output, so callers keep exchanging floats.
#ifndef TINYFORGE_TOOLCHAIN_PASSES_QUANTIZE_H_
#define TINYFORGE_TOOLCHAIN_PASSES_QUANTIZE_H_

#include <cstddef>
#include <vector>

#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

enum class RangeMethod { kMinMax, kPercentile };

struct QuantizeOptions {
  RangeMethod range_method = RangeMethod::kMinMax;
  double percentile = 99.99;    // kPercentile: keep [100 - p, p] percent of the values
  bool float_interface = true;  // Quantize/Dequantize at the graph edges
  bool fold_bias = false;       // add folded_bias (bias + input_offset * sum w) to FC/Conv2D
  size_t max_samples_per_tensor = 200000;  // kPercentile: values kept per tensor (strided)
};

// Asymmetric int8 parameters of a real range (widened to contain 0).
struct ActivationQuant {
  float scale = 1.0f;
  int32_t zero_point = 0;
};
ActivationQuant ChooseActivationQuant(float min_value, float max_value);

// calibration: rows samples of the (single) graph input, row-major, each sample the input shape
// without the batch dim. Errors name the node/tensor/channel that cannot be quantized.
Result<Graph> QuantizeGraph(const Graph& float_graph, const std::vector<float>& calibration,
                            size_t rows, const QuantizeOptions& options = {});

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PASSES_QUANTIZE_H_
