// A fleet of simulated devices in one process: a few event loops (FleetOptions::threads, default
// one), each owning a share of the devices and watching all their sockets with one epoll set.
// Never a thread per device: 10,000 devices are 10,000 sockets in one or two epoll sets.
//
//   std::string error;
//   auto fleet = SimFleet::Create(options, &error);   // provisions every device's flash
//   fleet->Start();                                    // power on, connect at the ramp rate
//   ... fleet->Snapshot() from any thread ...
//   fleet->Stop();                                     // clean disconnects, threads joined
//   FinalCheck check = fleet->PowerCycleCheck();       // does every flash still boot?
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/sim/sim_device.h"
#include "agent/sim/sim_options.h"
#include "agent/sim/sim_stats.h"

namespace tinyforge::agent::sim {

class SimFleet {
 public:
  // nullptr with *error when the options cannot work (no accounts, model too large for the
  // slot, bad device type...).
  static std::unique_ptr<SimFleet> Create(FleetOptions options, std::string* error);
  ~SimFleet();
  SimFleet(const SimFleet&) = delete;
  SimFleet& operator=(const SimFleet&) = delete;

  void Start();
  void Stop();  // idempotent
  // Devices stop producing telemetry and inferences (networking and OTA go on), so a test can
  // wait for pending_outbound == 0 and compare sent with stored. Quiesce(false) resumes.
  void Quiesce(bool quiet = true) { quiet_ = quiet; }
  FleetSnapshot Snapshot() const;
  // After Stop(): boots a copy of every device's flash with a fresh agent core.
  FinalCheck PowerCycleCheck() const;
  size_t size() const;
  const FleetOptions& options() const { return options_; }

 private:
  struct Shard;
  explicit SimFleet(FleetOptions options);
  void RunShard(Shard* shard);

  FleetOptions options_;
  FleetCounters counters_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> quiet_{false};
  std::chrono::steady_clock::time_point started_;
  bool running_ = false;
};

}  // namespace tinyforge::agent::sim
