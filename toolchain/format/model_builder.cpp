// ModelBuilder: checks the graph, sizes scratch through a resolver, plans the arena and writes
// the .tfm sections in the order Metadata, Tensors, Quantization, Constants, Operators,
// ArenaPlan, GraphIo, right after the header and the section table.
#include "toolchain/format/model_builder.h"

#include <cmath>
#include <limits>

#include "core/crc32.h"

// AllOpsResolver is referenced weakly: when the binary links the kernels (runtime/kernels/ops)
// the builder sizes scratch with them by default; otherwise the default is "no scratch".
namespace tinyforge {
__attribute__((weak)) const OpResolver& AllOpsResolver();
}  // namespace tinyforge

namespace tinyforge::toolchain {
namespace {

// Little-endian byte sink with alignment padding.
class ByteWriter {
 public:
  size_t size() const { return bytes_.size(); }
  void Align(size_t alignment) {
    while (bytes_.size() % alignment != 0) bytes_.push_back(0);
  }
  template <typename T>
  void Put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* raw = reinterpret_cast<const uint8_t*>(&value);
    bytes_.insert(bytes_.end(), raw, raw + sizeof(T));
  }
  void PutBytes(const void* data, size_t count) {
    const auto* raw = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), raw, raw + count);
  }
  template <typename T>
  void PutAt(size_t offset, const T& value) {
    std::memcpy(bytes_.data() + offset, &value, sizeof(T));
  }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

std::string TensorLabel(uint32_t index, const TensorSpec& spec) {
  std::string label = "tensor " + std::to_string(index);
  if (!spec.name.empty()) label += " '" + spec.name + "'";
  return label;
}

std::string OpLabel(uint32_t index, const OpSpec& op) {
  return "op " + std::to_string(index) + " (" + format::OpName(static_cast<uint16_t>(op.opcode)) +
         ")";
}

uint32_t ParamsSize(const OpParams& params) {
  return std::visit(
      [](const auto& value) -> uint32_t {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return 0;
        } else {
          return sizeof(T);
        }
      },
      params);
}

}  // namespace

uint64_t ElementCount(const std::vector<uint32_t>& shape) {
  uint64_t count = 1;
  for (uint32_t dim : shape) count *= dim;
  return count;
}

uint64_t TensorBytes(format::DType dtype, const std::vector<uint32_t>& shape) {
  return ElementCount(shape) * format::DTypeBytes(static_cast<uint8_t>(dtype));
}

uint32_t ModelBuilder::AddTensor(TensorSpec spec) {
  tensors_.push_back(std::move(spec));
  return static_cast<uint32_t>(tensors_.size() - 1);
}

uint32_t ModelBuilder::AddTensor(format::DType dtype, std::vector<uint32_t> shape,
                                 std::string name) {
  return AddTensor(TensorSpec{dtype, std::move(shape), std::nullopt, std::nullopt,
                              std::move(name)});
}

void ModelBuilder::SetQuantization(uint32_t tensor, Quantization quantization) {
  if (tensor < tensors_.size()) tensors_[tensor].quantization = std::move(quantization);
}

uint32_t ModelBuilder::AddOp(format::OpCode opcode, std::vector<uint32_t> inputs,
                             uint32_t output, OpParams params) {
  ops_.push_back(OpSpec{opcode, std::move(inputs), output, params});
  return static_cast<uint32_t>(ops_.size() - 1);
}

void ModelBuilder::AddMetadata(std::string key, std::string value) {
  metadata_.push_back({std::move(key), format::MetadataType::kString,
                       std::vector<uint8_t>(value.begin(), value.end())});
}

void ModelBuilder::AddMetadata(std::string key, int64_t value) {
  std::vector<uint8_t> bytes(8);
  std::memcpy(bytes.data(), &value, 8);
  metadata_.push_back({std::move(key), format::MetadataType::kInt64, std::move(bytes)});
}

void ModelBuilder::AddMetadata(std::string key, double value) {
  std::vector<uint8_t> bytes(8);
  std::memcpy(bytes.data(), &value, 8);
  metadata_.push_back({std::move(key), format::MetadataType::kFloat64, std::move(bytes)});
}

