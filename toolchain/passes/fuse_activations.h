// Fuses a standalone Relu/Relu6 into the FullyConnected/Conv/Add/Mul node that feeds it, when
// that node's output has no other reader and is not a graph output. Saves an op and, after
// quantization, lets the int8 kernel clamp during requantization.
#ifndef TINYFORGE_TOOLCHAIN_PASSES_FUSE_ACTIVATIONS_H_
#define TINYFORGE_TOOLCHAIN_PASSES_FUSE_ACTIVATIONS_H_

#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

// Returns the rewritten graph (the removed activation tensors stay, unused). Counts fusions in
// *fused when given.
Result<Graph> FuseActivations(const Graph& graph, int* fused = nullptr);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PASSES_FUSE_ACTIVATIONS_H_
