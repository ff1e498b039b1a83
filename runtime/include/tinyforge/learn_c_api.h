/* C API of TinyOL, the on-device online learning layer (see tinyforge/learn.h), for Arduino
 * sketches and other C callers. The learner lives in caller-owned memory; there is no heap.
 *
 *   static uint8_t memory[2048] __attribute__((aligned(8)));
 *   tforge_learner_options options;
 *   tforge_learner_options_default(&options);
 *   options.feature_count = 16; options.max_classes = 4; options.initial_classes = 2;
 *   tforge_learner* learner = NULL;
 *   if (tforge_learner_init(memory, sizeof memory, &options, &learner) != TFORGE_LEARN_OK) ...
 *   uint32_t id; tforge_prediction p;
 *   tforge_learner_submit(learner, features, 16, &id, &p);   // test: predict + buffer
 *   ... later, when the label is known ...
 *   tforge_learner_label(learner, id, 1);                      // then train
 *
 * Every function returns a tforge_learn_status (0 = OK); a failed call changes nothing learned.
 */
#ifndef TINYFORGE_LEARN_C_API_H_
#define TINYFORGE_LEARN_C_API_H_

#include <stddef.h>
#include <stdint.h>

/* Every way a learning call can fail, as one X-macro: the C enum, the C++ enum class
 * tinyforge::learn::LearnStatus and the names come from it, so they never drift apart. */
#define TINYFORGE_LEARN_STATUSES(X)                                                        \
  X(OK, Ok)                                                                                \
  X(NULL_ARGUMENT, NullArgument)                                                           \
  X(BAD_CONFIG, BadConfig)                                                                 \
  X(STORAGE_TOO_SMALL, StorageTooSmall)                                                    \
  X(STORAGE_MISALIGNED, StorageMisaligned)                                                 \
  X(NOT_INITIALIZED, NotInitialized)                                                       \
  X(WRONG_TASK, WrongTask)                                                                 \
  /* samples and labels */                                                                 \
  X(FEATURE_COUNT_MISMATCH, FeatureCountMismatch)                                          \
  X(NON_FINITE_FEATURE, NonFiniteFeature)                                                  \
  X(NON_FINITE_TARGET, NonFiniteTarget)                                                    \
  X(LABEL_OUT_OF_RANGE, LabelOutOfRange)                                                   \
  X(UNKNOWN_SAMPLE_ID, UnknownSampleId)                                                    \
  X(SAMPLE_EXPIRED, SampleExpired)                                                         \
  X(SAMPLE_NOT_PENDING, SampleNotPending)                                                  \
  X(CLASS_CAPACITY_EXHAUSTED, ClassCapacityExhausted)                                      \
  X(NUMERICAL_ERROR, NumericalError)                                                       \
  /* persistence */                                                                        \
  X(NO_FLASH, NoFlash)                                                                     \
  X(FLASH_ERROR, FlashError)                                                               \
  X(STATE_TOO_LARGE, StateTooLarge)                                                        \
  X(NO_SAVED_STATE, NoSavedState)                                                          \
  X(STATE_CORRUPTED, StateCorrupted)                                                       \
  X(STATE_FOREIGN, StateForeign)

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tforge_learn_status {
#define TFORGE_LEARN_STATUS_C_ENUM(upper, camel) TFORGE_LEARN_##upper,
  TINYFORGE_LEARN_STATUSES(TFORGE_LEARN_STATUS_C_ENUM)
#undef TFORGE_LEARN_STATUS_C_ENUM
} tforge_learn_status;

/* The platform seam for persistence: two equal flash slots (0 and 1). Each callback returns 0 on
 * success, anything else on failure. write only has to clear bits (NOR semantics are fine) and is
 * called with increasing offsets after one erase of the slot; erase sets the slot to 0xFF. */
typedef struct tforge_flash_port {
  void* context;
  int (*read)(void* context, uint8_t slot, uint32_t offset, void* data, uint32_t bytes);
  int (*write)(void* context, uint8_t slot, uint32_t offset, const void* data, uint32_t bytes);
  int (*erase)(void* context, uint8_t slot);
  uint32_t slot_bytes;
} tforge_flash_port;

