// MaxPool2D, AveragePool2D and GlobalAveragePool op adapters, float32 and int8.
#include "kernels/ops/op_common.h"
#include "kernels/reference/pooling.h"
#include "kernels/reference/quantization_math.h"
#include "tinyforge/ops.h"

namespace tinyforge::ops {
namespace {

// NHWC in and out, same dtype; int8 in and out share one quantization (a pool does not rescale).
Status ReadPool(const OpContext& context, kernels::Pool2DGeometry* g, uint8_t* activation) {
  TINYFORGE_RETURN_IF_ERROR(internal::CheckInputCount(context, 1, 1));
  TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, 0));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckOutput(context));
  const format::Pool2DParams* params = nullptr;
  TINYFORGE_RETURN_IF_ERROR(internal::GetParams(context, &params));
  const Tensor& input = context.inputs[0];
  const Tensor& output = context.output;
  if (input.dtype != DType::kFloat32 && input.dtype != DType::kInt8) return Status::kDTypeMismatch;
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(input, input.dtype, 4));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(output, input.dtype, 4));
  *g = kernels::Pool2DGeometry{input.dims[0],        input.dims[1],        input.dims[2],
                               input.dims[3],        params->filter_height, params->filter_width,
                               params->stride_height, params->stride_width, params->pad_top,
                               params->pad_left,     output.dims[1],       output.dims[2]};
  *activation = params->activation;
  if (output.dims[0] != g->batch || output.dims[3] != g->channels) return Status::kShapeMismatch;
  TINYFORGE_RETURN_IF_ERROR(internal::CheckWindow(g->input_height, g->filter_height,
                                                  g->stride_height, 1, g->pad_top,
                                                  g->output_height));
  return internal::CheckWindow(g->input_width, g->filter_width, g->stride_width, 1, g->pad_left,
                               g->output_width);
}

Status PreparePool(const OpContext& context) {
  kernels::Pool2DGeometry g{};
  uint8_t activation = 0;
  TINYFORGE_RETURN_IF_ERROR(ReadPool(context, &g, &activation));
  float low = 0.0f;
  float high = 0.0f;
  TINYFORGE_RETURN_IF_ERROR(internal::ActivationRangeF32(activation, &low, &high));
  if (context.inputs[0].dtype == DType::kInt8) {
    TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(context.inputs[0]));
    TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(context.output));
    if (!internal::SameQuant(context.inputs[0], context.output)) {
      return Status::kQuantizationMismatch;
    }
  }
  return Status::kOk;
}

enum class PoolKind : uint8_t { kMax, kAverage };

Status EvalPool(const OpContext& context, PoolKind kind) {
  kernels::Pool2DGeometry g{};
  uint8_t activation = 0;
  TINYFORGE_RETURN_IF_ERROR(ReadPool(context, &g, &activation));
  if (context.inputs[0].dtype == DType::kFloat32) {
    float low = 0.0f;
    float high = 0.0f;
    TINYFORGE_RETURN_IF_ERROR(internal::ActivationRangeF32(activation, &low, &high));
    const float* input = context.inputs[0].As<const float>();
    float* output = context.output.As<float>();
    if (kind == PoolKind::kMax) {
      kernels::reference::MaxPool2DF32(g, input, output, low, high);
    } else {
      kernels::reference::AveragePool2DF32(g, input, output, low, high);
    }
    return Status::kOk;
  }
  int32_t low = 0;
  int32_t high = 0;
  TINYFORGE_RETURN_IF_ERROR(internal::ActivationRangeS8(activation, context.output, &low, &high));
  const int8_t* input = context.inputs[0].As<const int8_t>();
  int8_t* output = context.output.As<int8_t>();
  if (kind == PoolKind::kMax) {
    kernels::reference::MaxPool2DS8(g, input, output, low, high);
  } else {
    kernels::reference::AveragePool2DS8(g, input, output, low, high);
  }
  return Status::kOk;
}

// GlobalAveragePool: input [batch, H, W, C] or [batch, W, C]; output [batch, C] or the input
// shape with every spatial dimension 1 (Keras and ONNX styles).
struct GlobalPoolShape {
  uint32_t batch, spatial, channels;
};

