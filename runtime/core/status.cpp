// Names for Status values, generated from the same X-macro as the enum.
#include "tinyforge/status.h"

namespace tinyforge {

const char* StatusName(Status status) {
  switch (status) {
#define TINYFORGE_STATUS_NAME(name) \
  case Status::k##name:             \
    return #name;
    TINYFORGE_STATUSES(TINYFORGE_STATUS_NAME)
#undef TINYFORGE_STATUS_NAME
  }
  return "Unknown";
}

}  // namespace tinyforge
