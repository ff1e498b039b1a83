// Names of rollout states and outcomes (see rollout_types.h).
#include "server/fleet/rollout_types.h"

namespace tinyforge::server::fleet {

const char* RolloutStateName(RolloutState state) {
  switch (state) {
    case RolloutState::kCreated: return "created";
    case RolloutState::kRunning: return "running";
    case RolloutState::kPaused: return "paused";
    case RolloutState::kHalted: return "halted";
    case RolloutState::kCompleted: return "completed";
    case RolloutState::kCancelled: return "cancelled";
    case RolloutState::kRollingBack: return "rolling_back";
    case RolloutState::kRolledBack: return "rolled_back";
  }
  return "unknown";
}

std::optional<RolloutState> ParseRolloutState(const std::string& name) {
  for (RolloutState state : {RolloutState::kCreated, RolloutState::kRunning, RolloutState::kPaused,
                             RolloutState::kHalted, RolloutState::kCompleted, RolloutState::kCancelled,
                             RolloutState::kRollingBack, RolloutState::kRolledBack}) {
    if (name == RolloutStateName(state)) return state;
  }
  return std::nullopt;
}

bool IsFinal(RolloutState state) {
  return state == RolloutState::kCompleted || state == RolloutState::kCancelled || state == RolloutState::kRolledBack;
}

bool IsFailure(const std::string& outcome) {
  return outcome == "refused" || outcome == "reverted" || outcome == "timed_out" || outcome == "failed_to_start";
}

}  // namespace tinyforge::server::fleet
