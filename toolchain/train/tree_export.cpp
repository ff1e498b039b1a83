// Forest → TreeEnsemble graph (see tree_export.h).
#include "toolchain/train/tree_export.h"

#include <cmath>
#include <string>


namespace tinyforge::toolchain {
namespace {

struct FlatForest {
  std::vector<int32_t> trees;  // [trees, 2]
  std::vector<int32_t> features, children, thresholds_q;
  std::vector<float> thresholds, leaves;
  uint32_t leaf_rows = 0;
};

// Trainer trees are built depth-first with each node appended before its children, so a child's
// index is always above its parent's: exactly the format's rule, no reordering needed.
Result<FlatForest> FlattenForest(const std::vector<Tree>& trees, size_t outputs, bool isolation,
                           const TreeExportOptions& options) {
  FlatForest flat;
  constexpr size_t kMaxLocal = 0x7FFF;  // node_children are int16
  for (size_t t = 0; t < trees.size(); ++t) {
    const Tree& tree = trees[t];
    if (tree.empty() || tree.size() > kMaxLocal)
      return MakeError("tree " + std::to_string(t) + " has " + std::to_string(tree.size()) +
                       " nodes; a TreeEnsemble tree holds 1.." + std::to_string(kMaxLocal));
    flat.trees.push_back(static_cast<int32_t>(flat.features.size()));
    flat.trees.push_back(static_cast<int32_t>(flat.leaf_rows));
    int32_t local_leaf = 0;
    for (size_t n = 0; n < tree.size(); ++n) {
      const TreeNode& node = tree[n];
      if (node.feature < 0) {
        flat.features.push_back(format::kTreeLeaf);
        flat.thresholds.push_back(0.0f);
        flat.thresholds_q.push_back(0);
        flat.children.push_back(local_leaf++);
        flat.children.push_back(0);
        if (isolation) {
          flat.leaves.push_back(node.value);
        } else {
          if (node.class_votes.size() != outputs)
            return MakeError("tree " + std::to_string(t) + ": a leaf has the wrong class count");
          flat.leaves.insert(flat.leaves.end(), node.class_votes.begin(), node.class_votes.end());
        }
        continue;
      }
      if (static_cast<size_t>(node.feature) >= options.features || node.left <= static_cast<int>(n) ||
          node.right <= static_cast<int>(n) || static_cast<size_t>(node.right) >= tree.size() ||
          static_cast<size_t>(node.left) >= tree.size())
        return MakeError("tree " + std::to_string(t) + " node " + std::to_string(n) +
                         ": feature or child index out of range");
      flat.features.push_back(node.feature);
      flat.thresholds.push_back(node.threshold);
      flat.thresholds_q.push_back(options.int8_input ? QuantizedTreeThreshold(node.threshold, *options.int8_input) : 0);
      flat.children.push_back(node.left);
      flat.children.push_back(node.right);
    }
    flat.leaf_rows += static_cast<uint32_t>(local_leaf);
  }
  return flat;
}

Result<Graph> BuildGraph(const std::vector<Tree>& trees, size_t outputs, bool isolation,
                         float normalizer, const TreeExportOptions& options) {
  if (trees.empty() || trees.size() > 0xFFFF)
    return MakeError("a TreeEnsemble holds 1..65535 trees, the forest has " + std::to_string(trees.size()));
  if (options.features == 0 || options.features > 0x7FFF)
    return MakeError("a TreeEnsemble input holds 1..32767 features");
  auto flat = FlattenForest(trees, outputs, isolation, options);
  if (!flat.ok()) return flat.error();
  Graph graph;
  const auto features = static_cast<uint32_t>(options.features);
  const auto nodes = static_cast<uint32_t>(flat->features.size());
  const int input = graph.AddActivation("features", {1, features});
  graph.inputs = {input};
  int tree_input = input;
  int thresholds = -1;
  if (options.int8_input) {
    const int quantized = graph.AddActivation("features_int8", {1, features}, DType::kInt8);
    graph.tensors[static_cast<size_t>(quantized)].quant.scales = {options.int8_input->scale};
    graph.tensors[static_cast<size_t>(quantized)].quant.zero_points = {options.int8_input->zero_point};
    graph.AddNode(OpCode::kQuantize, {input}, quantized, {}, "quantize_features");
    tree_input = quantized;
    thresholds = graph.AddIntConstant("node_thresholds", {nodes}, DType::kInt16, flat->thresholds_q);
  } else {
    thresholds = graph.AddConstant("node_thresholds", {nodes}, flat->thresholds);
  }
  const int tree_table = graph.AddIntConstant("trees", {static_cast<uint32_t>(trees.size()), 2},
                                        DType::kInt32, flat->trees);
  const int node_features = graph.AddIntConstant("node_features", {nodes}, DType::kInt16, flat->features);
  const int children = graph.AddIntConstant("node_children", {nodes, 2}, DType::kInt16, flat->children);
  const int leaves = graph.AddConstant("leaf_values", {flat->leaf_rows, static_cast<uint32_t>(outputs)},
                                       flat->leaves);
  const int output = graph.AddActivation(isolation ? "anomaly_score" : "probabilities",
                                         {1, static_cast<uint32_t>(outputs)});
  NodeParams params;
  params.tree_ensemble.tree_count = static_cast<uint16_t>(trees.size());
  params.tree_ensemble.mode = static_cast<uint8_t>(isolation ? format::TreeEnsembleMode::kIsolationScore
                                                             : format::TreeEnsembleMode::kMeanLeafValues);
  params.tree_ensemble.score_normalizer = isolation ? normalizer : 0.0f;
  graph.AddNode(OpCode::kTreeEnsemble, {tree_input, tree_table, node_features, thresholds, children, leaves},
                output, params, isolation ? "isolation_forest" : "random_forest");
  graph.outputs = {output};
  TINYFORGE_TRY(graph.Validate());
  return graph;
}

}  // namespace

int32_t QuantizedTreeThreshold(float threshold, const Int8Input& quant) {
  // q < t/s + zp  <=>  q < ceil(t/s + zp) for integer q; outside [-128, 128] the answer is fixed.
  const double value = std::ceil(static_cast<double>(threshold) / static_cast<double>(quant.scale) +
                                 static_cast<double>(quant.zero_point));
  if (!(value > -128.0)) return -128;  // also NaN: never go left
  if (value > 128.0) return 128;
  return static_cast<int32_t>(value);
}

Result<Graph> RandomForestGraph(const RandomForest& forest, const TreeExportOptions& options) {
  if (forest.classes < 2) return MakeError("RandomForestGraph: the forest has fewer than 2 classes");
  return BuildGraph(forest.trees, static_cast<size_t>(forest.classes), false, 0.0f, options);
}

Result<Graph> IsolationForestGraph(const IsolationForest& forest, const TreeExportOptions& options) {
  auto graph = BuildGraph(forest.trees, 1, true, forest.normalizer, options);
  if (!graph.ok()) return graph.error();
  graph->metadata.numbers.emplace_back(format::kKeyAnomalyThreshold, static_cast<double>(forest.threshold));
  return graph;
}

}  // namespace tinyforge::toolchain
