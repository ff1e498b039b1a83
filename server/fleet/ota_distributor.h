// The OTA distributor: the UpdateDispatcher that gets one artifact onto one device over MQTT
// (docs/protocol.md "OTA sequence"). Per device one live transfer, persisted in SQLite
// (FleetStore transfers), so after a restart it re-sends the same offer and the device resumes
// from its next chunk. It
//  - asks the compatibility hook first (kIncompatible with the reasons, nothing offered);
//  - offers once the device's state is known (a state message proves its subscriptions are in
//    place; every later state message, i.e. every reconnect, re-sends the offer: same offer id =
//    resume on the device);
//  - keeps a window of up to `window` chunks in flight per device (go-back-N, docs/protocol.md
//    "Chunk window"): a progress ack (cumulative) slides it, an accepted ack (offer taken, resumed,
//    or a gap/bad chunk reported by the device) rewinds it to the ack's next_chunk (the same rewind
//    again within resend_ms is a duplicate and ignored, so duplicate acks cannot start a second
//    stream); at most max_chunks_in_flight chunks in flight over all devices, the others wait
//    their turn (round robin), so a 9,000-device group does not pour 300 MB into the broker;
//  - chunk size: chunk_bytes, or less when the device refuses it with ChunkTooLarge (its limit
//    comes back in the refusal and the same offer id is sent again with chunks that fit);
//  - re-offers a transfer that got no answer after stall_reoffer_ms, doubling the wait each time
//    (up to max_reoffer_ms) until the device answers;
//  - ends each StartUpdate once through the UpdateListener: kConfirmed (ack confirmed, or a state
//    that runs the version confirmed), kRefused (ack refused; detail = the agent's status name),
//    kReverted (ack reverted, or a post-switch state back on the old version), kTimedOut (the
//    per-transfer deadline), kCancelled, kIncompatible.
// Refusals that only mean "start again" (NoOffer after a device reboot, StaleChunk, chunk CRC,
// flash errors from a power loss) are not final: the next state re-offers.
// Threads: one worker owns every transfer; bridge events and StartUpdate calls are queued to it,
// and the listener is called from it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/fleet/fleet_bridge.h"
#include "server/fleet/fleet_store.h"
#include "server/fleet/update_dispatcher.h"

namespace tinyforge::server::fleet {

struct CompatibilityVerdict {
  bool compatible = true;
  std::string reasons;  // why not, human-readable (knowledge graph reasons joined by "; ")
};
// Asked before the first offer of each StartUpdate (on the distributor's worker thread).
using CompatibilityCheck =
    std::function<CompatibilityVerdict(const std::string& device_id, const ArtifactRecord& artifact)>;
// Sends one QoS 1 message (FleetBridge::Publish in the server).
using MessagePublisher =
    std::function<Result<Ok>(const std::string& topic, const std::vector<uint8_t>& payload)>;

struct DistributorOptions {
  // Offered chunk size (16..wire::kMaxChunkBytes = 16384). A device with a smaller receive buffer
  // refuses with its limit and gets the same offer again with chunks that fit (1024 by default
  // on the agent). 8192: a 100 KB model is 13 chunks instead of 102 (bench/README.md "Fleet").
  uint16_t chunk_bytes = 8192;
  uint16_t window = 4;                      // chunks in flight per device (1 = stop-and-wait)
  uint32_t max_chunks_in_flight = 2048;     // over all devices (x chunk_bytes = broker backlog)
  int64_t transfer_timeout_ms = 10 * 60 * 1000;
  int64_t stall_reoffer_ms = 5000;  // no answer for this long while offered: send the offer again
  int64_t max_reoffer_ms = 60000;   // the wait doubles per unanswered re-offer, up to this
  int64_t resend_ms = 2000;         // the same rewind asked for again within this is a duplicate
  int tick_ms = 100;
};

struct TransferStatus {
  std::string device_id;
  std::string artifact_id;
  uint32_t offer_id = 0;
  TransferPhase phase = TransferPhase::kWaitingForDevice;
  uint32_t next_chunk = 0;
  uint32_t chunk_count = 0;
  int64_t started_ms = 0;
  int64_t deadline_ms = 0;
};

struct DistributorCounters {
  uint64_t offers_sent = 0, chunks_sent = 0, acks = 0, results = 0, active = 0;
  uint64_t stall_reoffers = 0;  // offers sent again because the device did not answer
  uint64_t rewinds = 0;         // windows sent again from a device's next_chunk
  uint64_t chunk_size_reductions = 0;  // offers re-sent with smaller chunks (ChunkTooLarge)
  uint64_t in_flight = 0;       // chunks sent and not yet acknowledged, now
  uint64_t waiting_for_budget = 0;  // transfers waiting for max_chunks_in_flight, now
};

class OtaDistributor : public UpdateDispatcher, public DeviceEventSink {
 public:
  // Loads live transfers from `store` and resumes them (re-offers). `store` must outlive it.
  static Result<std::unique_ptr<OtaDistributor>> Start(const DistributorOptions& options,
                                                       FleetStore* store,
                                                       MessagePublisher publisher);
  ~OtaDistributor() override;
  void Stop();  // idempotent; transfers stay in SQLite for the next start

