// Per-op lowering of ONNX nodes into the IR: layout bookkeeping (NCHW → NHWC via perms), explicit
// padding, weight re-layout, and folding of BatchNormalization / constant Add / Mul / Transpose /
// Pad into their neighbours.
#include "toolchain/importers/onnx_lowering.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tinyforge::toolchain::onnx_import {

const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  const auto* attribute = FindAttribute(node, name);
  return attribute != nullptr ? attribute->i() : fallback;
}

float FloatAttribute(const onnx::NodeProto& node, const std::string& name, float fallback) {
  const auto* attribute = FindAttribute(node, name);
  return attribute != nullptr ? attribute->f() : fallback;
}

std::string StringAttribute(const onnx::NodeProto& node, const std::string& name,
                            const std::string& fallback) {
  const auto* attribute = FindAttribute(node, name);
  return attribute != nullptr ? attribute->s() : fallback;
}

std::vector<int64_t> IntsAttribute(const onnx::NodeProto& node, const std::string& name) {
  const auto* attribute = FindAttribute(node, name);
  if (attribute == nullptr) return {};
  return {attribute->ints().begin(), attribute->ints().end()};
}

bool IsIdentity(const std::vector<uint32_t>& perm) { return perm == IdentityPerm(perm.size()); }

namespace {

// Largest kernel, stride, dilation or pad a window attribute may hold (graph dims are at most
// uint16 too); larger values are refused before they are narrowed to uint32.
constexpr int64_t kMaxWindowAttribute = 65535;

// Padding of one spatial axis: ONNX pads or auto_pad resolved against the input size.
struct AxisWindow {
  uint32_t input = 0, kernel = 1, stride = 1, dilation = 1;
  int64_t pad_begin = 0, pad_end = 0;
  uint32_t output = 0;
};

Result<void> ResolveWindow(AxisWindow& w, const std::string& auto_pad) {
  const int64_t extent = int64_t{w.dilation} * (w.kernel - 1) + 1;
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const int64_t out = (int64_t{w.input} + w.stride - 1) / w.stride;
    const int64_t total = std::max<int64_t>((out - 1) * w.stride + extent - w.input, 0);
    w.pad_begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    w.pad_end = total - w.pad_begin;
  } else if (auto_pad == "VALID") {
    w.pad_begin = w.pad_end = 0;
  } else if (auto_pad != "NOTSET" && !auto_pad.empty()) {
    return MakeError("auto_pad '" + auto_pad + "' is not supported");
  }
  if (w.pad_begin < 0 || w.pad_end < 0) return MakeError("negative pads");
  if (w.pad_begin >= extent || w.pad_end >= extent)
    return MakeError("pads of " + std::to_string(w.pad_begin) + "/" + std::to_string(w.pad_end) +
                     " reach a full window (kernel extent " + std::to_string(extent) + ")");
  const int64_t padded = int64_t{w.input} + w.pad_begin + w.pad_end;
  if (padded < extent) return MakeError("window larger than the padded input");
  w.output = static_cast<uint32_t>((padded - extent) / w.stride + 1);
  return {};
}

}  // namespace

std::string Lowering::NodeText(const Node& node) const {
  const std::string name =
      node.name().empty() && node.output_size() > 0 ? node.output(0) : node.name();
  return "node '" + name + "' (" + node.op_type() + ")";
}

std::string Lowering::Label(const Node& node) const { return source_ + ": " + NodeText(node); }

Error Lowering::Fail(const Node& node, const std::string& why) const {
  return MakeError(Label(node) + ": " + why);
}

Result<void> Lowering::CheckAttributes(const Node& node,
                                       const std::vector<std::string>& allowed) const {
  for (const auto& attribute : node.attribute()) {
    if (std::find(allowed.begin(), allowed.end(), attribute.name()) == allowed.end())
      return Fail(node, "unsupported attribute '" + attribute.name() + "'");
  }
  return {};
}

void Lowering::Bind(const std::string& name, ActivationValue value) {
  const auto count = consumer_counts_.find(name);
  tensor_readers_[value.tensor] += count == consumer_counts_.end() ? 0 : count->second;
  activations_[name] = std::move(value);
}

const ActivationValue* Lowering::FindActivation(const std::string& name) const {
  const auto found = activations_.find(name);
  return found == activations_.end() ? nullptr : &found->second;
}

bool Lowering::HasInput(const Node& node, size_t slot) const {
  return static_cast<int>(slot) < node.input_size() && !node.input(static_cast<int>(slot)).empty();
}

