// TinyOL: an online-learned dense layer on top of a frozen model's features, trained on the device
// one sample at a time. Freestanding C++17: no heap, every capacity fixed when the learner is made.
//
//   frozen model (Interpreter) ──float features──▶ Learner ──▶ Prediction
//                                                    ▲  Label(sample_id, class) arrives later
//
//   StaticLearner<Task::kClassification, /*features*/ 16, /*max classes*/ 8, /*pending*/ 8> tol;
//   LearnerConfig config = tol.DefaultConfig(); config.initial_classes = 4;
//   if (tol.Init(config) != LearnStatus::kOk) ...
//   uint32_t id; Prediction p;
//   (void)tol->Submit(features, 16, &id, &p);    // test (prediction) then buffer the features
//   (void)tol->Label(id, 2);                     // train once the label is known
//
// Per sample: NaN/Inf check → standardize (Welford) → predict → wait in a ring buffer for the
// label → prequential metrics → drift detectors → SGD step → guard. Learned state persists to two
// flash slots through FlashPort (see docs/tinyol.md for the byte layout and the power-loss rules).
// Every fallible call returns LearnStatus; a call that fails changes no learned state.
#ifndef TINYFORGE_LEARN_H_
#define TINYFORGE_LEARN_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/learn_c_api.h"

namespace tinyforge::learn {

enum class [[nodiscard]] LearnStatus : uint8_t {
#define TINYFORGE_LEARN_STATUS_ENUM(upper, camel) k##camel,
  TINYFORGE_LEARN_STATUSES(TINYFORGE_LEARN_STATUS_ENUM)
#undef TINYFORGE_LEARN_STATUS_ENUM
};

// The enumerator's name without 'k', e.g. "SampleExpired"; "Unknown" out of range.
const char* LearnStatusName(LearnStatus status);

#define TINYFORGE_LEARN_RETURN_IF_ERROR(expr)                                        \
  do {                                                                               \
    const ::tinyforge::learn::LearnStatus tinyforge_learn_status_ = (expr);          \
    if (tinyforge_learn_status_ != ::tinyforge::learn::LearnStatus::kOk)             \
      return tinyforge_learn_status_;                                                \
  } while (0)

using FlashPort = tforge_flash_port;
using Prediction = tforge_prediction;

enum class Task : uint8_t {
  kClassification = TFORGE_TASK_CLASSIFICATION,  // softmax cross-entropy over active classes
  kRegression = TFORGE_TASK_REGRESSION,          // one output, squared error, target standardized
  kAnomaly = TFORGE_TASK_ANOMALY,                // threshold on an autoencoder's reconstruction MSE
};
enum class DriftDetector : uint8_t { kNone, kPageHinkley, kDdm };
// Anomaly task: the domain of the normal-score statistics the threshold is set in.
enum class AnomalyThresholdRule : uint8_t {
  kMeanSigma,     // mean + k·std of the raw scores (a mean squared error: heavy right tail)
  kLogMeanSigma,  // mean + k·std of ln(score): a log-normal model of the normal scores, whose
                  // right tail mean + k·std of the raw scores underestimates
};
enum class DriftAction : uint8_t {
  kReport,              // count the event only
  kBoostLearningRate,   // multiply the learning rate for a while so the layer re-adapts quickly
};

// Everything fixed at Init. The first block decides the memory (StorageBytes); the rest are
// hyper-parameters. Rates are per sample; "samples" are labelled samples unless said otherwise.
struct LearnerConfig {
  Task task = Task::kClassification;
  uint16_t feature_count = 0;    // length of every feature vector (1..256)
  uint8_t max_classes = 0;       // class capacity (classification, 2..64); forced 1 / 2 otherwise
  uint16_t pending_capacity = 8; // samples waiting for their label (1..256)
  bool momentum_buffer = false;  // reserve velocity memory (needed when momentum != 0)

