// Model::Load, TreeEnsemble ops: the forest arrays are constants in the untrusted blob, so the
// loader proves their shapes and every index (kernels::CheckTreeEnsembleStructure: features,
// children strictly after their parent, leaf rows, tree roots) before anything can walk them.
// The input's shape comes from its TensorRecord; LoadTensors has already bounded every record.
#include "kernels/reference/tree_ensemble.h"
#include "tinyforge/model.h"

namespace tinyforge {

Status Model::CheckTreeEnsemble(uint32_t op_index) const {
  const format::OpRecord& op = ops_[op_index];
  if (op.input_count != kernels::kTreeEnsembleInputs) return Status::kBadOpArity;
  const uint16_t* list = op_tensor_list(op_index);
  auto info_of = [this](uint16_t index) {
    kernels::TreeTensorInfo info;
    const format::TensorRecord& record = tensors_[index];
    info.dtype = record.dtype;
    info.rank = record.rank;
    info.is_constant = record.kind == static_cast<uint8_t>(format::TensorKind::kConstant);
    for (uint32_t d = 0; d < format::kMaxRank; ++d) info.dims[d] = record.dims[d];
    // Activations have no bytes yet; any non-null marker satisfies the presence check.
    info.data = info.is_constant ? constant_data(index) : static_cast<const void*>(&record);
    return info;
  };
  kernels::TreeTensorInfo inputs[kernels::kTreeEnsembleInputs];
  for (uint32_t k = 0; k < kernels::kTreeEnsembleInputs; ++k) {
    if (list[k] == format::kNoTensor) return Status::kBadOpArity;
    inputs[k] = info_of(list[k]);
  }
  const auto* params = static_cast<const format::TreeEnsembleParams*>(op_params(op_index));
  kernels::TreeEnsembleArrays arrays;
  TINYFORGE_RETURN_IF_ERROR(
      kernels::TreeEnsembleArraysFrom(inputs, info_of(list[op.input_count]), *params, &arrays));
  return kernels::CheckTreeEnsembleStructure(arrays);
}

}  // namespace tinyforge
