// The staged-rollout engine (see rollout_engine.h).
#include "server/fleet/rollout_engine.h"

#include <chrono>
#include <cstdio>

#include "server/fleet/rollout_engine_support.h"

namespace tinyforge::server::fleet {

using namespace rollout_detail;  // NOLINT: the engine's own helpers

Result<std::unique_ptr<RolloutEngine>> RolloutEngine::Open(const std::filesystem::path& database,
                                                           UpdateDispatcher* dispatcher,
                                                           RolloutEngineOptions options) {
  auto store = RolloutStore::Open(database, options.busy_timeout_ms);
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
      // After a failed write the queued results wait for the next tick: no busy retry loop.
      queue_wake_.wait_for(lock, std::chrono::milliseconds(options_.tick_ms), [this] {
        return stopping_ || wake_requested_ || (!results_.empty() && !apply_failed_);
      });
      if (stopping_) return;
      wake_requested_ = false;
      apply_failed_ = false;
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
      apply_failed_ = true;
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
  TF_ROLLOUT_TRY(transaction.Begin());
  int64_t unmatched = 0;
  const int64_t now = Now();
  for (const UpdateResult& result : results) {
    auto applied = store_->RecordResult(result, now);
    if (!applied.ok()) return applied.error();
    if (!applied.value()) ++unmatched;
  }
  TF_ROLLOUT_TRY(transaction.Commit());
  unmatched_results_ += unmatched;
  return Ok{};
}

Result<Ok> RolloutEngine::Halt(int64_t id, int group, const std::string& reason, std::vector<std::string>* to_cancel) {
  auto in_flight = store_->InFlight(id);
  if (!in_flight.ok()) return in_flight.error();
  *to_cancel = in_flight.value();
  TF_ROLLOUT_TRY(store_->FinishInFlight(id, std::nullopt, "cancelled", "rollout halted: " + reason, Now()));
  return store_->SetState(id, RolloutState::kHalted, group, reason, Now());
}

Result<Ok> RolloutEngine::Evaluate(int64_t id) {
  std::vector<std::string> to_dispatch, to_cancel;
  std::string artifact;
  {
    Transaction transaction(*store_);
    TF_ROLLOUT_TRY(transaction.Begin());
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
        TF_ROLLOUT_TRY(store_->FinishInFlight(id, g, "timed_out",
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
        TF_ROLLOUT_TRY(Halt(id, current,
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
        TF_ROLLOUT_TRY(store_->SetGroupStarted(id, current, now));
        auto devices = store_->TakeWaiting(id, current, now);
        if (!devices.ok()) return devices.error();
        to_dispatch = devices.value();
      } else if (group.confirmed >= NeededConfirmations(group.size, rollout.spec.success_threshold)) {
        int64_t reached = group.threshold_reached_at_ms;
        if (reached == 0) {
          TF_ROLLOUT_TRY(store_->SetGroupThresholdReached(id, current, now));
          reached = now;
        }
        if (now - reached >= rollout.spec.soak_seconds * 1000) {
          if (current + 1 < static_cast<int>(groups.size())) {
            TF_ROLLOUT_TRY(store_->SetState(id, RolloutState::kRunning, current + 1, "", now));
            TF_ROLLOUT_TRY(store_->SetGroupStarted(id, current + 1, now));
            auto devices = store_->TakeWaiting(id, current + 1, now);
            if (!devices.ok()) return devices.error();
            to_dispatch = devices.value();
          } else {
            int64_t pending = 0;
            for (const GroupStatus& g : groups) pending += g.pending + g.waiting;
            if (pending == 0) TF_ROLLOUT_TRY(store_->SetState(id, RolloutState::kCompleted, current, "", now));
          }
        }
      } else if (group.pending == 0 && group.waiting == 0) {
        std::vector<std::string> cancelled;
        TF_ROLLOUT_TRY(Halt(id, current,
                    "group " + std::to_string(current + 1) + " finished with " + std::to_string(group.confirmed) +
                        " of " + std::to_string(group.size) + " devices confirmed (below the success threshold " +
                        Percent(rollout.spec.success_threshold) + ")",
                    &cancelled));
        to_cancel.insert(to_cancel.end(), cancelled.begin(), cancelled.end());
      }
    }
    TF_ROLLOUT_TRY(transaction.Commit());
  }
  // The decision is committed before anyone is asked: after a crash here the devices are
  // "dispatched" in the database and the next engine asks them again.
  CancelDevices(to_cancel);
  Dispatch(id, artifact, to_dispatch);
  return Ok{};
}

Result<Ok> RolloutEngine::EvaluateRollback(int64_t id) {
  Transaction transaction(*store_);
  TF_ROLLOUT_TRY(transaction.Begin());
  auto counts = store_->RollbackCounts(id);
  if (!counts.ok()) return counts.error();
  if (counts->pending == 0) {
    auto loaded = store_->LoadRollout(id);
    if (!loaded.ok()) return loaded.error();
    if (!loaded.value()) return Ok{};
    std::string reason = loaded.value()->reason + "; rolled back " + std::to_string(counts->confirmed) + " of " +
                         std::to_string(counts->devices) + " devices to " + loaded.value()->spec.rollback_artifact_id;
    if (counts->failed > 0) reason += " (" + std::to_string(counts->failed) + " failed)";
    TF_ROLLOUT_TRY(store_->SetState(id, RolloutState::kRolledBack, loaded.value()->current_group, reason, Now()));
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

}  // namespace tinyforge::server::fleet
