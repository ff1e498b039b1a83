// Conv1D, Conv2D and DepthwiseConv2D op adapters (NHWC, explicit leading pads), float32 and int8.
// Conv1D runs as Conv2D with height 1: [batch, width, channels] is NHWC with H = 1.
#include "kernels/ops/op_common.h"
#include "kernels/ops/weighted_common.h"
#include "kernels/reference/float_kernels.h"
#include "tinyforge/ops.h"

namespace tinyforge::ops {
namespace {

using internal::KernelSet;

enum class ConvKind : uint8_t { kConv1D, kConv2D, kDepthwise };

struct ConvGeometry {
  uint32_t batch;
  uint32_t input_height, input_width, input_channels;
  uint32_t filter_height, filter_width;
  uint32_t output_height, output_width, output_channels;
  uint32_t depth_multiplier;
  uint32_t stride_height, stride_width;
  uint32_t dilation_height, dilation_width;
  uint32_t pad_top, pad_left;
  uint8_t activation;
};

Status ReadConv1D(const OpContext& context, ConvGeometry* g) {
  const format::Conv1DParams* params = nullptr;
  TINYFORGE_RETURN_IF_ERROR(internal::GetParams(context, &params));
  const Tensor& input = context.inputs[0];
  const Tensor& weights = context.inputs[1];
  const Tensor& output = context.output;
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(input, input.dtype, 3));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(weights, input.dtype, 3));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(output, input.dtype, 3));
  *g = ConvGeometry{input.dims[0], 1, input.dims[1], input.dims[2], 1, weights.dims[1],
                    1, output.dims[1], weights.dims[0], 1, 1, params->stride, 1,
                    params->dilation, 0, params->pad_left, params->activation};
  if (weights.dims[2] != g->input_channels || output.dims[0] != g->batch ||
      output.dims[2] != g->output_channels) {
    return Status::kShapeMismatch;
  }
  return Status::kOk;
}

Status ReadConv2D(const OpContext& context, ConvKind kind, ConvGeometry* g) {
  const format::Conv2DParams* params = nullptr;
  TINYFORGE_RETURN_IF_ERROR(internal::GetParams(context, &params));
  const Tensor& input = context.inputs[0];
  const Tensor& weights = context.inputs[1];
  const Tensor& output = context.output;
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(input, input.dtype, 4));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(weights, input.dtype, 4));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(output, input.dtype, 4));
  const bool depthwise = kind == ConvKind::kDepthwise;
  *g = ConvGeometry{input.dims[0], input.dims[1], input.dims[2], input.dims[3],
                    weights.dims[1], weights.dims[2], output.dims[1], output.dims[2],
                    depthwise ? weights.dims[3] : weights.dims[0], params->depth_multiplier,
                    params->stride_height, params->stride_width, params->dilation_height,
                    params->dilation_width, params->pad_top, params->pad_left,
                    params->activation};
  if (depthwise) {
    if (g->depth_multiplier == 0) return Status::kBadParams;
    if (weights.dims[0] != 1 ||
        uint64_t{g->input_channels} * g->depth_multiplier != g->output_channels) {
      return Status::kShapeMismatch;
    }
  } else {
    if (g->depth_multiplier != 1) return Status::kBadParams;
    if (weights.dims[3] != g->input_channels) return Status::kShapeMismatch;
  }
  if (output.dims[0] != g->batch || output.dims[3] != g->output_channels) {
    return Status::kShapeMismatch;
  }
  return Status::kOk;
}

// Arity, params, dtypes, shapes and windows; cheap enough for Eval to repeat.
Status ReadConv(const OpContext& context, ConvKind kind, ConvGeometry* g) {
  TINYFORGE_RETURN_IF_ERROR(internal::CheckInputCount(context, 2, kind == ConvKind::kConv1D ? 4 : 5));
  TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, 0));
  TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, 1));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckOutput(context));
  const DType dtype = context.inputs[0].dtype;
  if (dtype != DType::kFloat32 && dtype != DType::kInt8) return Status::kDTypeMismatch;
  TINYFORGE_RETURN_IF_ERROR(kind == ConvKind::kConv1D ? ReadConv1D(context, g)
                                                      : ReadConv2D(context, kind, g));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckWindow(g->input_height, g->filter_height,
                                                  g->stride_height, g->dilation_height,
                                                  g->pad_top, g->output_height));
  return internal::CheckWindow(g->input_width, g->filter_width, g->stride_width,
                               g->dilation_width, g->pad_left, g->output_width);
}

