// The C API of TinyOL (tinyforge/learn_c_api.h): a Learner constructed in caller memory, its
// arrays right behind it. Thin wrappers; all checks happen in Learner.
#include <string.h>

#include "tinyforge/learn.h"

using tinyforge::learn::Learner;
using tinyforge::learn::LearnerConfig;
using tinyforge::learn::LearnStatus;

namespace {

constexpr size_t kObjectBytes = (sizeof(Learner) + 7u) & ~static_cast<size_t>(7u);

Learner* Cast(tforge_learner* learner) { return reinterpret_cast<Learner*>(learner); }
const Learner* Cast(const tforge_learner* learner) {
  return reinterpret_cast<const Learner*>(learner);
}
int Code(LearnStatus status) { return static_cast<int>(status); }

bool ToConfig(const tforge_learner_options* options, LearnerConfig* config) {
  if (options->task > TFORGE_TASK_ANOMALY) return false;
  *config = LearnerConfig();
  config->task = static_cast<tinyforge::learn::Task>(options->task);
  config->feature_count = options->feature_count;
  config->max_classes = options->max_classes;
  config->initial_classes = options->initial_classes;
  config->pending_capacity = options->pending_capacity;
  config->learning_rate = options->learning_rate;
  config->momentum = options->momentum;
  config->momentum_buffer = options->momentum > 0.0f;
  config->l2 = options->l2;
  config->model_id = options->model_id;
  if (options->anomaly_log_threshold > 1 || options->anomaly_learn_faults > 1) return false;
  config->anomaly_threshold_rule = options->anomaly_log_threshold
                                       ? tinyforge::learn::AnomalyThresholdRule::kLogMeanSigma
                                       : tinyforge::learn::AnomalyThresholdRule::kMeanSigma;
  config->anomaly_learn_faults = options->anomaly_learn_faults != 0;
  config->anomaly_alarm_k = options->anomaly_alarm_k;
  config->anomaly_alarm_n = options->anomaly_alarm_n;
  return true;
}

}  // namespace

extern "C" {

void tforge_learner_options_default(tforge_learner_options* options) {
  if (options == nullptr) return;
  const LearnerConfig defaults;
  options->task = TFORGE_TASK_CLASSIFICATION;
  options->feature_count = 0;
  options->max_classes = 0;
  options->initial_classes = defaults.initial_classes;
  options->pending_capacity = defaults.pending_capacity;
  options->learning_rate = defaults.learning_rate;
  options->momentum = defaults.momentum;
  options->l2 = defaults.l2;
  options->model_id = defaults.model_id;
  options->anomaly_log_threshold =
      defaults.anomaly_threshold_rule == tinyforge::learn::AnomalyThresholdRule::kLogMeanSigma;
  options->anomaly_learn_faults = defaults.anomaly_learn_faults ? 1 : 0;
  options->anomaly_alarm_k = defaults.anomaly_alarm_k;
  options->anomaly_alarm_n = defaults.anomaly_alarm_n;
}

size_t tforge_learner_required_bytes(const tforge_learner_options* options) {
  LearnerConfig config;
  if (options == nullptr || !ToConfig(options, &config)) return 0;
  const size_t array_bytes = tinyforge::learn::StorageBytes(config);
  return array_bytes == 0 ? 0 : kObjectBytes + array_bytes;
}

int tforge_learner_init(void* memory, size_t memory_bytes, const tforge_learner_options* options,
                        tforge_learner** learner) {
  if (learner != nullptr) *learner = nullptr;
  if (memory == nullptr || options == nullptr || learner == nullptr)
    return Code(LearnStatus::kNullArgument);
  if (reinterpret_cast<uintptr_t>(memory) % 8u != 0) return Code(LearnStatus::kStorageMisaligned);
  LearnerConfig config;
  if (!ToConfig(options, &config)) return Code(LearnStatus::kBadConfig);
  if (memory_bytes < kObjectBytes) return Code(LearnStatus::kStorageTooSmall);
  // Learner is trivially copyable (an implicit-lifetime type), so copying a fresh one in creates
  // it; this avoids placement new, whose <new> the bare-metal toolchain does not ship.
  static_assert(__is_trivially_copyable(Learner), "Learner must stay trivially copyable");
  const Learner fresh;
  memcpy(memory, &fresh, sizeof(Learner));
  Learner* object = static_cast<Learner*>(memory);
  const LearnStatus status =
      object->Init(config, static_cast<uint8_t*>(memory) + kObjectBytes, memory_bytes - kObjectBytes);
  if (status != LearnStatus::kOk) return Code(status);
  *learner = reinterpret_cast<tforge_learner*>(object);
  return Code(LearnStatus::kOk);
}

// Nothing to release (no heap, trivially destructible); the caller may reuse the memory after.
void tforge_learner_free(tforge_learner* learner) { (void)learner; }

int tforge_learner_set_flash(tforge_learner* learner, const tforge_flash_port* flash) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  Cast(learner)->SetFlash(flash);
  return Code(LearnStatus::kOk);
}

int tforge_learner_predict(tforge_learner* learner, const float* features, uint32_t feature_count,
                           tforge_prediction* prediction) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  return Code(Cast(learner)->Predict(features, feature_count, prediction));
}

int tforge_learner_submit(tforge_learner* learner, const float* features, uint32_t feature_count,
                          uint32_t* sample_id, tforge_prediction* prediction) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  return Code(Cast(learner)->Submit(features, feature_count, sample_id, prediction));
}

int tforge_learner_label(tforge_learner* learner, uint32_t sample_id, int32_t label) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  return Code(Cast(learner)->Label(sample_id, label));
}

int tforge_learner_label_target(tforge_learner* learner, uint32_t sample_id, float target) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  return Code(Cast(learner)->LabelTarget(sample_id, target));
}

int tforge_learner_learn(tforge_learner* learner, const float* features, uint32_t feature_count,
                         int32_t label) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  return Code(Cast(learner)->Learn(features, feature_count, label));
}

int tforge_learner_discard(tforge_learner* learner, uint32_t sample_id) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  return Code(Cast(learner)->Discard(sample_id));
}

int tforge_learner_add_class(tforge_learner* learner, uint8_t* class_index) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  return Code(Cast(learner)->AddClass(class_index));
}

int tforge_learner_set_frozen(tforge_learner* learner, int frozen) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  Cast(learner)->SetFrozen(frozen != 0);
  return Code(LearnStatus::kOk);
}

int tforge_learner_reset(tforge_learner* learner) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  Cast(learner)->Reset();
  return Code(LearnStatus::kOk);
}

int tforge_learner_save(tforge_learner* learner) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  return Code(Cast(learner)->Save());
}

int tforge_learner_load(tforge_learner* learner) {
  if (learner == nullptr) return Code(LearnStatus::kNullArgument);
  return Code(Cast(learner)->Load());
}

float tforge_learner_accuracy(const tforge_learner* learner) {
  return learner == nullptr ? 0.0f : Cast(learner)->metrics().Accuracy();
}

uint8_t tforge_learner_class_count(const tforge_learner* learner) {
  return learner == nullptr ? 0 : Cast(learner)->class_count();
}

const char* tforge_learn_status_name(int status) {
  if (status < 0 || status > 255) return "Unknown";
  return tinyforge::learn::LearnStatusName(static_cast<LearnStatus>(status));
}

}  // extern "C"
