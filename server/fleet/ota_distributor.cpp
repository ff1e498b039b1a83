// OTA distributor: offers, chunks, end states, persistence (see ota_distributor.h).
#include "server/fleet/ota_distributor.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>

#include "agent/core/agent_status.h"  // header only: the status names of refusals
#include "agent/core/wire.h"          // header only: the protocol's chunk size limit
#include "server/fleet/mosquitto_process.h"

namespace tinyforge::server::fleet {
namespace {

// The agent's AgentStatus enumerators in order, from its own X-macro, so names never drift.
constexpr const char* kAgentStatusNames[] = {
#define TINYFORGE_FLEET_STATUS_NAME(name) #name,
    TINYFORGE_AGENT_STATUSES(TINYFORGE_FLEET_STATUS_NAME)
#undef TINYFORGE_FLEET_STATUS_NAME
};

using agent::AgentStatus;

// Refusals that only say "this offer/chunk does not fit what I am doing now": the device lost its
// RAM (reboot, power loss) or a message was damaged. The next state re-offers; not final.
bool RetryableRefusal(uint8_t code) {
  switch (static_cast<AgentStatus>(code)) {
    case AgentStatus::kNoOffer:
    case AgentStatus::kUpdateInProgress:  // in trial (maybe of this very version): wait for it
    case AgentStatus::kStaleChunk:
    case AgentStatus::kChunkOutOfOrder:
    case AgentStatus::kChunkCrcMismatch:
    case AgentStatus::kFlashError:
    case AgentStatus::kNotConnected:
    case AgentStatus::kPublishFailed:
      return true;
    default:
      return false;
  }
}

const char* PhaseName(TransferPhase phase) {
  switch (phase) {
    case TransferPhase::kWaitingForDevice: return "waiting for the device's state";
    case TransferPhase::kOffered: return "offered";
    case TransferPhase::kVerified: return "verified, waiting for the trial boot";
  }
  return "unknown";
}

}  // namespace

std::string AgentStatusNameOf(uint8_t code) {
  if (code < sizeof(kAgentStatusNames) / sizeof(kAgentStatusNames[0])) return kAgentStatusNames[code];
  return "status " + std::to_string(code);
}

Result<std::unique_ptr<OtaDistributor>> OtaDistributor::Start(const DistributorOptions& options,
                                                               FleetStore* store,
                                                               MessagePublisher publisher) {
  if (store == nullptr || !publisher) return MakeError("ota distributor: no store or publisher");
  if (options.chunk_bytes < 16 || options.chunk_bytes > agent::wire::kMaxChunkBytes)
    return MakeError("ota distributor: chunk_bytes " + std::to_string(options.chunk_bytes) +
                     " outside the protocol's 16.." + std::to_string(agent::wire::kMaxChunkBytes));
  if (options.window < 1 || options.max_chunks_in_flight < 1)
    return MakeError("ota distributor: window and max_chunks_in_flight must be at least 1");
  std::unique_ptr<OtaDistributor> distributor(
      new OtaDistributor(options, store, std::move(publisher)));
  auto max_offer = store->MaxOfferId();
  if (!max_offer.ok()) return max_offer.error();
  distributor->next_offer_id_ = max_offer.value() + 1;
  auto rows = store->LoadTransfers();
  if (!rows.ok()) return rows.error();
  const int64_t now = NowMs();
  std::vector<std::pair<TransferRow, std::string>> broken;
  for (const TransferRow& row : rows.value()) {
    auto artifact = distributor->Artifact(row.artifact_id);
    if (!artifact.ok()) {
      broken.push_back({row, artifact.error().message});  // ended by the worker, below
      continue;
    }
    distributor->transfers_[row.device_id] = distributor->NewTransfer(row, artifact.value(), now);
  }
  distributor->worker_ = std::thread([raw = distributor.get()] { raw->WorkerLoop(); });
  // Resume: the device may be connected and mid-transfer; the same offer id makes it resume.
  distributor->Post([raw = distributor.get(), broken] {
    for (const auto& [row, why] : broken) {
      raw->transfers_[row.device_id].row = row;
      raw->Finish(row.device_id, UpdateOutcome::kRefused, 0, "server: cannot resume: " + why);
    }
    for (auto& [device, transfer] : raw->transfers_) {
      if (transfer.row.phase == TransferPhase::kOffered) raw->SendOffer(transfer);
    }
  });
  return distributor;
}

OtaDistributor::~OtaDistributor() { Stop(); }

void OtaDistributor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void OtaDistributor::SetCompatibilityCheck(CompatibilityCheck check) {
  std::lock_guard<std::mutex> lock(mutex_);
  check_ = std::move(check);
}

void OtaDistributor::SetListener(UpdateListener* listener) {
  std::lock_guard<std::mutex> lock(mutex_);
  listener_ = listener;
}

void OtaDistributor::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    queue_.push_back(std::move(task));
  }
  queue_cv_.notify_one();
}

