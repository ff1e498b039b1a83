// Validation helpers shared by the op adapters: arity, params, dtype/rank/shape checks, int8
// quantization checks, fused-activation ranges and the window arithmetic of convs and pools.
#ifndef TINYFORGE_KERNELS_OPS_OP_COMMON_H_
#define TINYFORGE_KERNELS_OPS_OP_COMMON_H_

#include <stdint.h>

#include "tinyforge/format/tfm.h"
#include "tinyforge/op_registry.h"
#include "tinyforge/status.h"
#include "tinyforge/tensor.h"

namespace tinyforge::ops::internal {

// kBadOpArity unless min_inputs <= input_count <= max_inputs.
Status CheckInputCount(const OpContext& context, uint32_t min_inputs, uint32_t max_inputs);
// True when slot `index` exists and holds a tensor (absent optional inputs have no data).
bool HasInput(const OpContext& context, uint32_t index);
// kBadOpArity when a required input is absent.
Status RequireInput(const OpContext& context, uint32_t index);
// kNullArgument when the output has no data, kWriteToConstant when it is a constant.
Status CheckOutput(const OpContext& context);

// *params = the op's params struct; kBadParams when missing or of the wrong size.
template <typename Params>
Status GetParams(const OpContext& context, const Params** params) {
  if (context.params == nullptr || context.params_bytes != sizeof(Params)) return Status::kBadParams;
  *params = static_cast<const Params*>(context.params);
  return Status::kOk;
}

// kDTypeMismatch / kShapeMismatch.
Status CheckTensor(const Tensor& tensor, DType dtype, uint8_t rank);
bool SameShape(const Tensor& a, const Tensor& b);

// An int8 activation: per-tensor quantization, scale finite and > 0, zero point in [-128, 127];
// otherwise kQuantizationMismatch.
Status CheckActivationQuant(const Tensor& tensor);
// Symmetric int8 weights quantized per tensor or per channel along `axis` with `channels` entries.
Status CheckWeightQuant(const Tensor& weights, uint32_t channels, uint32_t axis);
bool SameQuant(const Tensor& a, const Tensor& b);
inline float Scale(const Tensor& tensor) { return tensor.quant.scales[0]; }
inline int32_t ZeroPoint(const Tensor& tensor) { return tensor.quant.zero_points[0]; }
inline float WeightScale(const Tensor& weights, uint32_t channel) {
  return weights.quant.scales[weights.quant.channel_count == 1 ? 0 : channel];
}

// Fused activation bounds. kBadParams for an unknown activation code.
Status ActivationRangeF32(uint8_t activation, float* low, float* high);
// In the int8 domain of `output`: relu -> [zp, 127], relu6 -> [zp, zp + round(6 / scale)].
Status ActivationRangeS8(uint8_t activation, const Tensor& output, int32_t* low, int32_t* high);

// Checks that `output` positions of a window of `filter` taps (dilated) moved by `stride` over
// `input` elements with `pad_before` leading zero padding is what some trailing padding in
// [0, window) gives: the first and last windows overlap the input, and one more output would not
// fit. kBadParams for zero stride/filter/dilation, kShapeMismatch otherwise.
Status CheckWindow(uint32_t input, uint32_t filter, uint32_t stride, uint32_t dilation,
                   uint32_t pad_before, uint32_t output);

// The int8 conv/FC requantization contract:
//   requant: int32 [channels, 2], constant, row c == QuantizeMultiplier(EffectiveScale(
//            input scale, weight scale c, output scale))                  -> kQuantizationMismatch
Status CheckRequant(const Tensor& requant, const Tensor& input, const Tensor& weights,
                    const Tensor& output, uint32_t channels);
// bias: int32 [channels] (kDTypeMismatch / kShapeMismatch).
Status CheckBias(const Tensor& bias, DType dtype, uint32_t channels);

}  // namespace tinyforge::ops::internal

#endif  // TINYFORGE_KERNELS_OPS_OP_COMMON_H_
