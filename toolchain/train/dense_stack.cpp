// Dense layers, Adam, losses and IR export for the built-in trainers.
#include "toolchain/train/dense_stack.h"

#include <cmath>

#include "toolchain/passes/prune.h"

namespace tinyforge::toolchain {
namespace {

RowMatrix ApplyActivation(const RowMatrix& x, FusedActivation activation) {
  switch (activation) {
    case FusedActivation::kRelu:
      return x.cwiseMax(0.0f);
    case FusedActivation::kRelu6:
      return x.cwiseMax(0.0f).cwiseMin(6.0f);
    case FusedActivation::kNone:
      break;
  }
  return x;
}

RowMatrix ActivationDerivative(const RowMatrix& pre, FusedActivation activation) {
  switch (activation) {
    case FusedActivation::kRelu:
      return (pre.array() > 0.0f).cast<float>().matrix();
    case FusedActivation::kRelu6:
      return ((pre.array() > 0.0f) && (pre.array() < 6.0f)).cast<float>().matrix();
    case FusedActivation::kNone:
      break;
  }
  return RowMatrix::Ones(pre.rows(), pre.cols());
}

}  // namespace

void AdamMoments::Step(const AdamConfig& config, int step, const RowMatrix& gradient,
                       RowMatrix& parameter) {
  if (first.size() == 0) {
    first = RowMatrix::Zero(parameter.rows(), parameter.cols());
    second = RowMatrix::Zero(parameter.rows(), parameter.cols());
  }
  RowMatrix g = gradient;
  if (config.weight_decay > 0.0f) g += config.weight_decay * parameter;
  first = config.beta1 * first + (1.0f - config.beta1) * g;
  second = config.beta2 * second + (1.0f - config.beta2) * g.cwiseProduct(g);
  const float correction1 = 1.0f - std::pow(config.beta1, static_cast<float>(step));
  const float correction2 = 1.0f - std::pow(config.beta2, static_cast<float>(step));
  parameter.array() -= config.learning_rate * (first.array() / correction1) /
                       ((second.array() / correction2).sqrt() + config.epsilon);
}

void DenseStack::Init(const std::vector<int>& sizes,
                      const std::vector<FusedActivation>& activations, Rng& rng) {
  layers_.clear();
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    DenseLayer layer;
    const int in = sizes[i], out = sizes[i + 1];
    const double stddev = std::sqrt(2.0 / in);
    layer.weights.resize(out, in);
    for (Eigen::Index r = 0; r < out; ++r)
      for (Eigen::Index c = 0; c < in; ++c)
        layer.weights(r, c) = static_cast<float>(rng.Normal() * stddev);
    layer.bias = RowMatrix::Zero(1, out);
    layer.activation = i < activations.size() ? activations[i] : FusedActivation::kNone;
    layers_.push_back(std::move(layer));
  }
}

RowMatrix DenseStack::Forward(const RowMatrix& input, bool training) {
  RowMatrix x = input;
  for (DenseLayer& layer : layers_) {
    RowMatrix pre = x * layer.weights.transpose();
    pre.rowwise() += layer.bias.row(0);
    RowMatrix next = ApplyActivation(pre, layer.activation);
    if (training) {
      layer.input_cache = std::move(x);
      layer.pre_activation_cache = std::move(pre);
    }
    x = std::move(next);
  }
  return x;
}

RowMatrix DenseStack::Backward(const RowMatrix& output_gradient) {
  RowMatrix gradient = output_gradient;
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    DenseLayer& layer = *it;
    const RowMatrix pre_gradient =
        gradient.cwiseProduct(ActivationDerivative(layer.pre_activation_cache, layer.activation));
    layer.weight_gradient = pre_gradient.transpose() * layer.input_cache;
    layer.bias_gradient = pre_gradient.colwise().sum();
    if (layer.mask.size() != 0) layer.weight_gradient = layer.weight_gradient.cwiseProduct(layer.mask);
    gradient = pre_gradient * layer.weights;
  }
  return gradient;
}

void DenseStack::AdamStep(const AdamConfig& config, int step) {
  for (DenseLayer& layer : layers_) {
    layer.weight_moments.Step(config, step, layer.weight_gradient, layer.weights);
    layer.bias_moments.Step(config, step, layer.bias_gradient, layer.bias);
    // Weight decay and moment history could revive a pruned weight: re-apply the mask.
    if (layer.mask.size() != 0) layer.weights = layer.weights.cwiseProduct(layer.mask);
  }
}

