// Float reference executor: each op written for clarity, Eigen for the matrix products
// (convolutions go through im2col so they are one product per sample).
#include "toolchain/ir/float_executor.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace tinyforge::toolchain {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMap = Eigen::Map<const RowMatrix>;
using RowMap = Eigen::Map<RowMatrix>;

float Activate(float value, FusedActivation activation) {
  switch (activation) {
    case FusedActivation::kRelu:
      return std::max(value, 0.0f);
    case FusedActivation::kRelu6:
      return std::min(std::max(value, 0.0f), 6.0f);
    case FusedActivation::kNone:
      break;
  }
  return value;
}

void ActivateAll(std::vector<float>& values, FusedActivation activation) {
  if (activation == FusedActivation::kNone) return;
  for (float& value : values) value = Activate(value, activation);
}

struct ConvGeometry {
  uint32_t batch, in_h, in_w, in_c, k_h, k_w, out_h, out_w, out_c;
  uint32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
};

// out[b] = im2col(in[b]) * weights^T + bias; weights row-major [out_c, k_h * k_w * in_c].
void ConvIm2Col(const ConvGeometry& g, const float* input, const float* weights, const float* bias,
                float* output) {
  const Eigen::Index patch = Eigen::Index{g.k_h} * g.k_w * g.in_c;
  const Eigen::Index positions = Eigen::Index{g.out_h} * g.out_w;
  RowMatrix columns(positions, patch);
  const ConstRowMap weight_matrix(weights, g.out_c, patch);
  for (uint32_t b = 0; b < g.batch; ++b) {
    columns.setZero();
    for (uint32_t oy = 0; oy < g.out_h; ++oy) {
      for (uint32_t ox = 0; ox < g.out_w; ++ox) {
        float* row = columns.row(Eigen::Index{oy} * g.out_w + ox).data();
        for (uint32_t ky = 0; ky < g.k_h; ++ky) {
          const int64_t iy = int64_t{oy} * g.stride_h + int64_t{ky} * g.dil_h - g.pad_top;
          if (iy < 0 || iy >= g.in_h) continue;
          for (uint32_t kx = 0; kx < g.k_w; ++kx) {
            const int64_t ix = int64_t{ox} * g.stride_w + int64_t{kx} * g.dil_w - g.pad_left;
            if (ix < 0 || ix >= g.in_w) continue;
            const float* source =
                input + ((int64_t{b} * g.in_h + iy) * g.in_w + ix) * g.in_c;
            std::copy(source, source + g.in_c, row + (ky * g.k_w + kx) * g.in_c);
          }
        }
      }
    }
    RowMap out(output + Eigen::Index{b} * positions * g.out_c, positions, g.out_c);
    out.noalias() = columns * weight_matrix.transpose();
    if (bias != nullptr) out.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias, g.out_c);
  }
}

class Executor {
 public:
  Executor(const Graph& graph, uint32_t batch) : graph_(graph), batch_(batch) {
    trace_.values.resize(graph.tensors.size());
    trace_.shapes.resize(graph.tensors.size());
    for (size_t i = 0; i < graph.tensors.size(); ++i) {
      const IrTensor& tensor = graph.tensors[i];
      trace_.shapes[i] = tensor.shape;
      if (tensor.is_constant) {
        trace_.values[i] = tensor.float_data;
      } else if (!tensor.shape.empty()) {
        trace_.shapes[i][0] = batch;
      }
    }
  }

