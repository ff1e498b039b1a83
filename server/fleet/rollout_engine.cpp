// The staged-rollout engine (see rollout_engine.h).
#include "server/fleet/rollout_engine.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <unordered_set>

namespace tinyforge::server::fleet {
namespace {

constexpr size_t kMaxIdLength = 256;
constexpr int64_t kMaxSoakSeconds = 30LL * 24 * 3600;

RolloutError Internal(const Error& error) { return RolloutFailure(RolloutErrorKind::kInternal, error.message); }
RolloutError Invalid(const std::string& message) { return RolloutFailure(RolloutErrorKind::kInvalid, message); }
RolloutError Conflict(const std::string& message) { return RolloutFailure(RolloutErrorKind::kConflict, message); }

std::string Percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%", fraction * 100);
  return text;
}

// Smallest number of confirmed devices that meets the success threshold (at least one).
int64_t NeededConfirmations(int64_t size, double threshold) {
  auto needed = static_cast<int64_t>(std::ceil(threshold * static_cast<double>(size) - 1e-9));
  return std::max<int64_t>(1, std::min(size, needed));
}

// An RAII transaction: rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(RolloutStore& store) : store_(store) {}
  ~Transaction() {
    if (!done_) store_.RollbackTransaction();
  }
  Result<Ok> Begin() { return store_.Begin(); }
  Result<Ok> Commit() {
    auto result = store_.Commit();
    done_ = result.ok();
    return result;
  }

 private:
  RolloutStore& store_;
  bool done_ = false;
};

#define TF_TRY(expr)                          \
  do {                                        \
    auto tf_try_result = (expr);              \
    if (!tf_try_result.ok()) return tf_try_result.error(); \
  } while (0)

}  // namespace

Result<std::unique_ptr<RolloutEngine>> RolloutEngine::Open(const std::filesystem::path& database,
                                                           UpdateDispatcher* dispatcher,
                                                           RolloutEngineOptions options) {
  auto store = RolloutStore::Open(database);
  if (!store.ok()) return store.error();
  std::unique_ptr<RolloutEngine> engine(new RolloutEngine());
  engine->store_ = std::move(store.value());
  engine->options_ = std::move(options);
  if (!engine->options_.now_ms) {
    engine->options_.now_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    };
  }
  if (engine->options_.tick_ms <= 0) engine->options_.tick_ms = 500;
  engine->SetDispatcher(dispatcher);
  if (engine->options_.run_worker) engine->worker_ = std::thread([raw = engine.get()] { raw->WorkerLoop(); });
  return engine;
}

RolloutEngine::~RolloutEngine() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard lock(mutex_);
  if (dispatcher_) dispatcher_->SetListener(nullptr);
}

int64_t RolloutEngine::Now() const { return options_.now_ms(); }

void RolloutEngine::SetDispatcher(UpdateDispatcher* dispatcher) {
  std::lock_guard lock(mutex_);
  if (dispatcher_ && dispatcher_ != dispatcher) dispatcher_->SetListener(nullptr);
  dispatcher_ = dispatcher;
  if (!dispatcher_) return;
  dispatcher_->SetListener(this);
  RedispatchInFlight();
}

bool RolloutEngine::HasDispatcher() {
  std::lock_guard lock(mutex_);
  return dispatcher_ != nullptr;
}

void RolloutEngine::RedispatchInFlight() {
  // After a restart: what was dispatched without a result is asked again (idempotent); paused
  // rollouts too, since pausing lets in-flight devices finish.
  auto ids = store_->RolloutIdsInStates({RolloutState::kRunning, RolloutState::kPaused, RolloutState::kRollingBack});
  if (!ids.ok()) {
    std::fprintf(stderr, "rollouts: cannot list live rollouts: %s\n", ids.error().message.c_str());
    return;
  }
  for (int64_t id : ids.value()) {
    auto rollout = store_->LoadRollout(id);
    if (!rollout.ok() || !rollout.value()) continue;
    const RolloutStatus& status = *rollout.value();
    if (status.state == RolloutState::kRollingBack) {
      auto devices = store_->RollbackInFlight(id);
      if (devices.ok()) Dispatch(id, status.spec.rollback_artifact_id, devices.value(), true);
    } else {
      auto devices = store_->InFlight(id);
      if (devices.ok()) Dispatch(id, status.spec.artifact_id, devices.value());
    }
  }
}

void RolloutEngine::OnUpdateResult(const UpdateResult& result) {
  {
    std::lock_guard lock(queue_mutex_);
    results_.push_back(result);
  }
  queue_wake_.notify_one();
}

void RolloutEngine::Wake() {
  {
    std::lock_guard lock(queue_mutex_);
    wake_requested_ = true;
  }
  queue_wake_.notify_one();
}

