// LoadBlob / DescribeModel: host-side reading and pretty-printing of validated .tfm blobs.
#include "toolchain/format/blob_reader.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "kernels/reference/tree_ensemble.h"

namespace tinyforge::toolchain {
namespace {

// The forest arrays of TreeEnsemble op `op`, checked as the op's Prepare checks them (the device
// loader leaves the forest proof to Prepare to keep it out of every image's flash).
Status TreeEnsembleOf(const Model& model, uint32_t op, kernels::TreeEnsembleArrays* arrays) {
  const format::OpRecord& record = model.op(op);
  if (record.input_count != kernels::kTreeEnsembleInputs) return Status::kBadOpArity;
  const uint16_t* list = model.op_tensor_list(op);
  auto info_of = [&](uint16_t index) {
    kernels::TreeTensorInfo info;
    const format::TensorRecord& tensor = model.tensor(index);
    info.dtype = tensor.dtype;
    info.rank = tensor.rank;
    info.is_constant = tensor.kind == static_cast<uint8_t>(format::TensorKind::kConstant);
    for (uint32_t d = 0; d < format::kMaxRank; ++d) info.dims[d] = tensor.dims[d];
    info.data = info.is_constant ? static_cast<const void*>(model.constant_data(index))
                                 : static_cast<const void*>(&tensor);  // any non-null marker
    return info;
  };
  kernels::TreeTensorInfo inputs[kernels::kTreeEnsembleInputs];
  for (uint32_t k = 0; k < kernels::kTreeEnsembleInputs; ++k) {
    if (list[k] == format::kNoTensor) return Status::kBadOpArity;
    inputs[k] = info_of(list[k]);
  }
  const auto* params = static_cast<const format::TreeEnsembleParams*>(model.op_params(op));
  if (params == nullptr) return Status::kBadParams;
  TINYFORGE_RETURN_IF_ERROR(
      kernels::TreeEnsembleArraysFrom(inputs, info_of(list[record.input_count]), *params, arrays));
  return kernels::CheckTreeEnsembleStructure(*arrays);
}

}  // namespace

Result<LoadedBlob> LoadBlob(std::span<const uint8_t> blob) {
  LoadedBlob loaded;
  loaded.size_ = blob.size();
  loaded.storage_.reset(
      static_cast<uint8_t*>(::operator new[](blob.size() + 1, std::align_val_t{16})));
  if (!blob.empty()) std::memcpy(loaded.storage_.get(), blob.data(), blob.size());
  loaded.model_ = std::make_unique<Model>();
  const Status status = loaded.model_->Load(loaded.storage_.get(), blob.size());
  if (status != Status::kOk) {
    return MakeError(std::string("blob: rejected by the loader: ") + StatusName(status));
  }
  for (uint32_t op = 0; op < loaded.model_->op_count(); ++op) {
    if (loaded.model_->op(op).opcode != static_cast<uint16_t>(format::OpCode::kTreeEnsemble)) continue;
    kernels::TreeEnsembleArrays arrays;
    const Status forest = TreeEnsembleOf(*loaded.model_, op, &arrays);
    if (forest != Status::kOk)
      return MakeError("blob: op " + std::to_string(op) + " (TreeEnsemble) rejected: " + StatusName(forest));
  }
  return loaded;
}

Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return MakeError(path + ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                             std::istreambuf_iterator<char>());
  if (file.bad()) return MakeError(path + ": read error");
  return bytes;
}

Result<void> WriteFileBytes(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return MakeError(path + ": cannot create");
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!file) return MakeError(path + ": write error");
  return {};
}

namespace {

std::string Shape(const format::TensorRecord& record) {
  std::string text = "[";
  for (uint32_t d = 0; d < record.rank; ++d) {
    if (d != 0) text += ", ";
    text += std::to_string(record.dims[d]);
  }
  return text + "]";
}

std::string TensorName(const Model& model, uint32_t index) {
  const uint32_t key = model.tensor(index).name_key;
  if (key == format::kNone32) return {};
  const char* key_text = nullptr;
  uint32_t key_bytes = 0;
  MetadataValue value{};
  if (model.MetadataAt(key, &key_text, &key_bytes, &value) != Status::kOk) return {};
  if (value.type != format::MetadataType::kString) return {};
  return std::string(reinterpret_cast<const char*>(value.bytes), value.byte_count);
}

std::string MetadataText(const MetadataValue& value) {
  switch (value.type) {
    case format::MetadataType::kInt64: {
      int64_t number;
      std::memcpy(&number, value.bytes, 8);
      return std::to_string(number);
    }
    case format::MetadataType::kFloat64: {
      double number;
      std::memcpy(&number, value.bytes, 8);
      std::ostringstream out;
      out << number;
      return out.str();
    }
    default:
      return std::string(reinterpret_cast<const char*>(value.bytes), value.byte_count);
  }
}

}  // namespace

