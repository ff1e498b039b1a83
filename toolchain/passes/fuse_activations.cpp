// Activation fusion pass (see fuse_activations.h).
#include "toolchain/passes/fuse_activations.h"

namespace tinyforge::toolchain {

Result<Graph> FuseActivations(const Graph& graph, int* fused) {
  TINYFORGE_TRY(graph.Validate());
  Graph result = graph;
  int count = 0;
  for (size_t n = 0; n < result.nodes.size();) {
    const IrNode node = result.nodes[n];
    const bool is_activation = node.op == OpCode::kRelu || node.op == OpCode::kRelu6;
    const int producer = is_activation ? result.Producer(node.inputs[0]) : -1;
    if (producer < 0) {
      ++n;
      continue;
    }
    IrNode& source = result.nodes[static_cast<size_t>(producer)];
    const bool fusable_op = source.op == OpCode::kFullyConnected || source.op == OpCode::kConv1D ||
                            source.op == OpCode::kConv2D ||
                            source.op == OpCode::kDepthwiseConv2D || source.op == OpCode::kAdd ||
                            source.op == OpCode::kMul;
    if (!fusable_op || source.params.activation != FusedActivation::kNone ||
        result.Consumers(node.inputs[0]).size() != 1 || result.IsGraphOutput(node.inputs[0])) {
      ++n;
      continue;
    }
    source.params.activation =
        node.op == OpCode::kRelu ? FusedActivation::kRelu : FusedActivation::kRelu6;
    source.output = node.output;  // the producer now writes the activation's output directly
    result.nodes.erase(result.nodes.begin() + static_cast<std::ptrdiff_t>(n));
    ++count;
  }
  if (fused != nullptr) *fused = count;
  TINYFORGE_TRY(result.Validate());
  return result;
}

}  // namespace tinyforge::toolchain
