// Graph IR bookkeeping: builders, shape inference and structural validation.
#include "toolchain/ir/graph.h"

#include <algorithm>
#include <functional>
#include <sstream>

namespace tinyforge::toolchain {
namespace {

std::string NodeLabel(const Graph& graph, const IrNode& node) {
  // The node may be a probe outside graph.nodes (AddInferredNode): compare addresses safely.
  const IrNode* begin = graph.nodes.data();
  const bool inside = !graph.nodes.empty() && std::less_equal<const IrNode*>()(begin, &node) &&
                      std::less<const IrNode*>()(&node, begin + graph.nodes.size());
  std::string label = std::string("node ") +
                      (inside ? std::to_string(&node - begin) : std::string("new")) +
                      " (" + format::OpName(static_cast<uint16_t>(node.op));
  if (!node.name.empty()) label += " '" + node.name + "'";
  return label + ")";
}

size_t Product(const std::vector<uint32_t>& shape) {
  size_t count = 1;
  for (uint32_t dim : shape) count *= dim;
  return count;
}

// Output length of a strided window over `input` elements with a leading pad; the trailing pad
// is taken equal to the leading one (the symmetric choice; explicit shapes may differ).
Result<uint32_t> WindowOutput(uint32_t input, uint32_t filter, uint32_t stride, uint32_t dilation,
                              uint32_t pad) {
  if (filter == 0 || stride == 0 || dilation == 0) return MakeError("zero filter/stride/dilation");
  const int64_t extent = int64_t{dilation} * (filter - 1) + 1;
  const int64_t padded = int64_t{input} + 2 * int64_t{pad};
  if (padded < extent) return MakeError("window larger than padded input");
  return static_cast<uint32_t>((padded - extent) / stride + 1);
}

// An explicit output length is consistent when every window starts inside input + leading pad
// and the trailing pad it implies is smaller than one window.
bool WindowOutputConsistent(uint32_t input, uint32_t output, uint32_t filter, uint32_t stride,
                            uint32_t dilation, uint32_t pad) {
  if (output == 0) return false;
  const int64_t extent = int64_t{dilation} * (filter - 1) + 1;
  const int64_t last_end = int64_t{output - 1} * stride + extent;  // in padded coordinates
  const int64_t trailing = last_end - int64_t{input} - pad;
  return trailing < extent && int64_t{output - 1} * stride < int64_t{input} + pad;
}

const IrTensor* InputTensor(const Graph& graph, const IrNode& node, size_t slot) {
  if (slot >= node.inputs.size() || node.inputs[slot] < 0) return nullptr;
  return &graph.tensors[static_cast<size_t>(node.inputs[slot])];
}

}  // namespace

size_t IrTensor::ElementCount() const { return Product(shape); }

int Graph::AddTensor(IrTensor tensor) {
  tensors.push_back(std::move(tensor));
  return static_cast<int>(tensors.size() - 1);
}

int Graph::AddActivation(std::string name, std::vector<uint32_t> shape, DType dtype) {
  IrTensor tensor;
  tensor.name = std::move(name);
  tensor.shape = std::move(shape);
  tensor.dtype = dtype;
  return AddTensor(std::move(tensor));
}

int Graph::AddConstant(std::string name, std::vector<uint32_t> shape, std::vector<float> data) {
  IrTensor tensor;
  tensor.name = std::move(name);
  tensor.shape = std::move(shape);
  tensor.is_constant = true;
  tensor.float_data = std::move(data);
  return AddTensor(std::move(tensor));
}

int Graph::AddIntConstant(std::string name, std::vector<uint32_t> shape, DType dtype,
                          std::vector<int32_t> values, QuantInfo quant) {
  IrTensor tensor;
  tensor.name = std::move(name);
  tensor.shape = std::move(shape);
  tensor.dtype = dtype;
  tensor.is_constant = true;
  tensor.int_data = std::move(values);
  tensor.quant = std::move(quant);
  return AddTensor(std::move(tensor));
}

bool Graph::UsesOp(OpCode op) const {
  for (const IrNode& node : nodes)
    if (node.op == op) return true;
  return false;
}

int Graph::AddNode(OpCode op, std::vector<int> node_inputs, int output, NodeParams params,
                   std::string name) {
  IrNode node;
  node.op = op;
  node.inputs = std::move(node_inputs);
  node.output = output;
  node.params = params;
  node.name = std::move(name);
  nodes.push_back(std::move(node));
  return static_cast<int>(nodes.size() - 1);
}

int Graph::Producer(int tensor) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].output == tensor) return static_cast<int>(i);
  }
  return -1;
}