Result<ActivationValue> Lowering::Activation(const Node& node, size_t slot, bool allow_pads) const {
  if (!HasInput(node, slot)) return Fail(node, "missing input " + std::to_string(slot));
  const std::string& name = node.input(static_cast<int>(slot));
  const ActivationValue* value = FindActivation(name);
  if (value == nullptr) {
    if (constants_.count(name) != 0)
      return Fail(node, "input '" + name + "' is a constant where an activation is expected");
    return Fail(node, "input '" + name + "' is not produced by any earlier node");
  }
  if (!allow_pads && !value->pending_pads.empty())
    return Fail(node, "reads the output of a non-zero Pad, which only folds into a Conv");
  return *value;
}

Result<ConstantValue> Lowering::Constant(const Node& node, size_t slot) const {
  if (!HasInput(node, slot)) return Fail(node, "missing input " + std::to_string(slot));
  const std::string& name = node.input(static_cast<int>(slot));
  const auto found = constants_.find(name);
  if (found == constants_.end())
    return Fail(node, "input '" + name + "' must be a constant (initializer or Constant)");
  return found->second;
}

void Lowering::Alias(const Node& node, const ActivationValue& value) {
  ++tensor_aliases_[value.tensor];
  Bind(node.output(0), value);
}

Result<ActivationValue> Lowering::Reshape(const ActivationValue& in, std::vector<uint32_t> ir_shape,
                                          const std::string& name) {
  auto out = AddReshape(graph_, in.tensor, std::move(ir_shape), name);
  if (!out.ok()) return out.error();
  ActivationValue value = in;
  value.tensor = *out;
  return value;
}

Result<void> Lowering::LowerNode(const Node& node) {
  const std::string& op = node.op_type();
  if (node.output_size() < 1) return Fail(node, "has no output");
  if (op == "Gemm") return LowerGemm(node, false);
  if (op == "MatMul") return LowerGemm(node, true);
  if (op == "Conv") return LowerConv(node);
  if (op == "MaxPool" || op == "AveragePool") return LowerPool(node);
  if (op == "GlobalAveragePool") return LowerGlobalAveragePool(node);
  if (op == "BatchNormalization") return LowerBatchNorm(node);
  if (op == "Add" || op == "Mul") return LowerBinary(node);
  if (op == "Relu") return LowerUnary(node, OpCode::kRelu);
  if (op == "Sigmoid") return LowerUnary(node, OpCode::kSigmoid);
  if (op == "Tanh") return LowerUnary(node, OpCode::kTanh);
  if (op == "Clip") return LowerClip(node);
  if (op == "Softmax") return LowerSoftmax(node);
  if (op == "Flatten" || op == "Reshape") return LowerFlattenOrReshape(node);
  if (op == "Concat") return LowerConcat(node);
  if (op == "Transpose") return LowerTranspose(node);
  if (op == "Pad") return LowerPad(node);
  if (op == "Constant") return LowerConstant(node);
  if (op == "Identity" || op == "Dropout") {
    auto in = Activation(node, 0, true);
    if (!in.ok()) return in.error();
    Alias(node, *in);
    return {};
  }
  return Fail(node, "unsupported op");
}

Result<void> Lowering::LowerConstant(const Node& node) {
  TINYFORGE_TRY(
      CheckAttributes(node, {"value", "value_float", "value_floats", "value_int", "value_ints"}));
  ConstantValue value;
  if (const auto* tensor = FindAttribute(node, "value")) {
    auto read = ReadTensor(tensor->t(), Label(node));
    if (!read.ok()) return read.error();
    value = std::move(*read);
  } else if (const auto* f = FindAttribute(node, "value_float")) {
    value.floats = {f->f()};
  } else if (const auto* fs = FindAttribute(node, "value_floats")) {
    value.floats.assign(fs->floats().begin(), fs->floats().end());
    value.shape = {static_cast<int64_t>(value.floats.size())};
  } else if (const auto* i = FindAttribute(node, "value_int")) {
    value.ints = {i->i()};
    value.is_integer = true;
  } else if (const auto* is = FindAttribute(node, "value_ints")) {
    value.ints.assign(is->ints().begin(), is->ints().end());
    value.shape = {static_cast<int64_t>(value.ints.size())};
    value.is_integer = true;
  } else {
    return Fail(node, "no value attribute");
  }
  if (value.is_integer && value.floats.empty()) {
    for (int64_t v : value.ints) value.floats.push_back(static_cast<float>(v));
  }
  constants_[node.output(0)] = std::move(value);
  return {};
}