void RolloutEngine::WorkerLoop() {
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_wake_.wait_for(lock, std::chrono::milliseconds(options_.tick_ms),
                           [this] { return stopping_ || wake_requested_ || !results_.empty(); });
      if (stopping_) return;
      wake_requested_ = false;
    }
    Step();
  }
}

void RolloutEngine::Step() {
  std::vector<UpdateResult> batch;
  {
    std::lock_guard lock(queue_mutex_);
    batch.swap(results_);
  }
  std::lock_guard lock(mutex_);
  if (!batch.empty()) {
    auto applied = ApplyResults(batch);
    if (!applied.ok()) {
      // Keep them: the next round retries (SQLite busy, disk full...). Nothing is lost.
      std::fprintf(stderr, "rollouts: cannot record %zu results: %s\n", batch.size(), applied.error().message.c_str());
      std::lock_guard queue_lock(queue_mutex_);
      results_.insert(results_.begin(), batch.begin(), batch.end());
      return;
    }
  }
  auto running = store_->RolloutIdsInStates({RolloutState::kRunning});
  if (running.ok()) {
    for (int64_t id : running.value()) {
      auto evaluated = Evaluate(id);
      if (!evaluated.ok()) std::fprintf(stderr, "rollouts: rollout %lld: %s\n", static_cast<long long>(id), evaluated.error().message.c_str());
    }
  }
  auto rolling_back = store_->RolloutIdsInStates({RolloutState::kRollingBack});
  if (rolling_back.ok()) {
    for (int64_t id : rolling_back.value()) {
      auto evaluated = EvaluateRollback(id);
      if (!evaluated.ok()) std::fprintf(stderr, "rollouts: rollback %lld: %s\n", static_cast<long long>(id), evaluated.error().message.c_str());
    }
  }
}

Result<Ok> RolloutEngine::ApplyResults(const std::vector<UpdateResult>& results) {
  Transaction transaction(*store_);
  TF_TRY(transaction.Begin());
  int64_t unmatched = 0;
  const int64_t now = Now();
  for (const UpdateResult& result : results) {
    auto applied = store_->RecordResult(result, now);
    if (!applied.ok()) return applied.error();
    if (!applied.value()) ++unmatched;
  }
  TF_TRY(transaction.Commit());
  unmatched_results_ += unmatched;
  return Ok{};
}

Result<Ok> RolloutEngine::Halt(int64_t id, int group, const std::string& reason, std::vector<std::string>* to_cancel) {
  auto in_flight = store_->InFlight(id);
  if (!in_flight.ok()) return in_flight.error();
  *to_cancel = in_flight.value();
  TF_TRY(store_->FinishInFlight(id, std::nullopt, "cancelled", "rollout halted: " + reason, Now()));
  return store_->SetState(id, RolloutState::kHalted, group, reason, Now());
}