  uint8_t initial_classes = 2;          // active classes at Init (classification)
  float learning_rate = 0.05f;
  // Classification: divide each step by 1 + |x|² (normalized LMS, the step size of a
  // passive-aggressive update): a step then moves the sample's own logits by learning_rate·g
  // whatever the norm of x, so a sample far out (clipped features) cannot overshoot and one near
  // the mean still counts. Its learning_rate is on another scale (several units, not 0.05).
  bool normalized_step = false;
  float momentum = 0.0f;                // 0 ≤ momentum < 1
  float l2 = 0.0f;                      // weight decay, per step: w -= lr * l2 * w
  float gradient_clip = 4.0f;           // |dloss/doutput| is clipped to this
  float feature_clip = 8.0f;            // standardized features are clipped to ±this
  uint32_t standardizer_max_count = 1000;  // Welford weight cap: stats keep tracking slow drift
  uint32_t max_label_delay = 0;         // a pending sample expires after this many newer
                                        // submissions; 0 = only when the ring buffer is full
  uint16_t imprint_samples = 5;         // a class's row is its samples' mean for this many
  float new_class_learning_rate_boost = 3.0f;  // lr multiplier for a class's first samples
  uint16_t new_class_boost_samples = 20;
  float metric_fading = 0.98f;          // fading factor of prequential accuracy / recall / loss

  // Anomaly task: threshold = mean + sigmas·std of the scores of normal samples (faded), in the
  // domain anomaly_threshold_rule names (the raw score, or its logarithm).
  float anomaly_sigmas = 3.0f;
  uint32_t anomaly_stat_max_count = 200;
  uint16_t anomaly_warmup = 8;          // normal scores seen before anything is flagged
  bool anomaly_absorb_unlabelled = true;  // expired unlabelled samples predicted normal count as
                                          // normal (labels are rare in anomaly detection)
  AnomalyThresholdRule anomaly_threshold_rule = AnomalyThresholdRule::kMeanSigma;
  // Use fault labels too (label 1): the fault scores get their own faded mean/std (same domain),
  // and once there is one, the threshold moves to the point between the two distributions that
  // lies the same number of standard deviations from both (see docs/tinyol.md, "Anomaly").
  // false: fault labels are counted but teach nothing (the normal-labels-only detector).
  bool anomaly_learn_faults = false;
  // Debounce: alarm (label 1) only when the current window exceeds the threshold and at least
  // alarm_k of the last alarm_n windows (the current one included) did. 1 of 1 = every window
  // that exceeds. 1 ≤ k ≤ n ≤ 32. Costs up to (k − 1) windows of detection delay.
  uint8_t anomaly_alarm_k = 1;
  uint8_t anomaly_alarm_n = 1;

  DriftDetector drift_detector = DriftDetector::kPageHinkley;
  DriftAction drift_action = DriftAction::kBoostLearningRate;
  float page_hinkley_delta = 0.05f;     // tolerated increase of the monitored error/loss
  float page_hinkley_lambda = 10.0f;    // alarm threshold on the cumulative deviation
  uint16_t ddm_min_samples = 100;
  float drift_boost = 3.0f;             // learning-rate multiplier after a drift
  uint16_t drift_boost_samples = 50;

  // Guard: after a Checkpoint(), if the accuracy of the next >= guard_min_samples labelled
  // samples falls below the checkpoint's accuracy minus guard_margin, reload the checkpoint.
  bool guard_enabled = false;
  float guard_margin = 0.15f;
  uint16_t guard_min_samples = 30;

