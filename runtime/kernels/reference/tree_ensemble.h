// TreeEnsemble reference kernel: a forest stored as flat constant arrays (format/tfm.h,
// TreeEnsembleParams), evaluated in place with no heap. The structural check runs at the op's
// Prepare on the device (Model::Load leaves it out so it is not in every image's flash) and in the
// host readers (toolchain LoadBlob), so a walk that passed it always ends at a leaf of its own
// tree after at most that tree's node count steps.
//
// The arithmetic here is also what the host trainer uses for its own scores
// (toolchain/train/tree_models.cpp), so host training, host runtime and the Cortex-M4 agree to
// the bit: sums in float32 in tree order, one division, and math::Exp (no libm).
#ifndef TINYFORGE_KERNELS_REFERENCE_TREE_ENSEMBLE_H_
#define TINYFORGE_KERNELS_REFERENCE_TREE_ENSEMBLE_H_

#include <stdint.h>

#include "tinyforge/format/tfm.h"
#include "tinyforge/status.h"

namespace tinyforge::kernels {

// Borrowed views of the op's constant tensors; counts come from the tensor shapes.
struct TreeEnsembleArrays {
  const int32_t* trees = nullptr;          // [tree_count][2]: first node, first leaf row
  uint32_t tree_count = 0;
  const int16_t* node_features = nullptr;  // [node_count], format::kTreeLeaf for leaves
  const float* thresholds_f32 = nullptr;   // [node_count] for float32 input, else nullptr
  const int16_t* thresholds_s16 = nullptr; // [node_count] for int8 input, else nullptr
  const int16_t* node_children = nullptr;  // [node_count][2]
  uint32_t node_count = 0;
  const float* leaf_values = nullptr;      // [leaf_count][outputs]
  uint32_t leaf_count = 0;
  uint32_t outputs = 0;
  uint32_t features = 0;  // input row length
};

// What the op's tensors look like, from either the blob's TensorRecords (host readers) or the
// interpreter's Tensors (Prepare).
struct TreeTensorInfo {
  const void* data = nullptr;
  uint8_t dtype = 0;  // format::DType code
  uint8_t rank = 0;
  bool is_constant = false;
  uint32_t dims[format::kMaxRank] = {0, 0, 0, 0};
};
inline constexpr uint32_t kTreeEnsembleInputs = 6;

// Checks the op's tensors and params (O(1)) and fills `arrays`; the callers that judge a blob
// (the op's Prepare) then run CheckTreeEnsembleStructure, Eval trusts it. Statuses:
//   kBadParams         unknown mode, reserved != 0, normalizer not finite > 0 (isolation) or != 0
//                      (mean), tree_count != trees dims[0];
//   kTreeShapeMismatch a dtype, rank, dimension or constness that does not fit the layout in
//                      format/tfm.h (input [batch, features] float32 with float32 thresholds, or
//                      int8 with int16 thresholds; output float32 [batch, outputs]; isolation
//                      mode has one output; per-node arrays of one length).
Status TreeEnsembleArraysFrom(const TreeTensorInfo (&inputs)[kTreeEnsembleInputs],
                              const TreeTensorInfo& output, const format::TreeEnsembleParams& params,
                              TreeEnsembleArrays* arrays);

// Proves every index in range and every child after its parent, tree by tree:
//   kTreeRootOutOfRange    trees[0] != (0, 0), or first node/leaf not strictly increasing and
//                          below the node/leaf count;
//   kTreeFeatureOutOfRange a feature outside [0, features) that is not kTreeLeaf;
//   kTreeChildOutOfRange   an internal node's child not after the node or past its tree's end;
//   kTreeLeafOutOfRange    a leaf's row past its tree's leaf rows, or a leaf's second column != 0.
// O(node_count + tree_count), no allocation.
Status CheckTreeEnsembleStructure(const TreeEnsembleArrays& arrays);

// 2^(-mean_path / normalizer), as exp(-(mean_path / normalizer) * ln 2) in float32.
float IsolationScore(float mean_path, float normalizer);

// output[b][o] for `batch` rows: mean leaf vector (kMeanLeafValues) or the isolation score
// (kIsolationScore, outputs == 1). Assumes CheckTreeEnsembleStructure accepted `arrays`.
void TreeEnsembleF32(const TreeEnsembleArrays& arrays, format::TreeEnsembleMode mode,
                     float normalizer, const float* input, uint32_t batch, float* output);
void TreeEnsembleS8(const TreeEnsembleArrays& arrays, format::TreeEnsembleMode mode,
                    float normalizer, const int8_t* input, uint32_t batch, float* output);

}  // namespace tinyforge::kernels

#endif  // TINYFORGE_KERNELS_REFERENCE_TREE_ENSEMBLE_H_
