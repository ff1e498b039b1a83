// Magnitude pruning: zero the smallest-magnitude weights of each layer to a target sparsity.
// The built-in trainers call MagnitudePruneMask and fine-tune with the mask held fixed;
// PruneGraph prunes an existing float graph without fine-tuning (e.g. an imported one).
#ifndef TINYFORGE_TOOLCHAIN_PASSES_PRUNE_H_
#define TINYFORGE_TOOLCHAIN_PASSES_PRUNE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

// 1 = keep, 0 = pruned. Exactly floor(count * sparsity) weights are pruned: the smallest |w|,
// ties broken by lower index first, so the mask is deterministic. sparsity is clamped to [0, 1].
std::vector<uint8_t> MagnitudePruneMask(const float* weights, size_t count, float sparsity);

struct PruneReport {
  size_t pruned_weights = 0;
  size_t total_weights = 0;
};

// Prunes the weight constant (input 1) of every FullyConnected/Conv1D/Conv2D/DepthwiseConv2D
// node of a float graph, each to `sparsity`. Biases are left alone.
Result<PruneReport> PruneGraph(Graph& graph, float sparsity);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PASSES_PRUNE_H_
