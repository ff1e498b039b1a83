// ONNX model-level import: protobuf parsing, graph inputs/outputs, the unsupported-op sweep and
// the node walk (per-op lowering lives in onnx_lowering.cpp).
#include "toolchain/importers/onnx_importer.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "toolchain/importers/onnx_lowering.h"

namespace tinyforge::toolchain {
namespace onnx_import {

size_t ConstantValue::ElementCount() const {
  size_t count = 1;
  for (int64_t dim : shape) count *= static_cast<size_t>(dim);
  return count;
}

std::vector<uint32_t> IdentityPerm(size_t rank) {
  std::vector<uint32_t> perm(rank);
  for (size_t i = 0; i < rank; ++i) perm[i] = static_cast<uint32_t>(i);
  return perm;
}

std::vector<uint32_t> ChannelsLastPerm(size_t rank) {
  if (rank < 3) return IdentityPerm(rank);
  std::vector<uint32_t> perm{0};
  for (size_t i = 2; i < rank; ++i) perm.push_back(static_cast<uint32_t>(i));
  perm.push_back(1);
  return perm;
}

std::vector<uint32_t> PermuteShape(const std::vector<uint32_t>& onnx_shape,
                                   const std::vector<uint32_t>& perm) {
  std::vector<uint32_t> shape(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) shape[i] = onnx_shape[perm[i]];
  return shape;
}

std::vector<uint32_t> FlatIndexMap(const std::vector<uint32_t>& onnx_shape,
                                   const std::vector<uint32_t>& perm) {
  const size_t rank = onnx_shape.size();
  std::vector<size_t> onnx_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) onnx_strides[d - 1] = onnx_strides[d] * onnx_shape[d];
  const std::vector<uint32_t> ir_shape = PermuteShape(onnx_shape, perm);
  size_t count = 1;
  for (size_t d = 1; d < rank; ++d) count *= ir_shape[d];
  std::vector<uint32_t> map(count);
  std::vector<uint32_t> index(rank, 0);  // IR multi-index, batch fixed at 0
  for (size_t k = 0; k < count; ++k) {
    size_t onnx_flat = 0;
    for (size_t d = 1; d < rank; ++d) onnx_flat += index[d] * onnx_strides[perm[d]];
    map[k] = static_cast<uint32_t>(onnx_flat);
    for (size_t d = rank; d-- > 1;) {
      if (++index[d] < ir_shape[d]) break;
      index[d] = 0;
    }
  }
  return map;
}

namespace {

template <typename T>
std::vector<T> RawValues(const std::string& raw) {
  std::vector<T> values(raw.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), raw.data(), values.size() * sizeof(T));
  return values;
}

}  // namespace

Result<ConstantValue> ReadTensor(const onnx::TensorProto& tensor, const std::string& where) {
  ConstantValue value;
  // The element count is bounded before anything multiplies dims: [2^32, 2^32] wrapped
  // ElementCount() to 0, so a tensor with no data passed the size check with a huge shape.
  constexpr int64_t kMaxElements = int64_t{1} << 31;
  int64_t elements = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0) return MakeError(where + ": negative dimension");
    if (dim > kMaxElements || (dim > 0 && elements > kMaxElements / dim))
      return MakeError(where + ": dims hold more than 2^31 elements");
    elements *= dim;
    value.shape.push_back(dim);
  }
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return MakeError(where +
                     ": external tensor data is not supported (save the model with "
                     "save_as_external_data=False)");
  const bool raw = tensor.has_raw_data();
  switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
      value.floats =
          raw ? RawValues<float>(tensor.raw_data())
              : std::vector<float>(tensor.float_data().begin(), tensor.float_data().end());
      break;
    case onnx::TensorProto::DOUBLE: {
      const auto doubles =
          raw ? RawValues<double>(tensor.raw_data())
              : std::vector<double>(tensor.double_data().begin(), tensor.double_data().end());
      for (double v : doubles) value.floats.push_back(static_cast<float>(v));
      break;
    }
    case onnx::TensorProto::INT64:
      value.ints =
          raw ? RawValues<int64_t>(tensor.raw_data())
              : std::vector<int64_t>(tensor.int64_data().begin(), tensor.int64_data().end());
      value.is_integer = true;
      break;
    case onnx::TensorProto::INT32: {
      const auto ints =
          raw ? RawValues<int32_t>(tensor.raw_data())
              : std::vector<int32_t>(tensor.int32_data().begin(), tensor.int32_data().end());
      value.ints.assign(ints.begin(), ints.end());
      value.is_integer = true;
      break;
    }
    default:
      return MakeError(where + ": element type " + std::to_string(tensor.data_type()) +
                       " is not supported (float, double, int32, int64)");
  }
  if (value.is_integer) {
    for (int64_t v : value.ints) value.floats.push_back(static_cast<float>(v));
  }
  if (value.floats.size() != value.ElementCount())
    return MakeError(where + ": " + std::to_string(value.floats.size()) + " values for " +
                     std::to_string(value.ElementCount()) + " elements (truncated data?)");
  return value;
}

