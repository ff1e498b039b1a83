// Tests of the anomaly-detection autoencoder: rows off the training manifold score above the
// threshold, normal rows mostly below.
#include "toolchain/train/autoencoder.h"

#include <gtest/gtest.h>

namespace tinyforge::toolchain {
namespace {

// Normal rows: 8 features that are fixed linear mixes of 2 latent factors plus small noise.
Dataset ManifoldData(size_t rows, uint32_t seed) {
  Rng rng(seed);
  const float mix[8][2] = {{1, 0},  {0, 1},    {1, 1},     {1, -1},
                           {0.5f, 2}, {-1, 0.5f}, {2, 0.3f}, {-0.7f, -1}};
  Dataset data;
  data.cols = 8;
  data.rows = rows;
  for (size_t r = 0; r < rows; ++r) {
    const double a = rng.Normal(), b = rng.Normal();
    for (const auto& m : mix)
      data.features.push_back(static_cast<float>(m[0] * a + m[1] * b + 0.05 * rng.Normal()));
  }
  return data;
}

TEST(AutoencoderTest, FlagsInjectedAnomalies) {
  AutoencoderConfig config;
  config.hidden = {16, 2, 16};
  config.fit.epochs = 300;
  config.fit.patience = 30;
  config.fit.adam.learning_rate = 0.005f;
  auto trained = TrainAutoencoder(ManifoldData(2000, 1), config);
  ASSERT_TRUE(trained.ok()) << trained.error().message;
  ASSERT_GT(trained->threshold, 0.0f);

  const Dataset normal = ManifoldData(500, 2);
  Dataset anomalies = ManifoldData(200, 3);
  Rng rng(4);
  for (size_t r = 0; r < anomalies.rows; ++r) {  // break the mix: push one feature far off
    const size_t feature = rng.Below(8);
    anomalies.features[r * 8 + feature] += (rng.Below(2) ? 1.0f : -1.0f) * 3.0f;
  }
  auto normal_errors = ReconstructionErrors(trained->graph, normal);
  auto anomaly_errors = ReconstructionErrors(trained->graph, anomalies);
  ASSERT_TRUE(normal_errors.ok() && anomaly_errors.ok());
  size_t false_alarms = 0, detections = 0;
  for (float e : *normal_errors) false_alarms += e > trained->threshold;
  for (float e : *anomaly_errors) detections += e > trained->threshold;
  EXPECT_LT(static_cast<double>(false_alarms) / static_cast<double>(normal.rows), 0.05);
  EXPECT_GT(static_cast<double>(detections) / static_cast<double>(anomalies.rows), 0.9);
  // The threshold ships with the graph.
  ASSERT_EQ(trained->graph.metadata.numbers.size(), 1u);
  EXPECT_EQ(trained->graph.metadata.numbers[0].first, kAnomalyThresholdKey);
  EXPECT_FLOAT_EQ(static_cast<float>(trained->graph.metadata.numbers[0].second),
                  trained->threshold);
}

TEST(AutoencoderTest, ThresholdIsTheConfiguredQuantileOfTrainingErrors) {
  AutoencoderConfig config;
  config.fit.epochs = 5;
  config.threshold_quantile = 0.9;
  auto trained = TrainAutoencoder(ManifoldData(300, 5), config);
  ASSERT_TRUE(trained.ok());
  size_t above = 0;
  for (float e : trained->train_errors) above += e > trained->threshold;
  EXPECT_NEAR(static_cast<double>(above) / static_cast<double>(trained->train_errors.size()), 0.1, 0.01);
}

}  // namespace
}  // namespace tinyforge::toolchain
