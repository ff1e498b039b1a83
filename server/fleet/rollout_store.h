// SQLite persistence of rollouts (DATA_DIR/rollouts.sqlite, its own file so the rollout tables
// never collide with another component's schema): rollouts, their groups and one row per target
// device. WAL + synchronous=FULL: a committed transition survives kill -9 and power loss.
// Not thread-safe: the engine serializes every call under its own mutex, and wraps each state
// transition in Begin()/Commit() so a crash leaves either the old or the new state, never half.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/fleet/fleet_result.h"
#include "server/fleet/rollout_types.h"

struct sqlite3;

namespace tinyforge::server::fleet {

class RolloutStore {
 public:
  // `busy_timeout_ms`: how long a statement waits for another connection's lock before failing.
  static Result<std::unique_ptr<RolloutStore>> Open(const std::filesystem::path& path, int busy_timeout_ms = 5000);
  ~RolloutStore();
  RolloutStore(const RolloutStore&) = delete;
  RolloutStore& operator=(const RolloutStore&) = delete;

  Result<Ok> Begin();
  Result<Ok> Commit();
  void RollbackTransaction();  // best effort after a failed step

  // Inserts the rollout, its groups (sizes from PlanGroupSizes) and its devices (state "waiting").
  Result<int64_t> InsertRollout(const RolloutSpec& spec, const std::vector<int64_t>& group_sizes,
                                RolloutState state, int64_t now_ms);
  // The rollout without its device list and counts (those come from GroupCounts / Failures).
  Result<std::optional<RolloutStatus>> LoadRollout(int64_t id);
  Result<std::vector<int64_t>> ListRolloutIds(int64_t offset, int64_t limit);  // newest first
  Result<int64_t> CountRollouts();
  Result<std::vector<int64_t>> RolloutIdsInStates(const std::vector<RolloutState>& states);
  Result<Ok> SetState(int64_t id, RolloutState state, int current_group, const std::string& reason, int64_t now_ms);

  Result<Ok> SetGroupStarted(int64_t id, int group, int64_t now_ms);
  Result<Ok> SetGroupThresholdReached(int64_t id, int group, int64_t now_ms);
  Result<std::vector<GroupStatus>> GroupCounts(int64_t id);

  // Devices of `group` still "waiting"; marks them "dispatched" (inside the caller's transaction).
  Result<std::vector<std::string>> TakeWaiting(int64_t id, int group, int64_t now_ms);
  // Dispatched devices without a result (for re-dispatch after a restart, or to cancel).
  Result<std::vector<std::string>> InFlight(int64_t id, std::optional<int> group = std::nullopt);
  // Gives every in-flight device of the rollout (or of one group) `outcome` (engine-side timeouts,
  // cancellations). Returns how many rows changed.
  Result<int64_t> FinishInFlight(int64_t id, std::optional<int> group, const std::string& outcome,
                                 const std::string& detail, int64_t now_ms);
  // Stores the result of one device in the newest rollout that dispatched `artifact_id` to it and
  // has no final result for it (a "cancelled" or "timed_out" mark may be overwritten by a later
  // confirmed / refused / reverted / incompatible: what really happened).
  // Returns the rollout id it applied to, or nullopt when none matched (a stray or late duplicate).
  Result<std::optional<int64_t>> RecordResult(const UpdateResult& result, int64_t now_ms);
  // Marks one device's update (or its rollback delivery) as failed to start (StartUpdate returned
  // an error; no result will follow).
  Result<Ok> RecordStartFailure(int64_t id, const std::string& device_id, const std::string& detail, bool rollback,
                                int64_t now_ms);
  Result<std::vector<DeviceRecord>> Failures(int64_t id, int64_t limit);
  Result<std::optional<DeviceRecord>> Device(int64_t id, const std::string& device_id);
  // A page of the rollout's devices in dispatch order. `filter`: "" (all), "waiting", "pending",
  // "failed" (every failure outcome) or one outcome name; `group` 0-based or nullopt (all).
  Result<std::vector<DeviceRecord>> ListDevices(int64_t id, const std::string& filter, std::optional<int> group,
                                                int64_t offset, int64_t limit, int64_t* total);

  // Devices of `ids` that belong to a rollout not yet final (a device is in one live rollout at a
  // time, so results route unambiguously). At most `limit` names.
  Result<std::vector<std::string>> DevicesInLiveRollouts(const std::vector<std::string>& ids, int64_t limit);

  // Rollback: every device of the listed groups whose outcome is "confirmed" (it runs the new
  // artifact) gets rollback phase "dispatched"; returns them.
  Result<std::vector<std::string>> MarkRollbackTargets(int64_t id, const std::vector<int>& groups,
                                                       const std::string& rollback_artifact_id);
  Result<std::vector<std::string>> RollbackInFlight(int64_t id);
  Result<RollbackStatus> RollbackCounts(int64_t id);

 private:
  RolloutStore() = default;
  Result<Ok> Exec(const std::string& sql);
  sqlite3* db_ = nullptr;
};

}  // namespace tinyforge::server::fleet
