// Board classes for simulated devices (see sim_options.h).
#include "agent/sim/sim_options.h"

namespace tinyforge::agent::sim {
namespace {

// Sizes of common Cortex-M parts: the two slots share the application flash left after the
// firmware; the arena is the RAM left after the firmware's own buffers.
const DeviceTypeLimits kDeviceTypes[] = {
    {"sensor-m4", 128 * 1024, 4096, 32 * 1024, 8192},      // e.g. STM32L4 / nRF52840: 1 MB flash, 256 KB RAM
    {"sensor-m0", 48 * 1024, 2048, 8 * 1024, 1024},      // small M0+: 256 KB flash, 32 KB RAM
    {"gateway-m7", 512 * 1024, 8192, 256 * 1024, 16384},    // STM32H7: 2 MB flash, 1 MB RAM
};

}  // namespace

bool LookupDeviceType(const std::string& name, DeviceTypeLimits* limits) {
  for (const DeviceTypeLimits& type : kDeviceTypes) {
    if (type.name == name) {
      *limits = type;
      return true;
    }
  }
  return false;
}

std::vector<std::string> KnownDeviceTypes() {
  std::vector<std::string> names;
  for (const DeviceTypeLimits& type : kDeviceTypes) names.push_back(type.name);
  return names;
}

}  // namespace tinyforge::agent::sim
