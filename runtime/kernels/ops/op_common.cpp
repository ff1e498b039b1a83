// Validation helpers shared by the op adapters.
#include "kernels/ops/op_common.h"

#include "core/math.h"
#include "kernels/reference/quantization_math.h"

namespace tinyforge::ops::internal {

Status CheckInputCount(const OpContext& context, uint32_t min_inputs, uint32_t max_inputs) {
  if (context.input_count < min_inputs || context.input_count > max_inputs ||
      context.input_count > format::kMaxOpInputs) {
    return Status::kBadOpArity;
  }
  return Status::kOk;
}

bool HasInput(const OpContext& context, uint32_t index) {
  return index < context.input_count && index < format::kMaxOpInputs &&
         context.inputs[index].data != nullptr;
}

Status RequireInput(const OpContext& context, uint32_t index) {
  return HasInput(context, index) ? Status::kOk : Status::kBadOpArity;
}

Status CheckOutput(const OpContext& context) {
  if (context.output.data == nullptr) return Status::kNullArgument;
  if (context.output.is_constant) return Status::kWriteToConstant;
  if (context.output.rank > format::kMaxRank) return Status::kShapeMismatch;
  return Status::kOk;
}

Status CheckTensor(const Tensor& tensor, DType dtype, uint8_t rank) {
  if (tensor.dtype != dtype) return Status::kDTypeMismatch;
  if (tensor.rank != rank) return Status::kShapeMismatch;
  for (uint8_t i = 0; i < rank; ++i) {
    if (tensor.dims[i] == 0) return Status::kShapeMismatch;
  }
  return Status::kOk;
}

bool SameShape(const Tensor& a, const Tensor& b) {
  if (a.rank != b.rank || a.rank > format::kMaxRank) return false;
  for (uint8_t i = 0; i < a.rank; ++i) {
    if (a.dims[i] != b.dims[i]) return false;
  }
  return true;
}

namespace {

bool ValidScale(float scale) { return scale > 0.0f && math::IsFinite(scale); }

}  // namespace

Status CheckActivationQuant(const Tensor& tensor) {
  const QuantParams& quant = tensor.quant;
  if (quant.channel_count != 1 || quant.scales == nullptr || quant.zero_points == nullptr ||
      !ValidScale(quant.scales[0]) || quant.zero_points[0] < -128 || quant.zero_points[0] > 127) {
    return Status::kQuantizationMismatch;
  }
  return Status::kOk;
}

Status CheckWeightQuant(const Tensor& weights, uint32_t channels, uint32_t axis) {
  const QuantParams& quant = weights.quant;
  if (quant.scales == nullptr || quant.zero_points == nullptr) return Status::kQuantizationMismatch;
  if (quant.channel_count != 1 && (quant.channel_count != channels || quant.axis != axis)) {
    return Status::kQuantizationMismatch;
  }
  for (uint32_t c = 0; c < quant.channel_count; ++c) {
    if (!ValidScale(quant.scales[c]) || quant.zero_points[c] != 0) {
      return Status::kQuantizationMismatch;
    }
  }
  return Status::kOk;
}

bool SameQuant(const Tensor& a, const Tensor& b) {
  return a.quant.channel_count == 1 && b.quant.channel_count == 1 &&
         a.quant.scales[0] == b.quant.scales[0] && a.quant.zero_points[0] == b.quant.zero_points[0];
}

Status ActivationRangeF32(uint8_t activation, float* low, float* high) {
  switch (static_cast<format::FusedActivation>(activation)) {
    case format::FusedActivation::kNone:
      *low = -__builtin_inff();
      *high = __builtin_inff();
      return Status::kOk;
    case format::FusedActivation::kRelu:
      *low = 0.0f;
      *high = __builtin_inff();
      return Status::kOk;
    case format::FusedActivation::kRelu6:
      *low = 0.0f;
      *high = 6.0f;
      return Status::kOk;
  }
  return Status::kBadParams;
}

Status ActivationRangeS8(uint8_t activation, const Tensor& output, int32_t* low, int32_t* high) {
  const int32_t zero_point = ZeroPoint(output);
  switch (static_cast<format::FusedActivation>(activation)) {
    case format::FusedActivation::kNone:
      *low = -128;
      *high = 127;
      return Status::kOk;
    case format::FusedActivation::kRelu:
      *low = zero_point;
      *high = 127;
      return Status::kOk;
    case format::FusedActivation::kRelu6: {
      *low = zero_point;
      const int64_t six = int64_t{zero_point} + math::RoundToInt32(6.0f / Scale(output));
      *high = six > 127 ? 127 : static_cast<int32_t>(six);
      return Status::kOk;
    }
  }
  return Status::kBadParams;
}

Status CheckWindow(uint32_t input, uint32_t filter, uint32_t stride, uint32_t dilation,
                   uint32_t pad_before, uint32_t output) {
  if (filter == 0 || stride == 0 || dilation == 0) return Status::kBadParams;
  if (output == 0 || input == 0) return Status::kShapeMismatch;
  const int64_t window = (int64_t{filter} - 1) * dilation + 1;
  if (pad_before >= window) return Status::kShapeMismatch;  // first window only padding
  // Padding the last window needs after the input (negative: input left over, unused).
  const int64_t trailing = (int64_t{output} - 1) * stride + window - input - pad_before;
  if (trailing >= window) return Status::kShapeMismatch;   // last window only padding
  if (trailing <= -int64_t{stride}) return Status::kShapeMismatch;  // one more output fits
  return Status::kOk;
}

Status CheckRequant(const Tensor& requant, const Tensor& input, const Tensor& weights,
                    const Tensor& output, uint32_t channels) {
  TINYFORGE_RETURN_IF_ERROR(CheckTensor(requant, DType::kInt32, 2));
  if (requant.dims[0] != channels || requant.dims[1] != 2) return Status::kShapeMismatch;
  // Its values are trusted from here on, so they must be fixed now.
  if (!requant.is_constant) return Status::kQuantizationMismatch;
  const int32_t* values = requant.As<const int32_t>();
  for (uint32_t c = 0; c < channels; ++c) {
    int32_t multiplier = 0;
    int32_t shift = 0;
    const float scale =
        kernels::EffectiveScale(Scale(input), WeightScale(weights, c), Scale(output));
    if (!kernels::QuantizeMultiplier(scale, &multiplier, &shift) ||
        values[2 * c] != multiplier || values[2 * c + 1] != shift) {
      return Status::kQuantizationMismatch;
    }
  }
  return Status::kOk;
}

Status CheckBias(const Tensor& bias, DType dtype, uint32_t channels) {
  TINYFORGE_RETURN_IF_ERROR(CheckTensor(bias, dtype, 1));
  return bias.dims[0] == channels ? Status::kOk : Status::kShapeMismatch;
}

}  // namespace tinyforge::ops::internal
