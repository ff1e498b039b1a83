// Post-training int8 quantization (see quantize.h for the steps).
#include "toolchain/passes/quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "kernels/reference/activations.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/quantization_math.h"
#include "toolchain/ir/float_executor.h"
#include "toolchain/passes/fuse_activations.h"
#include "toolchain/train/dataset.h"

namespace tinyforge::toolchain {
namespace {

struct Observed {
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  std::vector<float> samples;
  size_t stride = 1;
  size_t seen = 0;
};

Result<std::vector<Observed>> Calibrate(const Graph& graph, const std::vector<float>& data,
                                        size_t rows, const QuantizeOptions& options) {
  const IrTensor& input = graph.tensors[static_cast<size_t>(graph.inputs[0])];
  const size_t sample = input.ElementCount() / std::max<uint32_t>(input.shape[0], 1);
  if (rows == 0 || data.size() != rows * sample)
    return MakeError("QuantizeGraph: calibration has " + std::to_string(data.size()) +
                     " values, expected rows x " + std::to_string(sample));
  std::vector<Observed> observed(graph.tensors.size());
  const bool keep_samples = options.range_method == RangeMethod::kPercentile;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const IrTensor& tensor = graph.tensors[t];
    if (tensor.is_constant || tensor.shape.empty()) continue;
    const size_t per_row = tensor.ElementCount() / std::max<uint32_t>(tensor.shape[0], 1);
    observed[t].stride = std::max<size_t>(1, rows * per_row / std::max<size_t>(
                                                                  options.max_samples_per_tensor, 1));
  }
  constexpr size_t kChunkRows = 256;
  for (size_t start = 0; start < rows; start += kChunkRows) {
    const size_t count = std::min(kChunkRows, rows - start);
    std::vector<float> chunk(data.begin() + static_cast<std::ptrdiff_t>(start * sample),
                             data.begin() + static_cast<std::ptrdiff_t>((start + count) * sample));
    auto trace = RunFloatGraph(graph, static_cast<uint32_t>(count), {std::move(chunk)});
    if (!trace.ok()) return MakeError("QuantizeGraph calibration: " + trace.error().message);
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
      if (graph.tensors[t].is_constant) continue;
      Observed& o = observed[t];
      for (float value : trace->values[t]) {
        o.min = std::min(o.min, value);
        o.max = std::max(o.max, value);
        if (keep_samples && o.seen++ % o.stride == 0) o.samples.push_back(value);
      }
    }
  }
  return observed;
}

// Per-channel symmetric int8 weights along `axis` (0 = output channel for FC/Conv, 3 for DW).
struct QuantizedWeights {
  std::vector<int32_t> values;
  std::vector<float> scales;
};
QuantizedWeights QuantizeWeights(const IrTensor& weights, uint32_t axis) {
  const auto& shape = weights.shape;
  const uint32_t channels = shape[axis];
  size_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  auto channel_of = [&](size_t i) { return static_cast<uint32_t>((i / inner) % channels); };
  std::vector<float> max_abs(channels, 0.0f);
  for (size_t i = 0; i < weights.float_data.size(); ++i)
    max_abs[channel_of(i)] = std::max(max_abs[channel_of(i)], std::fabs(weights.float_data[i]));
  const float tensor_max = *std::max_element(max_abs.begin(), max_abs.end());
  QuantizedWeights result;
  for (float m : max_abs) {
    // An all-zero channel (e.g. pruned) still needs a valid scale; borrow the tensor's.
    const float range = m > 0.0f ? m : (tensor_max > 0.0f ? tensor_max : 1.0f);
    result.scales.push_back(range / 127.0f);
  }
  result.values.resize(weights.float_data.size());
  for (size_t i = 0; i < weights.float_data.size(); ++i) {
    const double q = std::nearbyint(weights.float_data[i] / result.scales[channel_of(i)]);
    result.values[i] = static_cast<int32_t>(std::clamp(q, -127.0, 127.0));
  }
  return result;
}