Result<Ok> RolloutEngine::Evaluate(int64_t id) {
  std::vector<std::string> to_dispatch, to_cancel;
  std::string artifact;
  {
    Transaction transaction(*store_);
    TF_TRY(transaction.Begin());
    auto loaded = store_->LoadRollout(id);
    if (!loaded.ok()) return loaded.error();
    if (!loaded.value() || loaded.value()->state != RolloutState::kRunning) return Ok{};
    const RolloutStatus& rollout = *loaded.value();
    artifact = rollout.spec.artifact_id;
    const int64_t now = Now();
    const int current = rollout.current_group;
    auto counted = store_->GroupCounts(id);
    if (!counted.ok()) return counted.error();
    std::vector<GroupStatus> groups = counted.value();
    if (current < 0 || current >= static_cast<int>(groups.size())) {
      return MakeError("rollout " + std::to_string(id) + " has no group " + std::to_string(current));
    }
    // Group timeouts: devices without an answer by then count as timed out.
    if (rollout.spec.group_timeout_seconds > 0) {
      bool timed_out = false;
      for (int g = 0; g <= current; ++g) {
        const GroupStatus& group = groups[static_cast<size_t>(g)];
        if (group.started_at_ms == 0 || group.pending == 0) continue;
        if (now - group.started_at_ms < rollout.spec.group_timeout_seconds * 1000) continue;
        auto late = store_->InFlight(id, g);
        if (!late.ok()) return late.error();
        to_cancel.insert(to_cancel.end(), late->begin(), late->end());
        TF_TRY(store_->FinishInFlight(id, g, "timed_out",
                                      "no result within the group timeout of " +
                                          std::to_string(rollout.spec.group_timeout_seconds) + " s",
                                      now));
        timed_out = true;
      }
      if (timed_out) {
        counted = store_->GroupCounts(id);
        if (!counted.ok()) return counted.error();
        groups = counted.value();
      }
    }
    bool halted = false;
    for (int g = 0; g <= current && !halted; ++g) {
      const GroupStatus& group = groups[static_cast<size_t>(g)];
      double failed = static_cast<double>(group.failed) / static_cast<double>(group.size);
      if (group.failed > 0 && failed > rollout.spec.error_threshold) {
        std::vector<std::string> cancelled;
        TF_TRY(Halt(id, current,
                    "group " + std::to_string(g + 1) + ": " + std::to_string(group.failed) + " of " +
                        std::to_string(group.size) + " devices failed (" + Percent(failed) + " > error threshold " +
                        Percent(rollout.spec.error_threshold) + ")",
                    &cancelled));
        to_cancel.insert(to_cancel.end(), cancelled.begin(), cancelled.end());
        halted = true;
      }
    }
    if (!halted) {
      const GroupStatus& group = groups[static_cast<size_t>(current)];
      if (group.started_at_ms == 0) {
        TF_TRY(store_->SetGroupStarted(id, current, now));
        auto devices = store_->TakeWaiting(id, current, now);
        if (!devices.ok()) return devices.error();
        to_dispatch = devices.value();
      } else if (group.confirmed >= NeededConfirmations(group.size, rollout.spec.success_threshold)) {
        int64_t reached = group.threshold_reached_at_ms;
        if (reached == 0) {
          TF_TRY(store_->SetGroupThresholdReached(id, current, now));
          reached = now;
        }
        if (now - reached >= rollout.spec.soak_seconds * 1000) {
          if (current + 1 < static_cast<int>(groups.size())) {
            TF_TRY(store_->SetState(id, RolloutState::kRunning, current + 1, "", now));
            TF_TRY(store_->SetGroupStarted(id, current + 1, now));
            auto devices = store_->TakeWaiting(id, current + 1, now);
            if (!devices.ok()) return devices.error();
            to_dispatch = devices.value();
          } else {
            int64_t pending = 0;
            for (const GroupStatus& g : groups) pending += g.pending + g.waiting;
            if (pending == 0) TF_TRY(store_->SetState(id, RolloutState::kCompleted, current, "", now));
          }
        }
      } else if (group.pending == 0 && group.waiting == 0) {
        std::vector<std::string> cancelled;
        TF_TRY(Halt(id, current,
                    "group " + std::to_string(current + 1) + " finished with " + std::to_string(group.confirmed) +
                        " of " + std::to_string(group.size) + " devices confirmed (below the success threshold " +
                        Percent(rollout.spec.success_threshold) + ")",
                    &cancelled));
        to_cancel.insert(to_cancel.end(), cancelled.begin(), cancelled.end());
      }
    }
    TF_TRY(transaction.Commit());
  }
  // The decision is committed before anyone is asked: after a crash here the devices are
  // "dispatched" in the database and the next engine asks them again.
  CancelDevices(to_cancel);
  Dispatch(id, artifact, to_dispatch);
  return Ok{};
}

Result<Ok> RolloutEngine::EvaluateRollback(int64_t id) {
  Transaction transaction(*store_);
  TF_TRY(transaction.Begin());
  auto counts = store_->RollbackCounts(id);
  if (!counts.ok()) return counts.error();
  if (counts->pending == 0) {
    auto loaded = store_->LoadRollout(id);
    if (!loaded.ok()) return loaded.error();
    if (!loaded.value()) return Ok{};
    std::string reason = loaded.value()->reason + "; rolled back " + std::to_string(counts->confirmed) + " of " +
                         std::to_string(counts->devices) + " devices to " + loaded.value()->spec.rollback_artifact_id;
    if (counts->failed > 0) reason += " (" + std::to_string(counts->failed) + " failed)";
    TF_TRY(store_->SetState(id, RolloutState::kRolledBack, loaded.value()->current_group, reason, Now()));
  }
  return transaction.Commit();
}

void RolloutEngine::Dispatch(int64_t id, const std::string& artifact_id, const std::vector<std::string>& devices,
                             bool rollback) {
  if (devices.empty() || !dispatcher_) return;
  std::vector<std::pair<std::string, std::string>> failures;
  for (const std::string& device : devices) {
    auto started = dispatcher_->StartUpdate(device, artifact_id);
    if (!started.ok()) failures.emplace_back(device, started.error().message);
  }
  if (failures.empty()) return;
  // No result follows a failed start: it is recorded here and counts against the error threshold.
  Transaction transaction(*store_);
  if (!transaction.Begin().ok()) return;
  for (const auto& [device, message] : failures) {
    if (!store_->RecordStartFailure(id, device, message, rollback, Now()).ok()) return;
  }
  if (transaction.Commit().ok()) Wake();
}

void RolloutEngine::CancelDevices(const std::vector<std::string>& devices) {
  if (!dispatcher_) return;
  for (const std::string& device : devices) (void)dispatcher_->CancelUpdate(device);
}

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