void OtaDistributor::WorkerLoop() {
  auto next_tick = std::chrono::steady_clock::now();
  for (;;) {
    std::deque<std::function<void()>> tasks;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      queue_cv_.wait_until(lock, next_tick, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      tasks.swap(queue_);
    }
    for (auto& task : tasks) task();
    if (std::chrono::steady_clock::now() >= next_tick) {
      Tick();
      next_tick = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.tick_ms);
    }
  }
}

Result<std::shared_ptr<const SignedArtifact>> OtaDistributor::Artifact(const std::string& id) {
  auto cached = artifacts_.find(id);
  if (cached != artifacts_.end()) return cached->second;
  auto loaded = store_->LoadSignedArtifact(id);
  if (!loaded.ok()) return loaded.error();
  auto shared = std::make_shared<const SignedArtifact>(std::move(loaded).value());
  artifacts_[id] = shared;
  return shared;
}

Result<Ok> OtaDistributor::StartUpdate(const std::string& device_id,
                                       const std::string& artifact_id) {
  if (!ValidDeviceId(device_id)) return MakeError("update: bad device id '" + device_id + "'");
  auto artifact = store_->GetArtifact(artifact_id);
  if (!artifact.ok()) return artifact.error();
  if (!artifact.value()) return MakeError("update: no artifact '" + artifact_id + "'");
  Post([this, device_id, artifact_id] { Begin(device_id, artifact_id); });
  return Ok{};
}

Result<Ok> OtaDistributor::CancelUpdate(const std::string& device_id) {
  Post([this, device_id] {
    if (transfers_.count(device_id) != 0)
      Finish(device_id, UpdateOutcome::kCancelled, 0, "cancelled by the server");
  });
  return Ok{};
}

void OtaDistributor::OnDeviceState(const std::string& device_id, const StateMessage& state) {
  Post([this, device_id, state] { HandleState(device_id, state); });
}

void OtaDistributor::OnDeviceAck(const std::string& device_id, const AckMessage& ack) {
  Post([this, device_id, ack] { HandleAck(device_id, ack); });
}

std::vector<TransferStatus> OtaDistributor::Transfers() {
  auto promise = std::make_shared<std::promise<std::vector<TransferStatus>>>();
  auto future = promise->get_future();
  Post([this, promise] {
    std::vector<TransferStatus> out;
    for (const auto& [device, t] : transfers_) {
      out.push_back({device, t.row.artifact_id, t.row.offer_id, t.row.phase, t.next_chunk,
                     t.chunk_count, t.row.started_ms, t.row.deadline_ms});
    }
    promise->set_value(std::move(out));
  });
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return {};
  return future.get();
}

DistributorCounters OtaDistributor::counters() {
  auto promise = std::make_shared<std::promise<DistributorCounters>>();
  auto future = promise->get_future();
  Post([this, promise] {
    DistributorCounters copy = counters_;
    copy.active = transfers_.size();
    copy.in_flight = in_flight_;
    copy.waiting_for_budget = 0;
    for (const auto& [device, t] : transfers_) copy.waiting_for_budget += t.waiting_for_budget;
    promise->set_value(copy);
  });
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return {};
  return future.get();
}

