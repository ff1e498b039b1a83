// Tests of TinyOL persistence: round trips, two-slot rotation, power loss at every byte of a save,
// corrupted and foreign states, and the accuracy guard's rollback.
#include <gtest/gtest.h>

#include <vector>

#include "tests/runtime/learn/learn_test_util.h"
#include "tinyforge/learn.h"

namespace tinyforge::learn {
namespace {

using testing::ClusterStream;
using testing::RamFlash;

constexpr uint16_t kPersistedFeatures = 12;
using PersistedClassifier = StaticLearner<Task::kClassification, kPersistedFeatures, 6, 4>;

// Everything observable about a learner's learned state: outputs on fixed probes (which cover the
// standardizer), raw weights, classes and metrics.
struct Snapshot {
  std::vector<float> weights;
  std::vector<Prediction> predictions;
  uint8_t classes;
  float accuracy;
  uint32_t trained;
  bool operator==(const Snapshot& other) const {
    if (weights != other.weights || classes != other.classes || accuracy != other.accuracy ||
        trained != other.trained || predictions.size() != other.predictions.size())
      return false;
    for (size_t i = 0; i < predictions.size(); ++i) {
      if (predictions[i].label != other.predictions[i].label ||
          predictions[i].confidence != other.predictions[i].confidence)
        return false;
    }
    return true;
  }
};

Snapshot Take(const Learner& learner, const std::vector<std::vector<float>>& probes) {
  Snapshot s;
  const uint32_t rows = learner.layout().outputs;
  s.weights.assign(learner.weights(), learner.weights() + rows * (kPersistedFeatures + 1));
  for (const auto& probe : probes) {
    Prediction p;
    EXPECT_EQ(learner.Predict(probe.data(), kPersistedFeatures, &p), LearnStatus::kOk);
    s.predictions.push_back(p);
  }
  s.classes = learner.class_count();
  s.accuracy = learner.metrics().Accuracy();
  s.trained = learner.metrics().samples_trained;
  return s;
}

class PersistenceTest : public ::testing::Test {
 protected:
  PersistenceTest() : flash_(1024), stream_(kPersistedFeatures, 4, 1.0f, 21) {
    for (uint32_t i = 0; i < 6; ++i) probes_.push_back(stream_.Sample(i % 4));
  }
  void Train(Learner& learner, int samples, uint32_t classes) {
    for (int i = 0; i < samples; ++i) {
      const uint32_t label = stream_.Next(classes);
      const std::vector<float> x = stream_.Sample(label);
      ASSERT_EQ(learner.Learn(x.data(), kPersistedFeatures, static_cast<int32_t>(label)), LearnStatus::kOk);
    }
  }
  void InitWithFlash(PersistedClassifier& learner, uint32_t model_id = 7) {
    LearnerConfig config = PersistedClassifier::DefaultConfig();
    config.initial_classes = 3;
    config.model_id = model_id;
    ASSERT_EQ(learner.Init(config), LearnStatus::kOk);
    const FlashPort port = flash_.Port();
    learner->SetFlash(&port);
  }