class Quantizer {
 public:
  Quantizer(const Graph& graph, const QuantizeOptions& options) : g_(graph), options_(options) {}

  Result<Graph> Run(const std::vector<Observed>& observed) {
    TINYFORGE_TRY(ChooseParams(observed));
    out_.metadata = g_.metadata;
    for (int input : g_.inputs) {
      const int q = MapActivation(input, options_.float_interface ? ":q" : "");
      if (options_.float_interface) {
        const int f = out_.AddActivation(g_.tensors[static_cast<size_t>(input)].name,
                                         g_.tensors[static_cast<size_t>(input)].shape);
        out_.AddNode(OpCode::kQuantize, {f}, q, {}, "quantize_input");
        out_.inputs.push_back(f);
      } else {
        out_.inputs.push_back(q);
      }
    }
    for (const IrNode& node : g_.nodes) TINYFORGE_TRY(EmitNode(node));
    for (int output : g_.outputs) {
      const int q = MapActivation(output, "");
      if (options_.float_interface) {
        const int f = out_.AddActivation(g_.tensors[static_cast<size_t>(output)].name + ":float",
                                         g_.tensors[static_cast<size_t>(output)].shape);
        out_.AddNode(OpCode::kDequantize, {q}, f, {}, "dequantize_output");
        out_.outputs.push_back(f);
      } else {
        out_.outputs.push_back(q);
      }
    }
    TINYFORGE_TRY(out_.Validate());
    return std::move(out_);
  }

 private:
  Result<void> ChooseParams(const std::vector<Observed>& observed) {
    const size_t count = g_.tensors.size();
    std::vector<float> low(count, 0.0f), high(count, 0.0f);
    for (size_t t = 0; t < count; ++t) {
      const Observed& o = observed[t];
      if (g_.tensors[t].is_constant || o.min > o.max) continue;
      if (options_.range_method == RangeMethod::kPercentile && !o.samples.empty()) {
        const double p = std::clamp(options_.percentile, 50.0, 100.0) / 100.0;
        low[t] = static_cast<float>(Quantile(o.samples, 1.0 - p));
        high[t] = static_cast<float>(Quantile(o.samples, p));
      } else {
        low[t] = o.min;
        high[t] = o.max;
      }
    }
    // Concat requires one quantization for all its inputs and its output: the union range.
    for (const IrNode& node : g_.nodes) {
      if (node.op != OpCode::kConcat) continue;
      float lo = low[static_cast<size_t>(node.output)], hi = high[static_cast<size_t>(node.output)];
      for (int input : node.inputs) {
        lo = std::min(lo, low[static_cast<size_t>(input)]);
        hi = std::max(hi, high[static_cast<size_t>(input)]);
      }
      for (int input : node.inputs) {
        low[static_cast<size_t>(input)] = lo;
        high[static_cast<size_t>(input)] = hi;
      }
      low[static_cast<size_t>(node.output)] = lo;
      high[static_cast<size_t>(node.output)] = hi;
    }
    params_.assign(count, std::nullopt);
    for (int input : g_.inputs)
      params_[static_cast<size_t>(input)] = ChooseActivationQuant(low[static_cast<size_t>(input)],
                                                                  high[static_cast<size_t>(input)]);
    for (const IrNode& node : g_.nodes) {
      auto& out = params_[static_cast<size_t>(node.output)];
      const auto& in = params_[static_cast<size_t>(node.inputs[0])];
      switch (node.op) {
        case OpCode::kReshape:
        case OpCode::kMaxPool2D:
        case OpCode::kAveragePool2D:
        case OpCode::kGlobalAveragePool:
        case OpCode::kRelu:
        case OpCode::kRelu6:
          out = in;  // the runtime requires these to keep their input's quantization
          break;
        case OpCode::kSoftmax:
        case OpCode::kSigmoid:
          out = ActivationQuant{kernels::kSoftmaxS8OutputScale, kernels::kSoftmaxS8OutputZeroPoint};
          break;
        case OpCode::kTanh:
          out = ActivationQuant{1.0f / 128.0f, 0};
          break;
        case OpCode::kQuantize:
        case OpCode::kDequantize:
          return MakeError("QuantizeGraph: node '" + node.name + "' is already a (de)quantize");
        default:
          out = ChooseActivationQuant(low[static_cast<size_t>(node.output)],
                                      high[static_cast<size_t>(node.output)]);
      }
      if (node.op == OpCode::kConcat) {
        for (int input : node.inputs) {
          const auto& p = params_[static_cast<size_t>(input)];
          if (!p || p->scale != out->scale || p->zero_point != out->zero_point)
            return MakeError("QuantizeGraph: concat '" + node.name + "' input '" +
                             g_.tensors[static_cast<size_t>(input)].name +
                             "' cannot share the concat's quantization");
        }
      }
    }
    return {};
  }

