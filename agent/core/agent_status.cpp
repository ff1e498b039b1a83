// Names of AgentStatus values, generated from the same X-macro as the enum.
#include "agent/core/agent_status.h"

namespace tinyforge::agent {

const char* AgentStatusName(AgentStatus status) {
  static const char* const kNames[] = {
#define TINYFORGE_AGENT_STATUS_NAME(name) #name,
      TINYFORGE_AGENT_STATUSES(TINYFORGE_AGENT_STATUS_NAME)
#undef TINYFORGE_AGENT_STATUS_NAME
  };
  const uint32_t index = static_cast<uint32_t>(status);
  return index < sizeof(kNames) / sizeof(kNames[0]) ? kNames[index] : "Unknown";
}

}  // namespace tinyforge::agent
