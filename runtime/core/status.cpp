// Names for Status values, generated from the same X-macro as the enum.
//
// One string holding every name, each ended by '\0', in enum order, instead of a switch: GCC
// turns the switch into a table of pointers (4 bytes per status, 228 B on the Cortex-M4 with 57
// statuses) that every image links through the op-failure log. StatusName is only called on an
// error path, so walking the string is fine.
#include "tinyforge/status.h"

namespace tinyforge {
namespace {

constexpr char kStatusNames[] =
#define TINYFORGE_STATUS_STRING(name) #name "\0"
    TINYFORGE_STATUSES(TINYFORGE_STATUS_STRING)
#undef TINYFORGE_STATUS_STRING
    ;

constexpr uint32_t kStatusCount = 0
#define TINYFORGE_STATUS_COUNT(name) +1
    TINYFORGE_STATUSES(TINYFORGE_STATUS_COUNT)
#undef TINYFORGE_STATUS_COUNT
    ;

}  // namespace

const char* StatusName(Status status) {
  uint32_t index = static_cast<uint32_t>(status);
  if (index >= kStatusCount) return "Unknown";
  const char* name = kStatusNames;
  for (; index > 0; --index) {
    while (*name != '\0') ++name;
    ++name;
  }
  return name;
}

}  // namespace tinyforge
