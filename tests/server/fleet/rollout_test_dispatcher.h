// The rollout engine's test double for the UpdateDispatcher seam: records every StartUpdate and
// CancelUpdate and lets the test deliver results (or fail starts). Not a user-facing mock: the
// real distributor is tested on its own and against the engine in rollout_distributor_test.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "server/fleet/update_dispatcher.h"

namespace tinyforge::server::fleet::testing {

class RecordingDispatcher : public UpdateDispatcher {
 public:
  Result<Ok> StartUpdate(const std::string& device_id, const std::string& artifact_id) override {
    std::lock_guard lock(mutex_);
    starts.emplace_back(device_id, artifact_id);
    ++start_count[device_id + "|" + artifact_id];
    if (refuse_start.count(device_id)) return MakeError("unknown device \"" + device_id + "\"");
    return Ok{};
  }
  Result<Ok> CancelUpdate(const std::string& device_id) override {
    std::lock_guard lock(mutex_);
    cancels.push_back(device_id);
    return Ok{};
  }
  // Waits for a delivery in progress: once it returns, the old listener is not called any more.
  void SetListener(UpdateListener* listener) override {
    std::lock_guard delivering(deliver_mutex_);
    std::lock_guard lock(mutex_);
    listener_ = listener;
  }
  void Deliver(const std::string& device, const std::string& artifact, UpdateOutcome outcome,
               const std::string& detail = "") {
    std::lock_guard delivering(deliver_mutex_);
    UpdateListener* listener = nullptr;
    {
      std::lock_guard lock(mutex_);
      listener = listener_;
    }
    if (listener) listener->OnUpdateResult({device, artifact, outcome, 0, detail});
  }
  // Devices started with `artifact`, in order.
  std::vector<std::string> Started(const std::string& artifact) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [device, art] : starts) {
      if (art == artifact) out.push_back(device);
    }
    return out;
  }
  size_t StartCount() {
    std::lock_guard lock(mutex_);
    return starts.size();
  }
  bool HasListener() {
    std::lock_guard lock(mutex_);
    return listener_ != nullptr;
  }

  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> starts;
  std::map<std::string, int> start_count;
  std::vector<std::string> cancels;
  std::set<std::string> refuse_start;

 private:
  std::mutex deliver_mutex_;
  UpdateListener* listener_ = nullptr;
};

}  // namespace tinyforge::server::fleet::testing