  Result<ExecutionTrace> Run(const std::vector<std::vector<float>>& inputs) {
    if (inputs.size() != graph_.inputs.size())
      return MakeError("RunFloatGraph: " + std::to_string(inputs.size()) + " inputs given, graph has " +
                       std::to_string(graph_.inputs.size()));
    for (const IrTensor& tensor : graph_.tensors) {
      if (tensor.dtype != DType::kFloat32)
        return MakeError("RunFloatGraph: tensor '" + tensor.name + "' is not float32");
    }
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto index = static_cast<size_t>(graph_.inputs[i]);
      if (inputs[i].size() != Count(trace_.shapes[index]))
        return MakeError("RunFloatGraph: input '" + graph_.tensors[index].name + "' needs " +
                         std::to_string(Count(trace_.shapes[index])) + " values, got " +
                         std::to_string(inputs[i].size()));
      trace_.values[index] = inputs[i];
    }
    for (size_t n = 0; n < graph_.nodes.size(); ++n) {
      const IrNode& node = graph_.nodes[n];
      auto& out = trace_.values[static_cast<size_t>(node.output)];
      out.assign(Count(trace_.shapes[static_cast<size_t>(node.output)]), 0.0f);
      auto status = RunNode(node, out);
      if (!status.ok())
        return MakeError("node " + std::to_string(n) + " (" +
                         format::OpName(static_cast<uint16_t>(node.op)) + " '" + node.name +
                         "'): " + status.error().message);
    }
    return std::move(trace_);
  }

 private:
  static size_t Count(const std::vector<uint32_t>& shape) {
    size_t count = 1;
    for (uint32_t dim : shape) count *= dim;
    return count;
  }
  const std::vector<float>& Value(int tensor) const {
    return trace_.values[static_cast<size_t>(tensor)];
  }
  const std::vector<uint32_t>& Shape(int tensor) const {
    return trace_.shapes[static_cast<size_t>(tensor)];
  }
  const float* OptionalData(const IrNode& node, size_t slot) const {
    if (slot >= node.inputs.size() || node.inputs[slot] == kNoInput) return nullptr;
    return Value(node.inputs[slot]).data();
  }

  Result<void> RunNode(const IrNode& node, std::vector<float>& out) {
    const auto& in = Value(node.inputs[0]);
    const auto& in_shape = Shape(node.inputs[0]);
    const auto& out_shape = Shape(node.output);
    const NodeParams& p = node.params;
    switch (node.op) {
      case OpCode::kFullyConnected: {
        const auto& w_shape = Shape(node.inputs[1]);
        const ConstRowMap x(in.data(), in_shape[0], in_shape[1]);
        const ConstRowMap w(Value(node.inputs[1]).data(), w_shape[0], w_shape[1]);
        RowMap y(out.data(), in_shape[0], w_shape[0]);
        y.noalias() = x * w.transpose();
        if (const float* bias = OptionalData(node, 2))
          y.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias, w_shape[0]);
        ActivateAll(out, p.activation);
        return {};
      }
      case OpCode::kConv1D: {
        const auto& w = Shape(node.inputs[1]);
        const ConvGeometry g{in_shape[0], 1, in_shape[1], in_shape[2], 1, w[1], 1, out_shape[1],
                             w[0], 1, p.stride_width, 1, p.dilation_width, 0, p.pad_left};
        ConvIm2Col(g, in.data(), Value(node.inputs[1]).data(), OptionalData(node, 2), out.data());
        ActivateAll(out, p.activation);
        return {};
      }
      case OpCode::kConv2D: {
        const auto& w = Shape(node.inputs[1]);
        const ConvGeometry g{in_shape[0], in_shape[1], in_shape[2], in_shape[3], w[1], w[2],
                             out_shape[1], out_shape[2], w[0], p.stride_height, p.stride_width,
                             p.dilation_height, p.dilation_width, p.pad_top, p.pad_left};
        ConvIm2Col(g, in.data(), Value(node.inputs[1]).data(), OptionalData(node, 2), out.data());
        ActivateAll(out, p.activation);
        return {};
      }
      case OpCode::kDepthwiseConv2D:
        DepthwiseConv(node, in, in_shape, out, out_shape);
        ActivateAll(out, p.activation);
        return {};
      case OpCode::kMaxPool2D:
      case OpCode::kAveragePool2D:
        Pool(node, in, in_shape, out, out_shape);
        ActivateAll(out, p.activation);
        return {};
      case OpCode::kGlobalAveragePool: {
        const uint32_t area = in_shape[1] * in_shape[2], channels = in_shape[3];
        for (uint32_t b = 0; b < in_shape[0]; ++b) {
          const ConstRowMap image(in.data() + size_t{b} * area * channels, area, channels);
          Eigen::Map<Eigen::RowVectorXf>(out.data() + size_t{b} * channels, channels) =
              image.colwise().mean();
        }
        return {};
      }
      case OpCode::kAdd:
      case OpCode::kMul: {
        // A batch-1 operand (a constant, e.g. the standardization head) repeats for every row of
        // a batched run; any other size mismatch is an error, never a read past the end.
        const auto& other = Value(node.inputs[1]);
        if (other.empty() || out.size() % other.size() != 0 || in.size() != out.size()) {
          return MakeError("float executor: node '" + node.name + "': operand sizes " +
                           std::to_string(in.size()) + " and " + std::to_string(other.size()) +
                           " do not match");
        }
        for (size_t i = 0; i < out.size(); ++i) {
          const float b = other[i % other.size()];
          out[i] = Activate(node.op == OpCode::kAdd ? in[i] + b : in[i] * b, p.activation);
        }
        return {};
      }
      case OpCode::kRelu:
        for (size_t i = 0; i < out.size(); ++i) out[i] = std::max(in[i], 0.0f);
        return {};
      case OpCode::kRelu6:
        for (size_t i = 0; i < out.size(); ++i) out[i] = std::min(std::max(in[i], 0.0f), 6.0f);
        return {};
      case OpCode::kSigmoid:
        for (size_t i = 0; i < out.size(); ++i) out[i] = 1.0f / (1.0f + std::exp(-in[i]));
        return {};
      case OpCode::kTanh:
        for (size_t i = 0; i < out.size(); ++i) out[i] = std::tanh(in[i]);
        return {};
      case OpCode::kSoftmax: {
        const uint32_t depth = in_shape.back();
        for (size_t row = 0; row < out.size() / depth; ++row) {
          const float* x = in.data() + row * depth;
          float* y = out.data() + row * depth;
          const float max_value = *std::max_element(x, x + depth);
          float sum = 0.0f;
          for (uint32_t i = 0; i < depth; ++i) {
            y[i] = std::exp(p.softmax_beta * (x[i] - max_value));
            sum += y[i];
          }
          for (uint32_t i = 0; i < depth; ++i) y[i] /= sum;
        }
        return {};
      }
      case OpCode::kReshape:
      case OpCode::kQuantize:  // in a float graph these are identities
      case OpCode::kDequantize:
        if (in.size() != out.size()) return MakeError("element count changes");
        out = in;
        return {};
      case OpCode::kConcat:
        Concat(node, out);
        return {};
      case OpCode::kTreeEnsemble:  // integer forest arrays: refused above, run by the runtime
        return MakeError("TreeEnsemble runs on the runtime (RunBlobOnHost), not the float executor");
    }
    return MakeError("unsupported op");
  }

  void DepthwiseConv(const IrNode& node, const std::vector<float>& in,
                     const std::vector<uint32_t>& s, std::vector<float>& out,
                     const std::vector<uint32_t>& o) const {
    const NodeParams& p = node.params;
    const auto& w_shape = Shape(node.inputs[1]);
    const float* weights = Value(node.inputs[1]).data();
    const float* bias = OptionalData(node, 2);
    const uint32_t k_h = w_shape[1], k_w = w_shape[2], out_c = w_shape[3];
    for (uint32_t b = 0; b < s[0]; ++b)
      for (uint32_t oy = 0; oy < o[1]; ++oy)
        for (uint32_t ox = 0; ox < o[2]; ++ox)
          for (uint32_t oc = 0; oc < out_c; ++oc) {
            const uint32_t ic = oc / p.depth_multiplier;
            float acc = bias != nullptr ? bias[oc] : 0.0f;
            for (uint32_t ky = 0; ky < k_h; ++ky) {
              const int64_t iy = int64_t{oy} * p.stride_height + int64_t{ky} * p.dilation_height -
                                 p.pad_top;
              if (iy < 0 || iy >= s[1]) continue;
              for (uint32_t kx = 0; kx < k_w; ++kx) {
                const int64_t ix = int64_t{ox} * p.stride_width + int64_t{kx} * p.dilation_width -
                                   p.pad_left;
                if (ix < 0 || ix >= s[2]) continue;
                acc += in[static_cast<size_t>(((int64_t{b} * s[1] + iy) * s[2] + ix) * s[3] + ic)] *
                       weights[(size_t{ky} * k_w + kx) * out_c + oc];
              }
            }
            out[((size_t{b} * o[1] + oy) * o[2] + ox) * out_c + oc] = acc;
          }
  }

  void Pool(const IrNode& node, const std::vector<float>& in, const std::vector<uint32_t>& s,
            std::vector<float>& out, const std::vector<uint32_t>& o) const {
    const NodeParams& p = node.params;
    const bool is_max = node.op == OpCode::kMaxPool2D;
    for (uint32_t b = 0; b < s[0]; ++b)
      for (uint32_t oy = 0; oy < o[1]; ++oy)
        for (uint32_t ox = 0; ox < o[2]; ++ox)
          for (uint32_t c = 0; c < s[3]; ++c) {
            float acc = is_max ? -INFINITY : 0.0f;
            uint32_t count = 0;  // padding is excluded from averages (TFLite's convention)
            for (uint32_t ky = 0; ky < p.filter_height; ++ky) {
              const int64_t iy = int64_t{oy} * p.stride_height + ky - p.pad_top;
              if (iy < 0 || iy >= s[1]) continue;
              for (uint32_t kx = 0; kx < p.filter_width; ++kx) {
                const int64_t ix = int64_t{ox} * p.stride_width + kx - p.pad_left;
                if (ix < 0 || ix >= s[2]) continue;
                const float value =
                    in[static_cast<size_t>(((int64_t{b} * s[1] + iy) * s[2] + ix) * s[3] + c)];
                acc = is_max ? std::max(acc, value) : acc + value;
                ++count;
              }
            }
            if (!is_max && count > 0) acc /= static_cast<float>(count);
            out[((size_t{b} * o[1] + oy) * o[2] + ox) * s[3] + c] = acc;
          }
  }

  void Concat(const IrNode& node, std::vector<float>& out) const {
    const auto axis = static_cast<size_t>(node.params.concat_axis);
    const auto& out_shape = Shape(node.output);
    size_t outer = 1, inner = 1;
    for (size_t d = 0; d < axis; ++d) outer *= out_shape[d];
    for (size_t d = axis + 1; d < out_shape.size(); ++d) inner *= out_shape[d];
    size_t position = 0;
    for (size_t o = 0; o < outer; ++o) {
      for (int input : node.inputs) {
        const size_t block = Shape(input)[axis] * inner;
        const float* source = Value(input).data() + o * block;
        std::copy(source, source + block, out.begin() + static_cast<std::ptrdiff_t>(position));
        position += block;
      }
    }
  }

  const Graph& graph_;
  uint32_t batch_;
  ExecutionTrace trace_;
};

}  // namespace

