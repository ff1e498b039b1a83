// Model health check for trial images (see model_self_test.h).
#include "agent/core/model_self_test.h"

#include "agent/core/wire.h"
#include "tinyforge/interpreter.h"

namespace tinyforge::agent {

Status ModelSelfTest(const OpResolver& resolver, const uint8_t* blob, uint32_t blob_bytes,
                     void* arena, size_t arena_bytes) {
  if (blob == nullptr || arena == nullptr) return Status::kNullArgument;
  Interpreter interpreter(resolver);
  TINYFORGE_RETURN_IF_ERROR(interpreter.Load(blob, blob_bytes));
  TINYFORGE_RETURN_IF_ERROR(interpreter.Prepare(arena, arena_bytes));
  // A fixed, non-trivial input (a ramp), so a model that only works on zeros still fails.
  for (uint32_t i = 0; i < interpreter.InputCount(); ++i) {
    Tensor input;
    TINYFORGE_RETURN_IF_ERROR(interpreter.Input(i, &input));
    uint8_t* bytes = static_cast<uint8_t*>(input.data);
    const size_t count = input.ElementCount();
    if (input.dtype == DType::kFloat32) {
      float* values = static_cast<float*>(input.data);
      for (size_t k = 0; k < count; ++k) values[k] = static_cast<float>(k % 7) * 0.25f - 0.75f;
    } else {
      for (size_t k = 0; k < input.Bytes(); ++k) bytes[k] = static_cast<uint8_t>(k * 37u);
    }
  }
  TINYFORGE_RETURN_IF_ERROR(interpreter.Invoke());
  for (uint32_t i = 0; i < interpreter.OutputCount(); ++i) {
    Tensor output;
    TINYFORGE_RETURN_IF_ERROR(interpreter.Output(i, &output));
    if (output.dtype != DType::kFloat32) continue;
    const float* values = static_cast<const float*>(output.data);
    for (size_t k = 0; k < output.ElementCount(); ++k) {
      const float v = values[k];
      if (!(v == v) || v > 3.0e38f || v < -3.0e38f) return Status::kNumericalError;
    }
  }
  return Status::kOk;
}

bool ModelImageCheck(void* context, const uint8_t* image, uint32_t bytes, uint8_t kind,
                     uint32_t /*version*/) {
  auto* check = static_cast<ModelSelfTestContext*>(context);
  if (check == nullptr || check->resolver == nullptr) return false;
  if (kind != wire::kArtifactModel) {
    check->last_status = Status::kBadHeader;
    return false;
  }
  check->last_status = ModelSelfTest(*check->resolver, image, bytes, check->arena, check->arena_bytes);
  return check->last_status == Status::kOk;
}

}  // namespace tinyforge::agent