void DenseStack::SetMasks(std::vector<RowMatrix> masks) {
  for (size_t i = 0; i < layers_.size() && i < masks.size(); ++i) {
    layers_[i].mask = std::move(masks[i]);
    layers_[i].weights = layers_[i].weights.cwiseProduct(layers_[i].mask);
    layers_[i].weight_moments = {};  // restart Adam for the fine-tuning phase
    layers_[i].bias_moments = {};
  }
}

void DenseStack::PruneByMagnitude(float sparsity) {
  std::vector<RowMatrix> masks;
  for (const DenseLayer& layer : layers_) {
    const auto keep = MagnitudePruneMask(layer.weights.data(),
                                         static_cast<size_t>(layer.weights.size()), sparsity);
    RowMatrix mask(layer.weights.rows(), layer.weights.cols());
    for (Eigen::Index i = 0; i < mask.size(); ++i) mask.data()[i] = keep[static_cast<size_t>(i)];
    masks.push_back(std::move(mask));
  }
  SetMasks(std::move(masks));
}

float DenseStack::Sparsity() const {
  Eigen::Index zeros = 0, total = 0;
  for (const DenseLayer& layer : layers_) {
    zeros += (layer.weights.array() == 0.0f).count();
    total += layer.weights.size();
  }
  return total == 0 ? 0.0f : static_cast<float>(zeros) / static_cast<float>(total);
}

Result<int> DenseStack::AppendToGraph(Graph& graph, int input, const std::string& prefix) const {
  int current = input;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const DenseLayer& layer = layers_[i];
    const std::string name = prefix + "dense" + std::to_string(i);
    const auto out = static_cast<uint32_t>(layer.weights.rows());
    const auto in = static_cast<uint32_t>(layer.weights.cols());
    const int weights = graph.AddConstant(
        name + "/weights", {out, in},
        std::vector<float>(layer.weights.data(), layer.weights.data() + layer.weights.size()));
    const int bias = graph.AddConstant(
        name + "/bias", {out}, std::vector<float>(layer.bias.data(), layer.bias.data() + out));
    NodeParams params;
    params.activation = layer.activation;
    auto output = AddInferredNode(graph, OpCode::kFullyConnected, {current, weights, bias}, params,
                                  name);
    if (!output.ok()) return output.error();
    current = *output;
  }
  return current;
}

float SoftmaxCrossEntropy(const RowMatrix& logits, const std::vector<int>& labels,
                          RowMatrix* gradient) {
  const RowMatrix shifted = logits.colwise() - logits.rowwise().maxCoeff();
  const RowMatrix exps = shifted.array().exp().matrix();
  const Eigen::VectorXf sums = exps.rowwise().sum();
  RowMatrix probabilities = exps.array().colwise() / sums.array();
  double loss = 0.0;
  const auto batch = logits.rows();
  for (Eigen::Index r = 0; r < batch; ++r) {
    const auto label = static_cast<Eigen::Index>(labels[static_cast<size_t>(r)]);
    loss -= static_cast<double>(shifted(r, label)) - std::log(static_cast<double>(sums(r)));
    probabilities(r, label) -= 1.0f;
  }
  if (gradient != nullptr) *gradient = probabilities / static_cast<float>(batch);
  return static_cast<float>(loss / static_cast<double>(batch));
}

float MeanSquaredError(const RowMatrix& output, const RowMatrix& target, RowMatrix* gradient) {
  const RowMatrix difference = output - target;
  const auto count = static_cast<float>(difference.size());
  if (gradient != nullptr) *gradient = difference * (2.0f / count);
  return difference.squaredNorm() / count;
}

RowMatrix GatherRows(const Dataset& data, const std::vector<size_t>& indices) {
  RowMatrix matrix(static_cast<Eigen::Index>(indices.size()), static_cast<Eigen::Index>(data.cols));
  const Eigen::Map<const RowMatrix> all(data.features.data(), static_cast<Eigen::Index>(data.rows),
                                        static_cast<Eigen::Index>(data.cols));
  for (size_t i = 0; i < indices.size(); ++i)
    matrix.row(static_cast<Eigen::Index>(i)) = all.row(static_cast<Eigen::Index>(indices[i]));
  return matrix;
}

RowMatrix ToMatrix(const Dataset& data) {
  return Eigen::Map<const RowMatrix>(data.features.data(), static_cast<Eigen::Index>(data.rows),
                                     static_cast<Eigen::Index>(data.cols));
}

std::vector<float> ToVector(const RowMatrix& matrix) {
  return std::vector<float>(matrix.data(), matrix.data() + matrix.size());
}

}  // namespace tinyforge::toolchain
