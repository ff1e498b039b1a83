// The C ABI over tinyforge::Interpreter: placement-new into caller storage, statuses as ints.
#include "tinyforge/c_api.h"

#include <new>

#include "tinyforge/interpreter.h"

namespace {

using tinyforge::Interpreter;
using tinyforge::Status;

static_assert(sizeof(Interpreter) <= TFORGE_INTERPRETER_STORAGE_BYTES,
              "raise TFORGE_INTERPRETER_STORAGE_BYTES");
static_assert(alignof(Interpreter) <= TFORGE_INTERPRETER_STORAGE_ALIGNMENT,
              "raise TFORGE_INTERPRETER_STORAGE_ALIGNMENT");
static_assert(static_cast<int>(Status::kOk) == TFORGE_OK, "TFORGE_OK");

int ToInt(Status status) { return static_cast<int>(status); }
Interpreter* Cast(tforge_interpreter* handle) { return reinterpret_cast<Interpreter*>(handle); }
const Interpreter* Cast(const tforge_interpreter* handle) {
  return reinterpret_cast<const Interpreter*>(handle);
}

}  // namespace

extern "C" {

int tforge_interpreter_init(void* storage, size_t storage_bytes,
                            const tforge_op_resolver* resolver, const void* blob,
                            size_t blob_bytes, void* arena, size_t arena_bytes,
                            tforge_interpreter** out) {
  if (out == nullptr) return ToInt(Status::kNullArgument);
  *out = nullptr;
  if (storage == nullptr || resolver == nullptr) return ToInt(Status::kNullArgument);
  if (storage_bytes < sizeof(Interpreter)) return ToInt(Status::kBufferTooSmall);
  if ((reinterpret_cast<uintptr_t>(storage) & (alignof(Interpreter) - 1)) != 0) {
    return ToInt(Status::kStorageMisaligned);
  }
  auto* interpreter =
      new (storage) Interpreter(*reinterpret_cast<const tinyforge::OpResolver*>(resolver));
  Status status = interpreter->Load(blob, blob_bytes);
  if (status == Status::kOk) status = interpreter->Prepare(arena, arena_bytes);
  if (status != Status::kOk) {
    interpreter->~Interpreter();
    return ToInt(status);
  }
  *out = reinterpret_cast<tforge_interpreter*>(interpreter);
  return TFORGE_OK;
}

void tforge_interpreter_free(tforge_interpreter* interpreter) {
  if (interpreter != nullptr) Cast(interpreter)->~Interpreter();
}

int tforge_interpreter_invoke(tforge_interpreter* interpreter) {
  if (interpreter == nullptr) return ToInt(Status::kNullArgument);
  return ToInt(Cast(interpreter)->Invoke());
}

uint32_t tforge_interpreter_input_count(const tforge_interpreter* interpreter) {
  return interpreter == nullptr ? 0 : Cast(interpreter)->InputCount();
}

uint32_t tforge_interpreter_output_count(const tforge_interpreter* interpreter) {
  return interpreter == nullptr ? 0 : Cast(interpreter)->OutputCount();
}

uint32_t tforge_model_arena_bytes(const void* blob, size_t blob_bytes) {
  tinyforge::Model model;
  if (model.Load(blob, blob_bytes) != Status::kOk) return 0;
  return model.arena_bytes();
}

int tforge_interpreter_input(tforge_interpreter* interpreter, uint32_t index, void** data,
                             size_t* bytes) {
  if (interpreter == nullptr || data == nullptr || bytes == nullptr) {
    return ToInt(Status::kNullArgument);
  }
  tinyforge::Tensor tensor;
  const Status status = Cast(interpreter)->Input(index, &tensor);
  if (status != Status::kOk) return ToInt(status);
  *data = tensor.data;
  *bytes = tensor.Bytes();
  return TFORGE_OK;
}

int tforge_interpreter_output(const tforge_interpreter* interpreter, uint32_t index,
                              const void** data, size_t* bytes) {
  if (interpreter == nullptr || data == nullptr || bytes == nullptr) {
    return ToInt(Status::kNullArgument);
  }
  tinyforge::Tensor tensor;
  const Status status = Cast(interpreter)->Output(index, &tensor);
  if (status != Status::kOk) return ToInt(status);
  *data = tensor.data;
  *bytes = tensor.Bytes();
  return TFORGE_OK;
}

const char* tforge_status_name(int status) {
  if (status < 0 || status > 255) return "Unknown";
  return tinyforge::StatusName(static_cast<Status>(status));
}

}  // extern "C"
