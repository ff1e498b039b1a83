// TinyOL on the Cortex-M4 (QEMU mps2-an386): learns a synthetic stream with delayed labels, adds
// a class, checks that accuracy improves, and that the state round-trips through a RAM "flash".
#include <stdint.h>
#include <string.h>

#include "micro_test.h"
#include "tinyforge/learn.h"

namespace {

using tinyforge::learn::LearnerConfig;
using tinyforge::learn::LearnStatus;
using tinyforge::learn::Prediction;
using tinyforge::learn::StaticLearner;
using tinyforge::learn::Task;

constexpr uint16_t kFeatures = 32;
constexpr uint8_t kClasses = 8;
// The CWRU-sized learner whose RAM the issue budgets (≤ 4 KB).
using CwruLearner = StaticLearner<Task::kClassification, kFeatures, kClasses, 8, true>;

// xorshift32 + a sum of uniforms as a cheap approximately normal variate.
struct Random {
  uint32_t state = 0x12345678u;
  uint32_t Next() {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  }
  float Uniform() { return static_cast<float>(Next() >> 8) * (1.0f / 16777216.0f); }
  float Normal() { return (Uniform() + Uniform() + Uniform() + Uniform() - 2.0f) * 1.7320508f; }
};

struct Stream {
  Random random;
  float means[kClasses][kFeatures];
  float offsets[kFeatures];
  float scales[kFeatures];
  Stream() {
    for (auto& row : means) for (float& m : row) m = random.Normal();
    for (uint32_t j = 0; j < kFeatures; ++j) {
      offsets[j] = 40.0f * (random.Uniform() - 0.5f);
      scales[j] = 0.5f + 10.0f * random.Uniform();
    }
  }
  void Sample(uint32_t label, float* x) {
    for (uint32_t j = 0; j < kFeatures; ++j)
      x[j] = offsets[j] + scales[j] * (means[label][j] + random.Normal());
  }
};

struct RamFlash {
  static constexpr uint32_t kSlotBytes = 2048;
  uint8_t slots[2][kSlotBytes];
  static int Read(void* context, uint8_t slot, uint32_t offset, void* data, uint32_t bytes) {
    auto* self = static_cast<RamFlash*>(context);
    if (slot > 1 || offset + bytes > kSlotBytes) return -1;
    memcpy(data, self->slots[slot] + offset, bytes);
    return 0;
  }
  static int Write(void* context, uint8_t slot, uint32_t offset, const void* data,
                   uint32_t bytes) {
    auto* self = static_cast<RamFlash*>(context);
    if (slot > 1 || offset + bytes > kSlotBytes) return -1;
    const uint8_t* in = static_cast<const uint8_t*>(data);
    for (uint32_t i = 0; i < bytes; ++i) self->slots[slot][offset + i] &= in[i];
    return 0;
  }
  static int Erase(void* context, uint8_t slot) {
    if (slot > 1) return -1;
    memset(static_cast<RamFlash*>(context)->slots[slot], 0xFF, kSlotBytes);
    return 0;
  }
};

CwruLearner g_learner;
CwruLearner g_restored;
RamFlash g_flash;
Stream g_stream;

LearnerConfig Config(uint8_t classes) {
  LearnerConfig config = CwruLearner::DefaultConfig();
  config.initial_classes = classes;
  config.momentum = 0.5f;
  config.model_id = 0xC0FFEEu;
  return config;
}

float Accuracy(uint32_t classes, uint32_t per_class) {
  uint32_t correct = 0;
  float x[kFeatures];
  for (uint32_t c = 0; c < classes; ++c) {
    for (uint32_t i = 0; i < per_class; ++i) {
      g_stream.Sample(c, x);
      Prediction p;
      if (g_learner->Predict(x, kFeatures, &p) != LearnStatus::kOk) return -1.0f;
      correct += p.label == static_cast<int32_t>(c) ? 1u : 0u;
    }
  }
  return static_cast<float>(correct) / static_cast<float>(classes * per_class);
}

TF_TEST(LearnDevice, LearnsWithDelayedLabelsAndAccuracyImproves) {
  TF_ASSERT_TRUE(g_learner.Init(Config(4)) == LearnStatus::kOk);
  float x[kFeatures];
  uint32_t ids[3] = {};
  uint32_t labels[3] = {};
  uint32_t early = 0, late = 0;
  for (uint32_t i = 0; i < 600; ++i) {  // each label arrives two samples late
    const uint32_t label = g_stream.random.Next() % 4;
    g_stream.Sample(label, x);
    Prediction p;
    uint32_t id = 0;
    TF_ASSERT_TRUE(g_learner->Submit(x, kFeatures, &id, &p) == LearnStatus::kOk);
    if (i < 50) early += p.label == static_cast<int32_t>(label) ? 1u : 0u;
    if (i >= 500) late += p.label == static_cast<int32_t>(label) ? 1u : 0u;
    ids[i % 3] = id;
    labels[i % 3] = label;
    if (i >= 2) {
      const uint32_t k = (i - 2) % 3;
      TF_ASSERT_TRUE(g_learner->Label(ids[k], static_cast<int32_t>(labels[k])) == LearnStatus::kOk);
    }
  }
  m4_kv_u32("early_correct_of_50", early);
  m4_kv_u32("late_correct_of_100", late);
  TF_EXPECT_TRUE(late * 50u > early * 100u);
  TF_EXPECT_TRUE(late >= 90u);
  const float accuracy = Accuracy(4, 50);
  m4_kv_u32("held_out_accuracy_permille", static_cast<uint32_t>(accuracy * 1000.0f));
  TF_EXPECT_TRUE(accuracy > 0.9f);
}

TF_TEST(LearnDevice, NewClassIsLearnedFromTwentySamples) {
  uint8_t index = 0;
  TF_ASSERT_TRUE(g_learner->AddClass(&index) == LearnStatus::kOk);
  TF_EXPECT_EQ(index, 4);
  float x[kFeatures];
  uint32_t new_samples = 0;
  while (new_samples < 20) {
    const uint32_t label = (g_stream.random.Next() & 1u) ? 4u : g_stream.random.Next() % 4;
    new_samples += label == 4 ? 1u : 0u;
    g_stream.Sample(label, x);
    TF_ASSERT_TRUE(g_learner->Learn(x, kFeatures, static_cast<int32_t>(label)) == LearnStatus::kOk);
  }
  uint32_t hits = 0;
  for (int i = 0; i < 100; ++i) {
    g_stream.Sample(4, x);
    Prediction p;
    TF_ASSERT_TRUE(g_learner->Predict(x, kFeatures, &p) == LearnStatus::kOk);
    hits += p.label == 4 ? 1u : 0u;
  }
  m4_kv_u32("new_class_recall_of_100", hits);
  TF_EXPECT_TRUE(hits >= 90u);
}

TF_TEST(LearnDevice, BadInputIsRejected) {
  float x[kFeatures];
  g_stream.Sample(0, x);
  x[5] = __builtin_nanf("");
  uint32_t id = 0;
  TF_EXPECT_TRUE(g_learner->Submit(x, kFeatures, &id, nullptr) == LearnStatus::kNonFiniteFeature);
  g_stream.Sample(0, x);
  TF_EXPECT_TRUE(g_learner->Learn(x, kFeatures, 9) == LearnStatus::kLabelOutOfRange);
  TF_EXPECT_TRUE(g_learner->Label(1000000, 0) == LearnStatus::kUnknownSampleId);
  TF_EXPECT_TRUE(g_learner->Label(0, 0) == LearnStatus::kSampleExpired);
}

TF_TEST(LearnDevice, StateRoundTripsThroughFlash) {
  const tinyforge::learn::FlashPort port{&g_flash, &RamFlash::Read, &RamFlash::Write,
                                         &RamFlash::Erase, RamFlash::kSlotBytes};
  memset(g_flash.slots, 0xFF, sizeof(g_flash.slots));
  g_learner->SetFlash(&port);
  TF_ASSERT_TRUE(g_learner->Save() == LearnStatus::kOk);
  TF_ASSERT_TRUE(g_restored.Init(Config(4)) == LearnStatus::kOk);
  g_restored->SetFlash(&port);
  TF_ASSERT_TRUE(g_restored->Load() == LearnStatus::kOk);
  TF_EXPECT_EQ(g_restored->class_count(), g_learner->class_count());
  float x[kFeatures];
  uint32_t same = 0;
  for (uint32_t i = 0; i < 50; ++i) {
    g_stream.Sample(i % 5, x);
    Prediction a, b;
    TF_ASSERT_TRUE(g_learner->Predict(x, kFeatures, &a) == LearnStatus::kOk);
    TF_ASSERT_TRUE(g_restored->Predict(x, kFeatures, &b) == LearnStatus::kOk);
    same += (a.label == b.label && a.confidence == b.confidence) ? 1u : 0u;
  }
  TF_EXPECT_EQ(same, 50u);
  g_flash.slots[0][100] ^= 0x04;  // corrupt the only saved state
  TF_EXPECT_TRUE(g_restored->Load() == LearnStatus::kStateCorrupted);
  m4_kv_u32("learner_ram_bytes", static_cast<uint32_t>(sizeof(CwruLearner)));
  m4_kv_u32("persisted_bytes", g_learner->PersistedBytes());
}

// normalized_step on the device: the third sample's SGD step is divided by 1 + |x|² (x = that
// sample standardized), as derived by hand (and as tests/runtime/learn checks on the host).
TF_TEST(LearnDevice, NormalizedStepDividesTheStepByOnePlusSquaredNorm) {
  using Small = StaticLearner<Task::kClassification, 2, 2, 4>;
  static Small learner;
  LearnerConfig config = Small::DefaultConfig();
  config.learning_rate = 0.1f;
  config.normalized_step = true;
  config.imprint_samples = 1;
  config.drift_detector = tinyforge::learn::DriftDetector::kNone;
  TF_ASSERT_TRUE(learner.Init(config) == LearnStatus::kOk);
  const float f[3][2] = {{1.0f, 10.0f}, {3.0f, 14.0f}, {2.0f, 9.0f}};
  TF_ASSERT_TRUE(learner->Learn(f[0], 2, 0) == LearnStatus::kOk);
  TF_ASSERT_TRUE(learner->Learn(f[1], 2, 1) == LearnStatus::kOk);
  TF_ASSERT_TRUE(learner->Learn(f[2], 2, 0) == LearnStatus::kOk);
  float x2[2], x3[2];
  for (int j = 0; j < 2; ++j) {
    const float m2 = (f[0][j] + f[1][j]) / 2.0f;
    const float d0 = f[0][j] - m2, d1 = f[1][j] - m2;
    x2[j] = d1 / __builtin_sqrtf(d0 * d0 + d1 * d1);
    const float m3 = (f[0][j] + f[1][j] + f[2][j]) / 3.0f;
    float v3 = 0.0f;
    for (int i = 0; i < 3; ++i) v3 += (f[i][j] - m3) * (f[i][j] - m3);
    x3[j] = (f[2][j] - m3) / __builtin_sqrtf(v3 / 2.0f);
  }
  const float b1 = -0.5f * (x2[0] * x2[0] + x2[1] * x2[1]);
  const float z1 = x2[0] * x3[0] + x2[1] * x3[1] + b1;
  const float p0 = 1.0f / (1.0f + __builtin_expf(z1)), p1 = 1.0f - p0;
  const float norm2 = 1.0f + x3[0] * x3[0] + x3[1] * x3[1];
  const float rate = 0.1f * config.new_class_learning_rate_boost / norm2;
  TF_EXPECT_TRUE(norm2 > 1.5f);
  const float* w = learner->weights();
  const float* b = learner->bias();
  for (int j = 0; j < 2; ++j) {
    TF_EXPECT_NEAR(w[j], -rate * (p0 - 1.0f) * x3[j], 1e-4f);
    TF_EXPECT_NEAR(w[2 + j], x2[j] - rate * p1 * x3[j], 1e-4f);
  }
  TF_EXPECT_NEAR(b[0], -rate * (p0 - 1.0f), 1e-4f);
  TF_EXPECT_NEAR(b[1], b1 - rate * p1, 1e-4f);
}

// The anomaly task on the device: ln-domain statistics (bit-exact LogF/ExpF), the threshold moved
// by fault labels to the equal-z point, and the 2-of-2 debounce, against values derived by hand.
TF_TEST(LearnDevice, AnomalyFaultLabelsAndDebounce) {
  using Detector = StaticLearner<Task::kAnomaly, 2, 2, 4>;
  static Detector detector;
  LearnerConfig config = Detector::DefaultConfig();
  config.anomaly_threshold_rule = tinyforge::learn::AnomalyThresholdRule::kLogMeanSigma;
  config.anomaly_learn_faults = true;
  config.anomaly_alarm_k = 2;
  config.anomaly_alarm_n = 2;
  TF_ASSERT_TRUE(detector.Init(config) == LearnStatus::kOk);
  // Normal scores alternate 0.5 and 2 (ln ±0.693...), 10 of each: mean 0, std 0.693·sqrt(20/19).
  for (int i = 0; i < 20; ++i) {
    const float r[2] = {i % 2 ? 2.0f : 1.0f, 0.0f};  // score = r0² / 2
    TF_ASSERT_TRUE(detector->Learn(r, 2, 0) == LearnStatus::kOk);
  }
  const float ln2 = 0.69314718f;
  const float normal_std = ln2 * __builtin_sqrtf(20.0f / 19.0f);
  TF_EXPECT_NEAR(detector->anomaly_threshold(), __builtin_expf(3.0f * normal_std), 1e-3f);
  const float fault[2] = {40.0f, 0.0f};  // score 800
  Prediction first, second;
  uint32_t id = 0;
  TF_ASSERT_TRUE(detector->Submit(fault, 2, &id, &first) == LearnStatus::kOk);
  TF_EXPECT_TRUE(first.label == 0);  // over the threshold, but the first window of two
  TF_ASSERT_TRUE(detector->Label(id, 1) == LearnStatus::kOk);
  // One fault score: σf = σn, so the threshold is the midpoint of the ln means: sqrt(800).
  TF_EXPECT_NEAR(detector->anomaly_threshold(), __builtin_sqrtf(800.0f), 0.05f);
  TF_ASSERT_TRUE(detector->Submit(fault, 2, &id, &second) == LearnStatus::kOk);
  TF_EXPECT_TRUE(second.label == 1);
}

}  // namespace

int main() {
  const int result = tinyforge::micro_test::RunAll();
  m4_kv_u32("stack_used_bytes", m4_stack_used_bytes());
  return result;
}