void OtaDistributor::Begin(const std::string& device_id, const std::string& artifact_id) {
  auto existing = transfers_.find(device_id);
  if (existing != transfers_.end()) {
    if (existing->second.row.artifact_id == artifact_id) return;  // idempotent
    Finish(device_id, UpdateOutcome::kCancelled, 0, "superseded by artifact " + artifact_id);
  }
  auto artifact = Artifact(artifact_id);
  auto record = store_->GetArtifact(artifact_id);
  if (!artifact.ok() || !record.ok() || !record.value()) {
    // Deleted or damaged between StartUpdate and now: the server cannot offer it.
    Transfer placeholder;
    placeholder.row = {device_id, artifact_id, 0, TransferPhase::kWaitingForDevice, NowMs(), 0};
    transfers_[device_id] = placeholder;
    Finish(device_id, UpdateOutcome::kRefused, 0,
           "server: " + (artifact.ok() ? std::string("artifact vanished") : artifact.error().message));
    return;
  }
  CompatibilityCheck check;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    check = check_;
  }
  const int64_t now = NowMs();
  Transfer transfer = NewTransfer({device_id, artifact_id, next_offer_id_++,
                                   TransferPhase::kWaitingForDevice, now,
                                   now + options_.transfer_timeout_ms},
                                  artifact.value(), now);
  if (check) {
    CompatibilityVerdict verdict = check(device_id, *record.value());
    if (!verdict.compatible) {
      transfers_[device_id] = transfer;
      Finish(device_id, UpdateOutcome::kIncompatible, 0, verdict.reasons);
      return;
    }
  }
  auto persisted = store_->PutTransfer(transfer.row);
  if (!persisted.ok())
    std::cerr << "tinyforge fleet: transfer to " << device_id << " not persisted: "
              << persisted.error().message << "\n";
  transfers_[device_id] = std::move(transfer);
  // Offer at once when the device's state is known (this run, or stored by the ingest): it is
  // subscribed if it is online, and if it is not, its next state re-offers.
  auto known = states_.find(device_id);
  if (known != states_.end()) return HandleState(device_id, known->second);
  auto stored = store_->GetDevice(device_id);
  if (stored.ok() && stored.value() && stored.value()->has_state)
    return HandleState(device_id, stored.value()->state);
}

void OtaDistributor::HandleState(const std::string& device_id, const StateMessage& state) {
  states_[device_id] = state;
  auto it = transfers_.find(device_id);
  if (it == transfers_.end()) return;
  Transfer& transfer = it->second;
  transfer.last_activity_ms = NowMs();
  const uint32_t version = transfer.artifact->spec.version;
  if (state.running_version == version && state.confirmed_version == version && state.trial == 0)
    return Finish(device_id, UpdateOutcome::kConfirmed, version,
                  transfer.row.phase == TransferPhase::kVerified ? "confirmed after its health check"
                                                                 : "already running this version");
  // The last chunk went out and the device is back, idle, on another version: it switched and
  // the trial failed even if its verified ack was lost (a device may reboot before it is sent).
  const bool sent_everything = transfer.chunk_count > 0 && transfer.sent_last;
  if (transfer.row.phase == TransferPhase::kVerified || sent_everything) {
    // Back on another version, not in trial and no longer holding a switched slot: the trial
    // boot failed (its reverted ack may have been lost: it is sent before the device is online).
    if (state.running_version != version && state.trial == 0 && state.ota_state != 2)
      return Finish(device_id, UpdateOutcome::kReverted, state.running_version,
                    "the device reverted to version " + std::to_string(state.running_version));
    return;  // switched, rebooting or in trial: wait for the confirm
  }
  // A state message means a new connection: whatever was in flight to the old one is gone.
  SetWindow(transfer, transfer.next_chunk, transfer.next_chunk);
  transfer.last_rewind_to = UINT32_MAX;
  SetPhase(transfer, TransferPhase::kOffered);
  SendOffer(transfer);
  ReleaseBudget();
}

