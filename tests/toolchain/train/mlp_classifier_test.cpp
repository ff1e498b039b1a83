// Tests of the MLP trainer: determinism, learning a non-linear problem, agreement between the
// trained network and its exported graph, and pruning with fine-tuning.
#include "toolchain/train/mlp_classifier.h"

#include <gtest/gtest.h>

#include "toolchain/train/metrics.h"
#include "toolchain/train/synthetic.h"

namespace tinyforge::toolchain {
namespace {

MlpConfig SmallConfig(uint32_t seed) {
  MlpConfig config;
  config.hidden = {16, 16};
  config.fit.epochs = 150;
  config.fit.patience = 20;
  config.fit.adam.learning_rate = 0.01f;
  config.seed = seed;
  return config;
}

std::vector<float> AllConstants(const Graph& graph) {
  std::vector<float> values;
  for (const IrTensor& tensor : graph.tensors)
    values.insert(values.end(), tensor.float_data.begin(), tensor.float_data.end());
  return values;
}

TEST(MlpClassifierTest, SameSeedGivesBitIdenticalWeights) {
  const Dataset data = MakeMoons(300, 0.1f, 5);
  MlpConfig config = SmallConfig(9);
  config.fit.epochs = 10;
  auto first = TrainMlpClassifier(data, config);
  auto second = TrainMlpClassifier(data, config);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(AllConstants(first->graph), AllConstants(second->graph));
  config.seed = 10;
  auto other = TrainMlpClassifier(data, config);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(AllConstants(first->graph), AllConstants(other->graph));
}

TEST(MlpClassifierTest, LearnsTwoMoons) {
  const Dataset data = MakeMoons(1000, 0.1f, 1);
  auto trained = TrainMlpClassifier(data, SmallConfig(1));
  ASSERT_TRUE(trained.ok()) << trained.error().message;
  EXPECT_GT(trained->report.validation_accuracy, 0.95f);
  EXPECT_LT(trained->report.history.epochs_run, 151);
  // The exported graph computes what the trainer measured (independent path: IR executor).
  const Dataset fresh = MakeMoons(500, 0.1f, 77);
  auto accuracy = GraphAccuracy(trained->graph, fresh);
  ASSERT_TRUE(accuracy.ok()) << accuracy.error().message;
  EXPECT_GT(*accuracy, 0.95f);
}

TEST(MlpClassifierTest, EarlyStoppingHaltsBeforeTheEpochLimit) {
  const Dataset data = MakeGaussianBlobs(100, 3, 4, 6.0f, 2);
  MlpConfig config = SmallConfig(3);
  config.fit.epochs = 1000;
  config.fit.patience = 5;
  auto trained = TrainMlpClassifier(data, config);
  ASSERT_TRUE(trained.ok());
  EXPECT_LT(trained->report.history.epochs_run, 1000);
  EXPECT_EQ(trained->report.history.epochs_run - trained->report.history.best_epoch, 5);
}

TEST(MlpClassifierTest, PruningReachesTargetSparsityAndKeepsAccuracy) {
  const Dataset data = MakeGaussianBlobs(200, 3, 8, 4.0f, 4);
  MlpConfig config = SmallConfig(4);
  config.hidden = {32, 32};
  config.prune_sparsity = 0.7f;
  auto trained = TrainMlpClassifier(data, config);
  ASSERT_TRUE(trained.ok()) << trained.error().message;
  EXPECT_NEAR(trained->report.weight_sparsity, 0.7f, 0.02f);
  EXPECT_GT(trained->report.validation_accuracy, 0.95f);
  size_t zeros = 0, total = 0;
  for (const IrNode& node : trained->graph.nodes) {
    if (node.op != OpCode::kFullyConnected) continue;
    for (float w : trained->graph.tensors[static_cast<size_t>(node.inputs[1])].float_data) {
      zeros += w == 0.0f;
      ++total;
    }
  }
  EXPECT_NEAR(static_cast<double>(zeros) / static_cast<double>(total), 0.7, 0.02);
}

TEST(MlpClassifierTest, RejectsUnlabelledData) {
  Dataset data = MakeMoons(10, 0.1f, 1);
  data.labels.clear();
  EXPECT_FALSE(TrainMlpClassifier(data, SmallConfig(1)).ok());
}

}  // namespace
}  // namespace tinyforge::toolchain