  uint32_t model_id = 0;                // persisted states of another model id are foreign
};

// Storage layout inside the caller's memory (all float / uint32, 4-byte units):
//
//   ┌ weights [outputs][features] ┬ bias [outputs] ┬ velocity [outputs][features+1] (optional)
//   ├ class_trained [classes] (u32) ┬ recall_hits [classes] ┬ recall_total [classes]
//   ├ feature_mean [features] ┬ feature_m2 [features]
//   └ pending_id [pending] (u32) ┬ pending_state [pending] (u32) ┬ pending_features [pending][features]
struct LearnerLayout {
  uint32_t outputs = 0;        // weight rows: classes, 1 for regression, 0 for anomaly
  uint32_t metric_classes = 0; // per-class counters: classes, 2 for anomaly, 1 for regression
  uint32_t weights = 0, bias = 0, velocity = 0, class_trained = 0, recall_hits = 0,
           recall_total = 0, feature_mean = 0, feature_m2 = 0, pending_id = 0, pending_state = 0,
           pending_features = 0;  // offsets in 4-byte words
  uint32_t words = 0;          // total
};

constexpr bool ConfigCapacitiesValid(const LearnerConfig& c) {
  return c.feature_count >= 1 && c.feature_count <= 256 && c.pending_capacity >= 1 &&
         c.pending_capacity <= 256 &&
         (c.task != Task::kClassification || (c.max_classes >= 2 && c.max_classes <= 64));
}

constexpr LearnerLayout ComputeLayout(const LearnerConfig& c) {
  LearnerLayout l;
  if (!ConfigCapacitiesValid(c)) return l;
  const uint32_t features = c.feature_count;
  l.outputs = c.task == Task::kClassification ? c.max_classes
              : c.task == Task::kRegression   ? 1u
                                              : 0u;
  l.metric_classes = c.task == Task::kClassification ? c.max_classes
                     : c.task == Task::kAnomaly      ? 2u
                                                     : 1u;
  uint32_t at = 0;
  l.weights = at;          at += l.outputs * features;
  l.bias = at;             at += l.outputs;
  l.velocity = at;         at += c.momentum_buffer ? l.outputs * (features + 1) : 0u;
  l.class_trained = at;    at += l.metric_classes;
  l.recall_hits = at;      at += l.metric_classes;
  l.recall_total = at;     at += l.metric_classes;
  l.feature_mean = at;     at += features;
  l.feature_m2 = at;       at += features;
  l.pending_id = at;       at += c.pending_capacity;
  l.pending_state = at;    at += c.pending_capacity;
  l.pending_features = at; at += c.pending_capacity * features;
  l.words = at;
  return l;
}

// Bytes of array storage a learner with these capacities needs; 0 when they are invalid.
constexpr size_t StorageBytes(const LearnerConfig& config) {
  return static_cast<size_t>(ComputeLayout(config).words) * 4u;
}

// Count/mean/M2 (Welford). Once count reaches the cap it stays there, which turns the estimate
// into an exponentially weighted one (weight 1/cap) that follows slow drift.
struct RunningStat {
  float count = 0.0f;
  float mean = 0.0f;
  float m2 = 0.0f;
  void Update(float x, float max_count);
  float Variance() const { return count > 1.5f ? m2 / (count - 1.0f) : 0.0f; }
};

// Page-Hinkley test for an increase of the mean of a stream (error indicator or loss).
struct PageHinkley {
  float delta = 0.05f;
  float lambda = 10.0f;
  float count = 0.0f, mean = 0.0f, cumulative = 0.0f, minimum = 0.0f;
  void Reset() { count = mean = cumulative = minimum = 0.0f; }
  bool Update(float value);  // true = drift; the caller resets
};

// Drift Detection Method (Gama et al. 2004) on the 0/1 error stream.
struct Ddm {
  uint16_t min_samples = 100;
  float count = 0.0f, error_rate = 1.0f, min_p_plus_s = 3.0e38f, min_p = 0.0f, min_s = 0.0f;
  bool warning = false;
  void Reset();
  bool Update(bool error);  // true = drift; the caller resets
};

// Prequential (test-then-train) metrics, all on the device. Accuracy, loss and per-class recall
// use the fading factor: S ← α·S + x, N ← α·N + 1, metric = S / N.
struct Metrics {
  float correct_sum = 0.0f, loss_sum = 0.0f, weight_sum = 0.0f;
  uint32_t samples_seen = 0;       // accepted by Submit/Learn
  uint32_t samples_labelled = 0;   // labels accepted (also while frozen)
  uint32_t samples_trained = 0;    // SGD / threshold updates applied
  uint32_t samples_expired = 0;    // left the ring buffer without a label
  uint32_t samples_discarded = 0;
  uint32_t inputs_rejected = 0;    // calls refused for bad input
  float Accuracy() const { return weight_sum > 0.0f ? correct_sum / weight_sum : 0.0f; }
  float Loss() const { return weight_sum > 0.0f ? loss_sum / weight_sum : 0.0f; }
};

class Learner {
 public:
  static constexpr size_t kStorageAlignment = 4;

