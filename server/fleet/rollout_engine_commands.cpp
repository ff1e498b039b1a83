// Operator commands of the rollout engine: create, read, pause, resume, cancel, roll back (see
// rollout_engine.h). Each runs under the engine mutex, is one transaction, and wakes the worker.
#include <unordered_set>

#include "server/fleet/rollout_engine.h"
#include "server/fleet/rollout_engine_support.h"

namespace tinyforge::server::fleet {

using namespace rollout_detail;  // NOLINT: the engine's own helpers

RolloutResult<int64_t> RolloutEngine::Create(RolloutSpec spec) {
  if (spec.artifact_id.empty() || spec.artifact_id.size() > kMaxIdLength) {
    return Invalid("artifact_id: must be 1.." + std::to_string(kMaxIdLength) + " characters");
  }
  if (spec.rollback_artifact_id.size() > kMaxIdLength) return Invalid("rollback_artifact_id: too long");
  if (spec.rollback_artifact_id == spec.artifact_id) {
    return Invalid("rollback_artifact_id: must differ from artifact_id");
  }
  if (!(spec.success_threshold > 0 && spec.success_threshold <= 1)) return Invalid("success_threshold: must be in (0, 1]");
  if (!(spec.error_threshold >= 0 && spec.error_threshold < 1)) return Invalid("error_threshold: must be in [0, 1)");
  if (spec.soak_seconds < 0 || spec.soak_seconds > kMaxSoakSeconds) return Invalid("soak_seconds: must be 0..2592000");
  if (spec.group_timeout_seconds < 0 || spec.group_timeout_seconds > kMaxSoakSeconds) {
    return Invalid("group_timeout_seconds: must be 0..2592000");
  }
  if (spec.device_ids.empty()) return Invalid("target: selects no device");
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < spec.device_ids.size(); ++i) {
    const std::string& device = spec.device_ids[i];
    if (device.empty() || device.size() > kMaxIdLength) {
      return Invalid("target.devices[" + std::to_string(i) + "]: must be 1.." + std::to_string(kMaxIdLength) + " characters");
    }
    if (!seen.insert(device).second) return Invalid("target.devices[" + std::to_string(i) + "]: \"" + device + "\" is listed twice");
  }
  auto sizes = PlanGroupSizes(static_cast<int64_t>(spec.device_ids.size()), spec.groups);
  if (!sizes.ok()) return Invalid(sizes.error().message);
  {
    std::lock_guard lock(mutex_);
    if (!dispatcher_) return RolloutFailure(RolloutErrorKind::kUnavailable, "fleet service not running: cannot deliver updates");
    auto busy = store_->DevicesInLiveRollouts(spec.device_ids, 5);
    if (!busy.ok()) return Internal(busy.error());
    if (!busy->empty()) {
      std::string names;
      for (const std::string& device : busy.value()) names += (names.empty() ? "" : ", ") + device;
      return Conflict("target: device(s) " + names + " already belong to a rollout that is not finished "
                      "(complete, cancel or roll it back first)");
    }
    Transaction transaction(*store_);
    if (auto begun = transaction.Begin(); !begun.ok()) return Internal(begun.error());
    auto id = store_->InsertRollout(spec, sizes.value(), spec.start ? RolloutState::kRunning : RolloutState::kCreated, Now());
    if (!id.ok()) return Internal(id.error());
    if (auto committed = transaction.Commit(); !committed.ok()) return Internal(committed.error());
    Wake();
    return id.value();
  }
}

RolloutResult<RolloutStatus> RolloutEngine::LoadOr404(int64_t id) {
  auto loaded = store_->LoadRollout(id);
  if (!loaded.ok()) return Internal(loaded.error());
  if (!loaded.value()) return RolloutFailure(RolloutErrorKind::kNotFound, "no rollout " + std::to_string(id));
  return std::move(*loaded.value());
}

