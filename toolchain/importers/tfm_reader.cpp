// .tfm blob → graph IR, and the standardization front split (see tfm_reader.h).
#include "toolchain/importers/tfm_reader.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "toolchain/format/blob_reader.h"

namespace tinyforge::toolchain {
namespace {

template <typename T>
T ReadParams(const Model& model, uint32_t op) {
  T params{};
  const void* bytes = model.op_params(op);
  if (bytes != nullptr && model.op(op).params_bytes == sizeof(T)) std::memcpy(&params, bytes, sizeof(T));
  return params;
}

// Decodes the op's params struct into NodeParams (the loader has checked the size already).
NodeParams DecodeParams(const Model& model, uint32_t op) {
  NodeParams params;
  switch (static_cast<OpCode>(model.op(op).opcode)) {
    case OpCode::kFullyConnected: {
      const auto p = ReadParams<format::FullyConnectedParams>(model, op);
      params.activation = static_cast<FusedActivation>(p.activation);
      break;
    }
    case OpCode::kConv1D: {
      const auto p = ReadParams<format::Conv1DParams>(model, op);
      params.activation = static_cast<FusedActivation>(p.activation);
      params.stride_width = p.stride;
      params.dilation_width = p.dilation;
      params.pad_left = p.pad_left;
      break;
    }
    case OpCode::kConv2D:
    case OpCode::kDepthwiseConv2D: {
      const auto p = ReadParams<format::Conv2DParams>(model, op);
      params.activation = static_cast<FusedActivation>(p.activation);
      params.stride_height = p.stride_height;
      params.stride_width = p.stride_width;
      params.dilation_height = p.dilation_height;
      params.dilation_width = p.dilation_width;
      params.pad_top = p.pad_top;
      params.pad_left = p.pad_left;
      params.depth_multiplier = p.depth_multiplier;
      break;
    }
    case OpCode::kMaxPool2D:
    case OpCode::kAveragePool2D: {
      const auto p = ReadParams<format::Pool2DParams>(model, op);
      params.activation = static_cast<FusedActivation>(p.activation);
      params.filter_height = p.filter_height;
      params.filter_width = p.filter_width;
      params.stride_height = p.stride_height;
      params.stride_width = p.stride_width;
      params.pad_top = p.pad_top;
      params.pad_left = p.pad_left;
      break;
    }
    case OpCode::kAdd:
    case OpCode::kMul: {
      params.elementwise = ReadParams<format::ElementwiseParams>(model, op);
      params.activation = static_cast<FusedActivation>(params.elementwise.activation);
      break;
    }
    case OpCode::kSoftmax:
      params.softmax_beta = ReadParams<format::SoftmaxParams>(model, op).beta;
      break;
    case OpCode::kConcat:
      params.concat_axis = ReadParams<format::ConcatParams>(model, op).axis;
      break;
    case OpCode::kTreeEnsemble:
      params.tree_ensemble = ReadParams<format::TreeEnsembleParams>(model, op);
      break;
    default:
      break;
  }
  return params;
}

std::vector<int32_t> IntegerData(const uint8_t* bytes, DType dtype, size_t count) {
  std::vector<int32_t> values(count);
  for (size_t i = 0; i < count; ++i) {
    switch (dtype) {
      case DType::kInt8:
        values[i] = static_cast<int8_t>(bytes[i]);
        break;
      case DType::kInt16: {
        int16_t v;
        std::memcpy(&v, bytes + 2 * i, 2);
        values[i] = v;
        break;
      }
      default: {
        int32_t v;
        std::memcpy(&v, bytes + 4 * i, 4);
        values[i] = v;
        break;
      }
    }
  }
  return values;
}

std::string MetadataText(const MetadataValue& value) {
  return std::string(reinterpret_cast<const char*>(value.bytes), value.byte_count);
}

// Names from a JSON array of strings in metadata `key`, or empty.
std::vector<std::string> NameList(const Model& model, const char* key) {
  MetadataValue value{};
  if (model.FindMetadata(key, &value) != Status::kOk) return {};
  const auto parsed = nlohmann::json::parse(MetadataText(value), nullptr, false);
  std::vector<std::string> names;
  if (!parsed.is_array()) return names;
  for (const auto& name : parsed) names.push_back(name.is_string() ? name.get<std::string>() : "");
  return names;
}

bool IsConstantRow(const Graph& graph, int tensor, size_t features) {
  if (tensor < 0) return false;
  const IrTensor& t = graph.tensors[static_cast<size_t>(tensor)];
  return t.is_constant && t.dtype == DType::kFloat32 && t.shape.size() == 2 && t.shape[0] == 1 &&
         t.shape[1] == features && t.float_data.size() == features;
}

}  // namespace

Result<Graph> ReadTfmGraph(std::span<const uint8_t> blob, const std::string& source) {
  auto loaded = LoadBlob(blob);
  if (!loaded.ok()) return MakeError(source + ": invalid model: " + loaded.error().message);
  const Model& model = loaded->model();
  Graph graph;
  for (uint32_t t = 0; t < model.tensor_count(); ++t) {
    const format::TensorRecord& record = model.tensor(t);
    IrTensor tensor;
    tensor.name = std::to_string(t);  // built in two steps: GCC 12 -O3 warns on "t" + string
    tensor.name.insert(tensor.name.begin(), 't');
    // The writer embeds names as metadata "tensor.<t>.name" referenced by name_key; reading
    // them back keeps read -> emit byte-identical (found by the tfm mutation test's round trip).
    MetadataValue name_value{};
    const char* name_key = nullptr;
    uint32_t name_key_bytes = 0;
    if (record.name_key != format::kNone32 &&
        model.MetadataAt(record.name_key, &name_key, &name_key_bytes, &name_value) == Status::kOk &&
        name_value.type == format::MetadataType::kString && name_value.byte_count > 0) {
      tensor.name = MetadataText(name_value);
    }
    tensor.dtype = static_cast<DType>(record.dtype);
    tensor.shape.assign(record.dims, record.dims + record.rank);
    tensor.is_constant = record.kind == static_cast<uint8_t>(format::TensorKind::kConstant);
    if (tensor.is_constant) {
      const uint8_t* data = model.constant_data(t);
      const size_t count = record.data_bytes / format::DTypeBytes(record.dtype);
      if (tensor.dtype == DType::kFloat32) {
        tensor.float_data.resize(count);
        std::memcpy(tensor.float_data.data(), data, count * sizeof(float));
      } else {
        tensor.int_data = IntegerData(data, tensor.dtype, count);
      }
    }
    if (const format::QuantRecord* quant = model.quant(t)) {
      const float* scales = model.quant_scales(*quant);
      const int32_t* zero_points = model.quant_zero_points(*quant);
      tensor.quant.scales.resize(quant->channel_count);
      tensor.quant.zero_points.resize(quant->channel_count);
      std::memcpy(tensor.quant.scales.data(), scales, quant->channel_count * sizeof(float));
      std::memcpy(tensor.quant.zero_points.data(), zero_points,
                  quant->channel_count * sizeof(int32_t));
      tensor.quant.axis = quant->axis;
    }
    graph.tensors.push_back(std::move(tensor));
  }
  for (uint32_t op = 0; op < model.op_count(); ++op) {
    const format::OpRecord& record = model.op(op);
    const uint16_t* list = model.op_tensor_list(op);
    IrNode node;
    node.op = static_cast<OpCode>(record.opcode);
    node.name = std::string(format::OpName(record.opcode)) + "_" + std::to_string(op);
    for (uint32_t i = 0; i < record.input_count; ++i) {
      node.inputs.push_back(list[i] == format::kNoTensor ? kNoInput : static_cast<int>(list[i]));
    }
    node.output = static_cast<int>(list[record.input_count]);
    node.params = DecodeParams(model, op);
    graph.nodes.push_back(std::move(node));
  }
  const auto input_names = NameList(model, format::kKeyInputNames);
  const auto output_names = NameList(model, format::kKeyOutputNames);
  for (uint32_t i = 0; i < model.input_count(); ++i) {
    const auto tensor = static_cast<int>(model.input_tensor(i));
    graph.inputs.push_back(tensor);
    if (i < input_names.size() && !input_names[i].empty()) graph.tensors[static_cast<size_t>(tensor)].name = input_names[i];
  }
  for (uint32_t i = 0; i < model.output_count(); ++i) {
    const auto tensor = static_cast<int>(model.output_tensor(i));
    graph.outputs.push_back(tensor);
    if (i < output_names.size() && !output_names[i].empty()) graph.tensors[static_cast<size_t>(tensor)].name = output_names[i];
  }
  for (uint32_t i = 0; i < model.metadata_count(); ++i) {
    const char* key_bytes = nullptr;
    uint32_t key_length = 0;
    MetadataValue value{};
    if (model.MetadataAt(i, &key_bytes, &key_length, &value) != Status::kOk) continue;
    const std::string key(key_bytes, key_length);
    if (key == format::kKeyModelId) {
      graph.metadata.model_id = MetadataText(value);
    } else if (key == format::kKeyModelVersion) {
      graph.metadata.model_version = MetadataText(value);
    } else if (key == format::kKeyPreprocessing) {
      graph.metadata.preprocessing_json = MetadataText(value);
    } else if (value.type == format::MetadataType::kFloat64 && value.byte_count == sizeof(double)) {
      double number;
      std::memcpy(&number, value.bytes, sizeof(number));
      graph.metadata.numbers.emplace_back(key, number);
    }
  }
  auto valid = graph.Validate();
  if (!valid.ok()) return MakeError(source + ": " + valid.error().message);
  return graph;
}

Result<Graph> ReadTfmFile(const std::string& path) {
  auto bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.error();
  return ReadTfmGraph(*bytes, path);
}

void StandardizationFront::Apply(std::vector<float>& values) const {
  const size_t cols = inv_std.size();
  if (cols == 0) return;
  for (size_t i = 0; i < values.size(); ++i) {
    const float scaled = values[i] * inv_std[i % cols];
    values[i] = scaled + shift[i % cols];
  }
}

std::optional<StandardizationFront> SplitStandardization(Graph& graph) {
  if (graph.inputs.size() != 1 || graph.nodes.size() < 3) return std::nullopt;
  const int input = graph.inputs[0];
  const IrTensor& in = graph.tensors[static_cast<size_t>(input)];
  if (in.dtype != DType::kFloat32 || in.shape.size() != 2 || in.shape[0] != 1) return std::nullopt;
  const size_t features = in.shape[1];
  const IrNode& mul = graph.nodes[0];
  const IrNode& add = graph.nodes[1];
  if (mul.op != OpCode::kMul || mul.inputs.size() != 2 || mul.inputs[0] != input ||
      !IsConstantRow(graph, mul.inputs[1], features) ||
      mul.params.activation != FusedActivation::kNone)
    return std::nullopt;
  if (add.op != OpCode::kAdd || add.inputs.size() != 2 || add.inputs[0] != mul.output ||
      !IsConstantRow(graph, add.inputs[1], features) ||
      add.params.activation != FusedActivation::kNone)
    return std::nullopt;
  // The intermediate and the raw input must have no other readers.
  if (graph.Consumers(input).size() != 1 || graph.Consumers(mul.output).size() != 1 ||
      graph.IsGraphOutput(mul.output) || graph.IsGraphOutput(add.output))
    return std::nullopt;
  StandardizationFront front;
  front.inv_std = graph.tensors[static_cast<size_t>(mul.inputs[1])].float_data;
  front.shift = graph.tensors[static_cast<size_t>(add.inputs[1])].float_data;
  graph.inputs[0] = add.output;
  graph.nodes.erase(graph.nodes.begin(), graph.nodes.begin() + 2);
  return front;
}

Result<void> PrependFront(Graph& graph, const StandardizationFront& front) {
  if (graph.inputs.size() != 1) return MakeError("standardization: the graph must have one input");
  const int old_input = graph.inputs[0];
  const IrTensor& input = graph.tensors[static_cast<size_t>(old_input)];
  const size_t features = front.inv_std.size();
  if (input.dtype != DType::kFloat32 || input.shape.size() != 2 || input.shape[0] != 1 ||
      input.shape[1] != features || front.shift.size() != features) {
    return MakeError("standardization: graph input '" + input.name + "' is " +
                     ShapeString(input.shape) + ", expected float32 [1, " +
                     std::to_string(features) + "]");
  }
  const auto width = static_cast<uint32_t>(features);
  const int raw = graph.AddActivation("raw_features", {1, width});
  const int inv_std = graph.AddConstant("standardize_inv_std", {1, width}, front.inv_std);
  const int shift = graph.AddConstant("standardize_shift", {1, width}, front.shift);
  const int scaled = graph.AddActivation("standardize_scaled", {1, width});
  IrNode mul{OpCode::kMul, {raw, inv_std}, scaled, {}, "standardize_mul"};
  IrNode add{OpCode::kAdd, {scaled, shift}, old_input, {}, "standardize_add"};
  graph.nodes.insert(graph.nodes.begin(), {mul, add});
  graph.inputs[0] = raw;
  return graph.Validate();
}

}  // namespace tinyforge::toolchain