Status ReadGlobalPool(const OpContext& context, GlobalPoolShape* shape) {
  TINYFORGE_RETURN_IF_ERROR(internal::CheckInputCount(context, 1, 1));
  TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, 0));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckOutput(context));
  if (context.params_bytes != 0) return Status::kBadParams;
  const Tensor& input = context.inputs[0];
  const Tensor& output = context.output;
  if (input.dtype != DType::kFloat32 && input.dtype != DType::kInt8) return Status::kDTypeMismatch;
  if (input.rank != 3 && input.rank != 4) return Status::kShapeMismatch;
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(input, input.dtype, input.rank));
  if (output.dtype != input.dtype) return Status::kDTypeMismatch;
  shape->batch = input.dims[0];
  shape->channels = input.dims[input.rank - 1];
  shape->spatial = input.rank == 4 ? input.dims[1] * input.dims[2] : input.dims[1];
  if (output.rank == 2) {
    if (output.dims[0] != shape->batch || output.dims[1] != shape->channels) {
      return Status::kShapeMismatch;
    }
  } else if (output.rank == input.rank) {
    if (output.dims[0] != shape->batch || output.dims[output.rank - 1] != shape->channels) {
      return Status::kShapeMismatch;
    }
    for (uint8_t i = 1; i + 1 < output.rank; ++i) {
      if (output.dims[i] != 1) return Status::kShapeMismatch;
    }
  } else {
    return Status::kShapeMismatch;
  }
  // Bounds the int8 sum (255 per element) well inside int32.
  if (shape->spatial >= (1u << 23)) return Status::kShapeMismatch;
  return Status::kOk;
}

// The int8 multiplier: in_scale / (out_scale * spatial), in float32 in this order.
bool GlobalPoolMultiplier(const OpContext& context, uint32_t spatial, int32_t* multiplier,
                          int32_t* shift) {
  const float real = internal::Scale(context.inputs[0]) /
                     (internal::Scale(context.output) * static_cast<float>(spatial));
  return kernels::QuantizeMultiplier(real, multiplier, shift);
}

}  // namespace

Status PrepareMaxPool2D(const OpContext& context) { return PreparePool(context); }
Status EvalMaxPool2D(const OpContext& context) { return EvalPool(context, PoolKind::kMax); }
Status PrepareAveragePool2D(const OpContext& context) { return PreparePool(context); }
Status EvalAveragePool2D(const OpContext& context) { return EvalPool(context, PoolKind::kAverage); }

Status PrepareGlobalAveragePool(const OpContext& context) {
  GlobalPoolShape shape{};
  TINYFORGE_RETURN_IF_ERROR(ReadGlobalPool(context, &shape));
  if (context.inputs[0].dtype == DType::kInt8) {
    TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(context.inputs[0]));
    TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(context.output));
    int32_t multiplier = 0;
    int32_t shift = 0;
    if (!GlobalPoolMultiplier(context, shape.spatial, &multiplier, &shift)) {
      return Status::kQuantizationMismatch;
    }
  }
  return Status::kOk;
}

Status EvalGlobalAveragePool(const OpContext& context) {
  GlobalPoolShape shape{};
  TINYFORGE_RETURN_IF_ERROR(ReadGlobalPool(context, &shape));
  if (context.inputs[0].dtype == DType::kFloat32) {
    kernels::reference::GlobalAveragePoolF32(context.inputs[0].As<const float>(),
                                             context.output.As<float>(), shape.batch,
                                             shape.spatial, shape.channels);
    return Status::kOk;
  }
  int32_t multiplier = 0;
  int32_t shift = 0;
  if (!GlobalPoolMultiplier(context, shape.spatial, &multiplier, &shift)) {
    return Status::kQuantizationMismatch;
  }
  kernels::reference::GlobalAveragePoolS8(
      context.inputs[0].As<const int8_t>(), context.output.As<int8_t>(), shape.batch,
      shape.spatial, shape.channels, internal::ZeroPoint(context.inputs[0]), multiplier, shift,
      internal::ZeroPoint(context.output));
  return Status::kOk;
}

}  // namespace tinyforge::ops
