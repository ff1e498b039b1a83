// What a rollout is (RolloutSpec, as created) and what it looks like now (RolloutStatus), shared by
// the engine, its SQLite store and the REST layer.
//
// States: created -> running (group k) -> paused | halted | completed | cancelled; a halted rollout
// may be rolled back: rolling_back -> rolled_back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/fleet/rollout_plan.h"
#include "server/fleet/update_dispatcher.h"

namespace tinyforge::server::fleet {

enum class RolloutState : uint8_t {
  kCreated,
  kRunning,
  kPaused,
  kHalted,
  kCompleted,
  kCancelled,
  kRollingBack,
  kRolledBack,
};

const char* RolloutStateName(RolloutState state);
std::optional<RolloutState> ParseRolloutState(const std::string& name);
// Nothing more will be dispatched for a rollout in a final state.
bool IsFinal(RolloutState state);

struct RolloutSpec {
  std::string name;                  // free text for people
  std::string artifact_id;           // what to deliver
  std::string rollback_artifact_id;  // pinned previous artifact for a rollback ("" = none given)
  std::string target_description;    // JSON text: how the devices were chosen (for GET)
  std::vector<std::string> device_ids;  // resolved target, in dispatch order, unique
  std::vector<GroupSpec> groups = DefaultGroups();
  double success_threshold = 0.95;   // fraction of a group confirmed to advance
  double error_threshold = 0.05;     // fraction of a group failed above which the rollout halts
  int64_t soak_seconds = 0;          // wait after a group reached its success threshold
  int64_t group_timeout_seconds = 0; // 0 = none; else pending devices time out after this
  bool start = true;                 // false = stay in "created" until resumed
};

// A device's result inside a rollout. "failed_to_start" = StartUpdate itself returned an error.
struct DeviceRecord {
  std::string device_id;
  int group = 0;                 // 0-based
  std::string phase;             // waiting | dispatched | done
  std::string outcome;           // "" while pending, else an UpdateOutcomeName or failed_to_start
  std::string detail;
  std::string rollback_phase;    // "" | dispatched | done
  std::string rollback_outcome;
  std::string rollback_detail;
};

struct GroupStatus {
  int index = 0;  // 0-based
  int64_t size = 0;
  int64_t confirmed = 0;
  int64_t failed = 0;        // refused, reverted, timed_out, failed_to_start
  int64_t incompatible = 0;  // the server would not offer it (neither success nor error)
  int64_t cancelled = 0;
  int64_t pending = 0;       // dispatched, no result yet
  int64_t waiting = 0;       // not dispatched yet
  int64_t started_at_ms = 0;            // 0 = not started
  int64_t threshold_reached_at_ms = 0;  // 0 = not yet
};

struct RollbackStatus {
  std::string artifact_id;
  int64_t devices = 0;
  int64_t confirmed = 0;
  int64_t failed = 0;
  int64_t pending = 0;
};

struct RolloutStatus {
  int64_t id = 0;
  RolloutSpec spec;           // device_ids left empty in listings
  int64_t device_count = 0;
  RolloutState state = RolloutState::kCreated;
  int current_group = 0;      // 0-based; meaningful once running
  std::string reason;         // why it halted / was cancelled / paused
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::vector<GroupStatus> groups;
  std::vector<DeviceRecord> failures;  // failed devices with their reasons (capped)
  RollbackStatus rollback;
};

// Outcomes that count against the error threshold.
bool IsFailure(const std::string& outcome);

}  // namespace tinyforge::server::fleet

namespace tinyforge::server::fleet {

// Errors of rollout commands, with a kind the REST layer maps to a status (400/404/409/503/500).
enum class RolloutErrorKind : uint8_t { kInvalid, kNotFound, kConflict, kUnavailable, kInternal };

struct RolloutError {
  RolloutErrorKind kind = RolloutErrorKind::kInternal;
  std::string message;
};

template <typename T>
class [[nodiscard]] RolloutResult {
 public:
  RolloutResult(T value) : value_(std::move(value)) {}              // NOLINT: implicit by design
  RolloutResult(RolloutError error) : error_(std::move(error)) {}   // NOLINT
  bool ok() const { return value_.has_value(); }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const RolloutError& error() const { return error_; }

 private:
  std::optional<T> value_;
  RolloutError error_;
};

inline RolloutError RolloutFailure(RolloutErrorKind kind, std::string message) { return {kind, std::move(message)}; }

}  // namespace tinyforge::server::fleet