Result<void> Lowering::LowerGemm(const Node& node, bool is_matmul) {
  if (is_matmul) {
    TINYFORGE_TRY(CheckAttributes(node, {}));
  } else {
    TINYFORGE_TRY(CheckAttributes(node, {"alpha", "beta", "transA", "transB"}));
  }
  auto a = Activation(node, 0);
  if (!a.ok()) return a.error();
  if (a->shape.size() != 2)
    return Fail(node, "input rank " + std::to_string(a->shape.size()) +
                          " (only [batch, features] inputs; add a Flatten)");
  if (!IsIdentity(a->perm)) return Fail(node, "input is transposed (batch not first)");
  auto b = Constant(node, 1);
  if (!b.ok()) return b.error();
  if (b->shape.size() != 2) return Fail(node, "weights must be a rank-2 constant");
  if (IntAttribute(node, "transA", 0) != 0) return Fail(node, "transA=1 is not supported");
  const bool trans_b = IntAttribute(node, "transB", 0) != 0;
  const float alpha = FloatAttribute(node, "alpha", 1.0f);
  const float beta = FloatAttribute(node, "beta", 1.0f);
  const auto in = static_cast<uint32_t>(trans_b ? b->shape[1] : b->shape[0]);
  const auto out = static_cast<uint32_t>(trans_b ? b->shape[0] : b->shape[1]);
  if (in != a->shape[1])
    return Fail(node, "weights " + std::to_string(b->shape[0]) + "x" + std::to_string(b->shape[1]) +
                          " do not match " + std::to_string(a->shape[1]) + " input features");
  // IR weights [out, in]; IR input column k holds ONNX column column_map[k].
  std::vector<float> weights(size_t{out} * in);
  for (uint32_t o = 0; o < out; ++o) {
    for (uint32_t k = 0; k < in; ++k) {
      const uint32_t source = a->column_map.empty() ? k : a->column_map[k];
      const float w =
          trans_b ? b->floats[size_t{o} * in + source] : b->floats[size_t{source} * out + o];
      weights[size_t{o} * in + k] = alpha * w;
    }
  }
  if (!a->column_map.empty())
    notes_.push_back(NodeText(node) +
                     ": weight columns permuted to read the channels-last flatten");
  std::vector<float> bias(out, 0.0f);
  if (!is_matmul && HasInput(node, 2)) {
    auto c = Constant(node, 2);
    if (!c.ok()) return c.error();
    const size_t count = c->ElementCount();
    const bool per_output =
        count == out && (c->shape.size() == 1 || (c->shape.size() == 2 && c->shape[0] == 1));
    if (count != 1 && !per_output)
      return Fail(node, "bias C must be a scalar or [" + std::to_string(out) + "]");
    for (uint32_t o = 0; o < out; ++o) bias[o] = beta * c->floats[count == 1 ? 0 : o];
  }
  const std::string name = node.name().empty() ? node.output(0) : node.name();
  const int w = graph_.AddConstant(name + ":weights", {out, in}, std::move(weights));
  const int bias_tensor = graph_.AddConstant(name + ":bias", {out}, std::move(bias));
  auto result =
      AddInferredNode(graph_, OpCode::kFullyConnected, {a->tensor, w, bias_tensor}, {}, name);
  if (!result.ok()) return Fail(node, result.error().message);
  ActivationValue value;
  value.tensor = *result;
  value.shape = {a->shape[0], out};
  value.perm = IdentityPerm(2);
  Bind(node.output(0), std::move(value));
  return {};
}