  // The int8 tensor of activation `tensor` in the output graph (created on first use).
  int MapActivation(int tensor, const std::string& suffix) {
    auto found = map_.find(tensor);
    if (found != map_.end()) return found->second;
    const IrTensor& source = g_.tensors[static_cast<size_t>(tensor)];
    IrTensor q;
    q.name = source.name + suffix;
    q.shape = source.shape;
    q.dtype = DType::kInt8;
    const ActivationQuant p = params_[static_cast<size_t>(tensor)].value_or(ActivationQuant{});
    q.quant.scales = {p.scale};
    q.quant.zero_points = {p.zero_point};
    const int index = out_.AddTensor(std::move(q));
    map_[tensor] = index;
    return index;
  }


  Result<void> EmitNode(const IrNode& node) {
    IrNode q = node;
    q.output = MapActivation(node.output, "");
    const std::string label = std::string(format::OpName(static_cast<uint16_t>(node.op))) + " '" +
                              node.name + "'";
    switch (node.op) {
      case OpCode::kFullyConnected:
      case OpCode::kConv1D:
      case OpCode::kConv2D:
      case OpCode::kDepthwiseConv2D:
        return EmitWeighted(node, q, label);
      case OpCode::kAdd:
      case OpCode::kMul: {
        q.inputs = {MapActivation(node.inputs[0], ""), MapActivation(node.inputs[1], "")};
        const float s1 = out_.tensors[static_cast<size_t>(q.inputs[0])].quant.scales[0];
        const float s2 = out_.tensors[static_cast<size_t>(q.inputs[1])].quant.scales[0];
        const float so = out_.tensors[static_cast<size_t>(q.output)].quant.scales[0];
        format::ElementwiseParams params{};
        params.activation = static_cast<uint8_t>(node.params.activation);
        const bool ok = node.op == OpCode::kAdd ? kernels::DeriveAddParams(s1, s2, so, &params)
                                                : kernels::DeriveMulParams(s1, s2, so, &params);
        if (!ok) return MakeError("QuantizeGraph: " + label + ": multipliers not representable");
        q.params.elementwise = params;
        break;
      }
      default:
        q.inputs.clear();
        for (int input : node.inputs) {
          if (g_.tensors[static_cast<size_t>(input)].is_constant)
            return MakeError("QuantizeGraph: " + label + ": constant operands are not supported");
          q.inputs.push_back(MapActivation(input, ""));
        }
    }
    out_.nodes.push_back(std::move(q));
    return {};
  }