void OtaDistributor::HandleAck(const std::string& device_id, const AckMessage& ack) {
  ++counters_.acks;
  auto it = transfers_.find(device_id);
  if (it == transfers_.end()) return;
  Transfer& transfer = it->second;
  const uint32_t version = transfer.artifact->spec.version;
  const int64_t now = NowMs();
  // Confirm and revert come from the rebooted agent, which no longer knows the offer id (0).
  if (ack.status == AckStatus::kConfirmed) {
    if (ack.version == version) Finish(device_id, UpdateOutcome::kConfirmed, version, "confirmed after its health check");
    return;
  }
  if (ack.status == AckStatus::kReverted) {
    if (ack.version == version)
      Finish(device_id, UpdateOutcome::kReverted, 0,
             "trial failed: " + AgentStatusNameOf(ack.detail) + "; reverted");
    return;
  }
  if (ack.offer_id != transfer.row.offer_id) return;  // an older offer's answer
  transfer.last_activity_ms = now;
  transfer.unanswered_reoffers = 0;
  switch (ack.status) {
    case AckStatus::kAccepted:
      // "Send from next_chunk": the offer was taken or resumed, or the device dropped a chunk
      // (gap, bad CRC; detail says which). Go back to next_chunk, unless this is a duplicate of
      // a rewind just done (two offers in a row are answered twice).
      if (transfer.row.phase != TransferPhase::kOffered) SetPhase(transfer, TransferPhase::kOffered);
      if (ack.next_chunk > transfer.chunk_count) return;
      if (ack.detail == 0 && ack.next_chunk == transfer.last_rewind_to &&
          now - transfer.last_rewind_ms < options_.resend_ms)
        return;
      Rewind(transfer, ack.next_chunk);
      ReleaseBudget();
      return;
    case AckStatus::kProgress:
      // Cumulative: [0, next_chunk) are in flash. Slide the window.
      if (transfer.row.phase != TransferPhase::kOffered) SetPhase(transfer, TransferPhase::kOffered);
      if (ack.next_chunk <= transfer.next_chunk || ack.next_chunk > transfer.chunk_count) return;
      SetWindow(transfer, ack.next_chunk, std::max(transfer.send_next, ack.next_chunk));
      FillWindow(transfer);
      ReleaseBudget();
      return;
    case AckStatus::kVerified:
      SetWindow(transfer, transfer.chunk_count, transfer.chunk_count);
      if (transfer.row.phase != TransferPhase::kVerified) SetPhase(transfer, TransferPhase::kVerified);
      ReleaseBudget();
      return;
    case AckStatus::kRefused:
      if (ack.detail == static_cast<uint8_t>(AgentStatus::kChunkTooLarge) && ack.next_chunk >= 16 &&
          ack.next_chunk < transfer.chunk_bytes) {
        // The device's receive buffer is smaller: its limit is in next_chunk. Same offer id,
        // chunks that fit (a resumed download keeps its place only at the same chunk size).
        transfer.chunk_bytes = static_cast<uint16_t>(ack.next_chunk);
        transfer.chunk_count = ChunkCount(
            static_cast<uint32_t>(transfer.artifact->payload.size()), transfer.chunk_bytes);
        SetWindow(transfer, 0, 0);
        transfer.sent_last = false;
        transfer.last_rewind_to = UINT32_MAX;
        ++counters_.chunk_size_reductions;
        SendOffer(transfer);
        ReleaseBudget();
        return;
      }
      if (ack.detail == static_cast<uint8_t>(AgentStatus::kChunkTooLarge) &&
          ack.next_chunk >= transfer.chunk_bytes)
        return;  // the answer to an earlier, larger offer still queued: already handled
      if (RetryableRefusal(ack.detail)) return;  // the next state re-offers
      Finish(device_id, UpdateOutcome::kRefused, 0, AgentStatusNameOf(ack.detail));
      return;
    default:
      return;
  }
}

OtaDistributor::Transfer OtaDistributor::NewTransfer(
    const TransferRow& row, std::shared_ptr<const SignedArtifact> artifact, int64_t now) const {
  Transfer transfer;
  transfer.row = row;
  transfer.artifact = std::move(artifact);
  transfer.chunk_bytes = options_.chunk_bytes;
  transfer.chunk_count =
      ChunkCount(static_cast<uint32_t>(transfer.artifact->payload.size()), transfer.chunk_bytes);
  transfer.last_activity_ms = now;
  return transfer;
}

void OtaDistributor::SendOffer(Transfer& transfer) {
  const std::string topic = DeviceTopic(transfer.row.device_id, "ota/offer");
  auto sent = publish_(topic, EncodeOffer(*transfer.artifact, transfer.row.offer_id,
                                          transfer.chunk_bytes));
  if (!sent.ok()) {
    std::cerr << "tinyforge fleet: " << sent.error().message << "\n";
    return;
  }
  ++counters_.offers_sent;
  transfer.last_activity_ms = NowMs();
}

bool OtaDistributor::SendChunk(Transfer& transfer, uint32_t index) {
  const std::string topic = DeviceTopic(transfer.row.device_id, "ota/chunk");
  auto sent = publish_(topic, EncodeChunk(*transfer.artifact, transfer.row.offer_id,
                                          transfer.chunk_bytes, index));
  if (!sent.ok()) {
    std::cerr << "tinyforge fleet: " << sent.error().message << "\n";
    return false;
  }
  ++counters_.chunks_sent;
  if (index + 1 == transfer.chunk_count) transfer.sent_last = true;
  transfer.last_activity_ms = NowMs();
  return true;
}

void OtaDistributor::SetWindow(Transfer& transfer, uint32_t next_chunk, uint32_t send_next) {
  in_flight_ -= transfer.in_flight();
  transfer.next_chunk = next_chunk;
  transfer.send_next = send_next;
  in_flight_ += transfer.in_flight();
}

