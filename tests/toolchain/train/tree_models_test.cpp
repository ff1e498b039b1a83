// Tests of the host-only tree models: the isolation forest ranks injected outliers above normal
// rows, and the random forest learns a non-linear problem deterministically.
#include "toolchain/train/tree_models.h"

#include <gtest/gtest.h>

#include "toolchain/train/metrics.h"
#include "toolchain/train/synthetic.h"

namespace tinyforge::toolchain {
namespace {

TEST(IsolationForestTest, ScoresInjectedOutliersAboveThreshold) {
  Dataset normal = MakeGaussianBlobs(1000, 1, 4, 0.0f, 1);
  auto forest = TrainIsolationForest(normal, {});
  ASSERT_TRUE(forest.ok()) << forest.error().message;
  Dataset outliers = MakeGaussianBlobs(50, 1, 4, 0.0f, 2);
  for (float& value : outliers.features) value = value * 0.2f + 6.0f;  // far from the cloud
  const auto normal_scores = forest->Score(MakeGaussianBlobs(500, 1, 4, 0.0f, 3));
  const auto outlier_scores = forest->Score(outliers);
  size_t flagged = 0, false_alarms = 0;
  for (float s : outlier_scores) flagged += s > forest->threshold;
  for (float s : normal_scores) false_alarms += s > forest->threshold;
  EXPECT_EQ(flagged, outliers.rows);
  EXPECT_LT(false_alarms, 20u);
}

TEST(RandomForestTest, LearnsMoonsDeterministically) {
  const Dataset train = MakeMoons(600, 0.15f, 1);
  const Dataset test = MakeMoons(400, 0.15f, 2);
  RandomForestConfig config;
  config.trees = 30;
  auto forest = TrainRandomForest(train, config);
  auto again = TrainRandomForest(train, config);
  ASSERT_TRUE(forest.ok() && again.ok());
  const auto probabilities = forest->PredictProbabilities(test);
  EXPECT_EQ(probabilities, again->PredictProbabilities(test));
  EXPECT_GT(Accuracy(probabilities, 2, test.labels), 0.93f);
}

}  // namespace
}  // namespace tinyforge::toolchain
