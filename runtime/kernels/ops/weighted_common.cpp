// Validation of the bias/requant/folded_bias slots and int8 quantization of weighted ops.
#include "kernels/ops/weighted_common.h"

#include "kernels/ops/op_common.h"

namespace tinyforge::ops::internal {
namespace {

Status CheckFoldedBias(const OpContext& context, const WeightLayout& layout) {
  const Tensor& folded = context.inputs[kFoldedBiasSlot];
  TINYFORGE_RETURN_IF_ERROR(CheckBias(folded, DType::kInt32, layout.channels));
  const bool has_bias = HasInput(context, kBiasSlot);
  // The values are checked once here and trusted by Eval, so none of them may change later.
  if (!folded.is_constant || !context.inputs[1].is_constant ||
      (has_bias && !context.inputs[kBiasSlot].is_constant)) {
    return Status::kQuantizationMismatch;
  }
  const int8_t* weights = context.inputs[1].As<const int8_t>();
  const int32_t* bias = has_bias ? context.inputs[kBiasSlot].As<const int32_t>() : nullptr;
  const int64_t input_offset = -int64_t{ZeroPoint(context.inputs[0])};
  for (uint32_t c = 0; c < layout.channels; ++c) {
    int64_t sum = 0;
    for (uint32_t t = 0; t < layout.taps; ++t) {
      sum += weights[uint64_t{c} * layout.channel_stride + uint64_t{t} * layout.tap_stride];
    }
    const int64_t expected = (bias != nullptr ? bias[c] : 0) + input_offset * sum;
    if (expected != folded.As<const int32_t>()[c]) return Status::kQuantizationMismatch;
  }
  return Status::kOk;
}

}  // namespace

Status CheckWeightedExtras(const OpContext& context, const WeightLayout& layout,
                           bool allow_folded_bias) {
  const Tensor& input = context.inputs[0];
  const Tensor& weights = context.inputs[1];
  const Tensor& output = context.output;
  if (input.dtype == DType::kFloat32) {
    if (HasInput(context, kBiasSlot)) {
      TINYFORGE_RETURN_IF_ERROR(CheckBias(context.inputs[kBiasSlot], DType::kFloat32,
                                          layout.channels));
    }
    if (HasInput(context, kRequantSlot) || HasInput(context, kFoldedBiasSlot)) {
      return Status::kBadOpArity;
    }
    return Status::kOk;
  }
  // int8
  TINYFORGE_RETURN_IF_ERROR(CheckActivationQuant(input));
  TINYFORGE_RETURN_IF_ERROR(CheckActivationQuant(output));
  TINYFORGE_RETURN_IF_ERROR(CheckWeightQuant(weights, layout.channels, layout.quant_axis));
  if (HasInput(context, kBiasSlot)) {
    TINYFORGE_RETURN_IF_ERROR(CheckBias(context.inputs[kBiasSlot], DType::kInt32, layout.channels));
  }
  TINYFORGE_RETURN_IF_ERROR(RequireInput(context, kRequantSlot));
  TINYFORGE_RETURN_IF_ERROR(
      CheckRequant(context.inputs[kRequantSlot], input, weights, output, layout.channels));
  if (HasInput(context, kFoldedBiasSlot)) {
    if (!allow_folded_bias) return Status::kBadOpArity;
    TINYFORGE_RETURN_IF_ERROR(CheckFoldedBias(context, layout));
  }
  return Status::kOk;
}

kernels::RequantArgs MakeRequantArgs(const OpContext& context, uint8_t activation) {
  kernels::RequantArgs args{};
  args.requant = context.inputs[kRequantSlot].As<const int32_t>();
  args.output_offset = ZeroPoint(context.output);
  (void)ActivationRangeS8(activation, context.output, &args.activation_min, &args.activation_max);
  return args;
}

}  // namespace tinyforge::ops::internal