  RamFlash flash_;
  ClusterStream stream_;
  std::vector<std::vector<float>> probes_;
};

TEST_F(PersistenceTest, SaveThenLoadRestoresEverythingLearned) {
  PersistedClassifier a, b;
  InitWithFlash(a);
  InitWithFlash(b);
  Train(a.learner(), 100, 3);
  uint8_t added = 0;
  ASSERT_EQ(a->AddClass(&added), LearnStatus::kOk);
  Train(a.learner(), 40, 4);
  ASSERT_EQ(a->Save(), LearnStatus::kOk);
  EXPECT_EQ(flash_.bytes_written(), a->PersistedBytes());
  EXPECT_FALSE(Take(a.learner(), probes_) == Take(b.learner(), probes_));
  ASSERT_EQ(b->Load(), LearnStatus::kOk);
  EXPECT_TRUE(Take(a.learner(), probes_) == Take(b.learner(), probes_));
  EXPECT_EQ(b->class_count(), 4);
  EXPECT_EQ(b->saved_sequence(), 1u);
}

TEST_F(PersistenceTest, SavesAlternateSlotsAndLoadPicksTheNewest) {
  PersistedClassifier a, b;
  InitWithFlash(a);
  InitWithFlash(b);
  for (uint32_t round = 1; round <= 5; ++round) {
    Train(a.learner(), 20, 3);
    ASSERT_EQ(a->Save(), LearnStatus::kOk);
    EXPECT_EQ(a->saved_sequence(), round);
    ASSERT_EQ(b->Load(), LearnStatus::kOk);
    EXPECT_TRUE(Take(a.learner(), probes_) == Take(b.learner(), probes_));
  }
  // Both slots hold a state now (sequences 4 and 5).
  EXPECT_NE(flash_.slot(0)[0], 0xFF);
  EXPECT_NE(flash_.slot(1)[0], 0xFF);
}

TEST_F(PersistenceTest, LoadWithoutAnySavedStateKeepsTheModel) {
  PersistedClassifier a;
  InitWithFlash(a);
  Train(a.learner(), 30, 3);
  const Snapshot before = Take(a.learner(), probes_);
  EXPECT_EQ(a->Load(), LearnStatus::kNoSavedState);
  EXPECT_TRUE(Take(a.learner(), probes_) == before);
  PersistedClassifier no_flash;
  ASSERT_EQ(no_flash.Init(PersistedClassifier::DefaultConfig()), LearnStatus::kOk);
  EXPECT_EQ(no_flash->Save(), LearnStatus::kNoFlash);
  EXPECT_EQ(no_flash->Load(), LearnStatus::kNoFlash);
}

TEST_F(PersistenceTest, StateLargerThanASlotIsRefused) {
  RamFlash tiny(64);
  PersistedClassifier a;
  InitWithFlash(a);
  const FlashPort port = tiny.Port();
  a->SetFlash(&port);
  EXPECT_EQ(a->Save(), LearnStatus::kStateTooLarge);
  EXPECT_EQ(tiny.bytes_written(), 0u);
}

// Power fails after k bytes of a save, for every k: the previous state must load, bit for bit.
// Run from both rotation phases (the save targets slot 1, then slot 0).
TEST_F(PersistenceTest, PowerLossAtEveryByteOfASaveKeepsThePreviousState) {
  PersistedClassifier a;
  InitWithFlash(a);
  for (int phase = 0; phase < 2; ++phase) {
    Train(a.learner(), 30, 3);
    ASSERT_EQ(a->Save(), LearnStatus::kOk);
    const Snapshot saved = Take(a.learner(), probes_);
    const uint32_t saved_sequence = a->saved_sequence();
    Train(a.learner(), 30, 3);
    const Snapshot newer = Take(a.learner(), probes_);
    ASSERT_FALSE(saved == newer);
    const std::vector<uint8_t> slot0 = flash_.slot(0), slot1 = flash_.slot(1);
    const uint32_t total = a->PersistedBytes();
    for (uint32_t k = 0; k <= total; ++k) {
      flash_.slot(0) = slot0;
      flash_.slot(1) = slot1;
      flash_.SetWriteBudget(k);
      const LearnStatus status = a->Save();
      flash_.RestorePower();
      PersistedClassifier rebooted;
      InitWithFlash(rebooted);
      ASSERT_EQ(rebooted->Load(), LearnStatus::kOk) << "phase " << phase << " byte " << k;
      if (k < total) {
        ASSERT_EQ(status, LearnStatus::kFlashError) << k;
        ASSERT_TRUE(Take(rebooted.learner(), probes_) == saved) << "byte " << k;
        ASSERT_EQ(rebooted->saved_sequence(), saved_sequence);
      } else {
        ASSERT_EQ(status, LearnStatus::kOk);
        ASSERT_TRUE(Take(rebooted.learner(), probes_) == newer);
        ASSERT_EQ(rebooted->saved_sequence(), saved_sequence + 1);
      }
    }
    // Continue from the completed save: the next phase writes the other slot.
  }
}

TEST_F(PersistenceTest, ACorruptedByteAnywhereIsDetected) {
  PersistedClassifier a;
  InitWithFlash(a);
  Train(a.learner(), 30, 3);
  ASSERT_EQ(a->Save(), LearnStatus::kOk);
  const std::vector<uint8_t> good = flash_.slot(0);
  for (uint32_t offset = 0; offset < a->PersistedBytes(); ++offset) {
    flash_.slot(0) = good;
    flash_.slot(0)[offset] ^= 0x10;
    PersistedClassifier b;
    InitWithFlash(b);
    Train(b.learner(), 5, 3);
    const Snapshot before = Take(b.learner(), probes_);
    const LearnStatus status = b->Load();
    ASSERT_EQ(status, LearnStatus::kStateCorrupted) << "offset " << offset;
    ASSERT_TRUE(Take(b.learner(), probes_) == before);
  }
}

TEST_F(PersistenceTest, CorruptNewestSlotFallsBackToTheOlderState) {
  PersistedClassifier a, b;
  InitWithFlash(a);
  InitWithFlash(b);
  Train(a.learner(), 30, 3);
  ASSERT_EQ(a->Save(), LearnStatus::kOk);  // slot 0, sequence 1
  const Snapshot first = Take(a.learner(), probes_);
  Train(a.learner(), 30, 3);
  ASSERT_EQ(a->Save(), LearnStatus::kOk);  // slot 1, sequence 2
  flash_.slot(1)[40] ^= 0x01;
  ASSERT_EQ(b->Load(), LearnStatus::kOk);
  EXPECT_TRUE(Take(b.learner(), probes_) == first);
  EXPECT_EQ(b->saved_sequence(), 1u);
  // The next save must not overwrite the only valid state (slot 0).
  ASSERT_EQ(a->Save(), LearnStatus::kOk);
  EXPECT_EQ(a->saved_sequence(), 2u);
  flash_.slot(1)[40] ^= 0x01;  // undo nothing: slot 1 was rewritten; check slot 0 still loads
  flash_.slot(1)[40] ^= 0x01;
  PersistedClassifier c;
  InitWithFlash(c);
  ASSERT_EQ(c->Load(), LearnStatus::kOk);
}

TEST_F(PersistenceTest, StateOfAnotherModelOrShapeIsForeign) {
  PersistedClassifier a;
  InitWithFlash(a, /*model_id=*/7);
  Train(a.learner(), 30, 3);
  ASSERT_EQ(a->Save(), LearnStatus::kOk);
  PersistedClassifier other_model;
  InitWithFlash(other_model, /*model_id=*/8);
  EXPECT_EQ(other_model->Load(), LearnStatus::kStateForeign);
  StaticLearner<Task::kClassification, kPersistedFeatures + 1, 6, 4> other_shape;
  LearnerConfig config = decltype(other_shape)::DefaultConfig();
  config.model_id = 7;
  ASSERT_EQ(other_shape.Init(config), LearnStatus::kOk);
  const FlashPort port = flash_.Port();
  other_shape->SetFlash(&port);
  EXPECT_EQ(other_shape->Load(), LearnStatus::kStateForeign);
  StaticLearner<Task::kRegression, kPersistedFeatures, 1, 4> other_task;
  config = decltype(other_task)::DefaultConfig();
  config.model_id = 7;
  ASSERT_EQ(other_task.Init(config), LearnStatus::kOk);
  other_task->SetFlash(&port);
  EXPECT_EQ(other_task->Load(), LearnStatus::kStateForeign);
  // Saving over a foreign flash works (the foreign slots do not count as valid).
  EXPECT_EQ(other_model->Save(), LearnStatus::kOk);
  EXPECT_EQ(other_model->Load(), LearnStatus::kOk);
}

TEST_F(PersistenceTest, FlashErrorsAreReportedAndTheModelIsKept) {
  PersistedClassifier a;
  InitWithFlash(a);
  Train(a.learner(), 30, 3);
  ASSERT_EQ(a->Save(), LearnStatus::kOk);
  const Snapshot before = Take(a.learner(), probes_);
  flash_.read_failures_left = 1;
  EXPECT_EQ(a->Save(), LearnStatus::kFlashError);
  flash_.read_failures_left = 0;
  EXPECT_TRUE(Take(a.learner(), probes_) == before);
  ASSERT_EQ(a->Load(), LearnStatus::kOk);
  EXPECT_TRUE(Take(a.learner(), probes_) == before);
}

TEST_F(PersistenceTest, GuardRollsBackWhenAccuracyDropsBelowTheCheckpoint) {
  PersistedClassifier a;
  LearnerConfig config = PersistedClassifier::DefaultConfig();
  config.initial_classes = 3;
  config.guard_enabled = true;
  config.guard_margin = 0.2f;
  config.guard_min_samples = 20;
  config.drift_detector = DriftDetector::kNone;
  ASSERT_EQ(a.Init(config), LearnStatus::kOk);
  const FlashPort port = flash_.Port();
  a->SetFlash(&port);
  Train(a.learner(), 200, 3);
  ASSERT_GT(a->metrics().Accuracy(), 0.9f);
  ASSERT_EQ(a->Checkpoint(), LearnStatus::kOk);
  const Snapshot good = Take(a.learner(), probes_);
  // Poisoned labels (shifted by one) make the updated model worse and worse.
  bool rolled_back = false;
  for (int i = 0; i < 60 && !rolled_back; ++i) {
    const uint32_t label = stream_.Next(3);
    const std::vector<float> x = stream_.Sample(label);
    ASSERT_EQ(a->Learn(x.data(), kPersistedFeatures, static_cast<int32_t>((label + 1) % 3)),
              LearnStatus::kOk);
    rolled_back = a->rollbacks() > 0;
  }
  ASSERT_TRUE(rolled_back);
  const Snapshot after = Take(a.learner(), probes_);
  EXPECT_EQ(after.weights, good.weights);
  EXPECT_EQ(after.accuracy, good.accuracy);
  EXPECT_GE(a->metrics().samples_labelled, 220u);  // counters keep counting across a rollback
}

TEST_F(PersistenceTest, GuardKeepsGoodUpdates) {
  PersistedClassifier a;
  LearnerConfig config = PersistedClassifier::DefaultConfig();
  config.initial_classes = 3;
  config.guard_enabled = true;
  ASSERT_EQ(a.Init(config), LearnStatus::kOk);
  const FlashPort port = flash_.Port();
  a->SetFlash(&port);
  Train(a.learner(), 100, 3);
  ASSERT_EQ(a->Checkpoint(), LearnStatus::kOk);
  Train(a.learner(), 200, 3);
  EXPECT_EQ(a->rollbacks(), 0u);
}

}  // namespace
}  // namespace tinyforge::learn