void ModelBuilder::AddMetadataJson(std::string key, std::string json) {
  metadata_.push_back({std::move(key), format::MetadataType::kJson,
                       std::vector<uint8_t>(json.begin(), json.end())});
}

Result<void> ModelBuilder::Check() const {
  if (tensors_.empty() || tensors_.size() >= format::kNoTensor) {
    return MakeError("model: needs 1.." + std::to_string(format::kNoTensor - 1) + " tensors");
  }
  if (ops_.empty()) return MakeError("model: needs at least one op");
  for (uint32_t t = 0; t < tensors_.size(); ++t) {
    const TensorSpec& spec = tensors_[t];
    const std::string label = TensorLabel(t, spec);
    if (format::DTypeBytes(static_cast<uint8_t>(spec.dtype)) == 0) {
      return MakeError(label + ": unknown dtype");
    }
    if (spec.shape.size() > format::kMaxRank) return MakeError(label + ": rank above 4");
    for (uint32_t dim : spec.shape) {
      if (dim == 0) return MakeError(label + ": a dimension is 0");
    }
    const uint64_t bytes = TensorBytes(spec.dtype, spec.shape);
    if (bytes > std::numeric_limits<uint32_t>::max() / 2) return MakeError(label + ": too large");
    if (spec.data && spec.data->size() != bytes) {
      return MakeError(label + ": constant has " + std::to_string(spec.data->size()) +
                       " bytes, shape needs " + std::to_string(bytes));
    }
    if (spec.quantization) {
      const Quantization& quant = *spec.quantization;
      if (spec.dtype == format::DType::kFloat32) return MakeError(label + ": float32 quantized");
      if (quant.scales.empty() || quant.scales.size() != quant.zero_points.size()) {
        return MakeError(label + ": scales and zero points must be non-empty and equally long");
      }
      if (quant.scales.size() != 1 &&
          (quant.axis >= spec.shape.size() || spec.shape[quant.axis] != quant.scales.size())) {
        return MakeError(label + ": per-channel quantization needs one scale per dims[axis]");
      }
      for (float scale : quant.scales) {
        if (!std::isfinite(scale) || !(scale > 0.0f)) {
          return MakeError(label + ": scale " + std::to_string(scale) + " is not finite > 0");
        }
      }
      for (int32_t zero_point : quant.zero_points) {
        if (spec.dtype == format::DType::kInt8 && (zero_point < -128 || zero_point > 127)) {
          return MakeError(label + ": int8 zero point out of range");
        }
      }
    }
  }
  for (uint32_t i = 0; i < ops_.size(); ++i) {
    const OpSpec& op = ops_[i];
    const std::string label = OpLabel(i, op);
    const uint16_t code = static_cast<uint16_t>(op.opcode);
    if (code == 0 || code > format::kOpCodeCount) return MakeError(label + ": unknown opcode");
    if (op.inputs.empty() || op.inputs.size() > format::kMaxOpInputs) {
      return MakeError(label + ": needs 1..8 inputs");
    }
    if (op.inputs[0] == format::kNoTensor) return MakeError(label + ": first input is absent");
    for (uint32_t t : op.inputs) {
      if (t != format::kNoTensor && t >= tensors_.size()) {
        return MakeError(label + ": input tensor " + std::to_string(t) + " out of range");
      }
    }
    if (op.output >= tensors_.size()) return MakeError(label + ": output out of range");
    if (tensors_[op.output].data) return MakeError(label + ": writes a constant");
  }
  if (graph_inputs_.empty() || graph_outputs_.empty()) {
    return MakeError("model: graph inputs and outputs must be set");
  }
  for (uint32_t t : graph_inputs_) {
    if (t >= tensors_.size() || tensors_[t].data) {
      return MakeError("model: graph input " + std::to_string(t) + " is not an activation");
    }
  }
  for (uint32_t t : graph_outputs_) {
    if (t >= tensors_.size() || tensors_[t].data) {
      return MakeError("model: graph output " + std::to_string(t) + " is not an activation");
    }
  }
  for (const MetadataItem& item : metadata_) {
    if (item.key.empty() || item.key.size() > 255) {
      return MakeError("metadata: key '" + item.key + "' must be 1..255 bytes");
    }
    for (char c : item.key) {
      if (c < 0x20 || c > 0x7E) return MakeError("metadata: key '" + item.key + "' not ASCII");
    }
  }
  return {};
}

