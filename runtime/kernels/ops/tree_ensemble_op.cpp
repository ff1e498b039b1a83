// TreeEnsemble op adapter: the tensors become kernels::TreeEnsembleArrays and Prepare proves the
// forest (every index, every child after its parent) — the only place it is proven: the loader
// stays op-agnostic so images without this op link none of it. Then the reference kernel.
// Float32 or int8 input; the output is float32 either way.
#include "kernels/ops/op_common.h"
#include "kernels/reference/tree_ensemble.h"
#include "tinyforge/ops.h"

namespace tinyforge::ops {
namespace {

kernels::TreeTensorInfo TreeInfoOf(const Tensor& tensor) {
  kernels::TreeTensorInfo info;
  info.data = tensor.data;
  info.dtype = static_cast<uint8_t>(tensor.dtype);
  info.rank = tensor.rank;
  info.is_constant = tensor.is_constant;
  for (uint32_t d = 0; d < format::kMaxRank; ++d) info.dims[d] = tensor.dims[d];
  return info;
}

Status ReadTreeEnsemble(const OpContext& context, const format::TreeEnsembleParams** params,
                        kernels::TreeEnsembleArrays* arrays) {
  TINYFORGE_RETURN_IF_ERROR(internal::CheckInputCount(context, kernels::kTreeEnsembleInputs,
                                                      kernels::kTreeEnsembleInputs));
  for (uint32_t i = 0; i < kernels::kTreeEnsembleInputs; ++i) {
    TINYFORGE_RETURN_IF_ERROR(internal::RequireInput(context, i));
  }
  TINYFORGE_RETURN_IF_ERROR(internal::CheckOutput(context));
  TINYFORGE_RETURN_IF_ERROR(internal::GetParams(context, params));
  kernels::TreeTensorInfo inputs[kernels::kTreeEnsembleInputs];
  for (uint32_t i = 0; i < kernels::kTreeEnsembleInputs; ++i) inputs[i] = TreeInfoOf(context.inputs[i]);
  return kernels::TreeEnsembleArraysFrom(inputs, TreeInfoOf(context.output), **params, arrays);
}

}  // namespace

Status PrepareTreeEnsemble(const OpContext& context) {
  const format::TreeEnsembleParams* params = nullptr;
  kernels::TreeEnsembleArrays arrays;
  TINYFORGE_RETURN_IF_ERROR(ReadTreeEnsemble(context, &params, &arrays));
  TINYFORGE_RETURN_IF_ERROR(kernels::CheckTreeEnsembleStructure(arrays));
  if (context.inputs[0].dtype == DType::kInt8) {
    TINYFORGE_RETURN_IF_ERROR(internal::CheckActivationQuant(context.inputs[0]));
  }
  return Status::kOk;
}

// Eval re-reads the views in O(1) and trusts the structure walk Prepare made (like every op).
Status EvalTreeEnsemble(const OpContext& context) {
  const format::TreeEnsembleParams* params = nullptr;
  kernels::TreeEnsembleArrays arrays;
  TINYFORGE_RETURN_IF_ERROR(ReadTreeEnsemble(context, &params, &arrays));
  const auto mode = static_cast<format::TreeEnsembleMode>(params->mode);
  const Tensor& input = context.inputs[0];
  if (input.dtype == DType::kInt8) {
    kernels::TreeEnsembleS8(arrays, mode, params->score_normalizer, input.As<const int8_t>(),
                            input.dims[0], context.output.As<float>());
  } else {
    kernels::TreeEnsembleF32(arrays, mode, params->score_normalizer, input.As<const float>(),
                             input.dims[0], context.output.As<float>());
  }
  return Status::kOk;
}

}  // namespace tinyforge::ops
