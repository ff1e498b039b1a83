// Tests of the TinyOL learner: configuration, standardization, SGD, classes, labels, bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "runtime/learn/learn_internal.h"
#include "tests/runtime/learn/learn_test_util.h"
#include "tinyforge/learn.h"

namespace tinyforge::learn {
namespace {

using testing::ClusterStream;

constexpr uint16_t kFeatures = 16;
constexpr uint8_t kClasses = 8;
using Classifier = StaticLearner<Task::kClassification, kFeatures, kClasses, 8>;

LearnerConfig ClassifierConfig(uint8_t initial_classes) {
  LearnerConfig config = Classifier::DefaultConfig();
  config.initial_classes = initial_classes;
  return config;
}

// Accuracy of the learner's Predict on fresh samples of the given classes.
float HeldOutAccuracy(const Learner& learner, ClusterStream& stream, uint32_t classes,
                      uint32_t per_class) {
  uint32_t correct = 0;
  for (uint32_t c = 0; c < classes; ++c) {
    for (uint32_t i = 0; i < per_class; ++i) {
      const std::vector<float> x = stream.Sample(c);
      Prediction p;
      EXPECT_EQ(learner.Predict(x.data(), kFeatures, &p), LearnStatus::kOk);
      correct += p.label == static_cast<int32_t>(c) ? 1u : 0u;
    }
  }
  return static_cast<float>(correct) / static_cast<float>(classes * per_class);
}

TEST(LearnerTest, StorageFitsTheCwruBudget) {
  // 32 features, 8 classes, 8 pending, momentum: the 4 KB RAM goal for the learning part.
  using Cwru = StaticLearner<Task::kClassification, 32, 8, 8, true>;
  EXPECT_LE(sizeof(Cwru), 4096u);
  EXPECT_EQ(Cwru::kStorageBytes,
            4u * (8 * 32 + 8 + 8 * 33 + 3 * 8 + 2 * 32 + 8 + 8 + 8 * 32));
}

TEST(LearnerTest, RejectsInvalidConfigs) {
  alignas(8) static float storage[4096];
  Learner learner;
  LearnerConfig config = ClassifierConfig(2);
  EXPECT_EQ(learner.Init(config, nullptr, 0), LearnStatus::kNullArgument);
  LearnerConfig bad = config;
  bad.feature_count = 0;
  EXPECT_EQ(learner.Init(bad, storage, sizeof storage), LearnStatus::kBadConfig);
  bad = config;
  bad.initial_classes = 9;
  EXPECT_EQ(learner.Init(bad, storage, sizeof storage), LearnStatus::kBadConfig);
  bad = config;
  bad.momentum = 0.9f;  // no velocity memory reserved
  EXPECT_EQ(learner.Init(bad, storage, sizeof storage), LearnStatus::kBadConfig);
  bad = config;
  bad.learning_rate = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(learner.Init(bad, storage, sizeof storage), LearnStatus::kBadConfig);
  EXPECT_EQ(learner.Init(config, storage, StorageBytes(config) - 4),
            LearnStatus::kStorageTooSmall);
  EXPECT_EQ(learner.Init(config, reinterpret_cast<uint8_t*>(storage) + 2, sizeof storage - 4),
            LearnStatus::kStorageMisaligned);
  EXPECT_FALSE(learner.initialized());
  EXPECT_EQ(learner.Init(config, storage, StorageBytes(config)), LearnStatus::kOk);
}

TEST(LearnerTest, CallsBeforeInitReportNotInitialized) {
  Learner learner;
  float x[kFeatures] = {};
  uint32_t id = 0;
  Prediction p;
  EXPECT_EQ(learner.Submit(x, kFeatures, &id, &p), LearnStatus::kNotInitialized);
  EXPECT_EQ(learner.Label(0, 0), LearnStatus::kNotInitialized);
  EXPECT_EQ(learner.Save(), LearnStatus::kNotInitialized);
}

TEST(LearnerTest, WelfordMatchesTwoPassMeanAndVariance) {
  std::mt19937 random(7);
  std::normal_distribution<float> normal(100.0f, 5.0f);
  constexpr uint32_t kSamples = 500, kDims = 3;
  std::vector<float> data(kSamples * kDims);
  for (float& v : data) v = normal(random);
  float mean[kDims] = {}, m2[kDims] = {}, count = 0.0f;
  for (uint32_t i = 0; i < kSamples; ++i)
    count = internal::WelfordUpdate(&data[i * kDims], kDims, count, 1e9f, mean, m2);
  for (uint32_t j = 0; j < kDims; ++j) {
    double sum = 0, sum2 = 0;
    for (uint32_t i = 0; i < kSamples; ++i) sum += data[i * kDims + j];
    const double m = sum / kSamples;
    for (uint32_t i = 0; i < kSamples; ++i) sum2 += (data[i * kDims + j] - m) * (data[i * kDims + j] - m);
    EXPECT_NEAR(mean[j], m, 1e-3);
    EXPECT_NEAR(m2[j] / (count - 1.0f), sum2 / (kSamples - 1), 1e-2);
  }
}

TEST(LearnerTest, CappedWelfordFollowsAShiftedMean) {
  float mean = 0.0f, m2 = 0.0f, count = 0.0f;
  for (int i = 0; i < 200; ++i) {
    const float x = static_cast<float>(i % 2);
    count = internal::WelfordUpdate(&x, 1, count, 50.0f, &mean, &m2);
  }
  for (int i = 0; i < 400; ++i) {
    const float x = 10.0f + static_cast<float>(i % 2);
    count = internal::WelfordUpdate(&x, 1, count, 50.0f, &mean, &m2);
  }
  EXPECT_EQ(count, 50.0f);
  EXPECT_NEAR(mean, 10.5f, 0.05f);
  EXPECT_NEAR(m2 / (count - 1.0f), 0.25f, 0.1f);  // old spread forgotten
}

TEST(LearnerTest, SgdStepMatchesHandDerivedUpdate) {
  float w[2] = {0.5f, -1.0f}, b = 0.25f, v[3] = {0.1f, 0.2f, 0.3f};
  const float x[2] = {2.0f, -3.0f};
  internal::SgdStep(w, &b, v, x, 2, /*gradient=*/0.4f, /*rate=*/0.1f, /*momentum=*/0.5f,
                    /*l2=*/0.01f);
  const float g0 = 0.4f * 2.0f + 0.01f * 0.5f, g1 = 0.4f * -3.0f + 0.01f * -1.0f;
  EXPECT_FLOAT_EQ(v[0], 0.05f + g0);
  EXPECT_FLOAT_EQ(w[0], 0.5f - 0.1f * (0.05f + g0));
  EXPECT_FLOAT_EQ(w[1], -1.0f - 0.1f * (0.1f + g1));
  EXPECT_FLOAT_EQ(b, 0.25f - 0.1f * (0.15f + 0.4f));
}

TEST(LearnerTest, MaskedSoftmaxIgnoresUntrainedClassesAndIsStable) {
  const float logits[3] = {1000.0f, 5000.0f, 999.0f};
  const uint32_t trained[3] = {1, 0, 1};
  float p[3];
  EXPECT_EQ(internal::MaskedSoftmax(logits, trained, 3, p), 0);
  EXPECT_FLOAT_EQ(p[1], 0.0f);
  EXPECT_NEAR(p[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(p[0] + p[2], 1.0f, 1e-6f);
  const uint32_t none[3] = {0, 0, 0};
  EXPECT_EQ(internal::MaskedSoftmax(logits, none, 3, p), -1);
}

TEST(LearnerTest, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(internal::Crc32(0, "123456789", 9), 0xCBF43926u);
  EXPECT_EQ(internal::Crc32(internal::Crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

// Three samples through Learn(): two imprint classes 0 and 1, the third takes one SGD step. The
// expected weights are computed here in double from the definitions (sample variance, softmax).
TEST(LearnerTest, ThirdSampleTakesTheSoftmaxGradientStep) {
  using Small = StaticLearner<Task::kClassification, 2, 2, 4>;
  Small learner;
  LearnerConfig config = Small::DefaultConfig();
  config.learning_rate = 0.1f;
  config.imprint_samples = 1;  // only the first sample imprints
  config.drift_detector = DriftDetector::kNone;
  ASSERT_EQ(learner.Init(config), LearnStatus::kOk);
  const double s[3][2] = {{1.0, 10.0}, {3.0, 14.0}, {2.0, 9.0}};
  const float f[3][2] = {{1.0f, 10.0f}, {3.0f, 14.0f}, {2.0f, 9.0f}};
  ASSERT_EQ(learner->Learn(f[0], 2, 0), LearnStatus::kOk);
  ASSERT_EQ(learner->Learn(f[1], 2, 1), LearnStatus::kOk);
  ASSERT_EQ(learner->Learn(f[2], 2, 0), LearnStatus::kOk);
  // Standardization stats after 2 and 3 samples.
  double x2[2], x3[2];
  for (int j = 0; j < 2; ++j) {
    const double m2 = (s[0][j] + s[1][j]) / 2;
    const double v2 = ((s[0][j] - m2) * (s[0][j] - m2) + (s[1][j] - m2) * (s[1][j] - m2)) / 1;
    x2[j] = (s[1][j] - m2) / std::sqrt(v2);
    const double m3 = (s[0][j] + s[1][j] + s[2][j]) / 3;
    double v3 = 0;
    for (int i = 0; i < 3; ++i) v3 += (s[i][j] - m3) * (s[i][j] - m3);
    v3 /= 2;
    x3[j] = (s[2][j] - m3) / std::sqrt(v3);
  }
  // Class 0 was imprinted from x1 = 0 (a single sample has no spread): w0 = 0, b0 = 0.
  const double b1 = -0.5 * (x2[0] * x2[0] + x2[1] * x2[1]);
  const double z0 = 0.0, z1 = x2[0] * x3[0] + x2[1] * x3[1] + b1;
  const double p0 = 1.0 / (1.0 + std::exp(z1 - z0)), p1 = 1.0 - p0;
  const double rate = 0.1 * config.new_class_learning_rate_boost;
  const float* w = learner->weights();
  const float* b = learner->bias();
  for (int j = 0; j < 2; ++j) {
    EXPECT_NEAR(w[j], -rate * (p0 - 1.0) * x3[j], 1e-5);
    EXPECT_NEAR(w[2 + j], x2[j] - rate * p1 * x3[j], 1e-5);
  }
  EXPECT_NEAR(b[0], -rate * (p0 - 1.0), 1e-5);
  EXPECT_NEAR(b[1], b1 - rate * p1, 1e-5);
  EXPECT_EQ(learner->ClassTrainedCount(0), 2u);
  EXPECT_EQ(learner->metrics().samples_trained, 3u);
}

// normalized_step: the same step divided by 1 + |x|² (x = the standardized third sample).
TEST(LearnerTest, NormalizedStepDividesTheStepByOnePlusSquaredNorm) {
  using Small = StaticLearner<Task::kClassification, 2, 2, 4>;
  Small learner;
  LearnerConfig config = Small::DefaultConfig();
  config.learning_rate = 0.1f;
  config.imprint_samples = 1;  // only the first sample imprints
  config.drift_detector = DriftDetector::kNone;
  config.normalized_step = true;
  ASSERT_EQ(learner.Init(config), LearnStatus::kOk);
  const double s[3][2] = {{1.0, 10.0}, {3.0, 14.0}, {2.0, 9.0}};
  const float f[3][2] = {{1.0f, 10.0f}, {3.0f, 14.0f}, {2.0f, 9.0f}};
  ASSERT_EQ(learner->Learn(f[0], 2, 0), LearnStatus::kOk);
  ASSERT_EQ(learner->Learn(f[1], 2, 1), LearnStatus::kOk);
  ASSERT_EQ(learner->Learn(f[2], 2, 0), LearnStatus::kOk);
  // Standardization stats after 2 and 3 samples.
  double x2[2], x3[2];
  for (int j = 0; j < 2; ++j) {
    const double m2 = (s[0][j] + s[1][j]) / 2;
    const double v2 = ((s[0][j] - m2) * (s[0][j] - m2) + (s[1][j] - m2) * (s[1][j] - m2)) / 1;
    x2[j] = (s[1][j] - m2) / std::sqrt(v2);
    const double m3 = (s[0][j] + s[1][j] + s[2][j]) / 3;
    double v3 = 0;
    for (int i = 0; i < 3; ++i) v3 += (s[i][j] - m3) * (s[i][j] - m3);
    v3 /= 2;
    x3[j] = (s[2][j] - m3) / std::sqrt(v3);
  }
  // Class 0 was imprinted from x1 = 0 (a single sample has no spread): w0 = 0, b0 = 0.
  const double b1 = -0.5 * (x2[0] * x2[0] + x2[1] * x2[1]);
  const double z0 = 0.0, z1 = x2[0] * x3[0] + x2[1] * x3[1] + b1;
  const double p0 = 1.0 / (1.0 + std::exp(z1 - z0)), p1 = 1.0 - p0;
  const double rate = 0.1 * config.new_class_learning_rate_boost /
                      (1.0 + x3[0] * x3[0] + x3[1] * x3[1]);
  ASSERT_GT(x3[0] * x3[0] + x3[1] * x3[1], 0.5);  // the division matters
  const float* w = learner->weights();
  const float* b = learner->bias();
  for (int j = 0; j < 2; ++j) {
    EXPECT_NEAR(w[j], -rate * (p0 - 1.0) * x3[j], 1e-5);
    EXPECT_NEAR(w[2 + j], x2[j] - rate * p1 * x3[j], 1e-5);
  }
  EXPECT_NEAR(b[0], -rate * (p0 - 1.0), 1e-5);
  EXPECT_NEAR(b[1], b1 - rate * p1, 1e-5);
  EXPECT_EQ(learner->ClassTrainedCount(0), 2u);
  EXPECT_EQ(learner->metrics().samples_trained, 3u);
}

TEST(LearnerTest, LearnsClustersAsWellAsNearestClassMean) {
  Classifier learner;
  ASSERT_EQ(learner.Init(ClassifierConfig(4)), LearnStatus::kOk);
  ClusterStream stream(kFeatures, 4, 1.0f, 11);
  uint32_t early_correct = 0, late_correct = 0;
  std::vector<std::vector<float>> train[4];
  for (uint32_t i = 0; i < 600; ++i) {
    const uint32_t label = stream.Next(4);
    std::vector<float> x = stream.Sample(label);
    Prediction p;
    ASSERT_EQ(learner->Learn(x.data(), kFeatures, static_cast<int32_t>(label), &p),
              LearnStatus::kOk);
    if (i < 40) early_correct += p.label == static_cast<int32_t>(label);
    if (i >= 400) late_correct += p.label == static_cast<int32_t>(label);
    train[label].push_back(std::move(x));
  }
  EXPECT_GT(late_correct / 200.0, early_correct / 40.0);
  // Independent reference: nearest class mean in the test's own standardized space.
  std::vector<double> mean(kFeatures), sd(kFeatures), class_mean(4 * kFeatures);
  double n = 0;
  for (auto& cls : train) n += static_cast<double>(cls.size());
  for (uint32_t j = 0; j < kFeatures; ++j) {
    double s = 0, s2 = 0;
    for (auto& cls : train) for (auto& x : cls) s += x[j];
    mean[j] = s / n;
    for (auto& cls : train) for (auto& x : cls) s2 += (x[j] - mean[j]) * (x[j] - mean[j]);
    sd[j] = std::sqrt(s2 / (n - 1));
    for (uint32_t c = 0; c < 4; ++c) {
      double sc = 0;
      for (auto& x : train[c]) sc += (x[j] - mean[j]) / sd[j];
      class_mean[c * kFeatures + j] = sc / static_cast<double>(train[c].size());
    }
  }
  uint32_t ncm_correct = 0, total = 0;
  ClusterStream test_stream = stream;
  for (uint32_t c = 0; c < 4; ++c) {
    for (int i = 0; i < 100; ++i, ++total) {
      const std::vector<float> x = test_stream.Sample(c);
      double best = 1e300;
      uint32_t arg = 0;
      for (uint32_t k = 0; k < 4; ++k) {
        double d = 0;
        for (uint32_t j = 0; j < kFeatures; ++j) {
          const double diff = (x[j] - mean[j]) / sd[j] - class_mean[k * kFeatures + j];
          d += diff * diff;
        }
        if (d < best) { best = d; arg = k; }
      }
      ncm_correct += arg == c;
    }
  }
  const float ncm_accuracy = static_cast<float>(ncm_correct) / static_cast<float>(total);
  const float accuracy = HeldOutAccuracy(learner.learner(), stream, 4, 100);
  EXPECT_GE(accuracy, ncm_accuracy - 0.05f) << "NCM " << ncm_accuracy;
  EXPECT_GT(accuracy, 0.8f);
  EXPECT_NEAR(learner->metrics().Accuracy(), accuracy, 0.15f);
}

// The goal: a class added in the field reaches 90% recall within 20 labelled samples.
TEST(LearnerTest, NewClassReachesNinetyPercentRecallWithinTwentySamples) {
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    Classifier learner;
    ASSERT_EQ(learner.Init(ClassifierConfig(3)), LearnStatus::kOk);
    ClusterStream stream(kFeatures, 4, 1.0f, seed);
    for (uint32_t i = 0; i < 300; ++i) {
      const uint32_t label = stream.Next(3);
      const std::vector<float> x = stream.Sample(label);
      ASSERT_EQ(learner->Learn(x.data(), kFeatures, static_cast<int32_t>(label)), LearnStatus::kOk);
    }
    uint8_t new_class = 0;
    ASSERT_EQ(learner->AddClass(&new_class), LearnStatus::kOk);
    ASSERT_EQ(new_class, 3);
    uint32_t new_samples = 0;
    while (new_samples < 20) {  // the new class interleaved with the old ones, 1 in 2
      const uint32_t label = (stream.Next(2) == 0) ? 3u : stream.Next(3);
      new_samples += label == 3;
      const std::vector<float> x = stream.Sample(label);
      ASSERT_EQ(learner->Learn(x.data(), kFeatures, static_cast<int32_t>(label)), LearnStatus::kOk);
    }
    uint32_t hits = 0;
    for (int i = 0; i < 200; ++i) {
      const std::vector<float> x = stream.Sample(3);
      Prediction p;
      ASSERT_EQ(learner->Predict(x.data(), kFeatures, &p), LearnStatus::kOk);
      hits += p.label == 3;
    }
    EXPECT_GE(hits / 200.0, 0.9) << "seed " << seed;
    RecordProperty("new_class_recall_seed_" + std::to_string(seed), static_cast<int>(hits));
    EXPECT_GE(HeldOutAccuracy(learner.learner(), stream, 3, 50), 0.85f) << "seed " << seed;
  }
}

TEST(LearnerTest, ClassCapacityExhaustedKeepsTheModel) {
  Classifier learner;
  ASSERT_EQ(learner.Init(ClassifierConfig(7)), LearnStatus::kOk);
  uint8_t index = 0;
  EXPECT_EQ(learner->AddClass(&index), LearnStatus::kOk);
  EXPECT_EQ(index, 7);
  EXPECT_EQ(learner->AddClass(&index), LearnStatus::kClassCapacityExhausted);
  EXPECT_EQ(learner->class_count(), 8);
}

TEST(LearnerTest, LateAndOutOfOrderLabelsAreMatchedBySampleId) {
  Classifier learner;
  ASSERT_EQ(learner.Init(ClassifierConfig(2)), LearnStatus::kOk);
  ClusterStream stream(kFeatures, 2, 2.0f, 3);
  uint32_t ids[6];
  for (uint32_t i = 0; i < 6; ++i) {
    const std::vector<float> x = stream.Sample(i % 2);
    ASSERT_EQ(learner->Submit(x.data(), kFeatures, &ids[i], nullptr), LearnStatus::kOk);
    EXPECT_EQ(ids[i], i);
  }
  EXPECT_EQ(learner->pending_count(), 6u);
  for (int i : {5, 0, 3, 2}) EXPECT_EQ(learner->Label(ids[i], i % 2), LearnStatus::kOk);
  EXPECT_EQ(learner->pending_count(), 2u);
  EXPECT_EQ(learner->ClassTrainedCount(0), 2u);
  EXPECT_EQ(learner->ClassTrainedCount(1), 2u);
  EXPECT_EQ(learner->Label(ids[5], 1), LearnStatus::kSampleNotPending);
  EXPECT_EQ(learner->Discard(ids[1]), LearnStatus::kOk);
  EXPECT_EQ(learner->Label(ids[1], 1), LearnStatus::kSampleNotPending);
  EXPECT_EQ(learner->metrics().samples_discarded, 1u);
  EXPECT_EQ(learner->Label(99, 0), LearnStatus::kUnknownSampleId);
}

TEST(LearnerTest, OldestPendingSampleExpiresWhenTheBufferIsFull) {
  Classifier learner;  // 8 pending slots
  ASSERT_EQ(learner.Init(ClassifierConfig(2)), LearnStatus::kOk);
  const std::vector<float> x(kFeatures, 1.0f);
  uint32_t id = 0;
  for (int i = 0; i < 10; ++i) ASSERT_EQ(learner->Submit(x.data(), kFeatures, &id, nullptr), LearnStatus::kOk);
  EXPECT_EQ(learner->Label(0, 0), LearnStatus::kSampleExpired);
  EXPECT_EQ(learner->Label(1, 0), LearnStatus::kSampleExpired);
  EXPECT_EQ(learner->Label(2, 0), LearnStatus::kOk);
  EXPECT_EQ(learner->metrics().samples_expired, 2u);
  EXPECT_EQ(learner->pending_count(), 7u);
}

TEST(LearnerTest, MaxLabelDelayExpiresOldSamples) {
  Classifier learner;
  LearnerConfig config = ClassifierConfig(2);
  config.max_label_delay = 3;
  ASSERT_EQ(learner.Init(config), LearnStatus::kOk);
  const std::vector<float> x(kFeatures, 1.0f);
  uint32_t id = 0;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(learner->Submit(x.data(), kFeatures, &id, nullptr), LearnStatus::kOk);
  EXPECT_EQ(learner->Label(0, 0), LearnStatus::kSampleExpired);  // 4 newer submissions
  EXPECT_EQ(learner->Label(1, 0), LearnStatus::kOk);              // 3 newer: still waiting
}

TEST(LearnerTest, BadInputIsRejectedAndNothingLearnedIsLost) {
  Classifier learner;
  ASSERT_EQ(learner.Init(ClassifierConfig(2)), LearnStatus::kOk);
  ClusterStream stream(kFeatures, 2, 2.0f, 5);
  for (int i = 0; i < 50; ++i) {
    const std::vector<float> x = stream.Sample(static_cast<uint32_t>(i % 2));
    ASSERT_EQ(learner->Learn(x.data(), kFeatures, i % 2), LearnStatus::kOk);
  }
  const std::vector<float> weights(learner->weights(), learner->weights() + 2 * kFeatures);
  const Metrics before = learner->metrics();
  std::vector<float> x = stream.Sample(0);
  uint32_t id = 0;
  Prediction p;
  std::vector<float> bad = x;
  bad[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(learner->Submit(bad.data(), kFeatures, &id, &p), LearnStatus::kNonFiniteFeature);
  bad[3] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(learner->Learn(bad.data(), kFeatures, 0), LearnStatus::kNonFiniteFeature);
  bad[3] = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(learner->Predict(bad.data(), kFeatures, &p), LearnStatus::kNonFiniteFeature);
  EXPECT_EQ(learner->Submit(x.data(), kFeatures - 1, &id, &p), LearnStatus::kFeatureCountMismatch);
  EXPECT_EQ(learner->Submit(nullptr, kFeatures, &id, &p), LearnStatus::kNullArgument);
  EXPECT_EQ(learner->Learn(x.data(), kFeatures, 2), LearnStatus::kLabelOutOfRange);
  EXPECT_EQ(learner->Learn(x.data(), kFeatures, -1), LearnStatus::kLabelOutOfRange);
  EXPECT_EQ(learner->LearnTarget(x.data(), kFeatures, 1.0f), LearnStatus::kWrongTask);
  EXPECT_EQ(learner->Label(12345, 0), LearnStatus::kUnknownSampleId);
  EXPECT_EQ(learner->metrics().samples_seen, before.samples_seen);
  EXPECT_EQ(learner->metrics().samples_trained, before.samples_trained);
  EXPECT_EQ(learner->pending_count(), 0u);
  for (uint32_t i = 0; i < 2 * kFeatures; ++i) EXPECT_EQ(learner->weights()[i], weights[i]);
  // A pending sample survives a bad label for it and is still usable.
  ASSERT_EQ(learner->Submit(x.data(), kFeatures, &id, &p), LearnStatus::kOk);
  EXPECT_EQ(learner->Label(id, 7), LearnStatus::kLabelOutOfRange);
  EXPECT_EQ(learner->Label(id, 0), LearnStatus::kOk);
  EXPECT_GT(learner->metrics().inputs_rejected, 0u);
}

TEST(LearnerTest, FrozenLearnerScoresButDoesNotTrain) {
  Classifier learner;
  ASSERT_EQ(learner.Init(ClassifierConfig(2)), LearnStatus::kOk);
  ClusterStream stream(kFeatures, 2, 2.0f, 9);
  for (int i = 0; i < 20; ++i) {
    const std::vector<float> x = stream.Sample(static_cast<uint32_t>(i % 2));
    ASSERT_EQ(learner->Learn(x.data(), kFeatures, i % 2), LearnStatus::kOk);
  }
  learner->SetFrozen(true);
  const std::vector<float> weights(learner->weights(), learner->weights() + 2 * kFeatures);
  const std::vector<float> probe = stream.Sample(1);
  Prediction before, after;
  ASSERT_EQ(learner->Predict(probe.data(), kFeatures, &before), LearnStatus::kOk);
  for (int i = 0; i < 20; ++i) {
    const std::vector<float> x = stream.Sample(static_cast<uint32_t>(i % 2));
    ASSERT_EQ(learner->Learn(x.data(), kFeatures, i % 2), LearnStatus::kOk);
  }
  ASSERT_EQ(learner->Predict(probe.data(), kFeatures, &after), LearnStatus::kOk);
  EXPECT_EQ(after.confidence, before.confidence);  // standardizer frozen too
  for (uint32_t i = 0; i < 2 * kFeatures; ++i) EXPECT_EQ(learner->weights()[i], weights[i]);
  EXPECT_EQ(learner->metrics().samples_labelled, 40u);
  EXPECT_EQ(learner->metrics().samples_trained, 20u);
  learner->SetFrozen(false);
  ASSERT_EQ(learner->Learn(probe.data(), kFeatures, 1), LearnStatus::kOk);
  EXPECT_EQ(learner->metrics().samples_trained, 21u);
}

TEST(LearnerTest, ResetForgetsEverythingAndOldIdsExpire) {
  Classifier learner;
  ASSERT_EQ(learner.Init(ClassifierConfig(2)), LearnStatus::kOk);
  ClusterStream stream(kFeatures, 3, 2.0f, 4);
  uint8_t added = 0;
  ASSERT_EQ(learner->AddClass(&added), LearnStatus::kOk);
  for (int i = 0; i < 30; ++i) {
    const std::vector<float> x = stream.Sample(static_cast<uint32_t>(i % 3));
    ASSERT_EQ(learner->Learn(x.data(), kFeatures, i % 3), LearnStatus::kOk);
  }
  uint32_t id = 0;
  const std::vector<float> x = stream.Sample(0);
  ASSERT_EQ(learner->Submit(x.data(), kFeatures, &id, nullptr), LearnStatus::kOk);
  learner->Reset();
  EXPECT_EQ(learner->class_count(), 2);
  EXPECT_EQ(learner->metrics().samples_trained, 0u);
  for (uint32_t i = 0; i < kClasses * kFeatures; ++i) EXPECT_EQ(learner->weights()[i], 0.0f);
  EXPECT_EQ(learner->Label(id, 0), LearnStatus::kSampleExpired);
  Prediction p;
  ASSERT_EQ(learner->Predict(x.data(), kFeatures, &p), LearnStatus::kOk);
  EXPECT_EQ(p.label, -1);  // no class trained yet
}

TEST(LearnerTest, PerClassRecallFollowsPredictions) {
  Classifier learner;
  LearnerConfig config = ClassifierConfig(2);
  config.metric_fading = 1.0f;  // plain averages, to compare with a count kept here
  ASSERT_EQ(learner.Init(config), LearnStatus::kOk);
  ClusterStream stream(kFeatures, 2, 1.5f, 8);
  uint32_t hits[2] = {}, totals[2] = {}, correct = 0;
  for (int i = 0; i < 200; ++i) {
    const uint32_t label = stream.Next(2);
    const std::vector<float> x = stream.Sample(label);
    uint32_t id = 0;
    ASSERT_EQ(learner->Submit(x.data(), kFeatures, &id, nullptr), LearnStatus::kOk);
    Prediction p;  // what the learner will be judged on: the model just before the label
    ASSERT_EQ(learner->Predict(x.data(), kFeatures, &p), LearnStatus::kOk);
    ASSERT_EQ(learner->Label(id, static_cast<int32_t>(label)), LearnStatus::kOk);
    ++totals[label];
    hits[label] += p.label == static_cast<int32_t>(label);
    correct += p.label == static_cast<int32_t>(label);
  }
  EXPECT_NEAR(learner->ClassRecall(0), static_cast<double>(hits[0]) / totals[0], 1e-4);
  EXPECT_NEAR(learner->ClassRecall(1), static_cast<double>(hits[1]) / totals[1], 1e-4);
  EXPECT_NEAR(learner->metrics().Accuracy(), correct / 200.0, 1e-4);
}

TEST(LearnerTest, RegressionLearnsALinearFunction) {
  StaticLearner<Task::kRegression, 4, 1, 4> learner;
  LearnerConfig config = decltype(learner)::DefaultConfig();
  config.learning_rate = 0.1f;
  ASSERT_EQ(learner.Init(config), LearnStatus::kOk);
  std::mt19937 random(2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const float coefficients[4] = {3.0f, -2.0f, 0.5f, 0.0f};
  double late_error = 0;
  for (int i = 0; i < 3000; ++i) {
    float x[4];
    float y = 100.0f;
    for (int j = 0; j < 4; ++j) {
      x[j] = 5.0f + 2.0f * normal(random);
      y += coefficients[j] * x[j];
    }
    Prediction p;
    ASSERT_EQ(learner->LearnTarget(x, 4, y, &p), LearnStatus::kOk);
    if (i >= 2500) late_error += std::fabs(p.value - y);
  }
  EXPECT_LT(late_error / 500, 0.3);  // target spread is ~7.3
  EXPECT_EQ(learner->Label(0, 0), LearnStatus::kWrongTask);
  uint32_t id = 0;
  float x[4] = {1, 2, 3, 4};
  ASSERT_EQ(learner->Submit(x, 4, &id, nullptr), LearnStatus::kOk);
  EXPECT_EQ(learner->LabelTarget(id, std::numeric_limits<float>::quiet_NaN()),
            LearnStatus::kNonFiniteTarget);
  EXPECT_EQ(learner->LabelTarget(id, 1.0f), LearnStatus::kOk);
}

TEST(LearnerTest, AnomalyThresholdAdaptsToNormalReconstructionError) {
  StaticLearner<Task::kAnomaly, 8, 2, 4> learner;
  LearnerConfig config = decltype(learner)::DefaultConfig();
  config.anomaly_sigmas = 4.0f;
  ASSERT_EQ(learner.Init(config), LearnStatus::kOk);
  std::mt19937 random(3);
  std::normal_distribution<float> residual(0.0f, 0.1f);
  auto sample = [&](float scale) {
    std::vector<float> r(8);
    for (float& v : r) v = scale * residual(random);
    return r;
  };
  Prediction p;
  std::vector<float> r = sample(1.0f);
  ASSERT_EQ(learner->Predict(r.data(), 8, &p), LearnStatus::kOk);
  EXPECT_EQ(p.label, 0);  // warm-up: nothing is flagged
  EXPECT_TRUE(std::isinf(learner->anomaly_threshold()));
  for (int i = 0; i < 300; ++i) {
    r = sample(1.0f);
    ASSERT_EQ(learner->Learn(r.data(), 8, 0), LearnStatus::kOk);
  }
  EXPECT_NEAR(learner->anomaly_threshold(), 0.01f + 4.0f * 0.01f * std::sqrt(2.0f / 8.0f), 0.01f);
  uint32_t normal_flags = 0, anomaly_flags = 0;
  for (int i = 0; i < 200; ++i) {
    r = sample(1.0f);
    ASSERT_EQ(learner->Predict(r.data(), 8, &p), LearnStatus::kOk);
    normal_flags += p.label;
    r = sample(3.0f);
    ASSERT_EQ(learner->Predict(r.data(), 8, &p), LearnStatus::kOk);
    anomaly_flags += p.label;
  }
  EXPECT_LT(normal_flags, 6u);
  EXPECT_GT(anomaly_flags, 190u);
  // Labelled anomalies do not raise the threshold; unlabelled normal-looking samples adapt it.
  const float threshold = learner->anomaly_threshold();
  for (int i = 0; i < 50; ++i) {
    r = sample(3.0f);
    ASSERT_EQ(learner->Learn(r.data(), 8, 1), LearnStatus::kOk);
  }
  EXPECT_EQ(learner->anomaly_threshold(), threshold);
  for (int i = 0; i < 600; ++i) {  // the machine's normal noise grows slowly (sensor ageing)
    r = sample(1.0f + static_cast<float>(i) / 1000.0f);
    uint32_t id = 0;
    ASSERT_EQ(learner->Submit(r.data(), 8, &id, nullptr), LearnStatus::kOk);
  }
  EXPECT_GT(learner->anomaly_threshold(), threshold * 1.5f);
  EXPECT_EQ(learner->Label(0, 2), LearnStatus::kSampleExpired);
  uint32_t id = 0;
  ASSERT_EQ(learner->Submit(r.data(), 8, &id, nullptr), LearnStatus::kOk);
  EXPECT_EQ(learner->Label(id, 2), LearnStatus::kLabelOutOfRange);
  uint8_t index = 0;
  EXPECT_EQ(learner->AddClass(&index), LearnStatus::kWrongTask);
}

TEST(LearnerTest, StatusNamesComeFromTheXMacro) {
  EXPECT_STREQ(LearnStatusName(LearnStatus::kOk), "Ok");
  EXPECT_STREQ(LearnStatusName(LearnStatus::kSampleExpired), "SampleExpired");
  EXPECT_STREQ(LearnStatusName(LearnStatus::kStateForeign), "StateForeign");
  EXPECT_STREQ(LearnStatusName(static_cast<LearnStatus>(200)), "Unknown");
  EXPECT_EQ(static_cast<int>(LearnStatus::kStateCorrupted), TFORGE_LEARN_STATE_CORRUPTED);
}

}  // namespace
}  // namespace tinyforge::learn
