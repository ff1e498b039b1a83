// Cortex-M port of the platform seam: a weak no-op, so an image links without any I/O; firmware
// that wants the messages defines its own tinyforge::platform::DebugLog (UART, RTT, semihosting).
#include "platform/debug_log.h"

namespace tinyforge::platform {

__attribute__((weak)) void DebugLog(const char* text) { (void)text; }

}  // namespace tinyforge::platform