RolloutResult<RolloutStatus> RolloutEngine::StatusLocked(int64_t id, bool with_failures) {
  auto status = LoadOr404(id);
  if (!status.ok()) return status;
  auto groups = store_->GroupCounts(id);
  if (!groups.ok()) return Internal(groups.error());
  status->groups = groups.value();
  auto rollback = store_->RollbackCounts(id);
  if (!rollback.ok()) return Internal(rollback.error());
  status->rollback = rollback.value();
  status->rollback.artifact_id = status->spec.rollback_artifact_id;
  if (with_failures) {
    auto failures = store_->Failures(id, options_.failure_list_limit);
    if (!failures.ok()) return Internal(failures.error());
    status->failures = failures.value();
  }
  return status;
}

RolloutResult<RolloutStatus> RolloutEngine::Get(int64_t id) {
  std::lock_guard lock(mutex_);
  return StatusLocked(id, true);
}

RolloutResult<std::vector<RolloutStatus>> RolloutEngine::List(int64_t offset, int64_t limit, int64_t* total) {
  std::lock_guard lock(mutex_);
  auto count = store_->CountRollouts();
  if (!count.ok()) return Internal(count.error());
  if (total) *total = count.value();
  auto ids = store_->ListRolloutIds(offset, limit);
  if (!ids.ok()) return Internal(ids.error());
  std::vector<RolloutStatus> out;
  for (int64_t id : ids.value()) {
    auto status = StatusLocked(id, false);
    if (!status.ok()) return status.error();
    out.push_back(std::move(status.value()));
  }
  return out;
}

RolloutResult<std::vector<DeviceRecord>> RolloutEngine::Devices(int64_t id, const std::string& filter,
                                                                std::optional<int> group, int64_t offset, int64_t limit,
                                                                int64_t* total) {
  static const char* const kFilters[] = {"",          "waiting",   "pending",  "failed",          "confirmed", "refused",
                                         "reverted",  "timed_out", "failed_to_start", "incompatible", "cancelled"};
  bool known = false;
  for (const char* name : kFilters) known = known || filter == name;
  if (!known) {
    return Invalid("status: unknown filter \"" + filter + "\" (waiting, pending, failed, confirmed, refused, reverted, "
                   "timed_out, failed_to_start, incompatible, cancelled)");
  }
  std::lock_guard lock(mutex_);
  auto status = LoadOr404(id);
  if (!status.ok()) return status.error();
  if (group) {
    // The planned groups, not the requested ones: groups the rounding left empty were dropped.
    auto groups = store_->GroupCounts(id);
    if (!groups.ok()) return Internal(groups.error());
    if (*group < 0 || *group >= static_cast<int>(groups->size())) {
      return Invalid("group: rollout " + std::to_string(id) + " has " + std::to_string(groups->size()) + " groups");
    }
  }
  auto devices = store_->ListDevices(id, filter, group, offset, limit, total);
  if (!devices.ok()) return Internal(devices.error());
  return devices.value();
}

RolloutResult<RolloutStatus> RolloutEngine::Pause(int64_t id, const std::string& reason) {
  std::lock_guard lock(mutex_);
  auto status = LoadOr404(id);
  if (!status.ok()) return status;
  if (status->state != RolloutState::kRunning && status->state != RolloutState::kCreated) {
    return Conflict(std::string("rollout ") + std::to_string(id) + " is " + RolloutStateName(status->state) +
                    "; only a created or running rollout can be paused");
  }
  // In-flight devices finish (a half-written slot is worse than a finished one); nothing new starts.
  if (auto set = store_->SetState(id, RolloutState::kPaused, status->current_group, reason.empty() ? "paused by operator" : reason, Now());
      !set.ok()) {
    return Internal(set.error());
  }
  return StatusLocked(id, true);
}