std::string DescribeModel(const Model& model) {
  std::ostringstream out;
  out << "model: " << model.blob_bytes() << " bytes, " << model.tensor_count() << " tensors, "
      << model.op_count() << " ops, arena " << model.arena_bytes() << " bytes\n";
  out << "metadata (" << model.metadata_count() << "):\n";
  for (uint32_t i = 0; i < model.metadata_count(); ++i) {
    const char* key = nullptr;
    uint32_t key_bytes = 0;
    MetadataValue value{};
    if (model.MetadataAt(i, &key, &key_bytes, &value) != Status::kOk) break;
    out << "  " << std::string(key, key_bytes) << " = " << MetadataText(value) << "\n";
  }
  out << "tensors:\n";
  for (uint32_t t = 0; t < model.tensor_count(); ++t) {
    const format::TensorRecord& record = model.tensor(t);
    const bool constant = record.kind == static_cast<uint8_t>(format::TensorKind::kConstant);
    out << "  #" << t;
    const std::string name = TensorName(model, t);
    if (!name.empty()) out << " '" << name << "'";
    out << " " << format::DTypeName(record.dtype) << Shape(record) << " "
        << (constant ? "const" : "act") << " " << record.data_bytes << " B";
    if (!constant) out << " @arena+" << model.tensor_arena_offset(t);
    if (const format::QuantRecord* quant = model.quant(t)) {
      const float* scales = model.quant_scales(*quant);
      const int32_t* zero_points = model.quant_zero_points(*quant);
      if (quant->channel_count == 1) {
        out << " q(scale=" << scales[0] << ", zp=" << zero_points[0] << ")";
      } else {
        out << " q(per-channel axis " << quant->axis << ", " << quant->channel_count << " scales)";
      }
    }
    out << "\n";
  }
  out << "ops:\n";
  for (uint32_t i = 0; i < model.op_count(); ++i) {
    const format::OpRecord& op = model.op(i);
    const uint16_t* list = model.op_tensor_list(i);
    out << "  " << i << ": " << format::OpName(op.opcode) << "(";
    for (uint32_t k = 0; k < op.input_count; ++k) {
      if (k != 0) out << ", ";
      if (list[k] == format::kNoTensor) {
        out << "-";
      } else {
        out << "#" << list[k];
      }
    }
    out << ") -> #" << list[op.input_count];
    const format::OpScratch& scratch = model.op_scratch(i);
    if (scratch.bytes != 0) out << " scratch " << scratch.bytes << " B @arena+" << scratch.offset;
    out << "\n";
    kernels::TreeEnsembleArrays forest;
    if (op.opcode == static_cast<uint16_t>(format::OpCode::kTreeEnsemble) &&
        TreeEnsembleOf(model, i, &forest) == Status::kOk) {
      const auto* params = static_cast<const format::TreeEnsembleParams*>(model.op_params(i));
      const bool isolation = params->mode == static_cast<uint8_t>(format::TreeEnsembleMode::kIsolationScore);
      out << "     forest: " << forest.tree_count << " trees, " << forest.node_count << " nodes, "
          << forest.leaf_count << " leaves, " << forest.features << " features -> " << forest.outputs
          << (isolation ? " isolation score 2^(-mean path / " + std::to_string(params->score_normalizer) + ")"
                        : " mean leaf values (class probabilities)")
          << ", thresholds " << (forest.thresholds_s16 != nullptr ? "int16 (int8 input)" : "float32") << "\n";
    }
  }
  out << "inputs:";
  for (uint32_t i = 0; i < model.input_count(); ++i) out << " #" << model.input_tensor(i);
  out << "\noutputs:";
  for (uint32_t i = 0; i < model.output_count(); ++i) out << " #" << model.output_tensor(i);
  out << "\n";
  return out.str();
}

}  // namespace tinyforge::toolchain
