// Counters of a simulated fleet. Event loops bump them with relaxed atomics; Snapshot() reads them
// from any thread. Gauges (how many devices are connected, on which version...) are recomputed
// by each loop a few times a second.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

namespace tinyforge::agent::sim {

struct FleetCounters {
  std::atomic<uint64_t> connects{0};           // CONNACK accepted
  std::atomic<uint64_t> connect_refused{0};    // CONNACK refused (bad credentials...)
  std::atomic<uint64_t> connect_errors{0};     // TCP connect failed (broker down)
  std::atomic<uint64_t> disconnects{0};        // connection lost (any cause)
  std::atomic<uint64_t> published{0};          // messages handed to the broker
  std::atomic<uint64_t> delivered{0};          // PUBACKs
  std::atomic<uint64_t> telemetry_queued{0};   // telemetry messages the agents queued
  std::atomic<uint64_t> alerts_queued{0};
  std::atomic<uint64_t> inferences{0};
  std::atomic<uint64_t> inference_us{0};       // summed host latency of Invoke()
  std::atomic<uint64_t> inference_errors{0};
  std::atomic<uint64_t> offers{0};             // offer messages received
  std::atomic<uint64_t> chunks{0};             // chunk messages received
  std::atomic<uint64_t> acks_accepted{0};
  std::atomic<uint64_t> acks_refused{0};
  std::atomic<uint64_t> acks_verified{0};
  std::atomic<uint64_t> acks_confirmed{0};
  std::atomic<uint64_t> acks_reverted{0};
  std::atomic<uint64_t> reboots{0};
  std::atomic<uint64_t> power_losses{0};       // injected faults that actually cut a write
  std::atomic<uint64_t> network_drops{0};      // injected
  std::atomic<uint64_t> chunks_corrupted{0};   // injected
  std::atomic<uint64_t> health_failures{0};    // trial images whose check failed
  std::atomic<uint64_t> telemetry_dropped{0};  // messages the agents' offline buffers dropped
};

struct FleetGauges {
  uint64_t devices = 0;
  uint64_t connected = 0;
  uint64_t pending_outbound = 0;       // messages waiting in agents' buffers (not yet PUBACKed)
  uint64_t awaiting_confirmation = 0;  // trial images not yet confirmed
  uint64_t receiving = 0;              // OTA downloads in progress
  uint64_t unbootable = 0;             // devices whose flash no longer boots
  std::map<uint32_t, uint64_t> confirmed_versions;  // confirmed_version -> device count
  std::map<uint32_t, uint64_t> running_versions;
};

struct FleetSnapshot {
  double elapsed_s = 0;
  // Plain copies of FleetCounters.
  uint64_t connects = 0, connect_refused = 0, connect_errors = 0, disconnects = 0;
  uint64_t published = 0, delivered = 0, telemetry_queued = 0, alerts_queued = 0;
  uint64_t inferences = 0, inference_us = 0, inference_errors = 0;
  uint64_t offers = 0, chunks = 0;
  uint64_t acks_accepted = 0, acks_refused = 0, acks_verified = 0, acks_confirmed = 0,
           acks_reverted = 0;
  uint64_t reboots = 0, power_losses = 0, network_drops = 0, chunks_corrupted = 0,
           health_failures = 0, telemetry_dropped = 0;
  FleetGauges gauges;
};

// After Stop(): every device's flash booted once more by a fresh SlotManager (a power cycle).
struct FinalCheck {
  uint64_t bootable = 0;
  uint64_t unbootable = 0;
  uint64_t on_confirmed = 0;  // booted a confirmed image (not a trial)
  std::map<uint32_t, uint64_t> booted_versions;
  std::map<std::string, std::string> unbootable_reasons;  // device id -> agent status
};

void AddCounters(const FleetCounters& from, FleetSnapshot* to);
void AddGauges(const FleetGauges& from, FleetGauges* to);
// One JSON object (no dependencies): the snapshot, and the final check when given.
std::string SnapshotJson(const FleetSnapshot& snapshot, const FinalCheck* final_check);

}  // namespace tinyforge::agent::sim
