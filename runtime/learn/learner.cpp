// TinyOL learner: input checks, Welford standardization, prediction, the pending-label ring
// buffer, prequential metrics and the SGD / threshold updates. Persistence is in persistence.cpp.
#include <math.h>
#include <string.h>

#include "learn/learn_internal.h"
#include "tinyforge/learn.h"

namespace tinyforge::learn {
namespace {

constexpr float kMaxLoss = 16.0f;  // cap of -log(p) so one surprising sample cannot swamp metrics
constexpr float kMaxAnomalyLoss = 1e30f;  // faded sum stays below 1e30 / (1 − fading): finite

float Clamp(float x, float limit) { return x > limit ? limit : (x < -limit ? -limit : x); }

bool ConfigValid(const LearnerConfig& c) {
  if (!ConfigCapacitiesValid(c)) return false;
  if (c.task == Task::kClassification &&
      (c.initial_classes < 1 || c.initial_classes > c.max_classes))
    return false;
  if (!(c.learning_rate > 0.0f) || !internal::IsFinite(c.learning_rate)) return false;
  if (!(c.momentum >= 0.0f && c.momentum < 1.0f)) return false;
  if (c.momentum > 0.0f && !c.momentum_buffer) return false;
  if (!(c.l2 >= 0.0f) || !(c.gradient_clip > 0.0f) || !(c.feature_clip > 0.0f)) return false;
  if (!(c.metric_fading > 0.0f && c.metric_fading <= 1.0f)) return false;
  if (c.standardizer_max_count < 2 || c.anomaly_stat_max_count < 2) return false;
  if (!(c.anomaly_sigmas >= 0.0f) || !(c.new_class_learning_rate_boost >= 1.0f)) return false;
  if (!(c.drift_boost >= 1.0f) || !(c.guard_margin >= 0.0f)) return false;
  if (c.anomaly_alarm_n < 1 || c.anomaly_alarm_n > 32 || c.anomaly_alarm_k < 1 ||
      c.anomaly_alarm_k > c.anomaly_alarm_n)
    return false;
  if (c.anomaly_threshold_rule != AnomalyThresholdRule::kMeanSigma &&
      c.anomaly_threshold_rule != AnomalyThresholdRule::kLogMeanSigma)
    return false;
  return true;
}

}  // namespace

void RunningStat::Update(float x, float max_count) {
  if (count < max_count) {
    count += 1.0f;
  } else {
    m2 *= (count - 1.0f) / count;  // forget as much spread as a new sample brings in
  }
  const float delta = x - mean;
  mean += delta / count;
  m2 += delta * (x - mean);
}

LearnStatus Learner::Init(const LearnerConfig& config, void* storage, size_t storage_bytes) {
  if (storage == nullptr) return LearnStatus::kNullArgument;
  if (!ConfigValid(config)) return LearnStatus::kBadConfig;
  if (reinterpret_cast<uintptr_t>(storage) % kStorageAlignment != 0)
    return LearnStatus::kStorageMisaligned;
  if (storage_bytes < StorageBytes(config)) return LearnStatus::kStorageTooSmall;
  config_ = config;
  if (config_.task == Task::kRegression) config_.max_classes = 1;
  if (config_.task == Task::kAnomaly) config_.max_classes = 2;
  layout_ = ComputeLayout(config);
  storage_ = static_cast<float*>(storage);
  page_hinkley_.delta = config_.page_hinkley_delta;
  page_hinkley_.lambda = config_.page_hinkley_lambda;
  ddm_.min_samples = config_.ddm_min_samples;
  next_sample_id_ = 0;
  frozen_ = false;
  sequence_ = 0;
  ClearLearned();
  return LearnStatus::kOk;
}

void Learner::SetFlash(const FlashPort* flash) {
  if (flash == nullptr) {
    flash_ = FlashPort{nullptr, nullptr, nullptr, nullptr, 0};
  } else {
    flash_ = *flash;
  }
}

void Learner::ClearLearned() {
  memset(storage_, 0, static_cast<size_t>(layout_.words) * 4u);
  metrics_ = Metrics();
  anomaly_stat_ = RunningStat();
  fault_stat_ = RunningStat();
  alarm_history_ = 0;
  target_stat_ = RunningStat();
  page_hinkley_.Reset();
  ddm_.Reset();
  standardizer_count_ = 0.0f;
  drift_events_ = 0;
  boost_remaining_ = 0;
  rollbacks_ = 0;
  guard_armed_ = false;
  guard_correct_ = guard_count_ = 0;
  class_count_ = config_.task == Task::kClassification ? config_.initial_classes
                                                        : config_.max_classes;
}

void Learner::Reset() {
  if (storage_ != nullptr) ClearLearned();
}

LearnStatus Learner::CheckFeatures(const float* features, uint32_t count) const {
  if (storage_ == nullptr) return LearnStatus::kNotInitialized;
  if (features == nullptr) return LearnStatus::kNullArgument;
  if (count != config_.feature_count) return LearnStatus::kFeatureCountMismatch;
  for (uint32_t j = 0; j < count; ++j) {
    if (!internal::IsFinite(features[j])) return LearnStatus::kNonFiniteFeature;
  }
  return LearnStatus::kOk;
}

// x_std = clip((x - mean) / std); std = 1 until two samples were seen (no information yet).
void Learner::Standardize(const float* features, float* out) const {
  const float* mean = Words(layout_.feature_mean);
  const float* m2 = Words(layout_.feature_m2);
  for (uint32_t j = 0; j < config_.feature_count; ++j) {
    float scale = 1.0f;
    if (standardizer_count_ > 1.5f) {
      const float variance = m2[j] / (standardizer_count_ - 1.0f);
      scale = variance > 1e-12f ? 1.0f / sqrtf(variance) : 1.0f;
    }
    out[j] = Clamp((features[j] - mean[j]) * scale, config_.feature_clip);
  }
}

// Predicts from standardized features (classification, regression) or raw residuals (anomaly).
Learner::ScoreResult Learner::Score(const float* x) const {
  ScoreResult result{0, 0.0f, 0.0f};
  if (config_.task == Task::kAnomaly) {
    // The undebounced decision of this one window (the device metrics score it; Predict adds
    // the debounce over the stream of submitted windows).
    result.value = AnomalyScore(x);
    result.confidence = anomaly_threshold();
    result.label = AnomalyExceeds(result.value) ? 1 : 0;
    return result;
  }
  const uint32_t features = config_.feature_count;
  const float* weights = Words(layout_.weights);
  const float* bias = Words(layout_.bias);
  if (config_.task == Task::kRegression) {
    float y = bias[0];
    for (uint32_t j = 0; j < features; ++j) y += weights[j] * x[j];
    const float target_std = target_stat_.count > 1.5f ? sqrtf(target_stat_.Variance()) : 1.0f;
    result.value = y * (target_std > 0.0f ? target_std : 1.0f) + target_stat_.mean;
    return result;
  }
  // Classification: softmax over the classes trained at least once (an untrained class has no
  // weights yet and would otherwise win with a zero logit against imprinted negative biases).
  float logits[internal::kMaxClassesLimit];
  internal::Logits(weights, bias, x, features, class_count_, logits);
  const uint32_t* trained = Uwords(layout_.class_trained);
  float probabilities[internal::kMaxClassesLimit];
  const int32_t best = internal::MaskedSoftmax(logits, trained, class_count_, probabilities);
  result.label = best;
  result.confidence = best >= 0 ? probabilities[best] : 0.0f;
  result.value = best >= 0 ? logits[best] : 0.0f;
  return result;
}

LearnStatus Learner::Predict(const float* features, uint32_t count, Prediction* prediction) const {
  TINYFORGE_LEARN_RETURN_IF_ERROR(CheckFeatures(features, count));
  if (prediction == nullptr) return LearnStatus::kNullArgument;
  float x[internal::kMaxFeaturesOnStack];
  const float* input = features;
  if (config_.task != Task::kAnomaly) {
    Standardize(features, x);
    input = x;
  }
  const ScoreResult result = Score(input);
  const int32_t label = config_.task == Task::kAnomaly ? AnomalyAlarm(result.label == 1)
                                                       : result.label;
  *prediction = Prediction{label, result.confidence, result.value};
  return LearnStatus::kOk;
}

uint32_t Learner::pending_count() const {
  if (storage_ == nullptr) return 0;
  uint32_t pending = 0;
  const uint32_t* state = Uwords(layout_.pending_state);
  for (uint32_t s = 0; s < config_.pending_capacity; ++s) {
    pending += state[s] == internal::kSlotPending ? 1u : 0u;
  }
  return pending;
}

void Learner::ExpireSlot(uint32_t slot) {
  uint32_t* state = Uwords(layout_.pending_state);
  if (state[slot] != internal::kSlotPending) return;
  state[slot] = internal::kSlotExpired;
  ++metrics_.samples_expired;
  // Anomaly detection rarely gets labels: a sample that looked normal and was never contradicted
  // teaches the threshold what normal is now.
  if (config_.task == Task::kAnomaly && config_.anomaly_absorb_unlabelled && !frozen_) {
    const float* features = Words(layout_.pending_features) + slot * config_.feature_count;
    const float score = AnomalyScore(features);
    if (!AnomalyExceeds(score)) {
      anomaly_stat_.Update(AnomalyDomain(score),
                           static_cast<float>(config_.anomaly_stat_max_count));
    }
  }
}

void Learner::ExpireOld() {
  const uint32_t* ids = Uwords(layout_.pending_id);
  const uint32_t capacity = config_.pending_capacity;
  // The slot the new sample takes: its previous occupant is evicted.
  ExpireSlot(next_sample_id_ % capacity);
  if (config_.max_label_delay == 0) return;
  for (uint32_t s = 0; s < capacity; ++s) {
    if (next_sample_id_ - ids[s] > config_.max_label_delay) ExpireSlot(s);
  }
}

LearnStatus Learner::Submit(const float* features, uint32_t count, uint32_t* sample_id,
                            Prediction* prediction) {
  const LearnStatus status = CheckFeatures(features, count);
  if (status != LearnStatus::kOk) {
    if (storage_ != nullptr) ++metrics_.inputs_rejected;
    return status;
  }
  if (sample_id == nullptr) return LearnStatus::kNullArgument;
  if (prediction != nullptr) {
    TINYFORGE_LEARN_RETURN_IF_ERROR(Predict(features, count, prediction));
  }
  if (config_.task == Task::kAnomaly) {
    // The debounce history follows every submitted window, frozen or not (it is the alarm's
    // state, not learned state), judged by the threshold the prediction used.
    alarm_history_ = (alarm_history_ << 1) | (AnomalyExceeds(AnomalyScore(features)) ? 1u : 0u);
  }
  ExpireOld();
  if (!frozen_ && config_.task != Task::kAnomaly) {
    standardizer_count_ = internal::WelfordUpdate(
        features, count, standardizer_count_, static_cast<float>(config_.standardizer_max_count),
        Words(layout_.feature_mean), Words(layout_.feature_m2));
  }
  const uint32_t slot = next_sample_id_ % config_.pending_capacity;
  Uwords(layout_.pending_id)[slot] = next_sample_id_;
  Uwords(layout_.pending_state)[slot] = internal::kSlotPending;
  memcpy(Words(layout_.pending_features) + slot * count, features, count * sizeof(float));
  *sample_id = next_sample_id_++;
  ++metrics_.samples_seen;
  return LearnStatus::kOk;
}

LearnStatus Learner::FindPending(uint32_t sample_id, uint32_t* slot) const {
  if (storage_ == nullptr) return LearnStatus::kNotInitialized;
  if (sample_id >= next_sample_id_) return LearnStatus::kUnknownSampleId;
  const uint32_t s = sample_id % config_.pending_capacity;
  const uint32_t state = Uwords(layout_.pending_state)[s];
  if (Uwords(layout_.pending_id)[s] != sample_id || state == internal::kSlotFree ||
      state == internal::kSlotExpired)
    return LearnStatus::kSampleExpired;  // evicted, aged out, or forgotten by Reset
  if (state != internal::kSlotPending) return LearnStatus::kSampleNotPending;
  *slot = s;
  return LearnStatus::kOk;
}

LearnStatus Learner::Discard(uint32_t sample_id) {
  uint32_t slot = 0;
  TINYFORGE_LEARN_RETURN_IF_ERROR(FindPending(sample_id, &slot));
  Uwords(layout_.pending_state)[slot] = internal::kSlotResolved;
  ++metrics_.samples_discarded;
  return LearnStatus::kOk;
}

LearnStatus Learner::Label(uint32_t sample_id, int32_t label) {
  if (storage_ == nullptr) return LearnStatus::kNotInitialized;
  if (config_.task == Task::kRegression) return LearnStatus::kWrongTask;
  uint32_t slot = 0;
  LearnStatus status = FindPending(sample_id, &slot);
  if (status == LearnStatus::kOk && (label < 0 || label >= static_cast<int32_t>(class_count_)))
    status = LearnStatus::kLabelOutOfRange;
  if (status != LearnStatus::kOk) {
    ++metrics_.inputs_rejected;
    return status;
  }
  return Resolve(slot, label, 0.0f);
}

LearnStatus Learner::LabelTarget(uint32_t sample_id, float target) {
  if (storage_ == nullptr) return LearnStatus::kNotInitialized;
  if (config_.task != Task::kRegression) return LearnStatus::kWrongTask;
  uint32_t slot = 0;
  LearnStatus status = FindPending(sample_id, &slot);
  if (status == LearnStatus::kOk && !internal::IsFinite(target))
    status = LearnStatus::kNonFiniteTarget;
  if (status != LearnStatus::kOk) {
    ++metrics_.inputs_rejected;
    return status;
  }
  return Resolve(slot, 0, target);
}

// Validates the label before anything is buffered, so a bad label leaves no pending sample.
LearnStatus Learner::Learn(const float* features, uint32_t count, int32_t label,
                           Prediction* prediction) {
  if (storage_ == nullptr) return LearnStatus::kNotInitialized;
  if (config_.task == Task::kRegression) return LearnStatus::kWrongTask;
  if (label < 0 || label >= static_cast<int32_t>(class_count_)) {
    ++metrics_.inputs_rejected;
    return LearnStatus::kLabelOutOfRange;
  }
  uint32_t sample_id = 0;
  TINYFORGE_LEARN_RETURN_IF_ERROR(Submit(features, count, &sample_id, prediction));
  return Label(sample_id, label);
}

LearnStatus Learner::LearnTarget(const float* features, uint32_t count, float target,
                                 Prediction* prediction) {
  if (storage_ == nullptr) return LearnStatus::kNotInitialized;
  if (config_.task != Task::kRegression) return LearnStatus::kWrongTask;
  if (!internal::IsFinite(target)) {
    ++metrics_.inputs_rejected;
    return LearnStatus::kNonFiniteTarget;
  }
  uint32_t sample_id = 0;
  TINYFORGE_LEARN_RETURN_IF_ERROR(Submit(features, count, &sample_id, prediction));
  return LabelTarget(sample_id, target);
}

LearnStatus Learner::AddClass(uint8_t* class_index) {
  if (storage_ == nullptr) return LearnStatus::kNotInitialized;
  if (config_.task != Task::kClassification) return LearnStatus::kWrongTask;
  if (class_count_ >= config_.max_classes) return LearnStatus::kClassCapacityExhausted;
  if (class_index != nullptr) *class_index = class_count_;
  ++class_count_;
  return LearnStatus::kOk;
}

float Learner::ClassRecall(uint8_t class_index) const {
  if (storage_ == nullptr || class_index >= layout_.metric_classes) return 0.0f;
  const float total = Words(layout_.recall_total)[class_index];
  return total > 0.0f ? Words(layout_.recall_hits)[class_index] / total : 0.0f;
}

uint32_t Learner::ClassTrainedCount(uint8_t class_index) const {
  if (storage_ == nullptr || class_index >= layout_.metric_classes) return 0;
  return Uwords(layout_.class_trained)[class_index];
}

void Learner::UpdateMetrics(int32_t true_label, int32_t predicted, float loss) {
  const float fading = config_.metric_fading;
  const bool correct = true_label == predicted;
  metrics_.correct_sum = fading * metrics_.correct_sum + (correct ? 1.0f : 0.0f);
  metrics_.loss_sum = fading * metrics_.loss_sum + loss;
  metrics_.weight_sum = fading * metrics_.weight_sum + 1.0f;
  if (true_label >= 0 && static_cast<uint32_t>(true_label) < layout_.metric_classes) {
    float* hits = Words(layout_.recall_hits);
    float* total = Words(layout_.recall_total);
    hits[true_label] = fading * hits[true_label] + (correct ? 1.0f : 0.0f);
    total[true_label] = fading * total[true_label] + 1.0f;
  }
}

float Learner::LearningRate() const {
  return config_.learning_rate * (boost_remaining_ > 0 ? config_.drift_boost : 1.0f);
}

// Test-then-train on one labelled sample: evaluate the current model, update metrics and drift
// detectors, let the guard veto, then train (unless frozen).
LearnStatus Learner::Resolve(uint32_t slot, int32_t label, float target) {
  float* x = Words(layout_.pending_features) + slot * config_.feature_count;
  Uwords(layout_.pending_state)[slot] = internal::kSlotResolved;
  ++metrics_.samples_labelled;
  if (config_.task != Task::kAnomaly) Standardize(x, x);  // in place: the slot is consumed
  const ScoreResult result = Score(x);
  float loss = 0.0f;
  bool error = result.label != label;
  if (config_.task == Task::kClassification) {
    float logits[internal::kMaxClassesLimit];
    float probabilities[internal::kMaxClassesLimit];
    internal::Logits(Words(layout_.weights), Words(layout_.bias), x, config_.feature_count,
                     class_count_, logits);
    (void)internal::MaskedSoftmax(logits, Uwords(layout_.class_trained), class_count_,
                                  probabilities);
    const float p = probabilities[label];
    loss = p > 0.0f ? -internal::LogF(p) : kMaxLoss;
    if (loss > kMaxLoss) loss = kMaxLoss;
  } else if (config_.task == Task::kRegression) {
    const float residual = result.value - target;
    loss = residual * residual;
    error = false;
  } else {
    // The running "loss" of the anomaly task is the faded mean score; capped so that an
    // overflowing score (or a run of huge ones) cannot turn the sum into +inf for good.
    loss = result.value < kMaxAnomalyLoss ? result.value : kMaxAnomalyLoss;
  }
  UpdateMetrics(config_.task == Task::kRegression ? 0 : label,
                config_.task == Task::kRegression ? 0 : result.label, loss);
  float drift_signal = error ? 1.0f : 0.0f;
  if (config_.task == Task::kRegression) {
    const float target_std = target_stat_.count > 1.5f ? sqrtf(target_stat_.Variance()) : 1.0f;
    const float z = (result.value - target) / (target_std > 0.0f ? target_std : 1.0f);
    drift_signal = Clamp(z * z, 16.0f);
  }
  ObserveDrift(drift_signal, error);
  if (config_.guard_enabled && CheckGuard(!error)) return LearnStatus::kOk;
  if (frozen_) return LearnStatus::kOk;
  if (config_.task == Task::kClassification) {
    TrainClassification(x, label);
  } else if (config_.task == Task::kRegression) {
    TrainRegression(x, target);
  } else {
    // A non-finite score (overflow) would poison the mean: it is counted, never learned.
    const bool finite = internal::IsFinite(result.value);
    const float max_count = static_cast<float>(config_.anomaly_stat_max_count);
    if (label == 0) {
      if (finite) anomaly_stat_.Update(AnomalyDomain(result.value), max_count);
      ++Uwords(layout_.class_trained)[0];
    } else {
      if (finite && config_.anomaly_learn_faults) {
        fault_stat_.Update(AnomalyDomain(result.value), max_count);
      }
      ++Uwords(layout_.class_trained)[1];
    }
  }
  ++metrics_.samples_trained;
  if (boost_remaining_ > 0) --boost_remaining_;
  return LearnStatus::kOk;
}

void Learner::ObserveDrift(float signal, bool error) {
  bool drift = false;
  if (config_.drift_detector == DriftDetector::kPageHinkley) {
    drift = page_hinkley_.Update(signal);
  } else if (config_.drift_detector == DriftDetector::kDdm && config_.task != Task::kRegression) {
    drift = ddm_.Update(error);
  }
  if (!drift) return;
  ++drift_events_;
  page_hinkley_.Reset();
  ddm_.Reset();
  if (config_.drift_action == DriftAction::kBoostLearningRate)
    boost_remaining_ = config_.drift_boost_samples;
}

// SGD on softmax cross-entropy, with an imprinting start for each class: for its first
// imprint_samples labelled samples a class's row is the nearest-class-mean discriminant of those
// samples, w = mean(x), b = -|w|²/2 (logit = -|x - w|²/2 + |x|²/2, the same for every class), so
// a class added in the field is competitive from its first example. Other rows still take their
// SGD step on these samples, which pushes them away from the new class.
void Learner::TrainClassification(const float* x, int32_t label) {
  const uint32_t features = config_.feature_count;
  float* weights = Words(layout_.weights);
  float* bias = Words(layout_.bias);
  uint32_t* trained = Uwords(layout_.class_trained);
  const uint32_t y = static_cast<uint32_t>(label);
  const bool imprinting = trained[y] < config_.imprint_samples || trained[y] == 0;
  if (trained[y] > 0) {
    float logits[internal::kMaxClassesLimit];
    float probabilities[internal::kMaxClassesLimit];
    internal::Logits(weights, bias, x, features, class_count_, logits);
    (void)internal::MaskedSoftmax(logits, trained, class_count_, probabilities);
    float* velocity = config_.momentum_buffer ? Words(layout_.velocity) : nullptr;
    float base_rate = LearningRate();
    if (config_.normalized_step) {
      // z_k = w_k·x + b_k changes by −rate·g_k·(|x|² + 1): dividing by that norm makes the
      // logit change rate·g_k, independent of how far x lies from the mean.
      float norm2 = 1.0f;
      for (uint32_t j = 0; j < features; ++j) norm2 += x[j] * x[j];
      base_rate /= norm2;
    }
    for (uint32_t k = 0; k < class_count_; ++k) {
      if (trained[k] == 0 || (imprinting && k == y)) continue;
      const float gradient =
          Clamp(probabilities[k] - (k == y ? 1.0f : 0.0f), config_.gradient_clip);
      const float rate = base_rate * (trained[k] < config_.new_class_boost_samples
                                          ? config_.new_class_learning_rate_boost
                                          : 1.0f);
      internal::SgdStep(weights + k * features, bias + k,
                        velocity ? velocity + k * (features + 1) : nullptr, x, features, gradient,
                        rate, config_.momentum, config_.l2);
    }
  }
  if (imprinting) {
    const float step = 1.0f / static_cast<float>(trained[y] + 1);
    float* row = weights + y * features;
    float norm2 = 0.0f;
    for (uint32_t j = 0; j < features; ++j) {
      row[j] += (x[j] - row[j]) * step;
      norm2 += row[j] * row[j];
    }
    bias[y] = -0.5f * norm2;
  }
  ++trained[y];
}

// The output is the standardized target, so one learning rate fits any target scale.
void Learner::TrainRegression(const float* x, float target) {
  target_stat_.Update(target, static_cast<float>(config_.standardizer_max_count));
  const float target_std = target_stat_.count > 1.5f ? sqrtf(target_stat_.Variance()) : 1.0f;
  const float z = (target - target_stat_.mean) / (target_std > 0.0f ? target_std : 1.0f);
  const uint32_t features = config_.feature_count;
  float* weights = Words(layout_.weights);
  float* bias = Words(layout_.bias);
  float y = bias[0];
  for (uint32_t j = 0; j < features; ++j) y += weights[j] * x[j];
  const float gradient = Clamp(y - z, config_.gradient_clip);
  float* velocity = config_.momentum_buffer ? Words(layout_.velocity) : nullptr;
  internal::SgdStep(weights, bias, velocity, x, features, gradient,
                    LearningRate() / static_cast<float>(features), config_.momentum, config_.l2);
  ++Uwords(layout_.class_trained)[0];
}

}  // namespace tinyforge::learn