enum { TFORGE_TASK_CLASSIFICATION = 0, TFORGE_TASK_REGRESSION = 1, TFORGE_TASK_ANOMALY = 2 };

/* The common subset of tinyforge::learn::LearnerConfig; the rest keeps its defaults. */
typedef struct tforge_learner_options {
  uint8_t task;              /* TFORGE_TASK_* */
  uint16_t feature_count;    /* length of every feature vector */
  uint8_t max_classes;       /* class capacity (classification); ignored otherwise */
  uint8_t initial_classes;   /* classes present at init; more via tforge_learner_add_class */
  uint16_t pending_capacity; /* samples that may wait for a label */
  float learning_rate;
  float momentum;            /* 0 = plain SGD (no momentum memory reserved) */
  float l2;
  uint32_t model_id;         /* identifies the frozen model; states saved for another are foreign */
  /* Anomaly task (docs/tinyol.md, "Anomaly threshold and alarm"): */
  uint8_t anomaly_log_threshold; /* 1 = mean + 3 std of ln(score) (heavy-tailed scores), 0 = raw */
  uint8_t anomaly_learn_faults;  /* 1 = fault labels move the threshold between the two score
                                    distributions; 0 = fault labels teach nothing */
  uint8_t anomaly_alarm_k;       /* alarm when the current window and >= k of the last n exceed */
  uint8_t anomaly_alarm_n;       /* (1 <= k <= n <= 32; 1 of 1 = no debounce) */
} tforge_learner_options;

typedef struct tforge_prediction {
  int32_t label;    /* class (classification), 0 normal / 1 anomaly (anomaly), 0 (regression) */
  float confidence; /* softmax probability of label; the current threshold for anomaly */
  float value;      /* regression output; reconstruction score for anomaly; logit otherwise */
} tforge_prediction;

typedef struct tforge_learner tforge_learner; /* opaque; lives at the start of caller memory */

void tforge_learner_options_default(tforge_learner_options* options);
/* Bytes of caller memory tforge_learner_init needs for these options (0 if they are invalid). */
size_t tforge_learner_required_bytes(const tforge_learner_options* options);
/* memory must be 8-byte aligned and outlive the learner. */
int tforge_learner_init(void* memory, size_t memory_bytes, const tforge_learner_options* options,
                        tforge_learner** learner);
void tforge_learner_free(tforge_learner* learner);
/* flash may be NULL to detach; the port struct is copied. */
int tforge_learner_set_flash(tforge_learner* learner, const tforge_flash_port* flash);

int tforge_learner_predict(tforge_learner* learner, const float* features, uint32_t feature_count,
                           tforge_prediction* prediction);
int tforge_learner_submit(tforge_learner* learner, const float* features, uint32_t feature_count,
                          uint32_t* sample_id, tforge_prediction* prediction);
int tforge_learner_label(tforge_learner* learner, uint32_t sample_id, int32_t label);
int tforge_learner_label_target(tforge_learner* learner, uint32_t sample_id, float target);
/* submit + label in one call: the sample is predicted (for metrics) and then trained on. */
int tforge_learner_learn(tforge_learner* learner, const float* features, uint32_t feature_count,
                         int32_t label);
int tforge_learner_discard(tforge_learner* learner, uint32_t sample_id);
int tforge_learner_add_class(tforge_learner* learner, uint8_t* class_index);
int tforge_learner_set_frozen(tforge_learner* learner, int frozen);
int tforge_learner_reset(tforge_learner* learner);
int tforge_learner_save(tforge_learner* learner);
int tforge_learner_load(tforge_learner* learner);

float tforge_learner_accuracy(const tforge_learner* learner);
uint8_t tforge_learner_class_count(const tforge_learner* learner);
const char* tforge_learn_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORGE_LEARN_C_API_H_ */
