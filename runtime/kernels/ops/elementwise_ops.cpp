// Add and Mul op adapters: two inputs of the same shape, float32 or int8 (TFLite fixed-point
// scheme; the multipliers in the params are re-derived from the scales and must match).
#include "kernels/ops/op_common.h"
#include "kernels/reference/elementwise.h"
#include "tinyforge/ops.h"

namespace tinyforge::ops {
namespace {

enum class ElementwiseKind : uint8_t { kAdd, kMul };

Status ReadElementwise(const OpContext& context, const format::ElementwiseParams** params) {
  TINYFORGE_RETURN_IF_ERROR(internal::CheckInputCount(context, 2, 2));
  TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, 0));
  TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, 1));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckOutput(context));
  TINYFORGE_RETURN_IF_ERROR(internal::GetParams(context, params));
  const Tensor& a = context.inputs[0];
  const Tensor& b = context.inputs[1];
  const Tensor& output = context.output;
  if (a.dtype != DType::kFloat32 && a.dtype != DType::kInt8) return Status::kDTypeMismatch;
  if (b.dtype != a.dtype || output.dtype != a.dtype) return Status::kDTypeMismatch;
  if (a.rank > format::kMaxRank) return Status::kShapeMismatch;
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(a, a.dtype, a.rank));
  if (!internal::SameShape(a, b) || !internal::SameShape(a, output)) return Status::kShapeMismatch;
  return Status::kOk;
}

bool SameMultipliers(const format::ElementwiseParams& a, const format::ElementwiseParams& b) {
  return a.left_shift == b.left_shift && a.input1_multiplier == b.input1_multiplier &&
         a.input1_shift == b.input1_shift && a.input2_multiplier == b.input2_multiplier &&
         a.input2_shift == b.input2_shift && a.output_multiplier == b.output_multiplier &&
         a.output_shift == b.output_shift;
}

Status Prepare(const OpContext& context, ElementwiseKind kind) {
  const format::ElementwiseParams* params = nullptr;
  TINYFORGE_RETURN_IF_ERROR(ReadElementwise(context, &params));
  float low = 0.0f;
  float high = 0.0f;
  TINYFORGE_RETURN_IF_ERROR(internal::ActivationRangeF32(params->activation, &low, &high));
  format::ElementwiseParams expected{};
  if (context.inputs[0].dtype == DType::kFloat32) {
    // Float ops carry no multipliers; anything else is a writer bug.
    return SameMultipliers(*params, expected) ? Status::kOk : Status::kBadParams;
  }
  for (uint32_t i = 0; i < 2; ++i) {
    TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(context.inputs[i]));
  }
  TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(context.output));
  const float scale1 = internal::Scale(context.inputs[0]);
  const float scale2 = internal::Scale(context.inputs[1]);
  const float scale_out = internal::Scale(context.output);
  const bool derived = kind == ElementwiseKind::kAdd
                           ? kernels::DeriveAddParams(scale1, scale2, scale_out, &expected)
                           : kernels::DeriveMulParams(scale1, scale2, scale_out, &expected);
  if (!derived || !SameMultipliers(*params, expected)) return Status::kQuantizationMismatch;
  return Status::kOk;
}

Status Eval(const OpContext& context, ElementwiseKind kind) {
  const format::ElementwiseParams* params = nullptr;
  TINYFORGE_RETURN_IF_ERROR(ReadElementwise(context, &params));
  const uint32_t count = context.output.ElementCount();
  if (context.inputs[0].dtype == DType::kFloat32) {
    float low = 0.0f;
    float high = 0.0f;
    TINYFORGE_RETURN_IF_ERROR(internal::ActivationRangeF32(params->activation, &low, &high));
    const float* a = context.inputs[0].As<const float>();
    const float* b = context.inputs[1].As<const float>();
    float* output = context.output.As<float>();
    if (kind == ElementwiseKind::kAdd) {
      kernels::reference::AddF32(a, b, output, count, low, high);
    } else {
      kernels::reference::MulF32(a, b, output, count, low, high);
    }
    return Status::kOk;
  }
  kernels::ElementwiseS8Args args{};
  args.input1_offset = -internal::ZeroPoint(context.inputs[0]);
  args.input2_offset = -internal::ZeroPoint(context.inputs[1]);
  args.output_offset = internal::ZeroPoint(context.output);
  args.left_shift = params->left_shift;
  args.input1_multiplier = params->input1_multiplier;
  args.input1_shift = params->input1_shift;
  args.input2_multiplier = params->input2_multiplier;
  args.input2_shift = params->input2_shift;
  args.output_multiplier = params->output_multiplier;
  args.output_shift = params->output_shift;
  TINYFORGE_RETURN_IF_ERROR(internal::ActivationRangeS8(params->activation, context.output,
                                                        &args.activation_min, &args.activation_max));
  const int8_t* a = context.inputs[0].As<const int8_t>();
  const int8_t* b = context.inputs[1].As<const int8_t>();
  int8_t* output = context.output.As<int8_t>();
  if (kind == ElementwiseKind::kAdd) {
    kernels::reference::AddS8(a, b, output, count, args);
  } else {
    kernels::reference::MulS8(a, b, output, count, args);
  }
  return Status::kOk;
}

}  // namespace

Status PrepareAdd(const OpContext& context) { return Prepare(context, ElementwiseKind::kAdd); }
Status EvalAdd(const OpContext& context) { return Eval(context, ElementwiseKind::kAdd); }
Status PrepareMul(const OpContext& context) { return Prepare(context, ElementwiseKind::kMul); }
Status EvalMul(const OpContext& context) { return Eval(context, ElementwiseKind::kMul); }

}  // namespace tinyforge::ops
