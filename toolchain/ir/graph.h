// The toolchain's graph IR: tensors, nodes using the .tfm op set, graph inputs/outputs and model
// metadata. Trainers and importers produce it, passes rewrite it, the emitter turns it into .tfm.
//
// Conventions (the same as the runtime's, so emission is a straight copy):
//   - row-major, last dimension fastest; dim 0 of every activation is the batch;
//   - FullyConnected weights [out, in]; Conv1D weights [cout, kw, cin] on input [batch, width, cin];
//     Conv2D weights [cout, kh, kw, cin] on NHWC; DepthwiseConv2D weights [1, kh, kw, cout];
//   - padding is explicit (leading pads in params; trailing pads follow from the output shape);
//   - a float graph has only kFloat32 tensors; the quantize pass produces int8/int32 tensors with
//     QuantInfo, plus Quantize/Dequantize nodes at a float interface.
#ifndef TINYFORGE_TOOLCHAIN_IR_GRAPH_H_
#define TINYFORGE_TOOLCHAIN_IR_GRAPH_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tinyforge/format/tfm.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

using format::DType;
using format::FusedActivation;
using format::OpCode;

inline constexpr int kNoInput = -1;  // an absent optional node input

// real = scales[c] * (q - zero_points[c]); one entry = per-tensor, else per-channel along axis.
struct QuantInfo {
  std::vector<float> scales;
  std::vector<int32_t> zero_points;
  uint32_t axis = 0;
  bool empty() const { return scales.empty(); }
};

struct IrTensor {
  std::string name;
  std::vector<uint32_t> shape;
  DType dtype = DType::kFloat32;
  bool is_constant = false;
  std::vector<float> float_data;  // constants of dtype kFloat32, row-major
  std::vector<int32_t> int_data;  // constants of integer dtypes (values fit the dtype)
  QuantInfo quant;

  size_t ElementCount() const;
};

// Parameters of every op; each op reads the fields that concern it (see format/tfm.h):
// FullyConnected: activation. Conv1D: activation, stride_width, dilation_width, pad_left.
// Conv2D/DepthwiseConv2D: activation, strides, dilations, pads, depth_multiplier.
// Pools: filter/stride/pads (+activation). Softmax: softmax_beta. Concat: concat_axis.
// Add/Mul: activation, and on int8 graphs the fixed-point multipliers (filled by the quantizer).
// TreeEnsemble: tree_ensemble.
struct NodeParams {
  FusedActivation activation = FusedActivation::kNone;
  uint32_t stride_height = 1, stride_width = 1;
  uint32_t dilation_height = 1, dilation_width = 1;
  uint32_t pad_top = 0, pad_left = 0;
  uint32_t depth_multiplier = 1;
  uint32_t filter_height = 1, filter_width = 1;
  float softmax_beta = 1.0f;
  int32_t concat_axis = 0;
  format::ElementwiseParams elementwise{};
  // TreeEnsemble: tree count, mode and score normalizer (inputs in format/tfm.h).
  format::TreeEnsembleParams tree_ensemble{};
};

struct IrNode {
  OpCode op = OpCode::kFullyConnected;
  std::vector<int> inputs;  // tensor indices, kNoInput for absent optional inputs
  int output = -1;
  NodeParams params;
  std::string name;
};

struct GraphMetadata {
  std::string model_id = "model";
  std::string model_version = "0.0.0";
  std::string preprocessing_json = "{}";  // a JSON object, emitted as kKeyPreprocessing
  // Extra numeric facts a trainer wants shipped (e.g. "anomaly.threshold"), emitted as kFloat64.
  std::vector<std::pair<std::string, double>> numbers;
};

// A graph is a list of tensors and nodes in execution order (every node's inputs are graph
// inputs, constants or outputs of earlier nodes).
struct Graph {
  std::vector<IrTensor> tensors;
  std::vector<IrNode> nodes;
  std::vector<int> inputs;
  std::vector<int> outputs;
  GraphMetadata metadata;

  int AddTensor(IrTensor tensor);
  int AddActivation(std::string name, std::vector<uint32_t> shape, DType dtype = DType::kFloat32);
  int AddConstant(std::string name, std::vector<uint32_t> shape, std::vector<float> data);
  // An integer constant (int8/int16/int32 values held as int32), e.g. quantized weights.
  int AddIntConstant(std::string name, std::vector<uint32_t> shape, DType dtype, std::vector<int32_t> values,
                     QuantInfo quant = {});
  bool UsesOp(OpCode op) const;
  int AddNode(OpCode op, std::vector<int> node_inputs, int output, NodeParams params = {},
              std::string name = {});

  // Index of the node writing tensor `tensor`, or -1 (graph input / constant).
  int Producer(int tensor) const;
  // Indices of the nodes reading tensor `tensor`.
  std::vector<int> Consumers(int tensor) const;
  bool IsGraphOutput(int tensor) const;

  // Checks indices, arities, execution order, constant data sizes and that every node's output
  // shape equals the one InferOutputShape computes. The error names the node and tensor.
  Result<void> Validate() const;
};

// The output shape an op produces from its input shapes and params (for Reshape, which has no
// shape argument, the caller's output shape is returned after checking the element count).
Result<std::vector<uint32_t>> InferOutputShape(const Graph& graph, const IrNode& node);

// Convenience builders: create the output activation with the inferred shape, add the node and
// return the output tensor index.
Result<int> AddInferredNode(Graph& graph, OpCode op, std::vector<int> node_inputs,
                            NodeParams params = {}, std::string name = {});
Result<int> AddReshape(Graph& graph, int input, std::vector<uint32_t> shape, std::string name);

std::string ShapeString(const std::vector<uint32_t>& shape);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_IR_GRAPH_H_
