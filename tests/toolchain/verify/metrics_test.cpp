// Metrics against hand-computed values.
#include "toolchain/verify/metrics.h"

#include <gtest/gtest.h>

namespace tinyforge::toolchain {
namespace {

TEST(MetricsTest, ClassifyCountsConfusionAccuracyAndF1) {
  // truth:     0 0 0 1 1 2
  // predicted: 0 0 1 1 1 0
  const auto metrics = Classify({0, 0, 1, 1, 1, 0}, {0, 0, 0, 1, 1, 2}, 3);
  EXPECT_DOUBLE_EQ(metrics.accuracy, 4.0 / 6.0);
  EXPECT_EQ(metrics.confusion[0][1], 1u);
  EXPECT_EQ(metrics.confusion[2][0], 1u);
  // class 0: tp 2 fp 1 fn 1 → F1 2/3; class 1: tp 2 fp 1 fn 0 → 0.8; class 2: 0
  EXPECT_NEAR(metrics.f1[0], 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(metrics.f1[1], 0.8, 1e-12);
  EXPECT_NEAR(metrics.f1[2], 0.0, 1e-12);
  EXPECT_NEAR(metrics.macro_f1, (2.0 / 3.0 + 0.8) / 3.0, 1e-12);
}

TEST(MetricsTest, RocAucMatchesPairCounting) {
  const std::vector<float> scores = {0.1f, 0.4f, 0.35f, 0.8f, 0.4f};
  const std::vector<bool> anomaly = {false, false, true, true, true};
  // pairs (anomaly, normal): 0.35>0.1 ✓, 0.35<0.4 ✗, 0.8 ✓✓, 0.4>0.1 ✓, 0.4=0.4 ½ → 4.5 / 6
  const auto metrics = ScoreAnomalies(scores, anomaly, 0.3f);
  EXPECT_NEAR(metrics.roc_auc, 4.5 / 6.0, 1e-12);
  // flagged > 0.3: 0.4(n) 0.35(a) 0.8(a) 0.4(a) → tp 3, fp 1, fn 0
  EXPECT_NEAR(metrics.precision, 0.75, 1e-12);
  EXPECT_NEAR(metrics.recall, 1.0, 1e-12);
  EXPECT_NEAR(metrics.false_positive_rate, 0.5, 1e-12);
}

TEST(MetricsTest, PerfectSeparationGivesAucOne) {
  const auto metrics = ScoreAnomalies({0.1f, 0.2f, 0.9f, 0.95f}, {false, false, true, true}, 0.5f);
  EXPECT_DOUBLE_EQ(metrics.roc_auc, 1.0);
  EXPECT_DOUBLE_EQ(metrics.f1, 1.0);
}

}  // namespace
}  // namespace tinyforge::toolchain
