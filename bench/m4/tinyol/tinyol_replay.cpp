// Cortex-M4 replay of the TinyOL CWRU new-class stream: per row, the frozen model up to its last
// hidden layer (float .tfm through tinyforge::Interpreter) turns the 24 dsp features into 16
// activations, and the TinyOL learner predicts then trains on them (test then train, a class
// added when its first label arrives). Prints the prequential accuracy and how many predictions
// differ from the host run (exit 3 unless 0). Regions for qemu-m4's m4run.py: "frozen" (Invoke),
// "infer" (Learner::Predict) and "update" (Learner::Learn: standardize, predict, train).
#include <stdint.h>
#include <string.h>

#include "bench/tinyol/tinyol_config.h"
#include "m4bench.h"
#include "tinyforge/interpreter.h"
#include "tinyforge/learn.h"
#include "tinyforge/ops.h"

#define TINYOL_EMBEDDED(id)                 \
  extern "C" const uint8_t tinyol_##id[];   \
  extern "C" const uint32_t tinyol_##id##_size;
TINYOL_EMBEDDED(frozen_hidden_tfm)
TINYOL_EMBEDDED(stream_inputs_bin)
TINYOL_EMBEDDED(stream_hidden_bin)
TINYOL_EMBEDDED(stream_labels_bin)
TINYOL_EMBEDDED(stream_scored_bin)
TINYOL_EMBEDDED(stream_expected_bin)
TINYOL_EMBEDDED(stream_shape_bin)
#undef TINYOL_EMBEDDED

namespace {

namespace learn = tinyforge::learn;
constexpr uint16_t kHidden = 16;
constexpr uint32_t kArenaBytes = 1024;
constexpr uint32_t kReportInferEvery = 1;  // every row is counted (the regions are identical)

#if TINYOL_FROZEN_INT8
// The int8 hidden-layer model: float standardization (Mul, Add), Quantize, two int8 dense layers
// (reference kernel: the host's, so the activations are bit-identical), Dequantize.
const tinyforge::OpRegistration kModelOps[] = {
    tinyforge::ops::kMul, tinyforge::ops::kAdd, tinyforge::ops::kQuantize,
    tinyforge::ops::kFullyConnectedReference, tinyforge::ops::kDequantize};
#else
// Exactly the ops of the float hidden-layer model: standardization (Mul, Add) and two dense
// layers, FullyConnected registered float-only so no int8 FC kernel is linked.
const tinyforge::OpRegistration kModelOps[] = {tinyforge::ops::kMul, tinyforge::ops::kAdd,
                                               tinyforge::ops::kFullyConnectedF32};
#endif
const tinyforge::OpResolver kResolver(kModelOps, sizeof(kModelOps) / sizeof(kModelOps[0]));
alignas(16) uint8_t g_arena[kArenaBytes];
learn::StaticLearner<learn::Task::kClassification, kHidden, tinyforge::bench::kTinyolMaxClasses,
                     tinyforge::bench::kTinyolPending>
    g_learner;

uint32_t Word(const uint8_t* base, uint32_t index) {
  uint32_t value = 0;
  memcpy(&value, base + 4u * index, 4);
  return value;
}

int Fail(const char* what) {
  m4_puts(what);
  m4_puts("\n");
  return 2;
}

}  // namespace