Result<void> Lowering::LowerConv(const Node& node) {
  TINYFORGE_TRY(
      CheckAttributes(node, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}));
  auto x = Activation(node, 0, true);
  if (!x.ok()) return x.error();
  const size_t rank = x->shape.size();
  if (rank != 3 && rank != 4) return Fail(node, "only 1-D and 2-D convolutions are supported");
  if (x->perm != ChannelsLastPerm(rank))
    return Fail(node,
                "input layout cannot be folded to channels-last (a Transpose moved the "
                "channel axis)");
  auto w = Constant(node, 1);
  if (!w.ok()) return w.error();
  const size_t spatial = rank - 2;
  if (w->shape.size() != rank) return Fail(node, "weights must have the input's rank");
  const auto cout = static_cast<uint32_t>(w->shape[0]);
  const uint32_t cin = x->shape[1];
  const int64_t group = IntAttribute(node, "group", 1);
  const bool depthwise = group > 1 && group == cin && cout % cin == 0 && w->shape[1] == 1;
  if (group != 1 && !depthwise)
    return Fail(node, "group=" + std::to_string(group) +
                          " is unsupported (only 1 or depthwise, "
                          "group == input channels)");
  if (group == 1 && w->shape[1] != cin)
    return Fail(node, "weights expect " + std::to_string(w->shape[1]) + " input channels, got " +
                          std::to_string(cin));
  const auto kernel_attr = IntsAttribute(node, "kernel_shape");
  auto strides = IntsAttribute(node, "strides");
  auto dilations = IntsAttribute(node, "dilations");
  auto pads = IntsAttribute(node, "pads");
  if (strides.empty()) strides.assign(spatial, 1);
  if (dilations.empty()) dilations.assign(spatial, 1);
  if (pads.empty()) pads.assign(2 * spatial, 0);
  // kernel_shape too: a shorter list was read past its end (found by the libFuzzer ONNX target).
  if (strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial ||
      (!kernel_attr.empty() && kernel_attr.size() != spatial))
    return Fail(node, "kernel_shape/strides/dilations/pads do not match the spatial rank");
  std::vector<AxisWindow> windows(spatial);
  for (size_t s = 0; s < spatial; ++s) {
    AxisWindow& window = windows[s];
    window.input = x->shape[2 + s];
    if (w->shape[2 + s] < 1 || w->shape[2 + s] > kMaxWindowAttribute)
      return Fail(node, "kernel size " + std::to_string(w->shape[2 + s]) + " is not in 1.." +
                            std::to_string(kMaxWindowAttribute));
    window.kernel = static_cast<uint32_t>(w->shape[2 + s]);
    if (!kernel_attr.empty() && kernel_attr[s] != w->shape[2 + s])
      return Fail(node, "kernel_shape disagrees with the weights");
    // Bounded above too: a stride of 2^32 truncated to a uint32 of 0 divided by zero in
    // ResolveWindow (found by the ONNX structured mutation test).
    if (strides[s] < 1 || dilations[s] < 1 || strides[s] > kMaxWindowAttribute ||
        dilations[s] > kMaxWindowAttribute)
      return Fail(node, "strides/dilations must be in 1.." + std::to_string(kMaxWindowAttribute));
    if (pads[s] < 0 || pads[spatial + s] < 0 || pads[s] > kMaxWindowAttribute ||
        pads[spatial + s] > kMaxWindowAttribute)
      return Fail(node, "pads must be in 0.." + std::to_string(kMaxWindowAttribute));
    window.stride = static_cast<uint32_t>(strides[s]);
    window.dilation = static_cast<uint32_t>(dilations[s]);
    window.pad_begin = pads[s];
    window.pad_end = pads[spatial + s];
    if (!x->pending_pads.empty()) {  // a folded zero Pad (validated to touch only spatial axes)
      window.pad_begin += x->pending_pads[2 + s];
      window.pad_end += x->pending_pads[rank + 2 + s];
    }
    auto resolved = ResolveWindow(window, StringAttribute(node, "auto_pad", "NOTSET"));
    if (!resolved.ok()) return Fail(node, resolved.error().message);
  }
  const std::string name = node.name().empty() ? node.output(0) : node.name();
  NodeParams params;
  const AxisWindow& width = windows.back();
  params.stride_width = width.stride;
  params.dilation_width = width.dilation;
  params.pad_left = static_cast<uint32_t>(width.pad_begin);
  if (spatial == 2) {
    params.stride_height = windows[0].stride;
    params.dilation_height = windows[0].dilation;
    params.pad_top = static_cast<uint32_t>(windows[0].pad_begin);
  }
  const uint32_t kh = spatial == 2 ? windows[0].kernel : 1;
  const uint32_t kw = width.kernel;
  const uint32_t cg = group == 1 ? cin : 1;  // input channels per group in the ONNX weights
  // ONNX weights [cout, cg, kh, kw] (kh = 1 in 1-D); element index:
  auto onnx_w = [&](uint32_t o, uint32_t c, uint32_t i, uint32_t j) {
    return w->floats[((size_t{o} * cg + c) * kh + i) * kw + j];
  };
  std::vector<float> bias(cout, 0.0f);
  if (HasInput(node, 2)) {
    auto b = Constant(node, 2);
    if (!b.ok()) return b.error();
    if (b->ElementCount() != cout) return Fail(node, "bias must have one value per output channel");
    bias = b->floats;
  }
  const int bias_tensor = graph_.AddConstant(name + ":bias", {cout}, std::move(bias));
  ActivationValue in = *x;
  in.pending_pads.clear();
  OpCode op = OpCode::kConv2D;
  std::vector<uint32_t> weight_shape;
  std::vector<float> weights(size_t{cout} * kh * kw * cg);
  if (depthwise) {
    op = OpCode::kDepthwiseConv2D;
    params.depth_multiplier = cout / cin;
    weight_shape = {1, kh, kw, cout};
    for (uint32_t i = 0; i < kh; ++i)
      for (uint32_t j = 0; j < kw; ++j)
        for (uint32_t o = 0; o < cout; ++o)
          weights[(size_t{i} * kw + j) * cout + o] = onnx_w(o, 0, i, j);
    if (spatial == 1) {  // no 1-D depthwise op: run it as a 1-row image
      auto image = Reshape(in, {1, 1, x->shape[2], cin}, name + ":to_image");
      if (!image.ok()) return Fail(node, image.error().message);
      in = *image;
    }
  } else {
    op = spatial == 1 ? OpCode::kConv1D : OpCode::kConv2D;
    weight_shape = spatial == 1 ? std::vector<uint32_t>{cout, kw, cin}
                                : std::vector<uint32_t>{cout, kh, kw, cin};
    for (uint32_t o = 0; o < cout; ++o)
      for (uint32_t i = 0; i < kh; ++i)
        for (uint32_t j = 0; j < kw; ++j)
          for (uint32_t c = 0; c < cin; ++c)
            weights[((size_t{o} * kh + i) * kw + j) * cin + c] = onnx_w(o, c, i, j);
  }
  const int weight_tensor = graph_.AddConstant(name + ":weights", weight_shape, std::move(weights));
  std::vector<uint32_t> out_ir{1, width.output, cout};  // Conv1D
  if (spatial == 2) out_ir = {1, windows[0].output, width.output, cout};
  if (spatial == 1 && depthwise) out_ir = {1, 1, width.output, cout};
  const int output = graph_.AddActivation(name + ":out", out_ir);
  graph_.AddNode(op, {in.tensor, weight_tensor, bias_tensor}, output, params, name);
  ActivationValue value;
  value.tensor = output;
  value.shape = {1, cout};
  for (const auto& window : windows) value.shape.push_back(window.output);
  value.perm = ChannelsLastPerm(rank);
  if (depthwise && spatial == 1) {
    auto back = Reshape(value, {1, width.output, cout}, name + ":to_sequence");
    if (!back.ok()) return Fail(node, back.error().message);
    value.tensor = back->tensor;
  }
  if (x->pending_pads.size() > 0)
    notes_.push_back(NodeText(node) + ": preceding Pad folded into pads");
  Bind(node.output(0), std::move(value));
  return {};
}