std::vector<int> Graph::Consumers(int tensor) const {
  std::vector<int> consumers;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (std::find(nodes[i].inputs.begin(), nodes[i].inputs.end(), tensor) != nodes[i].inputs.end())
      consumers.push_back(static_cast<int>(i));
  }
  return consumers;
}

bool Graph::IsGraphOutput(int tensor) const {
  return std::find(outputs.begin(), outputs.end(), tensor) != outputs.end();
}

std::string ShapeString(const std::vector<uint32_t>& shape) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

Result<std::vector<uint32_t>> InferOutputShape(const Graph& graph, const IrNode& node) {
  const std::string label = NodeLabel(graph, node);
  const IrTensor* input = InputTensor(graph, node, 0);
  if (input == nullptr) return MakeError(label + ": missing input 0");
  const auto& in = input->shape;
  const NodeParams& p = node.params;
  auto fail = [&](const std::string& why) { return MakeError(label + ": " + why); };
  switch (node.op) {
    case OpCode::kFullyConnected: {
      const IrTensor* weights = InputTensor(graph, node, 1);
      if (weights == nullptr || weights->shape.size() != 2) return fail("weights must be [out, in]");
      if (in.size() != 2 || in[1] != weights->shape[1])
        return fail("input " + ShapeString(in) + " does not match weights " +
                    ShapeString(weights->shape));
      return std::vector<uint32_t>{in[0], weights->shape[0]};
    }
    case OpCode::kConv1D: {
      const IrTensor* weights = InputTensor(graph, node, 1);
      if (weights == nullptr || weights->shape.size() != 3)
        return fail("weights must be [cout, kw, cin]");
      if (in.size() != 3 || in[2] != weights->shape[2])
        return fail("input " + ShapeString(in) + " does not match weights " +
                    ShapeString(weights->shape));
      auto width = WindowOutput(in[1], weights->shape[1], p.stride_width, p.dilation_width,
                                p.pad_left);
      if (!width.ok()) return fail(width.error().message);
      return std::vector<uint32_t>{in[0], *width, weights->shape[0]};
    }
    case OpCode::kConv2D:
    case OpCode::kDepthwiseConv2D: {
      const IrTensor* weights = InputTensor(graph, node, 1);
      if (weights == nullptr || weights->shape.size() != 4) return fail("weights must be rank 4");
      if (in.size() != 4) return fail("input must be NHWC");
      const auto& w = weights->shape;
      uint32_t channels = 0;
      if (node.op == OpCode::kConv2D) {
        if (in[3] != w[3]) return fail("input channels do not match weights");
        channels = w[0];
      } else {
        if (w[0] != 1 || w[3] != in[3] * p.depth_multiplier)
          return fail("depthwise weights must be [1, kh, kw, cin * depth_multiplier]");
        channels = w[3];
      }
      auto height = WindowOutput(in[1], w[1], p.stride_height, p.dilation_height, p.pad_top);
      auto width = WindowOutput(in[2], w[2], p.stride_width, p.dilation_width, p.pad_left);
      if (!height.ok()) return fail(height.error().message);
      if (!width.ok()) return fail(width.error().message);
      return std::vector<uint32_t>{in[0], *height, *width, channels};
    }
    case OpCode::kMaxPool2D:
    case OpCode::kAveragePool2D: {
      if (in.size() != 4) return fail("input must be NHWC");
      auto height = WindowOutput(in[1], p.filter_height, p.stride_height, 1, p.pad_top);
      auto width = WindowOutput(in[2], p.filter_width, p.stride_width, 1, p.pad_left);
      if (!height.ok()) return fail(height.error().message);
      if (!width.ok()) return fail(width.error().message);
      return std::vector<uint32_t>{in[0], *height, *width, in[3]};
    }
    case OpCode::kGlobalAveragePool:
      if (in.size() != 4) return fail("input must be NHWC");
      return std::vector<uint32_t>{in[0], 1, 1, in[3]};
    case OpCode::kAdd:
    case OpCode::kMul: {
      const IrTensor* other = InputTensor(graph, node, 1);
      if (other == nullptr || other->shape != in) return fail("operands must have equal shapes");
      return in;
    }
    case OpCode::kConcat: {
      const auto rank = static_cast<int32_t>(in.size());
      if (p.concat_axis < 0 || p.concat_axis >= rank) return fail("concat axis out of range");
      std::vector<uint32_t> out = in;
      out[static_cast<size_t>(p.concat_axis)] = 0;
      for (size_t slot = 0; slot < node.inputs.size(); ++slot) {
        const IrTensor* part = InputTensor(graph, node, slot);
        if (part == nullptr || part->shape.size() != in.size())
          return fail("concat inputs must have equal rank");
        for (size_t d = 0; d < in.size(); ++d) {
          if (static_cast<int32_t>(d) == p.concat_axis) continue;
          if (part->shape[d] != in[d]) return fail("concat inputs differ off the axis");
        }
        out[static_cast<size_t>(p.concat_axis)] += part->shape[static_cast<size_t>(p.concat_axis)];
      }
      return out;
    }
    case OpCode::kReshape: {
      if (node.output < 0 || static_cast<size_t>(node.output) >= graph.tensors.size())
        return fail("reshape needs its output tensor");
      const auto& out = graph.tensors[static_cast<size_t>(node.output)].shape;
      if (Product(out) != Product(in))
        return fail("reshape " + ShapeString(in) + " -> " + ShapeString(out) +
                    " changes the element count");
      return out;
    }
    case OpCode::kRelu:
    case OpCode::kRelu6:
    case OpCode::kSoftmax:
    case OpCode::kSigmoid:
    case OpCode::kTanh:
    case OpCode::kQuantize:
    case OpCode::kDequantize:
      return in;
    case OpCode::kTreeEnsemble: {
      // The runtime proves the forest's indices; here only the output shape [batch, outputs].
      const IrTensor* leaves = InputTensor(graph, node, 5);
      if (node.inputs.size() != 6 || leaves == nullptr || leaves->shape.size() != 2)
        return fail("TreeEnsemble needs 6 inputs, leaf_values [leaves, outputs] last");
      if (in.size() != 2) return fail("input must be [batch, features]");
      return std::vector<uint32_t>{in[0], leaves->shape[1]};
    }
  }
  return fail("unknown op");
}

