// 1D-CNN classifier training (see cnn1d_classifier.h). The convolution is an im2col matrix
// product: with stride 1 and no padding, each output position's receptive field is a contiguous
// slice of the row, so the column matrix is built by copying slices.
#include "toolchain/train/cnn1d_classifier.h"

#include "toolchain/train/dense_stack.h"
#include "toolchain/train/metrics.h"

namespace tinyforge::toolchain {
namespace {

struct Conv1dNet {
  Eigen::Index width = 0, channels = 0, kernel = 0, filters = 0, pool = 0;
  Eigen::Index out_width = 0, pooled_width = 0;
  RowMatrix weights;  // [filters, kernel * channels] == [filters][kernel][channels]
  RowMatrix bias;     // [1, filters]
  RowMatrix weight_gradient, bias_gradient;
  AdamMoments weight_moments, bias_moments;
  DenseStack head;
  // Caches of the last training forward pass.
  RowMatrix columns, pre_activation;
  std::vector<Eigen::Index> winners;  // per pooled element, the winning row of pre_activation

  RowMatrix Forward(const RowMatrix& x, bool training) {
    const Eigen::Index batch = x.rows();
    const Eigen::Index patch = kernel * channels;
    RowMatrix cols(batch * out_width, patch);
    for (Eigen::Index b = 0; b < batch; ++b)
      for (Eigen::Index position = 0; position < out_width; ++position)
        cols.row(b * out_width + position) = x.row(b).segment(position * channels, patch);
    RowMatrix pre = cols * weights.transpose();
    pre.rowwise() += bias.row(0);
    const RowMatrix activated = pre.cwiseMax(0.0f);
    RowMatrix pooled(batch * pooled_width, filters);
    std::vector<Eigen::Index> best(static_cast<size_t>(pooled.size()));
    for (Eigen::Index b = 0; b < batch; ++b)
      for (Eigen::Index p = 0; p < pooled_width; ++p)
        for (Eigen::Index f = 0; f < filters; ++f) {
          const Eigen::Index first = b * out_width + p * pool;
          Eigen::Index winner = first;
          for (Eigen::Index k = 1; k < pool; ++k) {
            if (activated(first + k, f) > activated(winner, f)) winner = first + k;
          }
          pooled(b * pooled_width + p, f) = activated(winner, f);
          best[static_cast<size_t>((b * pooled_width + p) * filters + f)] = winner;
        }
    const Eigen::Map<const RowMatrix> flat(pooled.data(), batch, pooled_width * filters);
    RowMatrix logits = head.Forward(flat, training);
    if (training) {
      columns = std::move(cols);
      pre_activation = std::move(pre);
      winners = std::move(best);
    }
    return logits;
  }

  void Backward(const RowMatrix& logits_gradient) {
    const RowMatrix flat_gradient = head.Backward(logits_gradient);
    const Eigen::Map<const RowMatrix> pooled_gradient(flat_gradient.data(),
                                                      flat_gradient.rows() * pooled_width, filters);
    RowMatrix activated_gradient = RowMatrix::Zero(pre_activation.rows(), filters);
    for (Eigen::Index r = 0; r < pooled_gradient.rows(); ++r)
      for (Eigen::Index f = 0; f < filters; ++f)
        activated_gradient(winners[static_cast<size_t>(r * filters + f)], f) +=
            pooled_gradient(r, f);
    const RowMatrix pre_gradient = activated_gradient.cwiseProduct(
        (pre_activation.array() > 0.0f).cast<float>().matrix());
    weight_gradient = pre_gradient.transpose() * columns;
    bias_gradient = pre_gradient.colwise().sum();
  }