Status Prepare(const OpContext& context, ConvKind kind) {
  ConvGeometry g{};
  TINYFORGE_RETURN_IF_ERROR(ReadConv(context, kind, &g));
  const uint32_t taps = g.filter_height * g.filter_width;
  const internal::WeightLayout layout =
      kind == ConvKind::kDepthwise
          ? internal::WeightLayout{g.output_channels, taps, 1, g.output_channels, 3}
          : internal::WeightLayout{g.output_channels, taps * g.input_channels,
                                   taps * g.input_channels, 1, 0};
  TINYFORGE_RETURN_IF_ERROR(
      internal::CheckWeightedExtras(context, layout, kind != ConvKind::kConv1D));
  float low = 0.0f;
  float high = 0.0f;
  return internal::ActivationRangeF32(g.activation, &low, &high);
}

template <typename Args>
void FillGeometry(const ConvGeometry& g, Args* args) {
  args->batch = g.batch;
  args->input_height = g.input_height;
  args->input_width = g.input_width;
  args->input_channels = g.input_channels;
  args->filter_height = g.filter_height;
  args->filter_width = g.filter_width;
  args->output_height = g.output_height;
  args->output_width = g.output_width;
  args->output_channels = g.output_channels;
  args->stride_height = g.stride_height;
  args->stride_width = g.stride_width;
  args->dilation_height = g.dilation_height;
  args->dilation_width = g.dilation_width;
  args->pad_top = g.pad_top;
  args->pad_left = g.pad_left;
}

Status EvalFloat(const OpContext& context, ConvKind kind, const ConvGeometry& g) {
  float low = 0.0f;
  float high = 0.0f;
  TINYFORGE_RETURN_IF_ERROR(internal::ActivationRangeF32(g.activation, &low, &high));
  if (kind == ConvKind::kDepthwise) {
    kernels::DepthwiseConv2DF32Args args{};
    FillGeometry(g, &args);
    args.depth_multiplier = g.depth_multiplier;
    args.input = context.inputs[0].As<const float>();
    args.weights = context.inputs[1].As<const float>();
    args.bias = internal::OptionalFloat(context, internal::kBiasSlot);
    args.output = context.output.As<float>();
    args.activation_min = low;
    args.activation_max = high;
    kernels::reference::DepthwiseConv2DF32(args);
    return Status::kOk;
  }
  kernels::Conv2DF32Args args{};
  FillGeometry(g, &args);
  args.input = context.inputs[0].As<const float>();
  args.weights = context.inputs[1].As<const float>();
  args.bias = internal::OptionalFloat(context, internal::kBiasSlot);
  args.output = context.output.As<float>();
  args.activation_min = low;
  args.activation_max = high;
  kernels::reference::Conv2DF32(args);
  return Status::kOk;
}

template <KernelSet kSet>
Status Eval(const OpContext& context, ConvKind kind) {
  ConvGeometry g{};
  TINYFORGE_RETURN_IF_ERROR(ReadConv(context, kind, &g));
  if (context.inputs[0].dtype == DType::kFloat32) return EvalFloat(context, kind, g);
  if (kind == ConvKind::kDepthwise) {
    kernels::DepthwiseConv2DS8Args args{};
    FillGeometry(g, &args);
    args.depth_multiplier = g.depth_multiplier;
    args.input = context.inputs[0].As<const int8_t>();
    args.weights = context.inputs[1].As<const int8_t>();
    args.bias = internal::OptionalInt32(context, internal::kBiasSlot);
    args.folded_bias = internal::OptionalInt32(context, internal::kFoldedBiasSlot);
    args.output = context.output.As<int8_t>();
    args.input_offset = -internal::ZeroPoint(context.inputs[0]);
    args.requant = internal::MakeRequantArgs(context, g.activation);
    args.scratch = context.scratch;
    args.scratch_bytes = context.scratch_bytes;
    internal::RunDepthwiseConv2DS8<kSet>(args);
    return Status::kOk;
  }
  kernels::Conv2DS8Args args{};
  FillGeometry(g, &args);
  args.input = context.inputs[0].As<const int8_t>();
  args.weights = context.inputs[1].As<const int8_t>();
  args.bias = internal::OptionalInt32(context, internal::kBiasSlot);
  args.folded_bias = internal::OptionalInt32(context, internal::kFoldedBiasSlot);
  args.output = context.output.As<int8_t>();
  args.input_offset = -internal::ZeroPoint(context.inputs[0]);
  args.requant = internal::MakeRequantArgs(context, g.activation);
  args.scratch = context.scratch;
  args.scratch_bytes = context.scratch_bytes;
  internal::RunConv2DS8<kSet>(args);
  return Status::kOk;
}

