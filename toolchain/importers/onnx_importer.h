// ONNX → toolchain IR: imports float models exported from PyTorch or Keras (via tf2onnx) into the
// graph IR, converting NCHW/NCW layouts to the IR's NHWC/NWC and resolving every padding rule.
//
// Supported: Gemm, MatMul (+ Add folded into its bias), Conv 1D/2D (group 1 or depthwise),
// BatchNormalization and per-channel Add/Mul folded into the preceding Conv/Gemm, Relu, Clip
// (0..6 → Relu6, 0..inf → Relu), Sigmoid, Tanh, Softmax (last axis), MaxPool, AveragePool,
// GlobalAveragePool, Flatten, Reshape, Add, Mul, Concat, Transpose (folded into the layout of its
// output: it never becomes a node), Pad (zeros, folded into the next Conv), Identity, Dropout,
// Constant.
//
// Layout model: every ONNX value is an IR tensor plus `perm`, the ONNX axis each IR dim holds
// (IR dim i = ONNX axis perm[i]). Rank-3/4 graph inputs are channels-last in the IR (perm
// [0, 2, 1] / [0, 2, 3, 1]); Transpose only rewrites perm; Flatten of a permuted map records which
// ONNX column each IR column holds and the next Gemm permutes its weight columns instead.
#ifndef TINYFORGE_TOOLCHAIN_IMPORTERS_ONNX_IMPORTER_H_
#define TINYFORGE_TOOLCHAIN_IMPORTERS_ONNX_IMPORTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

// How one graph input/output of the ONNX model maps onto the IR tensor (batch 1).
struct OnnxIoLayout {
  std::string name;
  std::vector<uint32_t> onnx_shape;  // the ONNX shape, batch set to 1
  std::vector<uint32_t> ir_shape;    // the IR tensor's shape
  std::vector<uint32_t> perm;        // IR dim i holds ONNX axis perm[i]
  bool IsIdentity() const;
};

struct OnnxImport {
  Graph graph;  // float, validated
  std::vector<OnnxIoLayout> inputs;
  std::vector<OnnxIoLayout> outputs;
  std::vector<std::string> notes;  // what was folded or re-laid out, one line each
  std::string producer;            // producer_name + version from the file
  int64_t opset = 0;               // default-domain opset
  size_t onnx_node_count = 0;
};

// Parses and converts. Errors start with `source` (a file name) and name the ONNX node: truncated
// or malformed protobuf, missing opset, non-float or dynamic (non-batch) input dims, every
// unsupported op at once ("unsupported ops: LeakyRelu (node '/act'), ..."), unsupported attributes
// (ceil_mode=1, pool dilations, grouped convs that are not depthwise...), layouts that cannot be
// folded, BatchNormalization without a foldable producer.
Result<OnnxImport> ImportOnnxBytes(const std::string& bytes, const std::string& source);
Result<OnnxImport> ImportOnnxFile(const std::string& path);

// Reorders one sample (no batch dim in the data, row-major) between the ONNX and the IR layout.
std::vector<float> OnnxToIrLayout(const OnnxIoLayout& io, const std::vector<float>& sample);
std::vector<float> IrToOnnxLayout(const OnnxIoLayout& io, const std::vector<float>& sample);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_IMPORTERS_ONNX_IMPORTER_H_