Result<std::vector<uint32_t>> ModelBuilder::ScratchSizes(const OpResolver* resolver) const {
  std::vector<uint32_t> sizes(ops_.size(), 0);
  if (resolver == nullptr) return sizes;
  // Activations get a dummy non-null pointer so kernels see "present" inputs; scratch functions
  // read shapes, dtypes, params and quantization only.
  alignas(16) static uint8_t dummy_activation[16];
  std::vector<std::vector<float>> unused;
  const auto view = [&](uint32_t t) {
    const TensorSpec& spec = tensors_[t];
    Tensor tensor;
    tensor.dtype = spec.dtype;
    tensor.rank = static_cast<uint8_t>(spec.shape.size());
    for (size_t d = 0; d < spec.shape.size(); ++d) tensor.dims[d] = spec.shape[d];
    tensor.is_constant = spec.data.has_value();
    tensor.data = spec.data ? const_cast<uint8_t*>(spec.data->data()) : dummy_activation;
    if (spec.quantization) {
      tensor.quant.scales = spec.quantization->scales.data();
      tensor.quant.zero_points = spec.quantization->zero_points.data();
      tensor.quant.channel_count = static_cast<uint32_t>(spec.quantization->scales.size());
      tensor.quant.axis = spec.quantization->axis;
    }
    return tensor;
  };
  for (uint32_t i = 0; i < ops_.size(); ++i) {
    const OpSpec& op = ops_[i];
    const OpRegistration* registration = resolver->Find(static_cast<uint16_t>(op.opcode));
    if (registration == nullptr || registration->scratch_bytes == nullptr) continue;
    OpContext context;
    context.opcode = static_cast<uint16_t>(op.opcode);
    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (!std::is_same_v<T, std::monostate>) {
            context.params = &value;
            context.params_bytes = sizeof(T);
          }
        },
        op.params);
    context.input_count = static_cast<uint8_t>(op.inputs.size());
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      if (op.inputs[k] != format::kNoTensor) context.inputs[k] = view(op.inputs[k]);
    }
    context.output = view(op.output);
    sizes[i] = registration->scratch_bytes(context);
  }
  return sizes;
}