// Scratch for the planner: what the Cortex-M Conv2DS8 / DepthwiseConv2DS8 need for these shapes
// (int8), whenever those kernels exist, so a blob planned on the host runs on the device. The
// reference kernels need none.
uint32_t ScratchBytes(const OpContext& context, ConvKind kind) {
#ifdef TINYFORGE_HAVE_CORTEX_M_KERNELS
  ConvGeometry g{};
  if (ReadConv(context, kind, &g) != Status::kOk || context.inputs[0].dtype != DType::kInt8 ||
      internal::CheckActivationQuant(context.inputs[0]) != Status::kOk) {
    return 0;
  }
  if (kind == ConvKind::kDepthwise) {
    kernels::DepthwiseConv2DS8Args args{};
    FillGeometry(g, &args);
    args.depth_multiplier = g.depth_multiplier;
    args.input_offset = -internal::ZeroPoint(context.inputs[0]);
    return kernels::cortex_m::DepthwiseConv2DS8ScratchBytes(args);
  }
  kernels::Conv2DS8Args args{};
  FillGeometry(g, &args);
  args.input_offset = -internal::ZeroPoint(context.inputs[0]);
  return kernels::cortex_m::Conv2DS8ScratchBytes(args);
#else
  (void)context;
  (void)kind;
  return 0;
#endif
}

// Prepare asks for the scratch only where Eval runs the Cortex-M kernels.
Status PrepareWithScratch(const OpContext& context, ConvKind kind) {
  TINYFORGE_RETURN_IF_ERROR(Prepare(context, kind));
#ifdef TINYFORGE_USE_CORTEX_M_KERNELS
  if (ScratchBytes(context, kind) > context.scratch_bytes) return Status::kScratchTooSmall;
#endif
  return Status::kOk;
}

}  // namespace

Status PrepareConv1D(const OpContext& context) {
  return PrepareWithScratch(context, ConvKind::kConv1D);
}
Status EvalConv1D(const OpContext& context) {
  return Eval<KernelSet::kOptimized>(context, ConvKind::kConv1D);
}
Status EvalConv1DReference(const OpContext& context) {
  return Eval<KernelSet::kReference>(context, ConvKind::kConv1D);
}
uint32_t ScratchBytesConv1D(const OpContext& context) {
  return ScratchBytes(context, ConvKind::kConv1D);
}

Status PrepareConv2D(const OpContext& context) {
  return PrepareWithScratch(context, ConvKind::kConv2D);
}
Status EvalConv2D(const OpContext& context) {
  return Eval<KernelSet::kOptimized>(context, ConvKind::kConv2D);
}
Status EvalConv2DReference(const OpContext& context) {
  return Eval<KernelSet::kReference>(context, ConvKind::kConv2D);
}
uint32_t ScratchBytesConv2D(const OpContext& context) {
  return ScratchBytes(context, ConvKind::kConv2D);
}

Status PrepareDepthwiseConv2D(const OpContext& context) {
  return PrepareWithScratch(context, ConvKind::kDepthwise);
}
Status EvalDepthwiseConv2D(const OpContext& context) {
  return Eval<KernelSet::kOptimized>(context, ConvKind::kDepthwise);
}
Status EvalDepthwiseConv2DReference(const OpContext& context) {
  return Eval<KernelSet::kReference>(context, ConvKind::kDepthwise);
}
uint32_t ScratchBytesDepthwiseConv2D(const OpContext& context) {
  return ScratchBytes(context, ConvKind::kDepthwise);
}

}  // namespace tinyforge::ops
