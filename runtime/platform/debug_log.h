// The porting seam: the only things the runtime needs from the platform. A port provides
// DebugLog (runtime/ports/host writes to stderr; runtime/ports/cortex_m is a weak no-op that
// firmware overrides, e.g. with a UART or semihosting write). See docs/porting.md.
#ifndef TINYFORGE_RUNTIME_PLATFORM_DEBUG_LOG_H_
#define TINYFORGE_RUNTIME_PLATFORM_DEBUG_LOG_H_

#include <stdint.h>

#include "tinyforge/status.h"

namespace tinyforge::platform {

// Writes a NUL-terminated line fragment (no newline added). Must not allocate; may drop output.
void DebugLog(const char* text);

// Formats "tinyforge: <stage> op <index> (<OpName>): <StatusName>\n" in a stack buffer and passes
// it to DebugLog. Used by the interpreter when an op's prepare/eval fails, so the failing op is
// named without stdio in the core.
void LogOpFailure(const char* stage, uint32_t op_index, uint16_t opcode, Status status);

}  // namespace tinyforge::platform

#endif  // TINYFORGE_RUNTIME_PLATFORM_DEBUG_LOG_H_