Result<void> Graph::Validate() const {
  std::vector<bool> available(tensors.size(), false);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const IrTensor& tensor = tensors[i];
    if (tensor.shape.size() > format::kMaxRank)
      return MakeError("tensor '" + tensor.name + "': rank above " +
                       std::to_string(format::kMaxRank));
    if (tensor.is_constant) {
      const size_t stored = tensor.dtype == DType::kFloat32 ? tensor.float_data.size()
                                                            : tensor.int_data.size();
      if (stored != tensor.ElementCount())
        return MakeError("constant '" + tensor.name + "': " + std::to_string(stored) +
                         " values for shape " + ShapeString(tensor.shape));
      available[i] = true;
    }
  }
  for (int input : inputs) {
    if (input < 0 || static_cast<size_t>(input) >= tensors.size())
      return MakeError("graph input index " + std::to_string(input) + " out of range");
    available[static_cast<size_t>(input)] = true;
  }
  for (const IrNode& node : nodes) {
    const std::string label = NodeLabel(*this, node);
    if (node.inputs.empty() || node.inputs.size() > format::kMaxOpInputs)
      return MakeError(label + ": bad input count");
    for (int input : node.inputs) {
      if (input == kNoInput) continue;
      if (input < 0 || static_cast<size_t>(input) >= tensors.size())
        return MakeError(label + ": input index out of range");
      if (!available[static_cast<size_t>(input)])
        return MakeError(label + ": reads tensor '" + tensors[static_cast<size_t>(input)].name +
                         "' before it is written");
    }
    if (node.inputs[0] == kNoInput) return MakeError(label + ": input 0 is required");
    if (node.output < 0 || static_cast<size_t>(node.output) >= tensors.size())
      return MakeError(label + ": output index out of range");
    const IrTensor& output = tensors[static_cast<size_t>(node.output)];
    if (output.is_constant || available[static_cast<size_t>(node.output)])
      return MakeError(label + ": output '" + output.name + "' is written twice or is constant");
    auto shape = InferOutputShape(*this, node);
    if (!shape.ok()) return shape.error();
    bool shape_ok = *shape == output.shape;
    const auto& in = tensors[static_cast<size_t>(node.inputs[0])].shape;
    if (!shape_ok && output.shape.size() == shape->size() && output.shape[0] == (*shape)[0]) {
      // Convolutions and pools may have an asymmetric trailing pad: accept any consistent size.
      const NodeParams& p = node.params;
      const auto& out = output.shape;
      const bool channels_match = out.back() == shape->back();
      if (node.op == OpCode::kConv1D) {
        const auto& w = tensors[static_cast<size_t>(node.inputs[1])].shape;
        shape_ok = channels_match &&
                   WindowOutputConsistent(in[1], out[1], w[1], p.stride_width, p.dilation_width,
                                          p.pad_left);
      } else if (node.op == OpCode::kConv2D || node.op == OpCode::kDepthwiseConv2D ||
                 node.op == OpCode::kMaxPool2D || node.op == OpCode::kAveragePool2D) {
        const bool is_pool = node.op == OpCode::kMaxPool2D || node.op == OpCode::kAveragePool2D;
        const auto* w = is_pool ? nullptr : &tensors[static_cast<size_t>(node.inputs[1])].shape;
        const uint32_t kh = is_pool ? p.filter_height : (*w)[1];
        const uint32_t kw = is_pool ? p.filter_width : (*w)[2];
        shape_ok = channels_match &&
                   WindowOutputConsistent(in[1], out[1], kh, p.stride_height,
                                          is_pool ? 1 : p.dilation_height, p.pad_top) &&
                   WindowOutputConsistent(in[2], out[2], kw, p.stride_width,
                                          is_pool ? 1 : p.dilation_width, p.pad_left);
      }
    }
    if (!shape_ok && node.op == OpCode::kGlobalAveragePool && output.shape.size() == 2 &&
        output.shape[0] == in[0] && output.shape[1] == in[3])
      shape_ok = true;  // [batch, channels] is accepted as well as [batch, 1, 1, channels]
    if (!shape_ok)
      return MakeError(label + ": output '" + output.name + "' has shape " +
                       ShapeString(output.shape) + ", expected " + ShapeString(*shape));
    available[static_cast<size_t>(node.output)] = true;
  }
  for (int output : outputs) {
    if (output < 0 || static_cast<size_t>(output) >= tensors.size() ||
        !available[static_cast<size_t>(output)])
      return MakeError("graph output " + std::to_string(output) + " is never written");
  }
  if (inputs.empty() || outputs.empty()) return MakeError("graph needs inputs and outputs");
  return {};
}

