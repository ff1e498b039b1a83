// Tests of TinyOL's drift detectors and of the learner's reaction to a drift.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "tests/runtime/learn/learn_test_util.h"
#include "tinyforge/learn.h"

namespace tinyforge::learn {
namespace {

// Index of the first alarm, or -1. Errors are Bernoulli(rate_before) then Bernoulli(rate_after).
template <typename Detector>
int FirstAlarm(Detector& detector, float rate_before, float rate_after, int change_at, int total,
               uint32_t seed) {
  std::mt19937 random(seed);
  std::bernoulli_distribution before(rate_before), after(rate_after);
  for (int i = 0; i < total; ++i) {
    const bool error = i < change_at ? before(random) : after(random);
    if (detector.Update(error)) return i;
  }
  return -1;
}

struct PageHinkleyOnBool {
  PageHinkley detector;
  bool Update(bool error) { return detector.Update(error ? 1.0f : 0.0f); }
};

TEST(DriftTest, PageHinkleyIsQuietOnAStationaryStream) {
  for (uint32_t seed = 0; seed < 10; ++seed) {
    PageHinkleyOnBool ph;
    EXPECT_EQ(FirstAlarm(ph, 0.1f, 0.1f, 0, 2000, seed), -1) << seed;
  }
}

TEST(DriftTest, PageHinkleyDetectsAnErrorRateIncreaseSoon) {
  for (uint32_t seed = 0; seed < 10; ++seed) {
    PageHinkleyOnBool ph;
    const int alarm = FirstAlarm(ph, 0.1f, 0.6f, 500, 2000, seed);
    EXPECT_GE(alarm, 500) << seed;
    EXPECT_LT(alarm, 550) << seed;
  }
}

// DDM is the textbook method, whose known weakness is false alarms on stationary streams (its
// minimum p + s is often taken at a lucky stretch); the test bounds the rate measured here.
TEST(DriftTest, DdmDetectsAnIncreaseAndRarelyAlarmsOnAStationaryStream) {
  int false_alarms = 0, detected_soon = 0;
  for (uint32_t seed = 0; seed < 100; ++seed) {
    Ddm quiet;
    quiet.Reset();
    false_alarms += FirstAlarm(quiet, 0.1f, 0.1f, 0, 1000, seed) >= 0 ? 1 : 0;
    Ddm ddm;
    ddm.Reset();
    const int alarm = FirstAlarm(ddm, 0.1f, 0.6f, 500, 2000, seed);
    detected_soon += (alarm >= 500 && alarm < 600) ? 1 : 0;
  }
  EXPECT_LE(false_alarms, 30);
  EXPECT_GE(detected_soon, 80);
}

// Swap two classes' clusters mid-stream: the detector fires, the learning rate is boosted and the
// learner recovers faster than one that only reports the drift.
TEST(DriftTest, DriftBoostSpeedsUpRecoveryAfterAConceptChange) {
  auto run = [](DriftDetector kind, DriftAction action, uint32_t* events) {
    StaticLearner<Task::kClassification, 8, 3, 4> learner;
    LearnerConfig config = decltype(learner)::DefaultConfig();
    config.initial_classes = 3;
    config.learning_rate = 0.02f;
    config.drift_detector = kind;
    config.drift_action = action;
    config.drift_boost = 5.0f;
    config.drift_boost_samples = 100;
    EXPECT_EQ(learner.Init(config), LearnStatus::kOk);
    testing::ClusterStream stream(8, 3, 1.5f, 17);
    uint32_t correct_after = 0;
    for (int i = 0; i < 700; ++i) {
      const uint32_t label = stream.Next(3);
      uint32_t cluster = label;
      if (i >= 400 && label != 2) cluster = 1 - label;  // classes 0 and 1 swap
      const std::vector<float> x = stream.Sample(cluster);
      Prediction p;
      EXPECT_EQ(learner->Learn(x.data(), 8, static_cast<int32_t>(label), &p), LearnStatus::kOk);
      if (i >= 400 && i < 550) correct_after += p.label == static_cast<int32_t>(label);
    }
    *events = learner->drift_events();
    return correct_after;
  };
  uint32_t events_ph = 0, events_ddm = 0, events_report = 0;
  const uint32_t boosted = run(DriftDetector::kPageHinkley, DriftAction::kBoostLearningRate,
                               &events_ph);
  const uint32_t boosted_ddm = run(DriftDetector::kDdm, DriftAction::kBoostLearningRate,
                                   &events_ddm);
  const uint32_t reported = run(DriftDetector::kPageHinkley, DriftAction::kReport, &events_report);
  EXPECT_GE(events_ph, 1u);
  EXPECT_GE(events_ddm, 1u);
  EXPECT_GE(events_report, 1u);
  EXPECT_GT(boosted, reported);
  EXPECT_GT(boosted_ddm, reported);
}

}  // namespace
}  // namespace tinyforge::learn
