// The trainers' shared machinery: a stack of dense layers with forward/backward passes, Adam,
// optional pruning masks, the two losses, and export of the stack into the graph IR.
// All math is Eigen; activations are row-major [batch, features] matrices.
#ifndef TINYFORGE_TOOLCHAIN_TRAIN_DENSE_STACK_H_
#define TINYFORGE_TOOLCHAIN_TRAIN_DENSE_STACK_H_

#include <Eigen/Dense>
#include <string>
#include <vector>

#include "toolchain/ir/graph.h"
#include "toolchain/train/dataset.h"
#include "toolchain/train/random.h"

namespace tinyforge::toolchain {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct AdamConfig {
  float learning_rate = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-7f;
  float weight_decay = 0.0f;  // L2 added to the gradient
};

// Adam moments of one parameter block, updated in place.
struct AdamMoments {
  RowMatrix first;
  RowMatrix second;
  void Step(const AdamConfig& config, int step, const RowMatrix& gradient, RowMatrix& parameter);
};

struct DenseLayer {
  RowMatrix weights;  // [out, in]
  RowMatrix bias;     // [1, out]
  FusedActivation activation = FusedActivation::kNone;
  RowMatrix mask;     // [out, in] of 0/1 when pruned, else empty
  // Training state.
  RowMatrix weight_gradient, bias_gradient;
  AdamMoments weight_moments, bias_moments;
  RowMatrix input_cache, pre_activation_cache;
};

class DenseStack {
 public:
  // Layer sizes sizes[0] -> sizes[1] -> ...; activations[i] applies after layer i. He-normal
  // weights from `rng`, zero biases.
  void Init(const std::vector<int>& sizes, const std::vector<FusedActivation>& activations,
            Rng& rng);
  // Forward pass; caches what Backward needs when `training`.
  RowMatrix Forward(const RowMatrix& input, bool training);
  // Backward from dLoss/dOutput; stores parameter gradients and returns dLoss/dInput.
  RowMatrix Backward(const RowMatrix& output_gradient);
  void AdamStep(const AdamConfig& config, int step);
  // Applies magnitude masks (per layer, from passes/prune) that later steps keep zero.
  void SetMasks(std::vector<RowMatrix> masks);
  // Masks each layer's smallest weights to `sparsity` (passes/prune.h MagnitudePruneMask).
  void PruneByMagnitude(float sparsity);
  float Sparsity() const;  // fraction of zero weights over all layers

  // Appends FullyConnected nodes (activations fused) after `input` ([batch, sizes[0]]) and
  // returns the output tensor.
  Result<int> AppendToGraph(Graph& graph, int input, const std::string& prefix) const;

  std::vector<DenseLayer>& layers() { return layers_; }
  const std::vector<DenseLayer>& layers() const { return layers_; }

 private:
  std::vector<DenseLayer> layers_;
};

// Mean softmax cross-entropy of logits [batch, classes] against labels; writes dLoss/dLogits.
float SoftmaxCrossEntropy(const RowMatrix& logits, const std::vector<int>& labels,
                          RowMatrix* gradient);
// Mean over all elements of (output - target)^2; writes dLoss/dOutput.
float MeanSquaredError(const RowMatrix& output, const RowMatrix& target, RowMatrix* gradient);

// Rows `indices` of a dataset as a matrix, and all rows.
RowMatrix GatherRows(const Dataset& data, const std::vector<size_t>& indices);
RowMatrix ToMatrix(const Dataset& data);
std::vector<float> ToVector(const RowMatrix& matrix);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_TRAIN_DENSE_STACK_H_
