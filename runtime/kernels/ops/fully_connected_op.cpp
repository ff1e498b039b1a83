// FullyConnected op adapter: input [batch, in] x weights [out, in] (+ bias) -> [batch, out],
// float32 or int8 (per-channel symmetric weights, requant checked at Prepare).
#include "kernels/ops/op_common.h"
#include "kernels/ops/weighted_common.h"
#include "kernels/reference/float_kernels.h"
#include "tinyforge/ops.h"

namespace tinyforge::ops {
namespace {

using internal::KernelSet;

struct FullyConnectedShape {
  uint32_t batch, input_depth, output_depth;
};

// Arity, dtypes and shapes; cheap enough for Eval to repeat.
Status ReadShape(const OpContext& context, const format::FullyConnectedParams** params,
                 FullyConnectedShape* shape) {
  TINYFORGE_RETURN_IF_ERROR(internal::CheckInputCount(context, 2, 5));
  TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, 0));
  TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, 1));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckOutput(context));
  TINYFORGE_RETURN_IF_ERROR(internal::GetParams(context, params));
  const Tensor& input = context.inputs[0];
  const Tensor& weights = context.inputs[1];
  const Tensor& output = context.output;
  if (input.dtype != DType::kFloat32 && input.dtype != DType::kInt8) return Status::kDTypeMismatch;
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(input, input.dtype, 2));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(weights, input.dtype, 2));
  TINYFORGE_RETURN_IF_ERROR(internal::CheckTensor(output, input.dtype, 2));
  shape->batch = input.dims[0];
  shape->input_depth = input.dims[1];
  shape->output_depth = weights.dims[0];
  if (weights.dims[1] != shape->input_depth || output.dims[0] != shape->batch ||
      output.dims[1] != shape->output_depth) {
    return Status::kShapeMismatch;
  }
  return Status::kOk;
}

Status EvalF32(const OpContext& context, const format::FullyConnectedParams* params,
               const FullyConnectedShape& shape) {
  kernels::FullyConnectedF32Args args{};
  args.input = context.inputs[0].As<const float>();
  args.weights = context.inputs[1].As<const float>();
  args.bias = internal::OptionalFloat(context, internal::kBiasSlot);
  args.output = context.output.As<float>();
  args.batch = shape.batch;
  args.input_depth = shape.input_depth;
  args.output_depth = shape.output_depth;
  TINYFORGE_RETURN_IF_ERROR(
      internal::ActivationRangeF32(params->activation, &args.activation_min, &args.activation_max));
  kernels::reference::FullyConnectedF32(args);
  return Status::kOk;
}

template <KernelSet kSet>
Status Eval(const OpContext& context) {
  const format::FullyConnectedParams* params = nullptr;
  FullyConnectedShape shape{};
  TINYFORGE_RETURN_IF_ERROR(ReadShape(context, &params, &shape));
  if (context.inputs[0].dtype == DType::kFloat32) return EvalF32(context, params, shape);
  kernels::FullyConnectedS8Args args{};
  args.input = context.inputs[0].As<const int8_t>();
  args.weights = context.inputs[1].As<const int8_t>();
  args.bias = internal::OptionalInt32(context, internal::kBiasSlot);
  args.folded_bias = internal::OptionalInt32(context, internal::kFoldedBiasSlot);
  args.output = context.output.As<int8_t>();
  args.batch = shape.batch;
  args.input_depth = shape.input_depth;
  args.output_depth = shape.output_depth;
  args.input_offset = -internal::ZeroPoint(context.inputs[0]);
  args.requant = internal::MakeRequantArgs(context, params->activation);
  internal::RunFullyConnectedS8<kSet>(args);
  return Status::kOk;
}

}  // namespace

Status PrepareFullyConnected(const OpContext& context) {
  const format::FullyConnectedParams* params = nullptr;
  FullyConnectedShape shape{};
  TINYFORGE_RETURN_IF_ERROR(ReadShape(context, &params, &shape));
  const internal::WeightLayout layout{shape.output_depth, shape.input_depth, shape.input_depth, 1,
                                      0};
  TINYFORGE_RETURN_IF_ERROR(internal::CheckWeightedExtras(context, layout, true));
  float low = 0.0f;
  float high = 0.0f;
  TINYFORGE_RETURN_IF_ERROR(internal::ActivationRangeF32(params->activation, &low, &high));
  if (ScratchBytesFullyConnected(context) > context.scratch_bytes) return Status::kScratchTooSmall;
  return Status::kOk;
}

// Float-only registration: Prepare refuses int8 before the shared checks, so Eval never needs
// (and a float-model firmware never links) the int8 kernels.
Status PrepareFullyConnectedF32(const OpContext& context) {
  if (context.input_count > 0 && context.inputs[0].dtype != DType::kFloat32) {
    return Status::kDTypeMismatch;
  }
  return PrepareFullyConnected(context);
}

Status EvalFullyConnectedF32(const OpContext& context) {
  const format::FullyConnectedParams* params = nullptr;
  FullyConnectedShape shape{};
  TINYFORGE_RETURN_IF_ERROR(ReadShape(context, &params, &shape));
  if (context.inputs[0].dtype != DType::kFloat32) return Status::kDTypeMismatch;
  return EvalF32(context, params, shape);
}

Status EvalFullyConnected(const OpContext& context) {
  return Eval<KernelSet::kOptimized>(context);
}
Status EvalFullyConnectedReference(const OpContext& context) {
  return Eval<KernelSet::kReference>(context);
}

// Hook for the planner: the reference kernels need no scratch, and the Cortex-M FullyConnectedS8
// does not declare any either.
uint32_t ScratchBytesFullyConnected(const OpContext& context) {
  (void)context;
  return 0;
}

}  // namespace tinyforge::ops