Result<ExecutionTrace> RunFloatGraph(const Graph& graph, uint32_t batch,
                                     const std::vector<std::vector<float>>& inputs) {
  TINYFORGE_TRY(graph.Validate());
  if (batch == 0) return MakeError("RunFloatGraph: batch must be >= 1");
  Executor executor(graph, batch);
  return executor.Run(inputs);
}

Result<std::vector<float>> PredictFloat(const Graph& graph, const std::vector<float>& data,
                                        size_t rows) {
  if (graph.inputs.size() != 1 || graph.outputs.empty())
    return MakeError("PredictFloat: graph must have one input");
  const IrTensor& input = graph.tensors[static_cast<size_t>(graph.inputs[0])];
  const size_t sample = input.ElementCount() / std::max<uint32_t>(input.shape[0], 1);
  if (rows == 0 || data.size() != rows * sample)
    return MakeError("PredictFloat: " + std::to_string(data.size()) + " values for " +
                     std::to_string(rows) + " rows of " + std::to_string(sample));
  constexpr size_t kChunkRows = 512;
  std::vector<float> result;
  for (size_t start = 0; start < rows; start += kChunkRows) {
    const size_t count = std::min(kChunkRows, rows - start);
    std::vector<float> chunk(data.begin() + static_cast<std::ptrdiff_t>(start * sample),
                             data.begin() + static_cast<std::ptrdiff_t>((start + count) * sample));
    auto trace = RunFloatGraph(graph, static_cast<uint32_t>(count), {std::move(chunk)});
    if (!trace.ok()) return trace.error();
    const auto& out = trace->values[static_cast<size_t>(graph.outputs[0])];
    result.insert(result.end(), out.begin(), out.end());
  }
  return result;
}

size_t ArgMax(const float* values, size_t count) {
  return static_cast<size_t>(std::max_element(values, values + count) - values);
}

}  // namespace tinyforge::toolchain