namespace {

const std::set<std::string>& SupportedOps() {
  static const std::set<std::string> ops = {"Gemm",
                                            "MatMul",
                                            "Conv",
                                            "Relu",
                                            "Clip",
                                            "Sigmoid",
                                            "Tanh",
                                            "Softmax",
                                            "MaxPool",
                                            "AveragePool",
                                            "GlobalAveragePool",
                                            "Flatten",
                                            "Reshape",
                                            "Add",
                                            "Mul",
                                            "Concat",
                                            "BatchNormalization",
                                            "Transpose",
                                            "Pad",
                                            "Identity",
                                            "Dropout",
                                            "Constant"};
  return ops;
}

std::string NodeName(const onnx::NodeProto& node) {
  if (!node.name().empty()) return node.name();
  return node.output_size() > 0 ? node.output(0) : std::string("<unnamed>");
}

// A graph input's shape: every dim fixed except dim 0 (batch), which may be symbolic.
Result<std::vector<uint32_t>> InputShape(const onnx::ValueInfoProto& info,
                                         const std::string& source) {
  const std::string where = source + ": graph input '" + info.name() + "'";
  if (!info.type().has_tensor_type()) return MakeError(where + ": not a tensor");
  const auto& type = info.type().tensor_type();
  if (type.elem_type() != onnx::TensorProto::FLOAT)
    return MakeError(where + ": element type " + std::to_string(type.elem_type()) +
                     " (only float inputs are supported)");
  if (!type.has_shape()) return MakeError(where + ": no shape (dynamic rank is not supported)");
  std::vector<uint32_t> shape;
  for (int d = 0; d < type.shape().dim_size(); ++d) {
    const auto& dim = type.shape().dim(d);
    if (dim.has_dim_value() && dim.dim_value() > 0 &&
        dim.dim_value() <= std::numeric_limits<uint16_t>::max()) {
      shape.push_back(static_cast<uint32_t>(dim.dim_value()));
    } else if (d == 0) {
      shape.push_back(1);  // a symbolic or unknown batch: we run one sample at a time
    } else {
      const std::string what =
          dim.has_dim_param() ? "'" + dim.dim_param() + "'" : std::string("unknown");
      return MakeError(where + ": dimension " + std::to_string(d) + " is dynamic (" + what +
                       "); only the batch dimension may be; re-export with a fixed shape");
    }
  }
  if (shape.empty() || shape.size() > format::kMaxRank)
    return MakeError(where + ": rank " + std::to_string(shape.size()) + " (1..4 supported)");
  if (shape[0] != 1)
    return MakeError(where + ": batch " + std::to_string(shape[0]) +
                     " (export with batch 1 or "
                     "a dynamic batch)");
  return shape;
}

// A rank-3/4 input is taken as NC(H)W and stored channels-last, unless every reader is the same
// Transpose (a Keras/tf2onnx NHWC input): then the layout is chosen so that the Transpose output
// is channels-last, i.e. the data stays exactly as the user feeds it.
std::vector<uint32_t> InputPerm(const onnx::GraphProto& graph, const std::string& name,
                                size_t rank) {
  const std::vector<uint32_t> channels_last = ChannelsLastPerm(rank);
  if (rank < 3) return channels_last;
  std::vector<int64_t> transpose;
  for (const auto& node : graph.node()) {
    if (std::find(node.input().begin(), node.input().end(), name) == node.input().end()) continue;
    const std::vector<int64_t> perm =
        node.op_type() == "Transpose" ? IntsAttribute(node, "perm") : std::vector<int64_t>{};
    if (perm.size() != rank || perm[0] != 0 || (!transpose.empty() && perm != transpose))
      return channels_last;
    // Only a true permutation of 0..rank-1 picks the layout: perm = [0, 7, 1, 2] indexed the input
    // shape out of bounds in PermuteShape (found by the libFuzzer ONNX target under ASan). An
    // invalid perm is left for the Transpose's own lowering to refuse with its node name.
    std::vector<bool> seen(rank, false);
    for (int64_t axis : perm) {
      if (axis < 0 || axis >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(axis)])
        return channels_last;
      seen[static_cast<size_t>(axis)] = true;
    }
    transpose = perm;
  }
  if (transpose.empty()) return channels_last;
  std::vector<uint32_t> perm(rank);
  for (size_t i = 0; i < rank; ++i) perm[i] = static_cast<uint32_t>(transpose[channels_last[i]]);
  return perm;
}

}  // namespace
}  // namespace onnx_import

