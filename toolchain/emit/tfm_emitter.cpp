// Graph IR to .tfm blob (see tfm_emitter.h).
#include "toolchain/emit/tfm_emitter.h"

#include <cstring>
#include <map>

namespace tinyforge::toolchain {
namespace {

std::string JsonString(const std::string& text) {
  std::string out(1, '"');
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;  // names never need control characters
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string NameArray(const Graph& graph, const std::vector<int>& tensors) {
  std::string json = "[";
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (i > 0) json.push_back(',');
    json.append(JsonString(graph.tensors[static_cast<size_t>(tensors[i])].name));
  }
  return json + "]";
}

Result<OpParams> ParamsOf(const IrNode& node) {
  const NodeParams& p = node.params;
  const auto activation = static_cast<uint8_t>(p.activation);
  auto u16 = [&](uint32_t value, const char* what) -> Result<uint16_t> {
    if (value > 0xFFFFu)
      return MakeError("EmitTfm: node '" + node.name + "': " + what + " exceeds 65535");
    return static_cast<uint16_t>(value);
  };
  switch (node.op) {
    case OpCode::kFullyConnected:
      return OpParams{format::FullyConnectedParams{activation, {0, 0, 0}}};
    case OpCode::kConv1D: {
      auto stride = u16(p.stride_width, "stride");
      auto dilation = u16(p.dilation_width, "dilation");
      auto pad = u16(p.pad_left, "pad");
      if (!stride.ok() || !dilation.ok() || !pad.ok()) return MakeError("EmitTfm: node '" + node.name + "': Conv1D params out of range");
      return OpParams{format::Conv1DParams{activation, 0, *stride, *dilation, *pad}};
    }
    case OpCode::kConv2D:
    case OpCode::kDepthwiseConv2D: {
      const uint32_t values[] = {p.stride_height, p.stride_width,  p.dilation_height,
                                 p.dilation_width, p.pad_top,      p.pad_left,
                                 node.op == OpCode::kConv2D ? 1u : p.depth_multiplier};
      for (uint32_t v : values) {
        if (v > 0xFFFFu) return MakeError("EmitTfm: node '" + node.name + "': params exceed 65535");
      }
      return OpParams{format::Conv2DParams{
          activation, 0, static_cast<uint16_t>(values[0]), static_cast<uint16_t>(values[1]),
          static_cast<uint16_t>(values[2]), static_cast<uint16_t>(values[3]),
          static_cast<uint16_t>(values[4]), static_cast<uint16_t>(values[5]),
          static_cast<uint16_t>(values[6])}};
    }
    case OpCode::kMaxPool2D:
    case OpCode::kAveragePool2D: {
      const uint32_t values[] = {p.filter_height, p.filter_width, p.stride_height,
                                 p.stride_width,  p.pad_top,      p.pad_left};
      for (uint32_t v : values) {
        if (v > 0xFFFFu) return MakeError("EmitTfm: node '" + node.name + "': params exceed 65535");
      }
      return OpParams{format::Pool2DParams{
          activation, 0, static_cast<uint16_t>(values[0]), static_cast<uint16_t>(values[1]),
          static_cast<uint16_t>(values[2]), static_cast<uint16_t>(values[3]),
          static_cast<uint16_t>(values[4]), static_cast<uint16_t>(values[5]), 0}};
    }
    case OpCode::kAdd:
    case OpCode::kMul: {
      format::ElementwiseParams params = p.elementwise;
      params.activation = activation;
      return OpParams{params};
    }
    case OpCode::kSoftmax:
      return OpParams{format::SoftmaxParams{p.softmax_beta}};
    case OpCode::kConcat:
      return OpParams{format::ConcatParams{p.concat_axis}};
    case OpCode::kTreeEnsemble:
      return OpParams{p.tree_ensemble};
    default:
      return OpParams{std::monostate{}};
  }
}

}  // namespace

Result<std::vector<uint8_t>> EmitTfm(const Graph& graph, const EmitOptions& options) {
  TINYFORGE_TRY(graph.Validate());
  ModelBuilder builder;
  std::map<int, uint32_t> index_of;
  auto map_tensor = [&](int tensor) -> Result<uint32_t> {
    if (tensor == kNoInput) return uint32_t{format::kNoTensor};
    auto found = index_of.find(tensor);
    if (found != index_of.end()) return found->second;
    const IrTensor& source = graph.tensors[static_cast<size_t>(tensor)];
    TensorSpec spec;
    spec.dtype = source.dtype;
    spec.shape = source.shape;
    spec.name = source.name;
    if (!source.quant.empty())
      spec.quantization = Quantization{source.quant.scales, source.quant.zero_points,
                                       source.quant.axis};
    if (source.is_constant) {
      std::vector<uint8_t> bytes;
      switch (source.dtype) {
        case DType::kFloat32:
          bytes.resize(source.float_data.size() * sizeof(float));
          std::memcpy(bytes.data(), source.float_data.data(), bytes.size());
          break;
        case DType::kInt8:
          for (int32_t v : source.int_data) bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(v)));
          break;
        case DType::kInt16:
          for (int32_t v : source.int_data) {
            const auto bits = static_cast<uint16_t>(static_cast<int16_t>(v));
            bytes.push_back(static_cast<uint8_t>(bits & 0xFF));
            bytes.push_back(static_cast<uint8_t>(bits >> 8));
          }
          break;
        case DType::kInt32:
          bytes.resize(source.int_data.size() * sizeof(int32_t));
          std::memcpy(bytes.data(), source.int_data.data(), bytes.size());
          break;
      }
      spec.data = std::move(bytes);
    }
    const uint32_t index = builder.AddTensor(std::move(spec));
    index_of[tensor] = index;
    return index;
  };

  std::vector<uint32_t> inputs, outputs;
  for (int input : graph.inputs) {
    auto index = map_tensor(input);
    if (!index.ok()) return index.error();
    inputs.push_back(*index);
  }
  for (const IrNode& node : graph.nodes) {
    std::vector<uint32_t> node_inputs;
    for (int input : node.inputs) {
      auto index = map_tensor(input);
      if (!index.ok()) return index.error();
      node_inputs.push_back(*index);
    }
    auto output = map_tensor(node.output);
    if (!output.ok()) return output.error();
    auto params = ParamsOf(node);
    if (!params.ok()) return params.error();
    builder.AddOp(node.op, std::move(node_inputs), *output, *params);
  }
  for (int output : graph.outputs) outputs.push_back(index_of.at(output));
  builder.SetInputs(std::move(inputs));
  builder.SetOutputs(std::move(outputs));

  builder.AddMetadata(format::kKeyModelId, graph.metadata.model_id);
  builder.AddMetadata(format::kKeyModelVersion, graph.metadata.model_version);
  builder.AddMetadata(format::kKeyProducer, options.producer);
  builder.AddMetadataJson(format::kKeyInputNames, NameArray(graph, graph.inputs));
  builder.AddMetadataJson(format::kKeyOutputNames, NameArray(graph, graph.outputs));
  builder.AddMetadataJson(format::kKeyPreprocessing, graph.metadata.preprocessing_json);
  for (const auto& [key, value] : graph.metadata.numbers) builder.AddMetadata(key, value);
  auto blob = builder.Build(options.build);
  if (!blob.ok()) return MakeError("EmitTfm(" + graph.metadata.model_id + "): " + blob.error().message);
  return blob;
}

}  // namespace tinyforge::toolchain
