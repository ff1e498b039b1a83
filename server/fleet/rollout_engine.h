// The staged-rollout engine: decides which devices get an artifact and when, through the
// UpdateDispatcher seam (update_dispatcher.h), and never how. State lives in SQLite
// (rollout_store.h); every transition is one transaction, so after kill -9 a new engine on the same
// file continues where the old one stopped: devices that were dispatched without a result are asked
// again (StartUpdate is idempotent), devices with a result are never dispatched again.
//
// Driven by two things only: UpdateListener results (queued by OnUpdateResult, applied in batches)
// and a periodic tick (soak times, group timeouts). One worker thread sleeps on a condition
// variable between them: no busy loop. Commands (create, pause, ...) run on the caller's thread
// under the same mutex and wake the worker.
//
// Group rules, for each running rollout with current group k:
//  - halt when any started group has failed / size > error_threshold (failed = refused, reverted,
//    timed_out, failed_to_start); in-flight devices are cancelled;
//  - when group k has confirmed / size >= success_threshold, wait soak_seconds, then start group
//    k+1 (stragglers of group k keep going and still count);
//  - when every device of group k has a result and the success threshold was not met, halt;
//  - after the last group met its threshold and no device is in flight, the rollout is completed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/fleet/rollout_store.h"
#include "server/fleet/rollout_types.h"
#include "server/fleet/update_dispatcher.h"

namespace tinyforge::server::fleet {

struct RolloutEngineOptions {
  int tick_ms = 500;              // how often soak times and timeouts are looked at
  bool run_worker = true;         // false: the caller drives Step() (deterministic unit tests)
  std::function<int64_t()> now_ms;  // wall clock in ms (persisted); default system_clock
  int64_t failure_list_limit = 100;  // failures listed per rollout in Get()
  int busy_timeout_ms = 5000;        // SQLite lock wait before a write fails (and is retried)
};

class RolloutEngine : public UpdateListener {
 public:
  // Opens (creates) the database; `dispatcher` may be null (the fleet service is not running):
  // then reads work and commands that need to dispatch answer kUnavailable until SetDispatcher.
  static Result<std::unique_ptr<RolloutEngine>> Open(const std::filesystem::path& database,
                                                     UpdateDispatcher* dispatcher,
                                                     RolloutEngineOptions options = {});
  ~RolloutEngine() override;
  RolloutEngine(const RolloutEngine&) = delete;
  RolloutEngine& operator=(const RolloutEngine&) = delete;

  // Registers as the dispatcher's listener and re-dispatches every in-flight device of the live
  // rollouts (restart recovery). Null detaches.
  void SetDispatcher(UpdateDispatcher* dispatcher);
  bool HasDispatcher();

  RolloutResult<int64_t> Create(RolloutSpec spec);
  RolloutResult<RolloutStatus> Get(int64_t id);
  // Newest first; device lists and failures left empty.
  RolloutResult<std::vector<RolloutStatus>> List(int64_t offset, int64_t limit, int64_t* total);
  // A page of one rollout's devices (see RolloutStore::ListDevices for `filter`).
  RolloutResult<std::vector<DeviceRecord>> Devices(int64_t id, const std::string& filter, std::optional<int> group,
                                                   int64_t offset, int64_t limit, int64_t* total);
  RolloutResult<RolloutStatus> Pause(int64_t id, const std::string& reason);
  RolloutResult<RolloutStatus> Resume(int64_t id);  // paused or created -> running
  RolloutResult<RolloutStatus> Cancel(int64_t id, const std::string& reason);
  // Halted, cancelled or completed -> rolling_back: the devices that confirmed the artifact in the
  // halted (current) group, or in every group with all_groups, get `artifact_id` (empty = the
  // rollback artifact given at creation), a pinned earlier version.
  RolloutResult<RolloutStatus> Rollback(int64_t id, const std::string& artifact_id, bool all_groups);

  void OnUpdateResult(const UpdateResult& result) override;  // queues; never blocks for long

  // One round: applies queued results, then advances / halts / completes running rollouts and
  // dispatches. The worker calls it on every result batch and tick; tests without a worker call it.
  void Step();
  // Results applied to no rollout (strays, duplicates) since start, for diagnostics.
  int64_t unmatched_results() const { return unmatched_results_; }

 private:
  RolloutEngine() = default;
  int64_t Now() const;
  void Wake();
  void WorkerLoop();
  // Under mutex_:
  Result<Ok> ApplyResults(const std::vector<UpdateResult>& results);
  Result<Ok> Evaluate(int64_t id);
  Result<Ok> EvaluateRollback(int64_t id);
  Result<Ok> Halt(int64_t id, int group, const std::string& reason, std::vector<std::string>* to_cancel);
  void Dispatch(int64_t id, const std::string& artifact_id, const std::vector<std::string>& devices,
                bool rollback = false);
  void CancelDevices(const std::vector<std::string>& devices);
  void RedispatchInFlight();
  RolloutResult<RolloutStatus> StatusLocked(int64_t id, bool with_failures);
  RolloutResult<RolloutStatus> LoadOr404(int64_t id);

  RolloutEngineOptions options_;
  std::mutex mutex_;  // store_, dispatcher_ and every decision
  std::unique_ptr<RolloutStore> store_;
  UpdateDispatcher* dispatcher_ = nullptr;

  std::mutex queue_mutex_;  // results_, stopping_, wake_requested_, apply_failed_
  std::condition_variable queue_wake_;
  std::vector<UpdateResult> results_;
  bool stopping_ = false;
  bool wake_requested_ = false;
  bool apply_failed_ = false;  // the last batch could not be written: retry on the next tick
  std::thread worker_;
  std::atomic<int64_t> unmatched_results_{0};
};

}  // namespace tinyforge::server::fleet