  void SetCompatibilityCheck(CompatibilityCheck check);

  // UpdateDispatcher.
  Result<Ok> StartUpdate(const std::string& device_id, const std::string& artifact_id) override;
  Result<Ok> CancelUpdate(const std::string& device_id) override;
  void SetListener(UpdateListener* listener) override;

  // DeviceEventSink (FleetBridge's network thread): queued to the worker.
  void OnDeviceState(const std::string& device_id, const StateMessage& state) override;
  void OnDeviceAck(const std::string& device_id, const AckMessage& ack) override;

  std::vector<TransferStatus> Transfers();  // a snapshot, from the worker
  DistributorCounters counters();

 private:
  struct Transfer {
    TransferRow row;
    std::shared_ptr<const SignedArtifact> artifact;
    uint16_t chunk_bytes = 0;       // negotiated: options.chunk_bytes or the device's limit
    uint32_t chunk_count = 0;
    uint32_t next_chunk = 0;        // the device has [0, next_chunk) (its last ack)
    uint32_t send_next = 0;         // next chunk to send; [next_chunk, send_next) are in flight
    bool sent_last = false;         // the last chunk went out at least once
    bool waiting_for_budget = false;
    uint32_t last_rewind_to = UINT32_MAX;
    int64_t last_rewind_ms = 0;
    int64_t last_activity_ms = 0;   // last answer from the device, or last offer sent
    uint32_t unanswered_reoffers = 0;
    uint32_t in_flight() const { return send_next > next_chunk ? send_next - next_chunk : 0; }
  };

  OtaDistributor(const DistributorOptions& options, FleetStore* store, MessagePublisher publisher)
      : options_(options), store_(store), publish_(std::move(publisher)) {}
  void Post(std::function<void()> task);
  void WorkerLoop();
  void Tick();
  void Begin(const std::string& device_id, const std::string& artifact_id);
  void HandleState(const std::string& device_id, const StateMessage& state);
  void HandleAck(const std::string& device_id, const AckMessage& ack);
  void SendOffer(Transfer& transfer);
  bool SendChunk(Transfer& transfer, uint32_t index);
  // Sends chunks up to the window and the global budget; queues the transfer when out of budget.
  void FillWindow(Transfer& transfer);
  void Rewind(Transfer& transfer, uint32_t to);
  void ReleaseBudget();  // hands freed budget to transfers waiting for it
  // Every change of next_chunk/send_next goes through here, so in_flight_ stays the sum.
  void SetWindow(Transfer& transfer, uint32_t next_chunk, uint32_t send_next);
  Transfer NewTransfer(const TransferRow& row, std::shared_ptr<const SignedArtifact> artifact,
                       int64_t now) const;
  void SetPhase(Transfer& transfer, TransferPhase phase);
  void Finish(const std::string& device_id, UpdateOutcome outcome, uint32_t running_version,
              std::string detail);
  Result<std::shared_ptr<const SignedArtifact>> Artifact(const std::string& artifact_id);

  DistributorOptions options_;
  FleetStore* store_;
  MessagePublisher publish_;

  std::mutex mutex_;  // queue_, stopping_, listener_, check_
  std::condition_variable queue_cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  UpdateListener* listener_ = nullptr;
  CompatibilityCheck check_;
  std::thread worker_;

  // Worker-only state.
  std::map<std::string, Transfer> transfers_;  // by device id
  std::map<std::string, std::shared_ptr<const SignedArtifact>> artifacts_;
  std::map<std::string, StateMessage> states_;  // last state seen this run, by device
  uint32_t next_offer_id_ = 1;
  DistributorCounters counters_;
  uint64_t in_flight_ = 0;               // sum of in_flight() over transfers_
  std::deque<std::string> waiting_;      // device ids waiting for budget, oldest first
};

// The agent's status name for an AgentStatus code ("BadSignature", ...), "status <n>" if unknown.
std::string AgentStatusNameOf(uint8_t code);

}  // namespace tinyforge::server::fleet