Result<void> Lowering::LowerPool(const Node& node) {
  const bool is_max = node.op_type() == "MaxPool";
  TINYFORGE_TRY(CheckAttributes(node, {"auto_pad", "ceil_mode", "count_include_pad", "dilations",
                                       "kernel_shape", "pads", "storage_order", "strides"}));
  if (node.output_size() > 1 && !node.output(1).empty())
    return Fail(node, "the Indices output is not supported");
  if (IntAttribute(node, "ceil_mode", 0) != 0) return Fail(node, "ceil_mode=1 is not supported");
  if (IntAttribute(node, "storage_order", 0) != 0)
    return Fail(node, "storage_order=1 is not supported");
  for (int64_t d : IntsAttribute(node, "dilations")) {
    if (d != 1) return Fail(node, "dilations on pools are not supported");
  }
  auto x = Activation(node, 0);
  if (!x.ok()) return x.error();
  const size_t rank = x->shape.size();
  if (rank != 3 && rank != 4) return Fail(node, "only 1-D and 2-D pools are supported");
  if (x->perm != ChannelsLastPerm(rank)) return Fail(node, "input is not channels-last");
  const size_t spatial = rank - 2;
  const auto kernel = IntsAttribute(node, "kernel_shape");
  auto strides = IntsAttribute(node, "strides");
  auto pads = IntsAttribute(node, "pads");
  if (strides.empty()) strides.assign(spatial, 1);
  if (pads.empty()) pads.assign(2 * spatial, 0);
  if (kernel.size() != spatial || strides.size() != spatial || pads.size() != 2 * spatial)
    return Fail(node, "kernel_shape/strides/pads do not match the spatial rank");
  std::vector<AxisWindow> windows(spatial);
  bool padded = false;
  for (size_t s = 0; s < spatial; ++s) {
    if (kernel[s] < 1 || strides[s] < 1 || kernel[s] > kMaxWindowAttribute ||
        strides[s] > kMaxWindowAttribute)
      return Fail(node, "kernel and strides must be in 1.." + std::to_string(kMaxWindowAttribute));
    if (pads[s] < 0 || pads[spatial + s] < 0 || pads[s] > kMaxWindowAttribute ||
        pads[spatial + s] > kMaxWindowAttribute)
      return Fail(node, "pads must be in 0.." + std::to_string(kMaxWindowAttribute));
    windows[s] = {x->shape[2 + s],
                  static_cast<uint32_t>(kernel[s]),
                  static_cast<uint32_t>(strides[s]),
                  1,
                  pads[s],
                  pads[spatial + s],
                  0};
    auto resolved = ResolveWindow(windows[s], StringAttribute(node, "auto_pad", "NOTSET"));
    if (!resolved.ok()) return Fail(node, resolved.error().message);
    padded = padded || windows[s].pad_begin != 0 || windows[s].pad_end != 0;
  }
  if (!is_max && padded && IntAttribute(node, "count_include_pad", 0) != 0)
    return Fail(node,
                "count_include_pad=1 with padding is not supported (the runtime averages "
                "over the valid window only)");
  const std::string name = node.name().empty() ? node.output(0) : node.name();
  const uint32_t channels = x->shape[1];
  ActivationValue in = *x;
  if (spatial == 1) {
    auto image = Reshape(in, {1, 1, x->shape[2], channels}, name + ":to_image");
    if (!image.ok()) return Fail(node, image.error().message);
    in = *image;
  }
  const AxisWindow& width = windows.back();
  const AxisWindow height = spatial == 2 ? windows[0] : AxisWindow{1, 1, 1, 1, 0, 0, 1};
  NodeParams params;
  params.filter_height = height.kernel;
  params.filter_width = width.kernel;
  params.stride_height = height.stride;
  params.stride_width = width.stride;
  params.pad_top = static_cast<uint32_t>(height.pad_begin);
  params.pad_left = static_cast<uint32_t>(width.pad_begin);
  const int output =
      graph_.AddActivation(name + ":out", {1, height.output, width.output, channels});
  graph_.AddNode(is_max ? OpCode::kMaxPool2D : OpCode::kAveragePool2D, {in.tensor}, output, params,
                 name);
  ActivationValue value;
  value.tensor = output;
  value.shape = {1, channels};
  for (const auto& window : windows) value.shape.push_back(window.output);
  value.perm = ChannelsLastPerm(rank);
  if (spatial == 1) {
    auto back = Reshape(value, {1, width.output, channels}, name + ":to_sequence");
    if (!back.ok()) return Fail(node, back.error().message);
    value.tensor = back->tensor;
  }
  Bind(node.output(0), std::move(value));
  return {};
}