Result<std::vector<uint8_t>> ModelBuilder::Build(const BuildOptions& options) const {
  TINYFORGE_TRY(Check());
  const OpResolver* resolver = options.scratch_resolver;
  if (resolver == nullptr && &AllOpsResolver != nullptr) resolver = &AllOpsResolver();
  Result<std::vector<uint32_t>> scratch = ScratchSizes(resolver);
  if (!scratch.ok()) return scratch.error();

  PlannerProblem problem;
  for (const TensorSpec& spec : tensors_) {
    problem.tensors.push_back(
        {static_cast<uint32_t>(TensorBytes(spec.dtype, spec.shape)), spec.data.has_value()});
  }
  for (uint32_t i = 0; i < ops_.size(); ++i) {
    problem.ops.push_back({static_cast<uint16_t>(ops_[i].opcode), ops_[i].inputs, ops_[i].output,
                           (*scratch)[i]});
  }
  problem.graph_inputs = graph_inputs_;
  problem.graph_outputs = graph_outputs_;
  Result<ArenaPlan> plan = PlanArena(problem);
  if (!plan.ok()) return plan.error();

  // Metadata items, with tensor names appended so name_key can index them.
  std::vector<MetadataItem> metadata = metadata_;
  std::vector<uint32_t> name_keys(tensors_.size(), format::kNone32);
  if (options.embed_tensor_names) {
    for (uint32_t t = 0; t < tensors_.size(); ++t) {
      if (tensors_[t].name.empty()) continue;
      name_keys[t] = static_cast<uint32_t>(metadata.size());
      metadata.push_back({"tensor." + std::to_string(t) + ".name", format::MetadataType::kString,
                          std::vector<uint8_t>(tensors_[t].name.begin(), tensors_[t].name.end())});
    }
  }
  for (size_t i = 0; i < metadata.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (metadata[i].key == metadata[j].key) {
        return MakeError("metadata: duplicate key '" + metadata[i].key + "'");
      }
    }
  }

  // Constants: tensor data 16-aligned, then quantization arrays 4-aligned.
  ByteWriter constants;
  std::vector<uint32_t> data_offsets(tensors_.size(), format::kNone32);
  for (uint32_t t = 0; t < tensors_.size(); ++t) {
    if (!tensors_[t].data) continue;
    constants.Align(format::kConstantsAlignment);
    data_offsets[t] = static_cast<uint32_t>(constants.size());
    constants.PutBytes(tensors_[t].data->data(), tensors_[t].data->size());
  }
  std::vector<format::QuantRecord> quant_records;
  std::vector<uint32_t> quant_index(tensors_.size(), format::kNone32);
  for (uint32_t t = 0; t < tensors_.size(); ++t) {
    if (!tensors_[t].quantization) continue;
    const Quantization& quant = *tensors_[t].quantization;
    constants.Align(4);
    format::QuantRecord record{};
    record.channel_count = static_cast<uint32_t>(quant.scales.size());
    record.axis = quant.scales.size() == 1 ? 0 : quant.axis;
    record.scales_offset = static_cast<uint32_t>(constants.size());
    constants.PutBytes(quant.scales.data(), quant.scales.size() * sizeof(float));
    record.zero_points_offset = static_cast<uint32_t>(constants.size());
    constants.PutBytes(quant.zero_points.data(), quant.zero_points.size() * sizeof(int32_t));
    quant_index[t] = static_cast<uint32_t>(quant_records.size());
    quant_records.push_back(record);
  }

  // Section payloads.
  ByteWriter meta;
  meta.Put(static_cast<uint32_t>(metadata.size()));
  for (const MetadataItem& item : metadata) {
    format::MetadataEntryHeader header{static_cast<uint16_t>(item.key.size()),
                                       static_cast<uint16_t>(item.type),
                                       static_cast<uint32_t>(item.value.size())};
    meta.Put(header);
    meta.PutBytes(item.key.data(), item.key.size());
    meta.PutBytes(item.value.data(), item.value.size());
    meta.Align(4);
  }

  ByteWriter tensors;
  tensors.Put(static_cast<uint32_t>(tensors_.size()));
  tensors.Put(uint32_t{0});
  for (uint32_t t = 0; t < tensors_.size(); ++t) {
    const TensorSpec& spec = tensors_[t];
    format::TensorRecord record{};
    record.dtype = static_cast<uint8_t>(spec.dtype);
    record.rank = static_cast<uint8_t>(spec.shape.size());
    record.kind = static_cast<uint8_t>(spec.data ? format::TensorKind::kConstant
                                                 : format::TensorKind::kActivation);
    for (size_t d = 0; d < spec.shape.size(); ++d) record.dims[d] = spec.shape[d];
    record.data_offset = data_offsets[t];
    record.data_bytes = static_cast<uint32_t>(TensorBytes(spec.dtype, spec.shape));
    record.quantization = quant_index[t];
    record.name_key = name_keys[t];
    tensors.Put(record);
  }

  ByteWriter quants;
  quants.Put(static_cast<uint32_t>(quant_records.size()));
  quants.Put(uint32_t{0});
  for (const format::QuantRecord& record : quant_records) quants.Put(record);

  // Operators: header, records, then per op its params (4-aligned) and tensor list.
  ByteWriter operators;
  operators.Put(static_cast<uint32_t>(ops_.size()));
  operators.Put(uint32_t{0});
  const size_t records_at = operators.size();
  for (size_t i = 0; i < ops_.size(); ++i) operators.Put(format::OpRecord{});
  for (uint32_t i = 0; i < ops_.size(); ++i) {
    const OpSpec& op = ops_[i];
    format::OpRecord record{};
    record.opcode = static_cast<uint16_t>(op.opcode);
    record.input_count = static_cast<uint8_t>(op.inputs.size());
    record.output_count = 1;
    record.params_bytes = ParamsSize(op.params);
    record.params_offset = format::kNone32;
    if (record.params_bytes != 0) {
      operators.Align(4);
      record.params_offset = static_cast<uint32_t>(operators.size());
      std::visit(
          [&](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (!std::is_same_v<T, std::monostate>) operators.Put(value);
          },
          op.params);
    }
    operators.Align(2);
    record.tensor_list_offset = static_cast<uint32_t>(operators.size());
    for (uint32_t t : op.inputs) operators.Put(static_cast<uint16_t>(t));
    operators.Put(static_cast<uint16_t>(op.output));
    operators.PutAt(records_at + i * sizeof(format::OpRecord), record);
  }
  operators.Align(4);

  ByteWriter arena_plan;
  arena_plan.Put(format::ArenaPlanHeader{plan->arena_bytes, static_cast<uint32_t>(tensors_.size()),
                                         static_cast<uint32_t>(ops_.size()),
                                         format::kConstantsAlignment});
  for (uint32_t offset : plan->tensor_offsets) arena_plan.Put(offset);
  for (const format::OpScratch& entry : plan->op_scratch) arena_plan.Put(entry);

  ByteWriter graph_io;
  graph_io.Put(static_cast<uint32_t>(graph_inputs_.size()));
  graph_io.Put(static_cast<uint32_t>(graph_outputs_.size()));
  for (uint32_t t : graph_inputs_) graph_io.Put(t);
  for (uint32_t t : graph_outputs_) graph_io.Put(t);

  // Assemble: header, section table, sections.
  struct Section {
    format::SectionKind kind;
    ByteWriter* payload;
    uint32_t alignment;
  };
  Section sections[] = {{format::SectionKind::kMetadata, &meta, 4},
                        {format::SectionKind::kTensors, &tensors, 4},
                        {format::SectionKind::kQuantization, &quants, 4},
                        {format::SectionKind::kConstants, &constants, format::kConstantsAlignment},
                        {format::SectionKind::kOperators, &operators, 4},
                        {format::SectionKind::kArenaPlan, &arena_plan, 4},
                        {format::SectionKind::kGraphIo, &graph_io, 4}};
  constexpr uint32_t kSectionCount = 7;
  ByteWriter blob;
  blob.Put(format::FileHeader{});
  const size_t table_at = blob.size();
  for (uint32_t i = 0; i < kSectionCount; ++i) blob.Put(format::SectionEntry{});
  for (uint32_t i = 0; i < kSectionCount; ++i) {
    blob.Align(sections[i].alignment);
    format::SectionEntry entry{static_cast<uint32_t>(sections[i].kind),
                               static_cast<uint32_t>(blob.size()),
                               static_cast<uint32_t>(sections[i].payload->size()),
                               sections[i].alignment};
    blob.PutBytes(sections[i].payload->bytes().data(), sections[i].payload->size());
    blob.PutAt(table_at + i * sizeof(format::SectionEntry), entry);
  }
  if (blob.size() > std::numeric_limits<uint32_t>::max()) return MakeError("model: blob > 4 GiB");
  format::FileHeader header{};
  header.magic = format::kMagic;
  header.version_major = format::kVersionMajor;
  header.version_minor = format::kVersionMinor;
  header.header_bytes = format::kHeaderBytes;
  header.blob_bytes = static_cast<uint32_t>(blob.size());
  header.section_table_offset = static_cast<uint32_t>(table_at);
  header.section_count = kSectionCount;
  header.flags = 0;
  header.crc32 = 0;
  blob.PutAt(0, header);
  header.crc32 = BlobCrc32(blob.bytes().data(), header.blob_bytes);
  blob.PutAt(0, header);
  last_plan_ = *plan;
  return std::move(blob.bytes());
}

}  // namespace tinyforge::toolchain
