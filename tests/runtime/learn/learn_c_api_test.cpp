// Tests of TinyOL's C API: init in caller memory, the learn/predict/label loop, errors, flash.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/runtime/learn/learn_test_util.h"
#include "tinyforge/learn_c_api.h"

namespace {

constexpr uint16_t kFeatures = 10;

tforge_learner_options Options() {
  tforge_learner_options options;
  tforge_learner_options_default(&options);
  options.feature_count = kFeatures;
  options.max_classes = 4;
  options.initial_classes = 2;
  options.model_id = 42;
  return options;
}

TEST(LearnCApiTest, InitNeedsEnoughAlignedMemory) {
  tforge_learner_options options = Options();
  const size_t bytes = tforge_learner_required_bytes(&options);
  ASSERT_GT(bytes, 0u);
  alignas(8) static uint8_t memory[8192];
  tforge_learner* learner = reinterpret_cast<tforge_learner*>(1);
  EXPECT_EQ(tforge_learner_init(memory, bytes - 1, &options, &learner),
            TFORGE_LEARN_STORAGE_TOO_SMALL);
  EXPECT_EQ(learner, nullptr);
  EXPECT_EQ(tforge_learner_init(memory + 4, bytes, &options, &learner),
            TFORGE_LEARN_STORAGE_MISALIGNED);
  EXPECT_EQ(tforge_learner_init(nullptr, bytes, &options, &learner), TFORGE_LEARN_NULL_ARGUMENT);
  options.task = 9;
  EXPECT_EQ(tforge_learner_required_bytes(&options), 0u);
  EXPECT_EQ(tforge_learner_init(memory, bytes, &options, &learner), TFORGE_LEARN_BAD_CONFIG);
  options = Options();
  options.momentum = 0.9f;  // reserves velocity memory
  EXPECT_GT(tforge_learner_required_bytes(&options), bytes);
  options = Options();
  ASSERT_EQ(tforge_learner_init(memory, bytes, &options, &learner), TFORGE_LEARN_OK);
  tforge_learner_free(learner);
}

TEST(LearnCApiTest, SubmitLabelPredictLoopLearnsAndPersists) {
  tforge_learner_options options = Options();
  options.momentum = 0.5f;
  alignas(8) static uint8_t memory[8192];
  alignas(8) static uint8_t memory2[8192];
  ASSERT_LE(tforge_learner_required_bytes(&options), sizeof memory);
  tforge_learner* learner = nullptr;
  ASSERT_EQ(tforge_learner_init(memory, sizeof memory, &options, &learner), TFORGE_LEARN_OK);
  tinyforge::learn::testing::ClusterStream stream(kFeatures, 3, 1.5f, 31);
  for (int i = 0; i < 200; ++i) {
    const uint32_t label = stream.Next(2);
    const std::vector<float> x = stream.Sample(label);
    uint32_t id = 0;
    tforge_prediction p;
    ASSERT_EQ(tforge_learner_submit(learner, x.data(), kFeatures, &id, &p), TFORGE_LEARN_OK);
    ASSERT_EQ(tforge_learner_label(learner, id, static_cast<int32_t>(label)), TFORGE_LEARN_OK);
  }
  EXPECT_GT(tforge_learner_accuracy(learner), 0.9f);
  uint8_t index = 0;
  ASSERT_EQ(tforge_learner_add_class(learner, &index), TFORGE_LEARN_OK);
  EXPECT_EQ(index, 2);
  EXPECT_EQ(tforge_learner_class_count(learner), 3);
  for (int i = 0; i < 30; ++i) {
    const uint32_t label = stream.Next(3);
    const std::vector<float> x = stream.Sample(label);
    ASSERT_EQ(tforge_learner_learn(learner, x.data(), kFeatures, static_cast<int32_t>(label)),
              TFORGE_LEARN_OK);
  }
  const std::vector<float> probe = stream.Sample(2);
  tforge_prediction expected;
  ASSERT_EQ(tforge_learner_predict(learner, probe.data(), kFeatures, &expected), TFORGE_LEARN_OK);
  EXPECT_EQ(expected.label, 2);

  tinyforge::learn::testing::RamFlash flash(2048);
  const tforge_flash_port port = flash.Port();
  EXPECT_EQ(tforge_learner_save(learner), TFORGE_LEARN_NO_FLASH);
  ASSERT_EQ(tforge_learner_set_flash(learner, &port), TFORGE_LEARN_OK);
  ASSERT_EQ(tforge_learner_save(learner), TFORGE_LEARN_OK);
  tforge_learner* restored = nullptr;
  ASSERT_EQ(tforge_learner_init(memory2, sizeof memory2, &options, &restored), TFORGE_LEARN_OK);
  ASSERT_EQ(tforge_learner_set_flash(restored, &port), TFORGE_LEARN_OK);
  ASSERT_EQ(tforge_learner_load(restored), TFORGE_LEARN_OK);
  tforge_prediction got;
  ASSERT_EQ(tforge_learner_predict(restored, probe.data(), kFeatures, &got), TFORGE_LEARN_OK);
  EXPECT_EQ(got.label, expected.label);
  EXPECT_EQ(got.confidence, expected.confidence);

  ASSERT_EQ(tforge_learner_set_frozen(restored, 1), TFORGE_LEARN_OK);
  ASSERT_EQ(tforge_learner_reset(restored), TFORGE_LEARN_OK);
  EXPECT_EQ(tforge_learner_class_count(restored), 2);
  tforge_learner_free(restored);
  tforge_learner_free(learner);
}

TEST(LearnCApiTest, BadInputGetsItsOwnStatus) {
  tforge_learner_options options = Options();
  alignas(8) static uint8_t memory[8192];
  tforge_learner* learner = nullptr;
  ASSERT_EQ(tforge_learner_init(memory, sizeof memory, &options, &learner), TFORGE_LEARN_OK);
  std::vector<float> x(kFeatures, 1.0f);
  uint32_t id = 0;
  tforge_prediction p;
  ASSERT_EQ(tforge_learner_submit(learner, x.data(), kFeatures, &id, &p), TFORGE_LEARN_OK);
  EXPECT_EQ(tforge_learner_label(learner, id, 5), TFORGE_LEARN_LABEL_OUT_OF_RANGE);
  EXPECT_EQ(tforge_learner_label(learner, id + 1, 0), TFORGE_LEARN_UNKNOWN_SAMPLE_ID);
  EXPECT_EQ(tforge_learner_label_target(learner, id, 1.0f), TFORGE_LEARN_WRONG_TASK);
  EXPECT_EQ(tforge_learner_discard(learner, id), TFORGE_LEARN_OK);
  EXPECT_EQ(tforge_learner_discard(learner, id), TFORGE_LEARN_SAMPLE_NOT_PENDING);
  x[0] = NAN;
  EXPECT_EQ(tforge_learner_learn(learner, x.data(), kFeatures, 0), TFORGE_LEARN_NON_FINITE_FEATURE);
  EXPECT_EQ(tforge_learner_predict(nullptr, x.data(), kFeatures, &p), TFORGE_LEARN_NULL_ARGUMENT);
  EXPECT_STREQ(tforge_learn_status_name(TFORGE_LEARN_SAMPLE_EXPIRED), "SampleExpired");
  EXPECT_STREQ(tforge_learn_status_name(-3), "Unknown");
  tforge_learner_free(learner);
}

}  // namespace