  // storage: StorageBytes(config) bytes, 4-byte aligned, owned by the caller, outliving the
  // learner. kBadConfig, kStorageTooSmall, kStorageMisaligned, kNullArgument.
  LearnStatus Init(const LearnerConfig& config, void* storage, size_t storage_bytes);
  bool initialized() const { return storage_ != nullptr; }
  // The port is copied; nullptr detaches. Needed by Save/Load/Checkpoint and the guard.
  void SetFlash(const FlashPort* flash);

  // Classifies / scores features without changing anything.
  LearnStatus Predict(const float* features, uint32_t count, Prediction* prediction) const;
  // Test then buffer: predicts, updates the standardizer, and keeps the features until their
  // label arrives. *sample_id (consecutive from 0) names the sample for Label/Discard. When the
  // buffer is full the oldest pending sample expires. prediction may be nullptr.
  LearnStatus Submit(const float* features, uint32_t count, uint32_t* sample_id,
                     Prediction* prediction);
  // Train on a pending sample. Classification: label in [0, class_count()); anomaly: 0 normal,
  // 1 anomaly. kUnknownSampleId (never issued), kSampleExpired, kSampleNotPending (labelled or
  // discarded already), kLabelOutOfRange, kWrongTask (regression).
  LearnStatus Label(uint32_t sample_id, int32_t label);
  LearnStatus LabelTarget(uint32_t sample_id, float target);  // regression only
  // Submit + Label in one call.
  LearnStatus Learn(const float* features, uint32_t count, int32_t label,
                    Prediction* prediction = nullptr);
  LearnStatus LearnTarget(const float* features, uint32_t count, float target,
                          Prediction* prediction = nullptr);
  LearnStatus Discard(uint32_t sample_id);
  // Activates the next class (classification); it is imprinted from its first labelled sample.
  LearnStatus AddClass(uint8_t* class_index);
  // While frozen, labels still feed the metrics but nothing is trained or standardized.
  void SetFrozen(bool frozen) { frozen_ = frozen; }
  bool frozen() const { return frozen_; }
  // Forgets everything learned: weights, statistics, metrics, pending samples, classes.
  void Reset();

  // Persists the learned state into the slot that does not hold the newest valid state, so a
  // power loss at any byte leaves that state loadable. kNoFlash, kStateTooLarge, kFlashError.
  LearnStatus Save();
  // Loads the newest valid slot. kNoSavedState, kStateCorrupted, kStateForeign (saved for another
  // model/config), kFlashError; on any error the current state is kept.
  LearnStatus Load();
  // Save() and remember the current accuracy as the guard's baseline.
  LearnStatus Checkpoint();
  // Bytes one Save() writes (header + payload).
  uint32_t PersistedBytes() const;

  const LearnerConfig& config() const { return config_; }
  const LearnerLayout& layout() const { return layout_; }
  const Metrics& metrics() const { return metrics_; }
  float ClassRecall(uint8_t class_index) const;  // faded recall; 0 before any sample
  uint32_t ClassTrainedCount(uint8_t class_index) const;
  uint8_t class_count() const { return class_count_; }
  uint32_t pending_count() const;
  // The current score threshold (raw score units); +inf during warm-up.
  float anomaly_threshold() const;
  // Faded statistics of the labelled normal / fault scores, in the rule's domain (raw or ln).
  const RunningStat& anomaly_normal_stat() const { return anomaly_stat_; }
  const RunningStat& anomaly_fault_stat() const { return fault_stat_; }
  uint32_t drift_events() const { return drift_events_; }
  uint32_t rollbacks() const { return rollbacks_; }
  uint32_t saved_sequence() const { return sequence_; }
  // Row-major [outputs][features] weights then bias, for tests and inspection.
  const float* weights() const { return Words(layout_.weights); }
  const float* bias() const { return Words(layout_.bias); }