void OtaDistributor::FillWindow(Transfer& transfer) {
  if (transfer.row.phase != TransferPhase::kOffered) return;
  const uint32_t end = std::min<uint32_t>(transfer.chunk_count,
                                          transfer.next_chunk + options_.window);
  while (transfer.send_next < end) {
    if (in_flight_ >= options_.max_chunks_in_flight) {
      if (!transfer.waiting_for_budget) {
        transfer.waiting_for_budget = true;
        waiting_.push_back(transfer.row.device_id);
      }
      return;
    }
    if (!SendChunk(transfer, transfer.send_next)) return;  // publish failed: the stall re-offers
    SetWindow(transfer, transfer.next_chunk, transfer.send_next + 1);
  }
}

void OtaDistributor::Rewind(Transfer& transfer, uint32_t to) {
  SetWindow(transfer, to, to);
  transfer.last_rewind_to = to;
  transfer.last_rewind_ms = NowMs();
  ++counters_.rewinds;
  FillWindow(transfer);
}

void OtaDistributor::ReleaseBudget() {
  while (!waiting_.empty() && in_flight_ < options_.max_chunks_in_flight) {
    const std::string device = std::move(waiting_.front());
    waiting_.pop_front();
    auto it = transfers_.find(device);
    if (it == transfers_.end() || !it->second.waiting_for_budget) continue;
    it->second.waiting_for_budget = false;
    FillWindow(it->second);
  }
}

void OtaDistributor::SetPhase(Transfer& transfer, TransferPhase phase) {
  if (transfer.row.phase == phase) return;
  transfer.row.phase = phase;
  auto persisted = store_->PutTransfer(transfer.row);
  if (!persisted.ok())
    std::cerr << "tinyforge fleet: transfer phase not persisted: " << persisted.error().message << "\n";
}

void OtaDistributor::Tick() {
  const int64_t now = NowMs();
  std::vector<std::string> expired;
  for (auto& [device, transfer] : transfers_) {
    if (now >= transfer.row.deadline_ms) {
      expired.push_back(device);
    } else if (transfer.row.phase == TransferPhase::kOffered &&
               !(transfer.waiting_for_budget && transfer.in_flight() == 0)) {
      // No answer: the same offer again resumes where the device is. Back off while it stays
      // silent (offline, or busy), so thousands of slow devices are not offered every 5 s.
      const int shift = static_cast<int>(std::min<uint32_t>(transfer.unanswered_reoffers, 8));
      const int64_t wait =
          std::min(options_.max_reoffer_ms, options_.stall_reoffer_ms << shift);
      if (now - transfer.last_activity_ms < wait) continue;
      SetWindow(transfer, transfer.next_chunk, transfer.next_chunk);  // presumed lost
      transfer.last_rewind_to = UINT32_MAX;
      ++transfer.unanswered_reoffers;
      ++counters_.stall_reoffers;
      SendOffer(transfer);
    }
  }
  ReleaseBudget();
  for (const std::string& device : expired) {
    const Transfer& t = transfers_[device];
    Finish(device, UpdateOutcome::kTimedOut, 0,
           "no final answer within " + std::to_string(options_.transfer_timeout_ms / 1000) +
               " s (" + PhaseName(t.row.phase) + ", chunk " + std::to_string(t.next_chunk) + "/" +
               std::to_string(t.chunk_count) + ")");
  }
}

void OtaDistributor::Finish(const std::string& device_id, UpdateOutcome outcome,
                            uint32_t running_version, std::string detail) {
  auto it = transfers_.find(device_id);
  if (it == transfers_.end()) return;
  TransferResultRow row;
  row.result = {device_id, it->second.row.artifact_id, outcome, running_version, std::move(detail)};
  if (row.result.running_version == 0) {
    auto state = states_.find(device_id);
    if (state != states_.end()) row.result.running_version = state->second.running_version;
  }
  row.offer_id = it->second.row.offer_id;
  row.finished_ms = NowMs();
  in_flight_ -= it->second.in_flight();
  transfers_.erase(it);
  auto persisted = store_->FinishTransfer(row);
  if (!persisted.ok())
    std::cerr << "tinyforge fleet: transfer result not persisted: " << persisted.error().message << "\n";
  ++counters_.results;
  UpdateListener* listener = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    listener = listener_;
  }
  if (listener != nullptr) listener->OnUpdateResult(row.result);
}

}  // namespace tinyforge::server::fleet
