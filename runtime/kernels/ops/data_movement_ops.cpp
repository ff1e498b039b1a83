// Reshape, Concat, Quantize and Dequantize op adapters.
#include "kernels/ops/op_common.h"
#include "kernels/reference/data_movement.h"
#include "tinyforge/ops.h"

namespace tinyforge::ops {
namespace {

Status ReadSingleInput(const OpContext& context) {
  TINYFORGE_RETURN_IF_ERROR(internal::CheckInputCount(context, 1, 1));
  TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, 0));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckOutput(context));
  if (context.params_bytes != 0) return Status::kBadParams;
  const Tensor& input = context.inputs[0];
  if (format::DTypeBytes(static_cast<uint8_t>(input.dtype)) == 0) return Status::kDTypeMismatch;
  if (input.rank > format::kMaxRank || context.output.rank > format::kMaxRank) {
    return Status::kShapeMismatch;
  }
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(input, input.dtype, input.rank));
  return internal::CheckTensor(context.output, context.output.dtype, context.output.rank);
}

// Quantize/Dequantize: same shape, `from` -> `to`, the int8 side quantized per tensor.
Status ReadConversion(const OpContext& context, DType from, DType to) {
  TINYFORGE_RETURN_IF_ERROR(ReadSingleInput(context));
  if (context.inputs[0].dtype != from || context.output.dtype != to) return Status::kDTypeMismatch;
  if (!internal::SameShape(context.inputs[0], context.output)) return Status::kShapeMismatch;
  return internal::CheckActivationQuant(from == DType::kInt8 ? context.inputs[0] : context.output);
}

Status ReadConcat(const OpContext& context, uint32_t* axis) {
  TINYFORGE_RETURN_IF_ERROR(internal::CheckInputCount(context, 1, format::kMaxOpInputs));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckOutput(context));
  const format::ConcatParams* params = nullptr;
  TINYFORGE_RETURN_IF_ERROR(internal::GetParams(context, &params));
  const Tensor& output = context.output;
  if (format::DTypeBytes(static_cast<uint8_t>(output.dtype)) == 0) return Status::kDTypeMismatch;
  if (output.rank == 0 || output.rank > format::kMaxRank) return Status::kShapeMismatch;
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(output, output.dtype, output.rank));
  if (params->axis < 0 || params->axis >= output.rank) return Status::kBadParams;
  *axis = static_cast<uint32_t>(params->axis);
  uint64_t axis_total = 0;
  for (uint32_t k = 0; k < context.input_count; ++k) {
    TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, k));
    const Tensor& input = context.inputs[k];
    TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(input, output.dtype, output.rank));
    for (uint32_t d = 0; d < output.rank; ++d) {
      if (d != *axis && input.dims[d] != output.dims[d]) return Status::kShapeMismatch;
    }
    axis_total += input.dims[*axis];
  }
  return axis_total == output.dims[*axis] ? Status::kOk : Status::kShapeMismatch;
}

}  // namespace

// Reshape: same dtype and element count; int8 keeps its quantization. The output may alias the
// input exactly (the planner does that), then Eval has nothing to do.
Status PrepareReshape(const OpContext& context) {
  TINYFORGE_RETURN_IF_ERROR(ReadSingleInput(context));
  const Tensor& input = context.inputs[0];
  if (context.output.dtype != input.dtype) return Status::kDTypeMismatch;
  if (context.output.ElementCount() != input.ElementCount()) return Status::kShapeMismatch;
  if (input.dtype == DType::kInt8) {
    TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(input));
    TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(context.output));
    if (!internal::SameQuant(input, context.output)) return Status::kQuantizationMismatch;
  }
  return Status::kOk;
}

Status EvalReshape(const OpContext& context) {
  TINYFORGE_RETURN_IF_ERROR(ReadSingleInput(context));
  if (context.output.Bytes() != context.inputs[0].Bytes()) return Status::kShapeMismatch;
  kernels::reference::CopyBytes(context.inputs[0].data, context.output.data,
                                context.output.Bytes());
  return Status::kOk;
}

// Concat: 1..8 inputs of the output's dtype and rank, equal except along `axis`, whose extents
// add up to the output's; int8 inputs share the output's quantization.
Status PrepareConcat(const OpContext& context) {
  uint32_t axis = 0;
  TINYFORGE_RETURN_IF_ERROR(ReadConcat(context, &axis));
  if (context.output.dtype == DType::kInt8) {
    TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(context.output));
    for (uint32_t k = 0; k < context.input_count; ++k) {
      TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(context.inputs[k]));
      if (!internal::SameQuant(context.inputs[k], context.output)) {
        return Status::kQuantizationMismatch;
      }
    }
  }
  return Status::kOk;
}

Status EvalConcat(const OpContext& context) {
  uint32_t axis = 0;
  TINYFORGE_RETURN_IF_ERROR(ReadConcat(context, &axis));
  const Tensor& output = context.output;
  uint32_t outer = 1;
  for (uint32_t d = 0; d < axis; ++d) outer *= output.dims[d];
  uint32_t inner_bytes = format::DTypeBytes(static_cast<uint8_t>(output.dtype));
  for (uint32_t d = axis + 1; d < output.rank; ++d) inner_bytes *= output.dims[d];
  const uint8_t* inputs[format::kMaxOpInputs] = {};
  uint32_t block_bytes[format::kMaxOpInputs] = {};
  for (uint32_t k = 0; k < context.input_count; ++k) {
    inputs[k] = context.inputs[k].As<const uint8_t>();
    block_bytes[k] = context.inputs[k].dims[axis] * inner_bytes;
  }
  kernels::reference::Concat(inputs, block_bytes, context.input_count, outer,
                             output.As<uint8_t>());
  return Status::kOk;
}

Status PrepareQuantize(const OpContext& context) {
  return ReadConversion(context, DType::kFloat32, DType::kInt8);
}

Status EvalQuantize(const OpContext& context) {
  TINYFORGE_RETURN_IF_ERROR(ReadConversion(context, DType::kFloat32, DType::kInt8));
  kernels::reference::QuantizeF32ToS8(context.inputs[0].As<const float>(),
                                      context.output.As<int8_t>(), context.output.ElementCount(),
                                      internal::Scale(context.output),
                                      internal::ZeroPoint(context.output));
  return Status::kOk;
}

Status PrepareDequantize(const OpContext& context) {
  return ReadConversion(context, DType::kInt8, DType::kFloat32);
}

Status EvalDequantize(const OpContext& context) {
  TINYFORGE_RETURN_IF_ERROR(ReadConversion(context, DType::kInt8, DType::kFloat32));
  kernels::reference::DequantizeS8ToF32(context.inputs[0].As<const int8_t>(),
                                        context.output.As<float>(), context.output.ElementCount(),
                                        internal::Scale(context.inputs[0]),
                                        internal::ZeroPoint(context.inputs[0]));
  return Status::kOk;
}

}  // namespace tinyforge::ops