  Result<void> EmitWeighted(const IrNode& node, IrNode& q, const std::string& label) {
    const IrTensor& weights = g_.tensors[static_cast<size_t>(node.inputs[1])];
    if (!weights.is_constant) return MakeError("QuantizeGraph: " + label + ": weights not constant");
    const uint32_t axis = node.op == OpCode::kDepthwiseConv2D ? 3 : 0;
    const uint32_t channels = weights.shape[axis];
    const QuantizedWeights w = QuantizeWeights(weights, axis);
    const int input = MapActivation(node.inputs[0], "");
    const float input_scale = out_.tensors[static_cast<size_t>(input)].quant.scales[0];
    const int32_t input_zero_point = out_.tensors[static_cast<size_t>(input)].quant.zero_points[0];
    const float output_scale = out_.tensors[static_cast<size_t>(q.output)].quant.scales[0];
    QuantInfo weight_quant;
    weight_quant.scales = w.scales;
    weight_quant.zero_points.assign(channels, 0);
    weight_quant.axis = axis;
    const int weights_q = out_.AddIntConstant(weights.name + ":q", weights.shape, DType::kInt8, w.values,
                                         weight_quant);
    std::vector<int32_t> bias(channels, 0);
    const bool has_bias = node.inputs.size() > 2 && node.inputs[2] != kNoInput;
    if (has_bias) {
      const IrTensor& b = g_.tensors[static_cast<size_t>(node.inputs[2])];
      for (uint32_t c = 0; c < channels; ++c) {
        const double scale = static_cast<double>(input_scale) * w.scales[c];
        const double value = std::nearbyint(b.float_data[c] / scale);
        bias[c] = static_cast<int32_t>(std::clamp(value, -2147483647.0, 2147483647.0));
      }
    }
    std::vector<int32_t> requant(size_t{channels} * 2);
    for (uint32_t c = 0; c < channels; ++c) {
      const float effective = kernels::EffectiveScale(input_scale, w.scales[c], output_scale);
      if (!kernels::QuantizeMultiplier(effective, &requant[2 * c], &requant[2 * c + 1]))
        return MakeError("QuantizeGraph: " + label + ": channel " + std::to_string(c) +
                         " effective scale " + std::to_string(effective) +
                         " is not representable");
    }
    q.inputs = {input, weights_q,
                has_bias ? out_.AddIntConstant(g_.tensors[static_cast<size_t>(node.inputs[2])].name + ":q",
                                          {channels}, DType::kInt32, bias)
                         : kNoInput,
                out_.AddIntConstant(node.name + "/requant", {channels, 2}, DType::kInt32, requant)};
    const bool foldable = node.op == OpCode::kFullyConnected || node.op == OpCode::kConv2D;
    if (options_.fold_bias && foldable) {
      const size_t taps = w.values.size() / channels;
      std::vector<int32_t> folded(channels);
      for (uint32_t c = 0; c < channels; ++c) {
        int64_t sum = 0;
        for (size_t t = 0; t < taps; ++t) sum += w.values[c * taps + t];
        folded[c] = static_cast<int32_t>(bias[c] - int64_t{input_zero_point} * sum);
      }
      q.inputs.push_back(out_.AddIntConstant(node.name + "/folded_bias", {channels}, DType::kInt32,
                                        folded));
    }
    out_.nodes.push_back(q);
    return {};
  }

  const Graph& g_;
  const QuantizeOptions& options_;
  std::vector<std::optional<ActivationQuant>> params_;
  std::map<int, int> map_;
  Graph out_;
};

}  // namespace

ActivationQuant ChooseActivationQuant(float min_value, float max_value) {
  float low = std::min(min_value, 0.0f);
  float high = std::max(max_value, 0.0f);
  if (!(high > low)) high = low + 1.0f;  // a constant-zero tensor: any scale will do
  ActivationQuant quant;
  quant.scale = (high - low) / 255.0f;
  const double zero_point = std::nearbyint(-128.0 - static_cast<double>(low) / quant.scale);
  quant.zero_point = static_cast<int32_t>(std::clamp(zero_point, -128.0, 127.0));
  return quant;
}

Result<Graph> QuantizeGraph(const Graph& float_graph, const std::vector<float>& calibration,
                            size_t rows, const QuantizeOptions& options) {
  if (float_graph.inputs.size() != 1)
    return MakeError("QuantizeGraph: calibration supports single-input graphs only");
  auto fused = FuseActivations(float_graph);
  if (!fused.ok()) return fused.error();
  auto observed = Calibrate(*fused, calibration, rows, options);
  if (!observed.ok()) return observed.error();
  Quantizer quantizer(*fused, options);
  return quantizer.Run(*observed);
}

}  // namespace tinyforge::toolchain
