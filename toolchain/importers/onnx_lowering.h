// Internal to the ONNX importer: the state shared between the model-level driver
// (onnx_importer.cpp) and the per-op lowering (onnx_lowering.cpp). Not a public API.
#ifndef TINYFORGE_TOOLCHAIN_IMPORTERS_ONNX_LOWERING_H_
#define TINYFORGE_TOOLCHAIN_IMPORTERS_ONNX_LOWERING_H_

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain::onnx_import {

// An initializer or Constant output: ONNX shape and values (ints kept exactly for shapes/pads).
struct ConstantValue {
  std::vector<int64_t> shape;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  bool is_integer = false;
  size_t ElementCount() const;
};

// An ONNX activation: an IR tensor plus how its dims relate to the ONNX shape.
struct ActivationValue {
  int tensor = -1;
  std::vector<uint32_t> shape;        // ONNX shape (batch 1)
  std::vector<uint32_t> perm;         // IR dim i holds ONNX axis perm[i]
  std::vector<uint32_t> column_map;   // rank 2 only: IR column k holds ONNX column column_map[k]
  std::vector<int64_t> pending_pads;  // a folded zero Pad: ONNX [begin..., end...], or empty
};

Result<ConstantValue> ReadTensor(const onnx::TensorProto& tensor, const std::string& where);

class Lowering {
 public:
  Lowering(std::string source, int64_t opset, std::map<std::string, int> consumer_counts)
      : source_(std::move(source)), opset_(opset), consumer_counts_(std::move(consumer_counts)) {}

  Graph& graph() { return graph_; }
  std::vector<std::string>& notes() { return notes_; }
  std::map<std::string, ConstantValue>& constants() { return constants_; }

  // Binds an ONNX name to a new activation (graph inputs) or an existing one.
  void Bind(const std::string& name, ActivationValue value);
  const ActivationValue* FindActivation(const std::string& name) const;

  // Lowers one node; errors name it.
  Result<void> LowerNode(const onnx::NodeProto& node);

 private:
  using Node = onnx::NodeProto;
  std::string NodeText(const Node& node) const;  // node 'name' (OpType)
  std::string Label(const Node& node) const;     // source: node 'name' (OpType)
  Error Fail(const Node& node, const std::string& why) const;
  Result<void> CheckAttributes(const Node& node, const std::vector<std::string>& allowed) const;
  Result<ActivationValue> Activation(const Node& node, size_t slot, bool allow_pads = false) const;
  Result<ConstantValue> Constant(const Node& node, size_t slot) const;
  bool HasInput(const Node& node, size_t slot) const;
  void Alias(const Node& node, const ActivationValue& value);
  Result<ActivationValue> Reshape(const ActivationValue& in, std::vector<uint32_t> ir_shape,
                                  const std::string& name);

  Result<void> LowerGemm(const Node& node, bool is_matmul);
  Result<void> LowerConv(const Node& node);
  Result<void> LowerPool(const Node& node);
  Result<void> LowerGlobalAveragePool(const Node& node);
  Result<void> LowerBatchNorm(const Node& node);
  Result<void> LowerBinary(const Node& node);
  Result<void> LowerUnary(const Node& node, OpCode op);
  Result<void> LowerClip(const Node& node);
  Result<void> LowerSoftmax(const Node& node);
  Result<void> LowerFlattenOrReshape(const Node& node);
  Result<void> LowerConcat(const Node& node);
  Result<void> LowerTranspose(const Node& node);
  Result<void> LowerPad(const Node& node);
  Result<void> LowerConstant(const Node& node);

  // Folds out = in * scale[c] + shift[c] (per channel, the IR's last dim) into the Conv/Gemm that
  // produced `value`, when nothing else reads that output.
  Result<void> FoldScaleShift(const Node& node, const ActivationValue& value,
                              const std::vector<float>& scale, const std::vector<float>& shift);

  std::string source_;
  int64_t opset_;
  std::map<std::string, int> consumer_counts_;  // ONNX readers of each name (+1 graph output)
  Graph graph_;
  std::map<std::string, ActivationValue> activations_;
  std::map<std::string, ConstantValue> constants_;
  std::map<int, int> tensor_readers_;  // IR tensor -> ONNX readers over all names bound to it
  std::map<int, int> tensor_aliases_;  // IR tensor -> how many of those readers only re-bind it
  std::vector<std::string> notes_;
};

// Helpers shared by the importer files.
const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name);
int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback);
float FloatAttribute(const onnx::NodeProto& node, const std::string& name, float fallback);
std::string StringAttribute(const onnx::NodeProto& node, const std::string& name,
                            const std::string& fallback);
std::vector<int64_t> IntsAttribute(const onnx::NodeProto& node, const std::string& name);
bool IsIdentity(const std::vector<uint32_t>& perm);
std::vector<uint32_t> ChannelsLastPerm(size_t rank);
std::vector<uint32_t> IdentityPerm(size_t rank);
std::vector<uint32_t> PermuteShape(const std::vector<uint32_t>& onnx_shape,
                                   const std::vector<uint32_t>& perm);
// For each IR flat position of a sample (batch dim excluded), the ONNX flat index it holds.
std::vector<uint32_t> FlatIndexMap(const std::vector<uint32_t>& onnx_shape,
                                   const std::vector<uint32_t>& perm);

}  // namespace tinyforge::toolchain::onnx_import

#endif  // TINYFORGE_TOOLCHAIN_IMPORTERS_ONNX_LOWERING_H_