bool OnnxIoLayout::IsIdentity() const {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != i) return false;
  }
  return true;
}

std::vector<float> OnnxToIrLayout(const OnnxIoLayout& io, const std::vector<float>& sample) {
  const auto map = onnx_import::FlatIndexMap(io.onnx_shape, io.perm);
  std::vector<float> out(map.size());
  for (size_t k = 0; k < map.size() && map[k] < sample.size(); ++k) out[k] = sample[map[k]];
  return out;
}

std::vector<float> IrToOnnxLayout(const OnnxIoLayout& io, const std::vector<float>& sample) {
  const auto map = onnx_import::FlatIndexMap(io.onnx_shape, io.perm);
  std::vector<float> out(map.size());
  for (size_t k = 0; k < map.size() && k < sample.size(); ++k) out[map[k]] = sample[k];
  return out;
}

Result<OnnxImport> ImportOnnxBytes(const std::string& bytes, const std::string& source) {
  using namespace onnx_import;
  onnx::ModelProto model;
  if (bytes.empty()) return MakeError(source + ": empty file");
  // Exceptions from the parser stop here (house rule); protobuf reports errors by return value.
  bool parsed = false;
  try {
    parsed = model.ParseFromString(bytes);
  } catch (const std::exception& error) {
    return MakeError(source + ": protobuf parser failed: " + error.what());
  }
  if (!parsed)
    return MakeError(source + ": not a valid ONNX protobuf (truncated or corrupt file?)");
  if (!model.has_graph() || model.graph().node_size() == 0)
    return MakeError(source + ": the model has no graph (truncated file?)");
  OnnxImport result;
  for (const auto& opset : model.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx") result.opset = opset.version();
  }
  if (result.opset == 0)
    return MakeError(source + ": no default-domain opset_import (truncated file?)");
  result.producer = model.producer_name() + " " + model.producer_version();
  const onnx::GraphProto& graph = model.graph();
  result.onnx_node_count = static_cast<size_t>(graph.node_size());

  // Every unsupported op at once, so a user sees the whole list in one run.
  std::vector<std::string> unsupported;
  for (const auto& node : graph.node()) {
    const bool known_domain = node.domain().empty() || node.domain() == "ai.onnx";
    if (!known_domain || SupportedOps().count(node.op_type()) == 0)
      unsupported.push_back((known_domain ? "" : node.domain() + ".") + node.op_type() +
                            " (node '" + NodeName(node) + "')");
  }
  if (!unsupported.empty()) {
    std::string list;
    for (const auto& entry : unsupported) list += (list.empty() ? "" : ", ") + entry;
    return MakeError(source + ": unsupported ops: " + list);
  }

  std::map<std::string, int> consumers;
  for (const auto& node : graph.node()) {
    for (const auto& input : node.input()) ++consumers[input];
  }
  for (const auto& output : graph.output()) ++consumers[output.name()];
  Lowering lowering(source, result.opset, consumers);

  std::set<std::string> initializer_names;
  for (const auto& initializer : graph.initializer()) {
    auto value = ReadTensor(initializer, source + ": initializer '" + initializer.name() + "'");
    if (!value.ok()) return value.error();
    lowering.constants()[initializer.name()] = std::move(*value);
    initializer_names.insert(initializer.name());
  }
  Graph& ir = lowering.graph();
  ir.metadata.model_id = graph.name().empty() ? "onnx_model" : graph.name();
  for (const auto& input : graph.input()) {
    if (initializer_names.count(input.name()) != 0) continue;  // IR < 4 lists weights as inputs
    auto shape = InputShape(input, source);
    if (!shape.ok()) return shape.error();
    ActivationValue value;
    value.shape = *shape;
    value.perm = InputPerm(graph, input.name(), shape->size());
    value.tensor = ir.AddActivation(input.name(), PermuteShape(*shape, value.perm));
    ir.inputs.push_back(value.tensor);
    result.inputs.push_back(
        {input.name(), *shape, ir.tensors[size_t(value.tensor)].shape, value.perm});
    if (shape->size() >= 3 && !IsIdentity(value.perm))
      result.notes.push_back(
          "input '" + input.name() + "' " + ShapeString(*shape) +
          " is channels-last in the model: " + ShapeString(ir.tensors[size_t(value.tensor)].shape));
    lowering.Bind(input.name(), std::move(value));
  }
  if (ir.inputs.empty()) return MakeError(source + ": the graph has no (non-constant) input");

  for (const auto& node : graph.node()) {
    auto lowered = lowering.LowerNode(node);
    if (!lowered.ok()) return lowered.error();
  }
  for (const auto& output : graph.output()) {
    const ActivationValue* value = lowering.FindActivation(output.name());
    if (value == nullptr)
      return MakeError(source + ": graph output '" + output.name() +
                       "' is not computed from "
                       "the input (constant outputs are not supported)");
    if (!value->pending_pads.empty() || !value->column_map.empty())
      return MakeError(source + ": graph output '" + output.name() +
                       "' ends in a Pad or a "
                       "permuted Flatten that cannot be folded into a consumer");
    if (ir.IsGraphOutput(value->tensor) ||
        std::find(ir.inputs.begin(), ir.inputs.end(), value->tensor) != ir.inputs.end())
      return MakeError(source + ": graph output '" + output.name() +
                       "' aliases another graph "
                       "input/output (Identity at the edge)");
    ir.outputs.push_back(value->tensor);
    ir.tensors[size_t(value->tensor)].name = output.name();  // the interface keeps ONNX names
    result.outputs.push_back(
        {output.name(), value->shape, ir.tensors[size_t(value->tensor)].shape, value->perm});
    if (value->shape.size() >= 3 && value->perm != IdentityPerm(value->shape.size()))
      result.notes.push_back("output '" + output.name() + "' " + ShapeString(value->shape) +
                             " is channels-last in the model: " +
                             ShapeString(ir.tensors[size_t(value->tensor)].shape));
  }
  auto valid = ir.Validate();
  if (!valid.ok())
    return MakeError(source + ": imported graph is invalid: " + valid.error().message);
  for (auto& note : lowering.notes()) result.notes.push_back(std::move(note));
  result.graph = std::move(ir);
  return result;
}

Result<OnnxImport> ImportOnnxFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return MakeError(path + ": cannot open");
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (file.bad()) return MakeError(path + ": read error");
  return ImportOnnxBytes(bytes.str(), path);
}

}  // namespace tinyforge::toolchain
