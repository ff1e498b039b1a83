// Host port of the platform seam: log lines go to stderr (tests, toolchain, simulator).
#include <stdio.h>

#include "platform/debug_log.h"

namespace tinyforge::platform {

void DebugLog(const char* text) { fputs(text, stderr); }

}  // namespace tinyforge::platform
