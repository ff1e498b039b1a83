// Test-only float32 kernels and resolver, so core/planner/fuzz/device tests do not depend on the
// real kernels (runtime/kernels/ops). Freestanding (runs on the Cortex-M4 device tests too).
//   Relu:           out = max(0, in)
//   Add:            out = a + b
//   Reshape:        byte copy (no-op when the planner aliased output and input)
//   FullyConnected: out[b][o] = bias[o] + sum_i in[b][i] * w[o][i]; stages the input row in its
//                   scratch (input_depth floats), so scratch planning is exercised.
#ifndef TINYFORGE_TESTS_RUNTIME_CORE_TEST_KERNELS_H_
#define TINYFORGE_TESTS_RUNTIME_CORE_TEST_KERNELS_H_

#include <stdint.h>

#include "tinyforge/op_registry.h"

namespace tinyforge::testing {

inline Status PrepareUnaryFloat(const OpContext& context) {
  if (context.input_count != 1 || context.inputs[0].dtype != DType::kFloat32 ||
      context.output.dtype != DType::kFloat32) {
    return Status::kDTypeMismatch;
  }
  if (context.inputs[0].ElementCount() != context.output.ElementCount()) {
    return Status::kShapeMismatch;
  }
  return Status::kOk;
}

inline Status EvalRelu(const OpContext& context) {
  const float* in = context.inputs[0].As<float>();
  float* out = context.output.As<float>();
  for (uint32_t i = 0; i < context.output.ElementCount(); ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
  return Status::kOk;
}

inline Status EvalReshape(const OpContext& context) {
  const uint8_t* in = static_cast<const uint8_t*>(context.inputs[0].data);
  uint8_t* out = static_cast<uint8_t*>(context.output.data);
  if (in == out) return Status::kOk;
  for (uint32_t i = 0; i < context.output.Bytes(); ++i) out[i] = in[i];
  return Status::kOk;
}

inline Status PrepareAdd(const OpContext& context) {
  if (context.input_count != 2 || !context.inputs[1].IsPresent()) return Status::kBadOpArity;
  if (context.inputs[0].dtype != DType::kFloat32 || context.inputs[1].dtype != DType::kFloat32 ||
      context.output.dtype != DType::kFloat32) {
    return Status::kDTypeMismatch;
  }
  const uint32_t count = context.output.ElementCount();
  if (context.inputs[0].ElementCount() != count || context.inputs[1].ElementCount() != count) {
    return Status::kShapeMismatch;
  }
  return Status::kOk;
}

inline Status EvalAdd(const OpContext& context) {
  const float* a = context.inputs[0].As<float>();
  const float* b = context.inputs[1].As<float>();
  float* out = context.output.As<float>();
  for (uint32_t i = 0; i < context.output.ElementCount(); ++i) out[i] = a[i] + b[i];
  return Status::kOk;
}

inline uint32_t FullyConnectedScratch(const OpContext& context) {
  return context.inputs[0].rank == 2 ? context.inputs[0].dims[1] * 4u : 0u;
}

inline Status PrepareFullyConnected(const OpContext& context) {
  const Tensor& input = context.inputs[0];
  const Tensor& weights = context.inputs[1];
  const Tensor& output = context.output;
  if (context.input_count < 2 || !weights.IsPresent()) return Status::kBadOpArity;
  if (input.dtype != DType::kFloat32 || weights.dtype != DType::kFloat32 ||
      output.dtype != DType::kFloat32) {
    return Status::kDTypeMismatch;
  }
  if (input.rank != 2 || weights.rank != 2 || output.rank != 2 ||
      weights.dims[1] != input.dims[1] || output.dims[0] != input.dims[0] ||
      output.dims[1] != weights.dims[0]) {
    return Status::kShapeMismatch;
  }
  if (context.input_count >= 3 && context.inputs[2].IsPresent() &&
      context.inputs[2].ElementCount() != weights.dims[0]) {
    return Status::kShapeMismatch;
  }
  return Status::kOk;
}

inline Status EvalFullyConnected(const OpContext& context) {
  const Tensor& input = context.inputs[0];
  const float* weights = context.inputs[1].As<float>();
  const float* bias =
      (context.input_count >= 3 && context.inputs[2].IsPresent()) ? context.inputs[2].As<float>()
                                                                  : nullptr;
  float* staged = static_cast<float*>(context.scratch);
  float* out = context.output.As<float>();
  const uint32_t depth = input.dims[1];
  const uint32_t units = context.output.dims[1];
  for (uint32_t b = 0; b < input.dims[0]; ++b) {
    for (uint32_t i = 0; i < depth; ++i) staged[i] = input.As<float>()[b * depth + i];
    for (uint32_t o = 0; o < units; ++o) {
      float sum = bias != nullptr ? bias[o] : 0.0f;
      for (uint32_t i = 0; i < depth; ++i) sum += staged[i] * weights[o * depth + i];
      out[b * units + o] = sum;
    }
  }
  return Status::kOk;
}

inline constexpr OpRegistration kTestRegistrations[] = {
    {static_cast<uint16_t>(format::OpCode::kRelu), &PrepareUnaryFloat, &EvalRelu, nullptr},
    {static_cast<uint16_t>(format::OpCode::kReshape), &PrepareUnaryFloat, &EvalReshape, nullptr},
    {static_cast<uint16_t>(format::OpCode::kAdd), &PrepareAdd, &EvalAdd, nullptr},
    {static_cast<uint16_t>(format::OpCode::kFullyConnected), &PrepareFullyConnected,
     &EvalFullyConnected, &FullyConnectedScratch},
};

inline const OpResolver& TestOpsResolver() {
  static const OpResolver resolver(kTestRegistrations,
                                   sizeof(kTestRegistrations) / sizeof(kTestRegistrations[0]));
  return resolver;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_RUNTIME_CORE_TEST_KERNELS_H_