RolloutResult<RolloutStatus> RolloutEngine::Resume(int64_t id) {
  {
    std::lock_guard lock(mutex_);
    auto status = LoadOr404(id);
    if (!status.ok()) return status;
    if (status->state != RolloutState::kPaused && status->state != RolloutState::kCreated) {
      return Conflict(std::string("rollout ") + std::to_string(id) + " is " + RolloutStateName(status->state) +
                      "; only a paused or created rollout can be resumed");
    }
    if (!dispatcher_) return RolloutFailure(RolloutErrorKind::kUnavailable, "fleet service not running: cannot deliver updates");
    if (auto set = store_->SetState(id, RolloutState::kRunning, status->current_group, "", Now()); !set.ok()) {
      return Internal(set.error());
    }
  }
  Wake();
  std::lock_guard lock(mutex_);
  return StatusLocked(id, true);
}

RolloutResult<RolloutStatus> RolloutEngine::Cancel(int64_t id, const std::string& reason) {
  std::lock_guard lock(mutex_);
  auto status = LoadOr404(id);
  if (!status.ok()) return status;
  if (IsFinal(status->state) || status->state == RolloutState::kRollingBack) {
    return Conflict(std::string("rollout ") + std::to_string(id) + " is " + RolloutStateName(status->state) +
                    " and cannot be cancelled");
  }
  std::string why = reason.empty() ? "cancelled by operator" : reason;
  std::vector<std::string> in_flight;
  {
    Transaction transaction(*store_);
    if (auto begun = transaction.Begin(); !begun.ok()) return Internal(begun.error());
    auto devices = store_->InFlight(id);
    if (!devices.ok()) return Internal(devices.error());
    in_flight = devices.value();
    if (auto done = store_->FinishInFlight(id, std::nullopt, "cancelled", why, Now()); !done.ok()) return Internal(done.error());
    if (auto set = store_->SetState(id, RolloutState::kCancelled, status->current_group, why, Now()); !set.ok()) {
      return Internal(set.error());
    }
    if (auto committed = transaction.Commit(); !committed.ok()) return Internal(committed.error());
  }
  CancelDevices(in_flight);
  return StatusLocked(id, true);
}

RolloutResult<RolloutStatus> RolloutEngine::Rollback(int64_t id, const std::string& artifact_id, bool all_groups) {
  std::vector<std::string> devices;
  std::string artifact;
  {
    std::lock_guard lock(mutex_);
    auto status = LoadOr404(id);
    if (!status.ok()) return status;
    if (status->state != RolloutState::kHalted && status->state != RolloutState::kCancelled &&
        status->state != RolloutState::kCompleted) {
      return Conflict(std::string("rollout ") + std::to_string(id) + " is " + RolloutStateName(status->state) +
                      "; only a halted, cancelled or completed rollout can be rolled back");
    }
    artifact = artifact_id.empty() ? status->spec.rollback_artifact_id : artifact_id;
    if (artifact.empty()) {
      return Invalid("artifact_id: no rollback artifact was given at creation; name the pinned earlier artifact");
    }
    if (artifact.size() > kMaxIdLength) return Invalid("artifact_id: too long");
    if (artifact == status->spec.artifact_id) return Invalid("artifact_id: must differ from the rollout's artifact");
    if (!dispatcher_) return RolloutFailure(RolloutErrorKind::kUnavailable, "fleet service not running: cannot deliver updates");
    std::vector<int> groups;
    if (all_groups) {
      for (int g = 0; g <= status->current_group; ++g) groups.push_back(g);
    } else {
      groups.push_back(status->current_group);
    }
    Transaction transaction(*store_);
    if (auto begun = transaction.Begin(); !begun.ok()) return Internal(begun.error());
    auto marked = store_->MarkRollbackTargets(id, groups, artifact);
    if (!marked.ok()) return Internal(marked.error());
    devices = marked.value();
    if (auto set = store_->SetState(id, RolloutState::kRollingBack, status->current_group, status->reason, Now()); !set.ok()) {
      return Internal(set.error());
    }
    if (auto committed = transaction.Commit(); !committed.ok()) return Internal(committed.error());
    Dispatch(id, artifact, devices, true);
  }
  Wake();
  std::lock_guard lock(mutex_);
  return StatusLocked(id, true);
}

}  // namespace tinyforge::server::fleet
