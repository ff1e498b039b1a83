// Tests of the TinyOL anomaly task (runtime/learn/anomaly.cpp): the ln-domain threshold, the
// threshold learned from fault labels, the k-of-n debounce, and bad input (overflowing scores,
// NaN features, labels for unknown ids, bad debounce configs).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "tests/runtime/learn/learn_test_util.h"
#include "tinyforge/learn.h"

namespace tinyforge::learn {
namespace {

constexpr uint16_t kAnomalyFeatures = 4;
using Detector = StaticLearner<Task::kAnomaly, kAnomalyFeatures, 2, 4>;

// A residual whose score (mean squared residual) is exactly `score` up to float rounding.
std::vector<float> WithScore(float score) {
  return {std::sqrt(score * kAnomalyFeatures), 0.0f, 0.0f, 0.0f};
}

LearnerConfig DetectorConfig(AnomalyThresholdRule rule, bool learn_faults, uint8_t k = 1,
                             uint8_t n = 1) {
  LearnerConfig config = Detector::DefaultConfig();
  config.anomaly_threshold_rule = rule;
  config.anomaly_learn_faults = learn_faults;
  config.anomaly_alarm_k = k;
  config.anomaly_alarm_n = n;
  return config;
}

struct MeanStd {
  double mean = 0.0, std = 0.0;
};

// Sample mean and std (n − 1), what the learner's Welford stat holds below its count cap.
MeanStd Moments(const std::vector<double>& values) {
  MeanStd m;
  for (double v : values) m.mean += v;
  m.mean /= static_cast<double>(values.size());
  double m2 = 0.0;
  for (double v : values) m2 += (v - m.mean) * (v - m.mean);
  m.std = std::sqrt(m2 / static_cast<double>(values.size() - 1));
  return m;
}

// Heavy-tailed (log-normal) normal scores, as reconstruction errors are.
std::vector<double> LogNormalScores(uint32_t count, double log_mean, double log_std,
                                    uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<double> gauss(log_mean, log_std);
  std::vector<double> scores(count);
  for (double& s : scores) s = std::exp(gauss(random));
  return scores;
}

TEST(AnomalyTest, LogRuleThresholdIsExpOfMeanPlusKSigmaOfLnScores) {
  Detector detector;
  ASSERT_EQ(detector.Init(DetectorConfig(AnomalyThresholdRule::kLogMeanSigma, false)),
            LearnStatus::kOk);
  const std::vector<double> scores = LogNormalScores(150, 0.2, 0.4, 1);
  std::vector<double> logs;
  for (double s : scores) {
    const std::vector<float> r = WithScore(static_cast<float>(s));
    ASSERT_EQ(detector->Learn(r.data(), kAnomalyFeatures, 0), LearnStatus::kOk);
    float actual = 0.0f;
    for (float v : r) actual += v * v;
    logs.push_back(std::log(static_cast<double>(actual / kAnomalyFeatures)));
  }
  const MeanStd m = Moments(logs);
  EXPECT_NEAR(detector->anomaly_normal_stat().mean, m.mean, 1e-4);
  EXPECT_NEAR(detector->anomaly_threshold(), std::exp(m.mean + 3.0 * m.std),
              1e-3 * std::exp(m.mean + 3.0 * m.std));
  // On the raw scores, mean + 3σ sits lower in the right tail of these heavy-tailed scores:
  // more normal windows lie above it.
  Detector raw;
  ASSERT_EQ(raw.Init(DetectorConfig(AnomalyThresholdRule::kMeanSigma, false)), LearnStatus::kOk);
  for (double s : scores) {
    const std::vector<float> r = WithScore(static_cast<float>(s));
    ASSERT_EQ(raw->Learn(r.data(), kAnomalyFeatures, 0), LearnStatus::kOk);
  }
  const std::vector<double> fresh = LogNormalScores(20000, 0.2, 0.4, 2);
  uint32_t above_log = 0, above_raw = 0;
  for (double s : fresh) {
    above_log += s > detector->anomaly_threshold() ? 1u : 0u;
    above_raw += s > raw->anomaly_threshold() ? 1u : 0u;
  }
  EXPECT_LT(above_log, above_raw);
  EXPECT_LT(above_log, 20000u * 5u / 1000u);  // Φ(−3) = 0.13% expected, sampling slack
}

TEST(AnomalyTest, FaultLabelsPutTheThresholdAtEqualZBetweenTheDistributions) {
  Detector detector;
  ASSERT_EQ(detector.Init(DetectorConfig(AnomalyThresholdRule::kLogMeanSigma, true)),
            LearnStatus::kOk);
  std::vector<double> normal_logs, fault_logs;
  auto feed = [&](double score, int32_t label, std::vector<double>& logs) {
    const std::vector<float> r = WithScore(static_cast<float>(score));
    ASSERT_EQ(detector->Learn(r.data(), kAnomalyFeatures, label), LearnStatus::kOk);
    float actual = 0.0f;
    for (float v : r) actual += v * v;
    logs.push_back(std::log(static_cast<double>(actual / kAnomalyFeatures)));
  };
  for (double s : LogNormalScores(100, 0.0, 0.5, 3)) feed(s, 0, normal_logs);
  const MeanStd n = Moments(normal_logs);
  const float normal_only = detector->anomaly_threshold();
  EXPECT_NEAR(normal_only, std::exp(n.mean + 3.0 * n.std), 1e-3 * normal_only);

  // One fault: no spread estimate, so σf = σn and the threshold is the midpoint (in ln).
  feed(std::exp(8.0), 1, fault_logs);
  EXPECT_NEAR(std::log(detector->anomaly_threshold()), 0.5 * (n.mean + fault_logs[0]), 1e-3);

  // Many faults, spread wider than normal: (t − μn)/σn = (μf − t)/σf.
  for (double s : LogNormalScores(60, 9.0, 2.0, 4)) feed(s, 1, fault_logs);
  const MeanStd f = Moments(fault_logs);
  ASSERT_GT(f.std, n.std);
  const double expected = (n.mean * f.std + f.mean * n.std) / (n.std + f.std);
  const double t = std::log(detector->anomaly_threshold());
  EXPECT_NEAR(t, expected, 2e-3);
  EXPECT_NEAR((t - n.mean) / n.std, (f.mean - t) / f.std, 1e-2);
  EXPECT_GT(detector->anomaly_threshold(), normal_only);  // far-off faults: fewer false alarms

  // The same labels with anomaly_learn_faults off: the fault labels teach nothing.
  Detector normal_labels_only;
  ASSERT_EQ(normal_labels_only.Init(DetectorConfig(AnomalyThresholdRule::kLogMeanSigma, false)),
            LearnStatus::kOk);
  for (double s : LogNormalScores(100, 0.0, 0.5, 3)) {
    const std::vector<float> r = WithScore(static_cast<float>(s));
    ASSERT_EQ(normal_labels_only->Learn(r.data(), kAnomalyFeatures, 0), LearnStatus::kOk);
  }
  for (double s : LogNormalScores(60, 9.0, 2.0, 4)) {
    const std::vector<float> r = WithScore(static_cast<float>(s));
    ASSERT_EQ(normal_labels_only->Learn(r.data(), kAnomalyFeatures, 1), LearnStatus::kOk);
  }
  EXPECT_EQ(normal_labels_only->anomaly_threshold(), normal_only);
  EXPECT_EQ(normal_labels_only->anomaly_fault_stat().count, 0.0f);
  EXPECT_EQ(normal_labels_only->ClassTrainedCount(1), 60u);
}

TEST(AnomalyTest, FaultsThatDoNotScoreAboveNormalLeaveTheNormalRule) {
  Detector detector;
  ASSERT_EQ(detector.Init(DetectorConfig(AnomalyThresholdRule::kLogMeanSigma, true)),
            LearnStatus::kOk);
  for (double s : LogNormalScores(50, 1.0, 0.3, 5)) {
    const std::vector<float> r = WithScore(static_cast<float>(s));
    ASSERT_EQ(detector->Learn(r.data(), kAnomalyFeatures, 0), LearnStatus::kOk);
  }
  const float normal_only = detector->anomaly_threshold();
  // A mislabelled (or truly quiet) "fault" below the normal mean must not drag the threshold down.
  for (int i = 0; i < 5; ++i) {
    const std::vector<float> r = WithScore(0.5f);
    ASSERT_EQ(detector->Learn(r.data(), kAnomalyFeatures, 1), LearnStatus::kOk);
  }
  EXPECT_EQ(detector->anomaly_threshold(), normal_only);
}

// Scores alternating around a fixed threshold: the alarm follows the debounce rule exactly.
TEST(AnomalyTest, DebounceAlarmsOnlyWhenTheCurrentAndKOfTheLastNWindowsExceed) {
  Detector detector;
  ASSERT_EQ(detector.Init(DetectorConfig(AnomalyThresholdRule::kMeanSigma, false, 2, 3)),
            LearnStatus::kOk);
  for (int i = 0; i < 20; ++i) {  // normal scores 1.0 ± 0.1: threshold near 1.3
    const std::vector<float> r = WithScore(i % 2 ? 1.1f : 0.9f);
    ASSERT_EQ(detector->Learn(r.data(), kAnomalyFeatures, 0), LearnStatus::kOk);
  }
  detector->SetFrozen(true);  // the threshold stays put; the alarm history still follows
  const float threshold = detector->anomaly_threshold();
  ASSERT_GT(threshold, 1.1f);
  ASSERT_LT(threshold, 2.0f);
  // pattern of windows above (1) / below (0) the threshold, and the expected 2-of-3 alarm
  const int above[] = {1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1};
  const int alarm[] = {0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0};
  for (size_t i = 0; i < sizeof(above) / sizeof(above[0]); ++i) {
    const std::vector<float> r = WithScore(above[i] ? 10.0f : 1.0f);
    Prediction predicted{}, submitted{};
    ASSERT_EQ(detector->Predict(r.data(), kAnomalyFeatures, &predicted), LearnStatus::kOk);
    uint32_t id = 0;
    ASSERT_EQ(detector->Submit(r.data(), kAnomalyFeatures, &id, &submitted), LearnStatus::kOk);
    EXPECT_EQ(submitted.label, alarm[i]) << "window " << i;
    EXPECT_EQ(predicted.label, submitted.label) << "Predict changes nothing, same answer";
  }
  // Reset forgets the history: the next window alone cannot make 2 of 3 again.
  detector->Reset();
  detector->SetFrozen(false);
  for (int i = 0; i < 20; ++i) {
    const std::vector<float> r = WithScore(i % 2 ? 1.1f : 0.9f);
    ASSERT_EQ(detector->Learn(r.data(), kAnomalyFeatures, 0), LearnStatus::kOk);
  }
  const std::vector<float> spike = WithScore(10.0f);
  Prediction p{};
  ASSERT_EQ(detector->Predict(spike.data(), kAnomalyFeatures, &p), LearnStatus::kOk);
  EXPECT_EQ(p.label, 0);
}

TEST(AnomalyTest, DebounceConfigOutOfRangeIsRefused) {
  const uint8_t bad[][2] = {{0, 1}, {2, 1}, {1, 0}, {1, 33}, {40, 33}};
  for (const auto& kn : bad) {
    Detector detector;
    EXPECT_EQ(detector.Init(DetectorConfig(AnomalyThresholdRule::kMeanSigma, false, kn[0], kn[1])),
              LearnStatus::kBadConfig)
        << int{kn[0]} << " of " << int{kn[1]};
  }
  Detector all_32;
  EXPECT_EQ(all_32.Init(DetectorConfig(AnomalyThresholdRule::kLogMeanSigma, true, 32, 32)),
            LearnStatus::kOk);
  LearnerConfig bad_rule = DetectorConfig(AnomalyThresholdRule::kMeanSigma, false);
  bad_rule.anomaly_threshold_rule = static_cast<AnomalyThresholdRule>(7);
  Detector detector;
  EXPECT_EQ(detector.Init(bad_rule), LearnStatus::kBadConfig);
}

// Finite features whose squares overflow give an infinite score: an anomaly, never a statistic.
// NaN features and labels for unknown or expired ids are refused and change nothing.
TEST(AnomalyTest, BadInputNeverReachesTheStatistics) {
  for (const AnomalyThresholdRule rule :
       {AnomalyThresholdRule::kMeanSigma, AnomalyThresholdRule::kLogMeanSigma}) {
    Detector detector;
    ASSERT_EQ(detector.Init(DetectorConfig(rule, true)), LearnStatus::kOk);
    for (int i = 0; i < 20; ++i) {
      const std::vector<float> r = WithScore(i % 2 ? 1.1f : 0.9f);
      ASSERT_EQ(detector->Learn(r.data(), kAnomalyFeatures, 0), LearnStatus::kOk);
    }
    const std::vector<float> fault = WithScore(100.0f);
    ASSERT_EQ(detector->Learn(fault.data(), kAnomalyFeatures, 1), LearnStatus::kOk);
    const RunningStat normal = detector->anomaly_normal_stat();
    const RunningStat faults = detector->anomaly_fault_stat();
    const float threshold = detector->anomaly_threshold();

    const float huge[kAnomalyFeatures] = {3e38f, -3e38f, 1e30f, 0.0f};
    Prediction p{};
    ASSERT_EQ(detector->Predict(huge, kAnomalyFeatures, &p), LearnStatus::kOk);
    EXPECT_EQ(p.label, 1);
    EXPECT_TRUE(std::isinf(p.value));
    ASSERT_EQ(detector->Learn(huge, kAnomalyFeatures, 0), LearnStatus::kOk);  // even "labelled normal"
    ASSERT_EQ(detector->Learn(huge, kAnomalyFeatures, 1), LearnStatus::kOk);
    const float nan[kAnomalyFeatures] = {1.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f, 0.0f};
    EXPECT_EQ(detector->Learn(nan, kAnomalyFeatures, 0), LearnStatus::kNonFiniteFeature);
    EXPECT_EQ(detector->Label(12345, 0), LearnStatus::kUnknownSampleId);
    EXPECT_EQ(detector->Label(0, 1), LearnStatus::kSampleExpired);
    uint32_t id = 0;
    const std::vector<float> r = WithScore(1.0f);
    ASSERT_EQ(detector->Submit(r.data(), kAnomalyFeatures, &id, nullptr), LearnStatus::kOk);
    EXPECT_EQ(detector->Label(id, -1), LearnStatus::kLabelOutOfRange);
    EXPECT_EQ(detector->Label(id, 2), LearnStatus::kLabelOutOfRange);

    EXPECT_EQ(detector->anomaly_normal_stat().count, normal.count);
    EXPECT_EQ(detector->anomaly_normal_stat().mean, normal.mean);
    EXPECT_EQ(detector->anomaly_fault_stat().mean, faults.mean);
    EXPECT_EQ(detector->anomaly_threshold(), threshold);
    EXPECT_TRUE(std::isfinite(threshold));
    EXPECT_TRUE(std::isfinite(detector->metrics().Loss()));
    // An all-zero residual (score 0, ln undefined) is as normal as it gets.
    const float zero[kAnomalyFeatures] = {0.0f, 0.0f, 0.0f, 0.0f};
    ASSERT_EQ(detector->Predict(zero, kAnomalyFeatures, &p), LearnStatus::kOk);
    EXPECT_EQ(p.label, 0);
  }
}

TEST(AnomalyTest, FaultStatisticsSurviveSaveAndLoad) {
  testing::RamFlash flash(1024);
  const FlashPort port = flash.Port();
  Detector detector;
  ASSERT_EQ(detector.Init(DetectorConfig(AnomalyThresholdRule::kLogMeanSigma, true)),
            LearnStatus::kOk);
  detector->SetFlash(&port);
  for (int i = 0; i < 20; ++i) {
    const std::vector<float> r = WithScore(i % 2 ? 1.2f : 0.8f);
    ASSERT_EQ(detector->Learn(r.data(), kAnomalyFeatures, 0), LearnStatus::kOk);
  }
  for (float s : {1000.0f, 5000.0f, 20000.0f}) {
    const std::vector<float> r = WithScore(s);
    ASSERT_EQ(detector->Learn(r.data(), kAnomalyFeatures, 1), LearnStatus::kOk);
  }
  const float threshold = detector->anomaly_threshold();
  ASSERT_EQ(detector->Save(), LearnStatus::kOk);

  Detector restored;
  ASSERT_EQ(restored.Init(DetectorConfig(AnomalyThresholdRule::kLogMeanSigma, true)),
            LearnStatus::kOk);
  restored->SetFlash(&port);
  ASSERT_EQ(restored->Load(), LearnStatus::kOk);
  EXPECT_EQ(restored->anomaly_threshold(), threshold);
  EXPECT_EQ(restored->anomaly_fault_stat().count, 3.0f);
}

}  // namespace
}  // namespace tinyforge::learn
