// Relu, Relu6, Softmax, Sigmoid and Tanh op adapters, float32 and int8.
#include "core/math.h"
#include "kernels/ops/op_common.h"
#include "kernels/reference/activations.h"
#include "tinyforge/ops.h"

namespace tinyforge::ops {
namespace {

// One input, output of the same dtype and shape; no params unless `params_bytes` says so.
Status ReadUnary(const OpContext& context, uint32_t params_bytes) {
  TINYFORGE_RETURN_IF_ERROR(internal::CheckInputCount(context, 1, 1));
  TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, 0));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckOutput(context));
  if (context.params_bytes != params_bytes || (params_bytes != 0 && context.params == nullptr)) {
    return Status::kBadParams;
  }
  const Tensor& input = context.inputs[0];
  if (input.dtype != DType::kFloat32 && input.dtype != DType::kInt8) return Status::kDTypeMismatch;
  if (context.output.dtype != input.dtype) return Status::kDTypeMismatch;
  if (input.rank > format::kMaxRank) return Status::kShapeMismatch;
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(input, input.dtype, input.rank));
  if (!internal::SameShape(input, context.output)) return Status::kShapeMismatch;
  if (input.dtype == DType::kInt8) {
    TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(input));
    TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(context.output));
  }
  return Status::kOk;
}

kernels::QuantS8 QuantOf(const Tensor& tensor) {
  return kernels::QuantS8{internal::Scale(tensor), internal::ZeroPoint(tensor)};
}

// Relu/Relu6: int8 input and output share a quantization, so the op is a clamp.
Status PrepareClamp(const OpContext& context) {
  TINYFORGE_RETURN_IF_ERROR(ReadUnary(context, 0));
  if (context.inputs[0].dtype == DType::kInt8 &&
      !internal::SameQuant(context.inputs[0], context.output)) {
    return Status::kQuantizationMismatch;
  }
  return Status::kOk;
}

Status EvalClamp(const OpContext& context, format::FusedActivation activation) {
  TINYFORGE_RETURN_IF_ERROR(ReadUnary(context, 0));
  const uint8_t code = static_cast<uint8_t>(activation);
  const uint32_t count = context.output.ElementCount();
  if (context.inputs[0].dtype == DType::kFloat32) {
    float low = 0.0f;
    float high = 0.0f;
    TINYFORGE_RETURN_IF_ERROR(internal::ActivationRangeF32(code, &low, &high));
    kernels::reference::ClampF32(context.inputs[0].As<const float>(), context.output.As<float>(),
                                 count, low, high);
    return Status::kOk;
  }
  int32_t low = 0;
  int32_t high = 0;
  TINYFORGE_RETURN_IF_ERROR(internal::ActivationRangeS8(code, context.output, &low, &high));
  kernels::reference::ClampS8(context.inputs[0].As<const int8_t>(), context.output.As<int8_t>(),
                              count, low, high);
  return Status::kOk;
}

enum class Curve : uint8_t { kSigmoid, kTanh };

Status EvalCurve(const OpContext& context, Curve curve) {
  TINYFORGE_RETURN_IF_ERROR(ReadUnary(context, 0));
  const uint32_t count = context.output.ElementCount();
  if (context.inputs[0].dtype == DType::kFloat32) {
    const float* input = context.inputs[0].As<const float>();
    float* output = context.output.As<float>();
    if (curve == Curve::kSigmoid) {
      kernels::reference::SigmoidF32(input, output, count);
    } else {
      kernels::reference::TanhF32(input, output, count);
    }
    return Status::kOk;
  }
  const int8_t* input = context.inputs[0].As<const int8_t>();
  int8_t* output = context.output.As<int8_t>();
  if (curve == Curve::kSigmoid) {
    kernels::reference::SigmoidS8(input, output, count, QuantOf(context.inputs[0]),
                                  QuantOf(context.output));
  } else {
    kernels::reference::TanhS8(input, output, count, QuantOf(context.inputs[0]),
                               QuantOf(context.output));
  }
  return Status::kOk;
}

Status ReadSoftmax(const OpContext& context, const format::SoftmaxParams** params) {
  TINYFORGE_RETURN_IF_ERROR(ReadUnary(context, sizeof(format::SoftmaxParams)));
  TINYFORGE_RETURN_IF_ERROR(internal::GetParams(context, params));
  if (context.inputs[0].rank == 0) return Status::kShapeMismatch;  // needs a last axis
  return Status::kOk;
}

}  // namespace

Status PrepareRelu(const OpContext& context) { return PrepareClamp(context); }
Status EvalRelu(const OpContext& context) {
  return EvalClamp(context, format::FusedActivation::kRelu);
}
Status PrepareRelu6(const OpContext& context) { return PrepareClamp(context); }
Status EvalRelu6(const OpContext& context) {
  return EvalClamp(context, format::FusedActivation::kRelu6);
}

Status PrepareSigmoid(const OpContext& context) { return ReadUnary(context, 0); }
Status EvalSigmoid(const OpContext& context) { return EvalCurve(context, Curve::kSigmoid); }
Status PrepareTanh(const OpContext& context) { return ReadUnary(context, 0); }
Status EvalTanh(const OpContext& context) { return EvalCurve(context, Curve::kTanh); }

// Softmax over the last axis; beta finite and > 0; int8 output is scale 1/256, zero point -128.
Status PrepareSoftmax(const OpContext& context) {
  const format::SoftmaxParams* params = nullptr;
  TINYFORGE_RETURN_IF_ERROR(ReadSoftmax(context, &params));
  if (!(params->beta > 0.0f) || !math::IsFinite(params->beta)) return Status::kBadParams;
  if (context.inputs[0].dtype == DType::kInt8 &&
      (internal::Scale(context.output) != kernels::kSoftmaxS8OutputScale ||
       internal::ZeroPoint(context.output) != kernels::kSoftmaxS8OutputZeroPoint)) {
    return Status::kQuantizationMismatch;
  }
  return Status::kOk;
}

Status EvalSoftmax(const OpContext& context) {
  const format::SoftmaxParams* params = nullptr;
  TINYFORGE_RETURN_IF_ERROR(ReadSoftmax(context, &params));
  const Tensor& input = context.inputs[0];
  const uint32_t depth = input.dims[input.rank - 1];
  const uint32_t rows = input.ElementCount() / depth;
  if (input.dtype == DType::kFloat32) {
    kernels::reference::SoftmaxF32(input.As<const float>(), context.output.As<float>(), rows, depth,
                                   params->beta);
  } else {
    kernels::reference::SoftmaxS8(input.As<const int8_t>(), context.output.As<int8_t>(), rows,
                                  depth, params->beta, QuantOf(input));
  }
  return Status::kOk;
}

}  // namespace tinyforge::ops
