// Health check for a model artifact: the blob loads (every byte validated), prepares in the given
// arena, and one inference on a deterministic input finishes with finite float outputs.
#ifndef TINYFORGE_AGENT_CORE_MODEL_SELF_TEST_H_
#define TINYFORGE_AGENT_CORE_MODEL_SELF_TEST_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/op_registry.h"
#include "tinyforge/status.h"

namespace tinyforge::agent {

struct ModelSelfTestContext {
  const OpResolver* resolver;  // the ops the firmware links
  void* arena;                 // 16-byte aligned, owned by the caller
  size_t arena_bytes;
  Status last_status;          // why the last check failed (kOk when it passed)
};

// Returns kOk when the model passes; otherwise the first runtime Status that failed
// (kNumericalError for a non-finite output).
Status ModelSelfTest(const OpResolver& resolver, const uint8_t* blob, uint32_t blob_bytes,
                     void* arena, size_t arena_bytes);

// Adapter with the ImageCheckFn signature (context = ModelSelfTestContext*).
bool ModelImageCheck(void* context, const uint8_t* image, uint32_t bytes, uint8_t kind,
                     uint32_t version);

}  // namespace tinyforge::agent

#endif  // TINYFORGE_AGENT_CORE_MODEL_SELF_TEST_H_
