// Magnitude pruning masks and the graph-level pruning pass.
#include "toolchain/passes/prune.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tinyforge::toolchain {

std::vector<uint8_t> MagnitudePruneMask(const float* weights, size_t count, float sparsity) {
  std::vector<uint8_t> mask(count, 1);
  const float fraction = std::clamp(sparsity, 0.0f, 1.0f);
  const auto prune = static_cast<size_t>(std::floor(static_cast<double>(count) * fraction));
  if (prune == 0) return mask;
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [weights](size_t a, size_t b) {
    return std::fabs(weights[a]) < std::fabs(weights[b]);
  });
  for (size_t i = 0; i < prune; ++i) mask[order[i]] = 0;
  return mask;
}

Result<PruneReport> PruneGraph(Graph& graph, float sparsity) {
  PruneReport report;
  for (const IrNode& node : graph.nodes) {
    if (node.op != OpCode::kFullyConnected && node.op != OpCode::kConv1D &&
        node.op != OpCode::kConv2D && node.op != OpCode::kDepthwiseConv2D)
      continue;
    if (node.inputs.size() < 2 || node.inputs[1] < 0)
      return MakeError("PruneGraph: node '" + node.name + "' has no weights");
    IrTensor& weights = graph.tensors[static_cast<size_t>(node.inputs[1])];
    if (!weights.is_constant || weights.dtype != DType::kFloat32)
      return MakeError("PruneGraph: weights '" + weights.name + "' are not a float constant");
    const auto mask = MagnitudePruneMask(weights.float_data.data(), weights.float_data.size(),
                                         sparsity);
    for (size_t i = 0; i < mask.size(); ++i) {
      if (mask[i] == 0) weights.float_data[i] = 0.0f;
    }
    report.pruned_weights += static_cast<size_t>(std::count(mask.begin(), mask.end(), 0));
    report.total_weights += mask.size();
  }
  return report;
}

}  // namespace tinyforge::toolchain
