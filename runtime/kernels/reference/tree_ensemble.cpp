// TreeEnsemble reference kernel (see tree_ensemble.h).
#include "kernels/reference/tree_ensemble.h"

#include "core/math.h"

namespace tinyforge::kernels {
namespace {

// Node and leaf ranges of tree `tree`: [first, end).
struct TreeRange {
  uint32_t first_node, end_node, first_leaf, end_leaf;
};

TreeRange RangeOfTree(const TreeEnsembleArrays& arrays, uint32_t tree) {
  TreeRange range;
  range.first_node = static_cast<uint32_t>(arrays.trees[2 * tree]);
  range.first_leaf = static_cast<uint32_t>(arrays.trees[2 * tree + 1]);
  const bool last = tree + 1 == arrays.tree_count;
  range.end_node = last ? arrays.node_count : static_cast<uint32_t>(arrays.trees[2 * tree + 2]);
  range.end_leaf = last ? arrays.leaf_count : static_cast<uint32_t>(arrays.trees[2 * tree + 3]);
  return range;
}

// One row through every tree: the walk, the float32 leaf sum in tree order and one division
// (the trainer's arithmetic). Children are local indices greater than the current one (proven at
// Prepare), so each walk ends within its tree's node count. kOutputs > 0 fixes the output width
// at compile time so the sum stays in registers (the benchmark's hot path: bench/trees).
template <uint32_t kOutputs, typename Input, typename Threshold>
void EvaluateRow(const TreeEnsembleArrays& arrays, const Input* row, const Threshold* thresholds,
                 float* out) {
  const uint32_t width = kOutputs != 0 ? kOutputs : arrays.outputs;
  float sum[kOutputs != 0 ? kOutputs : 1];
  float* acc = kOutputs != 0 ? sum : out;
  for (uint32_t o = 0; o < width; ++o) acc[o] = 0.0f;
  for (uint32_t t = 0; t < arrays.tree_count; ++t) {
    const int32_t first_node = arrays.trees[2 * t];
    const int16_t* features = arrays.node_features + first_node;
    const int16_t* children = arrays.node_children + 2 * first_node;
    const Threshold* limits = thresholds + first_node;
    int32_t local = 0;
    for (int32_t feature = features[0]; feature != format::kTreeLeaf; feature = features[local]) {
      local = row[feature] < limits[local] ? children[2 * local] : children[2 * local + 1];
    }
    const float* leaf = arrays.leaf_values + (arrays.trees[2 * t + 1] + children[2 * local]) * width;
    for (uint32_t o = 0; o < width; ++o) acc[o] += leaf[o];
  }
  const float trees = static_cast<float>(arrays.tree_count);
  for (uint32_t o = 0; o < width; ++o) out[o] = acc[o] / trees;
}

template <typename Input, typename Threshold>
void EvaluateRows(const TreeEnsembleArrays& arrays, format::TreeEnsembleMode mode, float normalizer,
                  const Input* input, const Threshold* thresholds, uint32_t batch, float* output) {
  for (uint32_t b = 0; b < batch; ++b) {
    const Input* row = input + b * arrays.features;
    float* out = output + b * arrays.outputs;
    if (arrays.outputs == 1) {  // isolation scores
      EvaluateRow<1>(arrays, row, thresholds, out);
    } else if (arrays.outputs == 4) {  // e.g. the CWRU fault classes
      EvaluateRow<4>(arrays, row, thresholds, out);
    } else {
      EvaluateRow<0>(arrays, row, thresholds, out);
    }
    if (mode == format::TreeEnsembleMode::kIsolationScore) out[0] = IsolationScore(out[0], normalizer);
  }
}

bool IsConstantOf(const TreeTensorInfo& info, format::DType dtype, uint8_t rank) {
  return info.data != nullptr && info.is_constant && info.dtype == static_cast<uint8_t>(dtype) &&
         info.rank == rank;
}

}  // namespace

Status TreeEnsembleArraysFrom(const TreeTensorInfo (&inputs)[kTreeEnsembleInputs],
                              const TreeTensorInfo& output, const format::TreeEnsembleParams& params,
                              TreeEnsembleArrays* arrays) {
  using format::DType;
  const auto mode = static_cast<format::TreeEnsembleMode>(params.mode);
  if (params.reserved != 0) return Status::kBadParams;
  if (mode == format::TreeEnsembleMode::kIsolationScore) {
    if (!(params.score_normalizer > 0.0f) || !math::IsFinite(params.score_normalizer)) {
      return Status::kBadParams;
    }
  } else if (mode == format::TreeEnsembleMode::kMeanLeafValues) {
    if (params.score_normalizer != 0.0f) return Status::kBadParams;
  } else {
    return Status::kBadParams;
  }
  const TreeTensorInfo& input = inputs[0];
  const TreeTensorInfo& trees = inputs[1];
  const TreeTensorInfo& features = inputs[2];
  const TreeTensorInfo& thresholds = inputs[3];
  const TreeTensorInfo& children = inputs[4];
  const TreeTensorInfo& leaves = inputs[5];
  const bool int8_input = input.dtype == static_cast<uint8_t>(DType::kInt8);
  if (input.data == nullptr || input.rank != 2 ||
      (!int8_input && input.dtype != static_cast<uint8_t>(DType::kFloat32))) {
    return Status::kTreeShapeMismatch;
  }
  if (!IsConstantOf(trees, DType::kInt32, 2) || trees.dims[1] != 2 ||
      !IsConstantOf(features, DType::kInt16, 1) ||
      !IsConstantOf(thresholds, int8_input ? DType::kInt16 : DType::kFloat32, 1) ||
      !IsConstantOf(children, DType::kInt16, 2) || children.dims[1] != 2 ||
      !IsConstantOf(leaves, DType::kFloat32, 2)) {
    return Status::kTreeShapeMismatch;
  }
  const uint32_t nodes = features.dims[0];
  if (thresholds.dims[0] != nodes || children.dims[0] != nodes) {
    return Status::kTreeShapeMismatch;
  }
  if (output.data == nullptr || output.is_constant ||
      output.dtype != static_cast<uint8_t>(DType::kFloat32) || output.rank != 2 ||
      output.dims[0] != input.dims[0] || output.dims[1] != leaves.dims[1] ||
      (mode == format::TreeEnsembleMode::kIsolationScore && leaves.dims[1] != 1)) {
    return Status::kTreeShapeMismatch;
  }
  if (params.tree_count != trees.dims[0]) return Status::kBadParams;
  TreeEnsembleArrays result;
  result.trees = static_cast<const int32_t*>(trees.data);
  result.tree_count = trees.dims[0];
  result.node_features = static_cast<const int16_t*>(features.data);
  if (int8_input) {
    result.thresholds_s16 = static_cast<const int16_t*>(thresholds.data);
  } else {
    result.thresholds_f32 = static_cast<const float*>(thresholds.data);
  }
  result.node_children = static_cast<const int16_t*>(children.data);
  result.node_count = nodes;
  result.leaf_values = static_cast<const float*>(leaves.data);
  result.leaf_count = leaves.dims[0];
  result.outputs = leaves.dims[1];
  result.features = input.dims[1];
  *arrays = result;
  return Status::kOk;
}

Status CheckTreeEnsembleStructure(const TreeEnsembleArrays& arrays) {
  if (arrays.tree_count == 0 || arrays.trees[0] != 0 || arrays.trees[1] != 0) {
    return Status::kTreeRootOutOfRange;
  }
  for (uint32_t t = 0; t < arrays.tree_count; ++t) {
    const int32_t first_node = arrays.trees[2 * t];
    const int32_t first_leaf = arrays.trees[2 * t + 1];
    if (first_node < 0 || first_leaf < 0 || static_cast<uint32_t>(first_node) >= arrays.node_count ||
        static_cast<uint32_t>(first_leaf) >= arrays.leaf_count) {
      return Status::kTreeRootOutOfRange;
    }
    if (t > 0 && (first_node <= arrays.trees[2 * t - 2] || first_leaf <= arrays.trees[2 * t - 1])) {
      return Status::kTreeRootOutOfRange;
    }
  }
  for (uint32_t t = 0; t < arrays.tree_count; ++t) {
    const TreeRange range = RangeOfTree(arrays, t);
    const uint32_t tree_nodes = range.end_node - range.first_node;
    const uint32_t tree_leaves = range.end_leaf - range.first_leaf;
    for (uint32_t local = 0; local < tree_nodes; ++local) {
      const uint32_t node = range.first_node + local;
      const int16_t feature = arrays.node_features[node];
      const int16_t left = arrays.node_children[2 * node];
      const int16_t right = arrays.node_children[2 * node + 1];
      if (feature == format::kTreeLeaf) {
        if (left < 0 || static_cast<uint32_t>(left) >= tree_leaves || right != 0) {
          return Status::kTreeLeafOutOfRange;
        }
        continue;
      }
      if (feature < 0 || static_cast<uint32_t>(feature) >= arrays.features) {
        return Status::kTreeFeatureOutOfRange;
      }
      if (left <= 0 || right <= 0 || static_cast<uint32_t>(left) <= local ||
          static_cast<uint32_t>(right) <= local || static_cast<uint32_t>(left) >= tree_nodes ||
          static_cast<uint32_t>(right) >= tree_nodes) {
        return Status::kTreeChildOutOfRange;
      }
    }
  }
  return Status::kOk;
}

float IsolationScore(float mean_path, float normalizer) {
  constexpr float kLn2 = 0.693147180559945309f;
  return math::Exp(-(mean_path / normalizer) * kLn2);
}

void TreeEnsembleF32(const TreeEnsembleArrays& arrays, format::TreeEnsembleMode mode,
                     float normalizer, const float* input, uint32_t batch, float* output) {
  EvaluateRows(arrays, mode, normalizer, input, arrays.thresholds_f32, batch, output);
}

void TreeEnsembleS8(const TreeEnsembleArrays& arrays, format::TreeEnsembleMode mode,
                    float normalizer, const int8_t* input, uint32_t batch, float* output) {
  EvaluateRows(arrays, mode, normalizer, input, arrays.thresholds_s16, batch, output);
}

}  // namespace tinyforge::kernels