int main() {
  const uint32_t rows = Word(tinyol_stream_shape_bin, 0);
  const uint32_t input_cols = Word(tinyol_stream_shape_bin, 1);
  const uint32_t hidden_cols = Word(tinyol_stream_shape_bin, 2);
  const uint32_t initial_classes = Word(tinyol_stream_shape_bin, 3);
  if (hidden_cols != kHidden || tinyol_stream_inputs_bin_size != rows * input_cols * 4u ||
      tinyol_stream_labels_bin_size != rows * 4u || tinyol_stream_expected_bin_size != rows * 4u)
    return Fail("replay data shapes disagree");

  tinyforge::Interpreter interpreter(kResolver);
  if (interpreter.Load(tinyol_frozen_hidden_tfm, tinyol_frozen_hidden_tfm_size) !=
      tinyforge::Status::kOk)
    return Fail("load failed");
  if (interpreter.Prepare(g_arena, sizeof(g_arena)) != tinyforge::Status::kOk)
    return Fail("prepare failed (arena too small?)");
  tinyforge::Tensor input, output;
  if (interpreter.Input(0, &input) != tinyforge::Status::kOk ||
      interpreter.Output(0, &output) != tinyforge::Status::kOk || output.Bytes() != kHidden * 4u)
    return Fail("unexpected model io");

  if (g_learner.Init(tinyforge::bench::TinyolClassificationConfig(
          kHidden, static_cast<uint8_t>(initial_classes))) != learn::LearnStatus::kOk)
    return Fail("learner init failed");

  uint32_t scored = 0, correct = 0, prediction_mismatches = 0, hidden_mismatches = 0;
  float hidden[kHidden];
  for (uint32_t row = 0; row < rows; ++row) {
    memcpy(input.data, tinyol_stream_inputs_bin + 4u * row * input_cols, input_cols * 4u);
    m4bench_begin();
    const tinyforge::Status status = interpreter.Invoke();
    m4bench_end_label("frozen");
    if (status != tinyforge::Status::kOk) return Fail("invoke failed");
    memcpy(hidden, output.data, sizeof(hidden));
    if (memcmp(hidden, tinyol_stream_hidden_bin + 4u * row * kHidden, sizeof(hidden)) != 0)
      ++hidden_mismatches;
    const int32_t label = static_cast<int32_t>(Word(tinyol_stream_labels_bin, row));
    while (label >= static_cast<int32_t>(g_learner->class_count())) {
      if (g_learner->AddClass(nullptr) != learn::LearnStatus::kOk) return Fail("no class left");
    }
    learn::Prediction inferred{};
    if (row % kReportInferEvery == 0) {
      m4bench_begin();
      const learn::LearnStatus predicted = g_learner->Predict(hidden, kHidden, &inferred);
      m4bench_end_label("infer");
      if (predicted != learn::LearnStatus::kOk) return Fail("predict failed");
    }
    learn::Prediction prediction{};
    m4bench_begin();
    const learn::LearnStatus learned = g_learner->Learn(hidden, kHidden, label, &prediction);
    m4bench_end_label("update");
    if (learned != learn::LearnStatus::kOk) return Fail("learn failed");
    if (prediction.label != static_cast<int32_t>(Word(tinyol_stream_expected_bin, row)))
      ++prediction_mismatches;
    if (Word(tinyol_stream_scored_bin, row) != 0) {
      ++scored;
      correct += prediction.label == label ? 1u : 0u;
    }
  }
  m4_kv_u32("rows", rows);
  m4_kv_u32("scored", scored);
  m4_kv_u32("correct", correct);
  m4_kv_u32("prequential_accuracy_ppm",
            scored ? static_cast<uint32_t>((static_cast<uint64_t>(correct) * 1000000u) / scored)
                   : 0u);
  m4_kv_u32("prediction_mismatches_vs_host", prediction_mismatches);
  m4_kv_u32("hidden_mismatches_vs_host", hidden_mismatches);
  m4_kv_u32("learner_bytes", sizeof(g_learner));
  m4_kv_u32("learner_storage_bytes", learn::StorageBytes(g_learner->config()));
  m4_kv_u32("arena_bytes", interpreter.ArenaBytesRequired());
  m4_kv_u32("model_bytes", tinyol_frozen_hidden_tfm_size);
  m4_kv_u32("embedded_stream_bytes",
            tinyol_stream_inputs_bin_size + tinyol_stream_hidden_bin_size +
                tinyol_stream_labels_bin_size + tinyol_stream_scored_bin_size +
                tinyol_stream_expected_bin_size + tinyol_stream_shape_bin_size);
  m4_kv_u32("stack_bytes", m4_stack_used_bytes());
  return prediction_mismatches == 0 ? 0 : 3;
}