Result<int> AddInferredNode(Graph& graph, OpCode op, std::vector<int> node_inputs,
                            NodeParams params, std::string name) {
  IrNode probe;
  probe.op = op;
  probe.inputs = node_inputs;
  probe.params = params;
  probe.name = name;
  auto shape = InferOutputShape(graph, probe);
  if (!shape.ok()) return shape.error();
  const DType dtype = graph.tensors[static_cast<size_t>(node_inputs[0])].dtype;
  // (no string literal assignment here: GCC 12 -O3 raises a false -Wrestrict on it)
  std::string output_name = name.empty() ? std::to_string(graph.tensors.size()) : name;
  output_name.append(":out");
  const int output = graph.AddActivation(std::move(output_name), *shape, dtype);
  graph.AddNode(op, std::move(node_inputs), output, params, std::move(name));
  return output;
}

Result<int> AddReshape(Graph& graph, int input, std::vector<uint32_t> shape, std::string name) {
  const IrTensor& source = graph.tensors[static_cast<size_t>(input)];
  if (Product(shape) != source.ElementCount())
    return MakeError("reshape '" + name + "': " + ShapeString(source.shape) + " -> " +
                     ShapeString(shape) + " changes the element count");
  const int output = graph.AddActivation(name + ":out", std::move(shape), source.dtype);
  graph.AddNode(OpCode::kReshape, {input}, output, {}, std::move(name));
  return output;
}

}  // namespace tinyforge::toolchain
