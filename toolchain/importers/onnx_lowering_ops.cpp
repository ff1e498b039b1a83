// Per-op lowering of ONNX nodes, second half: folding (BatchNormalization, constant Add/Mul),
// elementwise ops, Softmax, Flatten/Reshape, Concat, and the layout-only Transpose and Pad.
#include <algorithm>
#include <cmath>
#include <limits>

#include "toolchain/importers/onnx_lowering.h"

namespace tinyforge::toolchain::onnx_import {
namespace {

int64_t NormalizeAxis(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

std::string OutputName(const onnx::NodeProto& node) {
  return node.name().empty() ? node.output(0) : node.name();
}

}  // namespace

Result<void> Lowering::FoldScaleShift(const Node& node, const ActivationValue& value,
                                      const std::vector<float>& scale,
                                      const std::vector<float>& shift) {
  const int readers = tensor_readers_[value.tensor] - tensor_aliases_[value.tensor];
  if (readers != 1)
    return Fail(node, "cannot fold into the producer: its output has " + std::to_string(readers) +
                          " readers");
  int producer = graph_.Producer(value.tensor);
  if (producer >= 0 && graph_.nodes[size_t(producer)].op == OpCode::kReshape) {
    // A 1-D depthwise conv runs as an image between two reshapes: look through the last one.
    const int image = graph_.nodes[size_t(producer)].inputs[0];
    producer = graph_.Consumers(image).size() == 1 ? graph_.Producer(image) : -1;
  }
  if (producer < 0) return Fail(node, "cannot fold: no Conv/Gemm before it");
  IrNode& target = graph_.nodes[size_t(producer)];
  const bool foldable = target.op == OpCode::kFullyConnected || target.op == OpCode::kConv1D ||
                        target.op == OpCode::kConv2D || target.op == OpCode::kDepthwiseConv2D;
  if (!foldable)
    return Fail(node, std::string("cannot fold into the producing ") +
                          format::OpName(static_cast<uint16_t>(target.op)) + " (only Conv/Gemm)");
  IrTensor& weights = graph_.tensors[size_t(target.inputs[1])];
  IrTensor& bias = graph_.tensors[size_t(target.inputs[2])];
  const size_t channels = bias.float_data.size();
  auto at = [](const std::vector<float>& v, size_t c) { return v.size() == 1 ? v[0] : v[c]; };
  if ((scale.size() != 1 && scale.size() != channels) ||
      (shift.size() != 1 && shift.size() != channels))
    return Fail(node,
                "per-channel constant does not match " + std::to_string(channels) + " channels");
  const bool channels_last = target.op == OpCode::kDepthwiseConv2D;  // weights [1, kh, kw, cout]
  const size_t per_channel = weights.float_data.size() / channels;
  for (size_t i = 0; i < weights.float_data.size(); ++i) {
    const size_t c = channels_last ? i % channels : i / per_channel;
    weights.float_data[i] *= at(scale, c);
  }
  for (size_t c = 0; c < channels; ++c)
    bias.float_data[c] = bias.float_data[c] * at(scale, c) + at(shift, c);
  notes_.push_back(NodeText(node) + ": folded into '" + target.name + "'");
  Alias(node, value);
  return {};
}

Result<void> Lowering::LowerBatchNorm(const Node& node) {
  TINYFORGE_TRY(
      CheckAttributes(node, {"epsilon", "momentum", "training_mode", "spatial", "is_test"}));
  if (IntAttribute(node, "training_mode", 0) != 0) return Fail(node, "training_mode=1");
  if (IntAttribute(node, "spatial", 1) != 1) return Fail(node, "spatial=0 is not supported");
  for (int i = 1; i < node.output_size(); ++i) {
    if (!node.output(i).empty()) return Fail(node, "training outputs are not supported");
  }
  auto x = Activation(node, 0);
  if (!x.ok()) return x.error();
  if (x->shape.size() < 2 || x->perm.back() != 1 || !x->column_map.empty())
    return Fail(node, "channel axis is not the model's last dimension");
  const uint32_t channels = x->shape[1];
  std::vector<ConstantValue> params;
  for (size_t slot = 1; slot <= 4; ++slot) {
    auto constant = Constant(node, slot);
    if (!constant.ok()) return constant.error();
    if (constant->ElementCount() != channels)
      return Fail(node, "input " + std::to_string(slot) + " must have " + std::to_string(channels) +
                            " values");
    params.push_back(std::move(*constant));
  }
  const float epsilon = FloatAttribute(node, "epsilon", 1e-5f);
  std::vector<float> scale(channels), shift(channels);
  for (uint32_t c = 0; c < channels; ++c) {
    const float variance = params[3].floats[c];
    if (!(variance + epsilon > 0.0f)) return Fail(node, "variance + epsilon is not positive");
    scale[c] = params[0].floats[c] / std::sqrt(variance + epsilon);
    shift[c] = params[1].floats[c] - params[2].floats[c] * scale[c];
  }
  return FoldScaleShift(node, *x, scale, shift);
}

Result<void> Lowering::LowerBinary(const Node& node) {
  TINYFORGE_TRY(CheckAttributes(node, {}));
  const bool is_add = node.op_type() == "Add";
  if (node.input_size() != 2) return Fail(node, "needs two inputs");
  const ActivationValue* a = FindActivation(node.input(0));
  const ActivationValue* b = FindActivation(node.input(1));
  if (a != nullptr && b != nullptr) {
    if (!a->pending_pads.empty() || !b->pending_pads.empty())
      return Fail(node, "reads a non-zero Pad output");
    if (a->shape != b->shape)
      return Fail(node, "broadcasting between two activations (" + ShapeString(a->shape) + " and " +
                            ShapeString(b->shape) + ") is not supported");
    if (a->perm != b->perm || a->column_map != b->column_map)
      return Fail(node, "operands have different layouts (one was transposed)");
    auto out = AddInferredNode(graph_, is_add ? OpCode::kAdd : OpCode::kMul, {a->tensor, b->tensor},
                               {}, OutputName(node));
    if (!out.ok()) return Fail(node, out.error().message);
    ActivationValue value = *a;
    value.tensor = *out;
    Bind(node.output(0), std::move(value));
    return {};
  }
  const bool constant_first = a == nullptr;
  auto x = Activation(node, constant_first ? 1 : 0);
  if (!x.ok()) return x.error();
  auto c = Constant(node, constant_first ? 0 : 1);
  if (!c.ok()) return c.error();
  // The constant must vary at most along the ONNX axis held by the IR's last dim (the channels).
  const size_t rank = x->shape.size();
  const uint32_t channel_axis = x->perm.back();
  if (c->shape.size() > rank) return Fail(node, "constant has a higher rank than the activation");
  const size_t offset = rank - c->shape.size();
  size_t varying = 1;
  for (size_t d = 0; d < c->shape.size(); ++d) {
    if (c->shape[d] == 1) continue;
    if (d + offset != channel_axis || c->shape[d] != x->shape[channel_axis])
      return Fail(node, "only scalar or per-channel constants are supported (constant " +
                            std::to_string(c->ElementCount()) + " values over " +
                            ShapeString(x->shape) + ")");
    varying = size_t(c->shape[d]);
  }
  std::vector<float> per_channel(varying);
  for (size_t k = 0; k < varying; ++k) {
    const size_t source = varying > 1 && !x->column_map.empty() ? x->column_map[k] : k;
    per_channel[k] = c->floats[source];
  }
  const std::vector<float> one{1.0f}, zero{0.0f};
  return FoldScaleShift(node, *x, is_add ? one : per_channel, is_add ? per_channel : zero);
}

Result<void> Lowering::LowerUnary(const Node& node, OpCode op) {
  TINYFORGE_TRY(CheckAttributes(node, {}));
  auto x = Activation(node, 0);
  if (!x.ok()) return x.error();
  auto out = AddInferredNode(graph_, op, {x->tensor}, {}, OutputName(node));
  if (!out.ok()) return Fail(node, out.error().message);
  ActivationValue value = *x;
  value.tensor = *out;
  Bind(node.output(0), std::move(value));
  return {};
}

Result<void> Lowering::LowerClip(const Node& node) {
  TINYFORGE_TRY(CheckAttributes(node, {"min", "max"}));
  float low = FloatAttribute(node, "min", -std::numeric_limits<float>::infinity());
  float high = FloatAttribute(node, "max", std::numeric_limits<float>::infinity());
  for (size_t slot = 1; slot <= 2; ++slot) {
    if (!HasInput(node, slot)) continue;
    auto bound = Constant(node, slot);
    if (!bound.ok()) return bound.error();
    if (bound->ElementCount() != 1) return Fail(node, "min/max must be scalars");
    (slot == 1 ? low : high) = bound->floats[0];
  }
  if (low == 0.0f && high == 6.0f) return LowerUnary(node, OpCode::kRelu6);
  if (low == 0.0f && high >= std::numeric_limits<float>::max())
    return LowerUnary(node, OpCode::kRelu);
  return Fail(node, "Clip(" + std::to_string(low) + ", " + std::to_string(high) +
                        ") is unsupported: only Clip(0, 6) → Relu6 and Clip(0, inf) → Relu");
}

Result<void> Lowering::LowerSoftmax(const Node& node) {
  TINYFORGE_TRY(CheckAttributes(node, {"axis"}));
  auto x = Activation(node, 0);
  if (!x.ok()) return x.error();
  const size_t rank = x->shape.size();
  const int64_t axis = NormalizeAxis(IntAttribute(node, "axis", opset_ >= 13 ? -1 : 1), rank);
  // Before opset 13 Softmax flattened from `axis` on; that equals ours only on the last axis.
  const bool same_semantics = opset_ >= 13 || axis == static_cast<int64_t>(rank) - 1;
  if (axis < 0 || !same_semantics || x->perm.back() != axis)
    return Fail(node, "softmax over axis " + std::to_string(axis) + " of " + ShapeString(x->shape) +
                          " (only over the innermost dimension of the model layout)");
  auto out = AddInferredNode(graph_, OpCode::kSoftmax, {x->tensor}, {}, OutputName(node));
  if (!out.ok()) return Fail(node, out.error().message);
  ActivationValue value = *x;
  value.tensor = *out;
  Bind(node.output(0), std::move(value));
  return {};
}

Result<void> Lowering::LowerFlattenOrReshape(const Node& node) {
  const bool is_flatten = node.op_type() == "Flatten";
  TINYFORGE_TRY(CheckAttributes(
      node, is_flatten ? std::vector<std::string>{"axis"} : std::vector<std::string>{"allowzero"}));
  auto x = Activation(node, 0);
  if (!x.ok()) return x.error();
  const size_t rank = x->shape.size();
  size_t elements = 1;
  for (size_t d = 1; d < rank; ++d) elements *= x->shape[d];
  std::vector<uint32_t> target;
  if (is_flatten) {
    const int64_t axis = NormalizeAxis(IntAttribute(node, "axis", 1), rank);
    if (axis < 0 || axis > 1) return Fail(node, "only Flatten with axis 1 (keep the batch)");
    target = {1, static_cast<uint32_t>(elements)};
  } else {
    if (IntAttribute(node, "allowzero", 0) != 0) return Fail(node, "allowzero=1 is not supported");
    auto shape = Constant(node, 1);
    if (!shape.ok()) return shape.error();
    if (!shape->is_integer) return Fail(node, "shape must be an integer constant");
    int inferred = -1;
    size_t known = 1;
    for (size_t d = 0; d < shape->ints.size(); ++d) {
      int64_t dim = shape->ints[d];
      if (dim == 0 && d < rank) dim = x->shape[d];
      if (dim == -1 && inferred < 0 && d > 0) {
        inferred = static_cast<int>(d);
        target.push_back(1);
        continue;
      }
      if (d == 0 && dim == -1) dim = 1;  // a flexible batch
      if (dim <= 0) return Fail(node, "invalid target dimension " + std::to_string(shape->ints[d]));
      target.push_back(static_cast<uint32_t>(dim));
      if (d > 0) known *= static_cast<size_t>(dim);
    }
    if (target.empty() || target[0] != 1) return Fail(node, "reshape changes the batch dimension");
    if (inferred > 0) {
      if (known == 0 || elements % known != 0) return Fail(node, "cannot infer the -1 dimension");
      target[size_t(inferred)] = static_cast<uint32_t>(elements / known);
    }
    size_t target_elements = 1;
    for (size_t d = 1; d < target.size(); ++d) target_elements *= target[d];
    if (target_elements != elements || target.size() > format::kMaxRank)
      return Fail(node, "cannot reshape " + ShapeString(x->shape) + " to " + ShapeString(target));
  }
  // ONNX reshapes keep the ONNX flat order; the IR tensor's flat order is `source` below. A plain
  // IR reshape is right when the output layout maps every IR position to the same ONNX index.
  const std::vector<uint32_t> source =
      !x->column_map.empty() ? x->column_map : FlatIndexMap(x->shape, x->perm);
  ActivationValue value;
  value.shape = target;
  if (target.size() == 2) {
    value.perm = IdentityPerm(2);
    if (source != FlatIndexMap(target, value.perm)) value.column_map = source;
  } else {
    bool found = false;
    for (const auto& perm : {ChannelsLastPerm(target.size()), IdentityPerm(target.size())}) {
      if (source == FlatIndexMap(target, perm)) {
        value.perm = perm;
        found = true;
        break;
      }
    }
    if (!found)
      return Fail(node, "reshaping " + ShapeString(x->shape) + " to " + ShapeString(target) +
                            " needs a data transpose in the model layout, which we cannot fold");
  }
  const std::vector<uint32_t> ir_shape = PermuteShape(target, value.perm);
  if (ir_shape == graph_.tensors[size_t(x->tensor)].shape) {
    value.tensor = x->tensor;
    Alias(node, value);
    return {};
  }
  auto out = AddReshape(graph_, x->tensor, ir_shape, OutputName(node));
  if (!out.ok()) return Fail(node, out.error().message);
  value.tensor = *out;
  Bind(node.output(0), std::move(value));
  return {};
}

Result<void> Lowering::LowerConcat(const Node& node) {
  TINYFORGE_TRY(CheckAttributes(node, {"axis"}));
  if (node.input_size() < 1 || node.input_size() > int(format::kMaxOpInputs))
    return Fail(node, "needs 1..8 inputs");
  std::vector<int> inputs;
  ActivationValue value;
  for (int slot = 0; slot < node.input_size(); ++slot) {
    auto x = Activation(node, size_t(slot));
    if (!x.ok()) return x.error();
    if (!x->column_map.empty()) return Fail(node, "an input is a permuted flatten");
    if (slot == 0) {
      value = *x;
    } else if (x->perm != value.perm || x->shape.size() != value.shape.size()) {
      return Fail(node, "inputs have different layouts or ranks");
    }
    inputs.push_back(x->tensor);
  }
  const size_t rank = value.shape.size();
  const int64_t axis = NormalizeAxis(IntAttribute(node, "axis", 1), rank);
  if (axis <= 0 || axis >= static_cast<int64_t>(rank))
    return Fail(node, "concat axis must be a non-batch axis");
  NodeParams params;
  const auto ir_axis = std::find(value.perm.begin(), value.perm.end(), uint32_t(axis));
  params.concat_axis = static_cast<int32_t>(ir_axis - value.perm.begin());
  auto out = AddInferredNode(graph_, OpCode::kConcat, inputs, params, OutputName(node));
  if (!out.ok()) return Fail(node, out.error().message);
  value.tensor = *out;
  value.shape[size_t(axis)] = graph_.tensors[size_t(*out)].shape[size_t(params.concat_axis)];
  Bind(node.output(0), std::move(value));
  return {};
}

Result<void> Lowering::LowerTranspose(const Node& node) {
  TINYFORGE_TRY(CheckAttributes(node, {"perm"}));
  auto x = Activation(node, 0);
  if (!x.ok()) return x.error();
  const size_t rank = x->shape.size();
  std::vector<int64_t> perm = IntsAttribute(node, "perm");
  if (perm.empty()) {
    for (size_t i = rank; i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  }
  if (perm.size() != rank) return Fail(node, "perm does not match the rank");
  std::vector<uint32_t> inverse(rank, uint32_t(rank));
  for (size_t j = 0; j < rank; ++j) {
    if (perm[j] < 0 || perm[j] >= static_cast<int64_t>(rank) || inverse[size_t(perm[j])] != rank)
      return Fail(node, "perm is not a permutation");
    inverse[size_t(perm[j])] = static_cast<uint32_t>(j);
  }
  if (perm[0] != 0) return Fail(node, "a Transpose that moves the batch axis cannot be folded");
  if (!x->column_map.empty() && perm != std::vector<int64_t>{0, 1})
    return Fail(node, "transposing a permuted flatten cannot be folded");
  // Output ONNX axis j is input axis perm[j]; IR dim i holds input axis x.perm[i].
  ActivationValue value = *x;
  for (size_t j = 0; j < rank; ++j) value.shape[j] = x->shape[size_t(perm[j])];
  for (size_t i = 0; i < rank; ++i) value.perm[i] = inverse[x->perm[i]];
  notes_.push_back(NodeText(node) + ": folded into the layout (no data movement)");
  Alias(node, value);
  return {};
}

Result<void> Lowering::LowerPad(const Node& node) {
  TINYFORGE_TRY(CheckAttributes(node, {"mode", "pads", "value"}));
  if (StringAttribute(node, "mode", "constant") != "constant")
    return Fail(node, "only constant (zero) padding is supported");
  auto x = Activation(node, 0, true);
  if (!x.ok()) return x.error();
  const size_t rank = x->shape.size();
  std::vector<int64_t> pads = IntsAttribute(node, "pads");
  float fill = FloatAttribute(node, "value", 0.0f);
  if (HasInput(node, 1)) {
    auto constant = Constant(node, 1);
    if (!constant.ok()) return constant.error();
    pads = constant->ints;
  }
  if (HasInput(node, 2)) {
    auto constant = Constant(node, 2);
    if (!constant.ok()) return constant.error();
    if (constant->ElementCount() != 1) return Fail(node, "constant_value must be a scalar");
    fill = constant->floats[0];
  }
  if (HasInput(node, 3)) return Fail(node, "the axes input is not supported");
  if (pads.size() != 2 * rank) return Fail(node, "pads must have 2 * rank values");
  bool any = false;
  for (size_t d = 0; d < 2 * rank; ++d) {
    if (pads[d] < 0) return Fail(node, "negative pads (cropping) are not supported");
    if (pads[d] != 0 && d % rank < 2) return Fail(node, "only spatial axes may be padded");
    any = any || pads[d] != 0;
  }
  ActivationValue value = *x;
  if (any) {
    if (fill != 0.0f) return Fail(node, "only zero padding folds into a Conv");
    if (rank < 3 || x->perm != ChannelsLastPerm(rank))
      return Fail(node, "input is not a feature map");
    if (value.pending_pads.empty()) value.pending_pads.assign(2 * rank, 0);
    for (size_t d = 0; d < 2 * rank; ++d) value.pending_pads[d] += pads[d];
  }
  Alias(node, value);
  return {};
}

}  // namespace tinyforge::toolchain::onnx_import
