// Tests of the 1D-CNN trainer: it separates sine windows by frequency, and its exported graph
// (Conv1D, MaxPool, dense head) classifies fresh data as well as the trainer reported.
#include "toolchain/train/cnn1d_classifier.h"

#include <gtest/gtest.h>

#include "toolchain/train/metrics.h"
#include "toolchain/train/synthetic.h"

namespace tinyforge::toolchain {
namespace {

Cnn1dConfig SmallCnnConfig() {
  Cnn1dConfig config;
  config.channels = 2;
  config.kernel_width = 5;
  config.filters = 6;
  config.hidden = {16};
  config.fit.epochs = 60;
  config.fit.adam.learning_rate = 0.01f;
  return config;
}

TEST(Cnn1dClassifierTest, SeparatesSineFrequencies) {
  const Dataset data = MakeSineWindows(150, 3, 32, 2, 0.2f, 1);
  auto trained = TrainCnn1dClassifier(data, SmallCnnConfig());
  ASSERT_TRUE(trained.ok()) << trained.error().message;
  EXPECT_GT(trained->report.validation_accuracy, 0.9f);
  auto accuracy = GraphAccuracy(trained->graph, MakeSineWindows(100, 3, 32, 2, 0.2f, 99));
  ASSERT_TRUE(accuracy.ok()) << accuracy.error().message;
  EXPECT_GT(*accuracy, 0.9f);
}

TEST(Cnn1dClassifierTest, SameSeedGivesSameGraph) {
  const Dataset data = MakeSineWindows(30, 2, 16, 1, 0.2f, 2);
  Cnn1dConfig config = SmallCnnConfig();
  config.channels = 1;
  config.fit.epochs = 3;
  auto a = TrainCnn1dClassifier(data, config);
  auto b = TrainCnn1dClassifier(data, config);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->graph.tensors.size(), b->graph.tensors.size());
  for (size_t i = 0; i < a->graph.tensors.size(); ++i)
    EXPECT_EQ(a->graph.tensors[i].float_data, b->graph.tensors[i].float_data);
}

TEST(Cnn1dClassifierTest, RejectsKernelWiderThanWindow) {
  const Dataset data = MakeSineWindows(10, 2, 4, 1, 0.1f, 3);
  Cnn1dConfig config = SmallCnnConfig();
  config.channels = 1;
  config.kernel_width = 8;
  EXPECT_FALSE(TrainCnn1dClassifier(data, config).ok());
}

}  // namespace
}  // namespace tinyforge::toolchain