  void AdamStep(const AdamConfig& config, int step) {
    weight_moments.Step(config, step, weight_gradient, weights);
    bias_moments.Step(config, step, bias_gradient, bias);
    head.AdamStep(config, step);
  }
};

}  // namespace

Result<TrainedModel> TrainCnn1dClassifier(const Dataset& data, const Cnn1dConfig& config) {
  TINYFORGE_TRY(data.Check(true));
  const int classes = data.ClassCount();
  if (classes < 2) return MakeError("TrainCnn1dClassifier: need at least 2 classes");
  if (config.channels == 0 || data.cols % config.channels != 0)
    return MakeError("TrainCnn1dClassifier: " + std::to_string(data.cols) +
                     " columns are not a multiple of " + std::to_string(config.channels) +
                     " channels");
  const auto width = static_cast<uint32_t>(data.cols / config.channels);
  if (config.kernel_width == 0 || config.kernel_width > width || config.filters == 0 ||
      config.pool == 0 || (width - config.kernel_width + 1) < config.pool)
    return MakeError("TrainCnn1dClassifier: kernel " + std::to_string(config.kernel_width) +
                     "/pool " + std::to_string(config.pool) + " do not fit width " +
                     std::to_string(width));
  Rng rng(config.seed);
  const SplitIndices split = ShuffledSplit(data.rows, config.validation_fraction, rng);
  const Dataset train = data.Subset(split.train);
  const Dataset validation = split.validation.empty() ? train : data.Subset(split.validation);
  const RowMatrix train_x = ToMatrix(train);
  const RowMatrix validation_x = ToMatrix(validation);

  Conv1dNet net;
  net.width = width;
  net.channels = config.channels;
  net.kernel = config.kernel_width;
  net.filters = config.filters;
  net.pool = config.pool;
  net.out_width = net.width - net.kernel + 1;
  net.pooled_width = net.out_width / net.pool;
  const Eigen::Index patch = net.kernel * net.channels;
  net.weights.resize(net.filters, patch);
  const double stddev = std::sqrt(2.0 / static_cast<double>(patch));
  for (Eigen::Index i = 0; i < net.weights.size(); ++i)
    net.weights.data()[i] = static_cast<float>(rng.Normal() * stddev);
  net.bias = RowMatrix::Zero(1, net.filters);
  std::vector<int> sizes = {static_cast<int>(net.pooled_width * net.filters)};
  sizes.insert(sizes.end(), config.hidden.begin(), config.hidden.end());
  sizes.push_back(classes);
  std::vector<FusedActivation> activations(config.hidden.size(), FusedActivation::kRelu);
  activations.push_back(FusedActivation::kNone);
  net.head.Init(sizes, activations, rng);

  auto train_step = [&](Conv1dNet& model, const std::vector<size_t>& batch) {
    std::vector<int> labels;
    for (size_t row : batch) labels.push_back(train.labels[row]);
    RowMatrix gradient;
    const float loss = SoftmaxCrossEntropy(model.Forward(GatherRows(train, batch), true), labels,
                                           &gradient);
    model.Backward(gradient);
    return loss;
  };
  auto validation_loss = [&](Conv1dNet& model) {
    return SoftmaxCrossEntropy(model.Forward(validation_x, false), validation.labels, nullptr);
  };
  TrainedModel result;
  result.report.history = Fit(net, train.rows, config.fit, rng, train_step, validation_loss);
  result.report.train_accuracy =
      Accuracy(ToVector(net.Forward(train_x, false)), static_cast<size_t>(classes), train.labels);
  result.report.validation_accuracy = Accuracy(ToVector(net.Forward(validation_x, false)),
                                               static_cast<size_t>(classes), validation.labels);

  Graph& graph = result.graph;
  graph.metadata.model_id = config.model_id;
  const auto u32 = [](Eigen::Index value) { return static_cast<uint32_t>(value); };
  const int input = graph.AddActivation("input", {1, width, config.channels});
  graph.inputs = {input};
  const int conv_weights = graph.AddConstant("conv0/weights",
                                             {u32(net.filters), u32(net.kernel), config.channels},
                                             ToVector(net.weights));
  const int conv_bias = graph.AddConstant("conv0/bias", {u32(net.filters)}, ToVector(net.bias));
  NodeParams conv_params;
  conv_params.activation = FusedActivation::kRelu;
  auto conv = AddInferredNode(graph, OpCode::kConv1D, {input, conv_weights, conv_bias},
                              conv_params, "conv0");
  if (!conv.ok()) return conv.error();
  auto image = AddReshape(graph, *conv, {1, 1, u32(net.out_width), u32(net.filters)}, "to_image");
  if (!image.ok()) return image.error();
  NodeParams pool_params;
  pool_params.filter_width = config.pool;
  pool_params.stride_width = config.pool;
  auto pooled = AddInferredNode(graph, OpCode::kMaxPool2D, {*image}, pool_params, "pool0");
  if (!pooled.ok()) return pooled.error();
  auto flat = AddReshape(graph, *pooled, {1, u32(net.pooled_width * net.filters)}, "flatten");
  if (!flat.ok()) return flat.error();
  auto logits = net.head.AppendToGraph(graph, *flat, "head/");
  if (!logits.ok()) return logits.error();
  auto probabilities = AddInferredNode(graph, OpCode::kSoftmax, {*logits}, {}, "softmax");
  if (!probabilities.ok()) return probabilities.error();
  graph.outputs = {*probabilities};
  TINYFORGE_TRY(graph.Validate());
  return result;
}

}  // namespace tinyforge::toolchain