 private:
  struct ScoreResult {
    int32_t label;
    float confidence;
    float value;
  };
  float* Words(uint32_t offset) const { return storage_ + offset; }
  uint32_t* Uwords(uint32_t offset) const { return reinterpret_cast<uint32_t*>(storage_ + offset); }
  LearnStatus CheckFeatures(const float* features, uint32_t count) const;
  void Standardize(const float* features, float* out) const;
  ScoreResult Score(const float* features) const;
  float AnomalyScore(const float* features) const;
  float AnomalyDomain(float score) const;       // score → the statistics' domain (raw or ln)
  float AnomalyDomainThreshold() const;         // +inf during warm-up
  bool AnomalyExceeds(float score) const;       // a non-finite score always exceeds
  int32_t AnomalyAlarm(bool exceeds) const;     // the debounce rule over the window history
  void ExpireOld();
  void ExpireSlot(uint32_t slot);
  LearnStatus FindPending(uint32_t sample_id, uint32_t* slot) const;
  LearnStatus Resolve(uint32_t slot, int32_t label, float target);
  void UpdateMetrics(int32_t true_label, int32_t predicted, float loss);
  void TrainClassification(const float* x, int32_t label);
  void TrainRegression(const float* x, float target);
  float LearningRate() const;
  void ObserveDrift(float error_signal, bool error);
  bool CheckGuard(bool correct);  // true = rolled back
  void ClearLearned();
  template <typename Visitor>
  void VisitPersisted(Visitor& visitor);
  LearnStatus ReadSlotHeader(uint8_t slot, uint32_t* sequence) const;
  LearnStatus VerifySlot(uint8_t slot, uint32_t* sequence) const;

  LearnerConfig config_;
  LearnerLayout layout_;
  float* storage_ = nullptr;
  FlashPort flash_ = {nullptr, nullptr, nullptr, nullptr, 0};
  Metrics metrics_;
  RunningStat anomaly_stat_;   // scores of normal samples (domain: anomaly_threshold_rule)
  RunningStat fault_stat_;     // scores of fault-labelled samples (anomaly_learn_faults)
  uint32_t alarm_history_ = 0; // bit i = window i submissions ago exceeded the threshold
  RunningStat target_stat_;    // regression targets
  PageHinkley page_hinkley_;
  Ddm ddm_;
  float standardizer_count_ = 0.0f;
  uint32_t next_sample_id_ = 0;
  uint32_t drift_events_ = 0;
  uint32_t boost_remaining_ = 0;
  uint32_t rollbacks_ = 0;
  uint32_t sequence_ = 0;      // of the newest state saved or loaded
  // guard
  float guard_baseline_ = 0.0f;
  uint32_t guard_correct_ = 0, guard_count_ = 0;
  bool guard_armed_ = false;
  uint8_t guard_classes_ = 0;
  uint8_t class_count_ = 0;
  bool frozen_ = false;
};

// A learner with its storage inside, capacities fixed at compile time.
template <Task kTask, uint16_t kFeatures, uint8_t kMaxClasses, uint16_t kPending,
          bool kMomentum = false>
class StaticLearner {
 public:
  static constexpr LearnerConfig DefaultConfig() {
    LearnerConfig config;
    config.task = kTask;
    config.feature_count = kFeatures;
    config.max_classes = kMaxClasses;
    config.pending_capacity = kPending;
    config.momentum_buffer = kMomentum;
    return config;
  }
  static constexpr size_t kStorageBytes = StorageBytes(DefaultConfig());
  static_assert(kStorageBytes > 0, "invalid TinyOL capacities");

  // The capacity fields of config are overridden by the template arguments.
  LearnStatus Init(LearnerConfig config) {
    config.task = kTask;
    config.feature_count = kFeatures;
    config.max_classes = kMaxClasses;
    config.pending_capacity = kPending;
    config.momentum_buffer = kMomentum;
    return learner_.Init(config, storage_, sizeof(storage_));
  }
  Learner* operator->() { return &learner_; }
  const Learner* operator->() const { return &learner_; }
  Learner& learner() { return learner_; }

 private:
  Learner learner_;
  alignas(4) float storage_[kStorageBytes / 4];
};

}  // namespace tinyforge::learn

#endif  // TINYFORGE_LEARN_H_