// The anomaly options reach the learner: ln threshold, fault labels and the 2-of-2 debounce.
TEST(LearnCApiTest, AnomalyOptionsSetTheThresholdRuleAndTheDebounce) {
  tforge_learner_options options;
  tforge_learner_options_default(&options);
  EXPECT_EQ(options.anomaly_log_threshold, 0);  // the library defaults: raw, no debounce
  EXPECT_EQ(options.anomaly_learn_faults, 0);
  EXPECT_EQ(options.anomaly_alarm_k, 1);
  EXPECT_EQ(options.anomaly_alarm_n, 1);
  options.task = TFORGE_TASK_ANOMALY;
  options.feature_count = 2;
  options.anomaly_log_threshold = 1;
  options.anomaly_learn_faults = 1;
  options.anomaly_alarm_k = 2;
  options.anomaly_alarm_n = 2;
  alignas(8) static uint8_t memory[4096];
  tforge_learner* learner = nullptr;
  ASSERT_EQ(tforge_learner_init(memory, sizeof memory, &options, &learner), TFORGE_LEARN_OK);
  for (int i = 0; i < 20; ++i) {
    const float normal[2] = {i % 2 ? 1.1f : 0.9f, 0.0f};
    ASSERT_EQ(tforge_learner_learn(learner, normal, 2, 0), TFORGE_LEARN_OK);
  }
  const float fault[2] = {30.0f, 30.0f};
  tforge_prediction first{}, second{};
  uint32_t id = 0;
  ASSERT_EQ(tforge_learner_submit(learner, fault, 2, &id, &first), TFORGE_LEARN_OK);
  ASSERT_EQ(tforge_learner_label(learner, id, 1), TFORGE_LEARN_OK);
  ASSERT_EQ(tforge_learner_submit(learner, fault, 2, &id, &second), TFORGE_LEARN_OK);
  EXPECT_EQ(first.label, 0);   // one window over the threshold: debounced
  EXPECT_EQ(second.label, 1);  // two in a row: alarm
  // With fault labels the threshold sits between normal (~0.5) and fault (900) scores, far above
  // mean + 3 std of the normal ones.
  EXPECT_GT(second.confidence, 5.0f);
  EXPECT_LT(second.confidence, 900.0f);
  tforge_learner_free(learner);

  options.anomaly_alarm_k = 3;  // k > n
  EXPECT_EQ(tforge_learner_init(memory, sizeof memory, &options, &learner),
            TFORGE_LEARN_BAD_CONFIG);
  options.anomaly_alarm_k = 2;
  options.anomaly_log_threshold = 2;  // not a flag
  EXPECT_EQ(tforge_learner_required_bytes(&options), 0u);
}
