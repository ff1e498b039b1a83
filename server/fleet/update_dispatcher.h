// The seam between the rollout engine (what to update, when, and whether to go on) and the OTA
// distributor (how one device gets one artifact over MQTT). The engine calls StartUpdate for the
// devices of its current group; the distributor reports each device's end state once, through
// UpdateListener. Both sides persist their own state, so after a crash the engine can ask again
// and the distributor resumes or restarts the transfer (the device resumes from its next chunk).
#pragma once

#include <cstdint>
#include <string>

#include "server/fleet/fleet_result.h"

namespace tinyforge::server::fleet {

enum class UpdateOutcome : uint8_t {
  kConfirmed,     // the device runs the artifact's version and confirmed it after its health check
  kRefused,       // the device refused the offer (signature, hash, size, downgrade, device type...)
  kReverted,      // the device booted the new image on trial and went back (health check failed)
  kIncompatible,  // the server refused to offer it: the knowledge graph says it cannot run there
  kTimedOut,      // no final answer from the device within the dispatcher's deadline
  kCancelled,     // CancelUpdate was called before the device finished
};

struct UpdateResult {
  std::string device_id;
  std::string artifact_id;
  UpdateOutcome outcome = UpdateOutcome::kTimedOut;
  uint32_t running_version = 0;  // what the device reports running afterwards (0 = unknown)
  std::string detail;            // human-readable reason (agent status name, KG reasons...)
};

class UpdateListener {
 public:
  virtual ~UpdateListener() = default;
  // Called once per StartUpdate that reaches an end state, from the dispatcher's thread. Must not
  // block for long; implementations queue or persist and return.
  virtual void OnUpdateResult(const UpdateResult& result) = 0;
};

class UpdateDispatcher {
 public:
  virtual ~UpdateDispatcher() = default;
  // Begins delivering `artifact_id` to `device_id` and returns at once. Calling it again for a
  // device that is already receiving the same artifact is a no-op (idempotent after a restart).
  // An error means the update could not even start (unknown device or artifact): no result follows.
  virtual Result<Ok> StartUpdate(const std::string& device_id, const std::string& artifact_id) = 0;
  // Stops offering to the device; a result with kCancelled follows unless one was already sent.
  virtual Result<Ok> CancelUpdate(const std::string& device_id) = 0;
  virtual void SetListener(UpdateListener* listener) = 0;
};

inline const char* UpdateOutcomeName(UpdateOutcome outcome) {
  switch (outcome) {
    case UpdateOutcome::kConfirmed: return "confirmed";
    case UpdateOutcome::kRefused: return "refused";
    case UpdateOutcome::kReverted: return "reverted";
    case UpdateOutcome::kIncompatible: return "incompatible";
    case UpdateOutcome::kTimedOut: return "timed_out";
    case UpdateOutcome::kCancelled: return "cancelled";
  }
  return "unknown";
}

}  // namespace tinyforge::server::fleet