Result<void> Lowering::LowerGlobalAveragePool(const Node& node) {
  TINYFORGE_TRY(CheckAttributes(node, {}));
  auto x = Activation(node, 0);
  if (!x.ok()) return x.error();
  const size_t rank = x->shape.size();
  if ((rank != 3 && rank != 4) || x->perm != ChannelsLastPerm(rank))
    return Fail(node, "input must be a channels-last 1-D or 2-D map");
  const std::string name = node.name().empty() ? node.output(0) : node.name();
  const uint32_t channels = x->shape[1];
  ActivationValue in = *x;
  if (rank == 3) {
    auto image = Reshape(in, {1, 1, x->shape[2], channels}, name + ":to_image");
    if (!image.ok()) return Fail(node, image.error().message);
    in = *image;
  }
  auto pooled = AddInferredNode(graph_, OpCode::kGlobalAveragePool, {in.tensor}, {}, name);
  if (!pooled.ok()) return Fail(node, pooled.error().message);
  ActivationValue value;
  value.tensor = *pooled;
  value.shape =
      rank == 3 ? std::vector<uint32_t>{1, channels, 1} : std::vector<uint32_t>{1, channels, 1, 1};
  value.perm = ChannelsLastPerm(rank);
  if (rank == 3) {
    auto back = Reshape(value, {1, 1, channels}, name + ":to_sequence");
    if (!back.ok()) return Fail(node, back.error().message);
    value.tensor = back->tensor;
  }
  Bind(node.output(0), std::move(value));
  return {};
}

}  // namespace tinyforge::toolchain::onnx_import
