// OTA receive/verify/switch state machine (see ota_client.h).
#include "agent/core/ota_client.h"

#include <string.h>

namespace tinyforge::agent {

AgentStatus OtaClient::Init(const OtaConfig& config, SlotManager* slots,
                            const CryptoPort* crypto) {
  if (slots == nullptr || crypto == nullptr || config.device_type == nullptr ||
      config.public_key == nullptr)
    return AgentStatus::kNullArgument;
  if (strlen(config.device_type) > 15 || crypto->ed25519_verify == nullptr)
    return AgentStatus::kBadConfig;
  config_ = config;
  if (config_.max_chunk_bytes == 0) config_.max_chunk_bytes = wire::kDefaultDeviceChunkBytes;
  if (config_.max_chunk_bytes < 16 || config_.max_chunk_bytes > wire::kMaxChunkBytes)
    return AgentStatus::kBadConfig;
  slots_ = slots;
  crypto_ = crypto;
  state_ = OtaState::kIdle;
  return AgentStatus::kOk;
}

void OtaClient::Refuse(wire::Ack* ack, uint32_t offer_id, AgentStatus why,
                       uint32_t version) const {
  *ack = wire::Ack{offer_id, 0, wire::AckStatus::kRefused, static_cast<uint8_t>(why), version};
}

// Signature first: nothing in an unsigned manifest is trusted, not even its error-relevant fields.
AgentStatus OtaClient::CheckOffer(const wire::Offer& offer, wire::Manifest* manifest) const {
  if (crypto_->ed25519_verify(crypto_->context, offer.signature, offer.manifest,
                              wire::kManifestBytes, config_.public_key) != 0)
    return AgentStatus::kBadSignature;
  TINYFORGE_AGENT_RETURN_IF_ERROR(wire::DecodeManifest(offer.manifest, manifest));
  char wanted[16] = {};
  memcpy(wanted, config_.device_type, strlen(config_.device_type));
  if (memcmp(wanted, manifest->device_type, 16) != 0) return AgentStatus::kWrongDeviceType;
  if (manifest->kind != config_.artifact_kind) return AgentStatus::kWrongArtifactKind;
  if (manifest->min_runtime_version > config_.runtime_version) return AgentStatus::kRuntimeTooOld;
  if (manifest->size == 0 || manifest->size > slots_->slot_bytes()) return AgentStatus::kTooLarge;
  if (manifest->version <= slots_->confirmed_version() &&
      (manifest->flags & wire::kFlagPinned) == 0)
    return AgentStatus::kDowngrade;
  if (offer.chunk_bytes < 16 || offer.chunk_bytes > wire::kMaxChunkBytes ||
      offer.chunk_count != (manifest->size + offer.chunk_bytes - 1u) / offer.chunk_bytes)
    return AgentStatus::kBadMessage;
  if (offer.chunk_bytes > config_.max_chunk_bytes) return AgentStatus::kChunkTooLarge;
  return AgentStatus::kOk;
}

bool OtaClient::AlreadyConfirmed(const wire::Manifest& manifest) const {
  const BootRecord& record = slots_->record();
  const SlotInfo& confirmed = record.slots[record.confirmed_slot & 1u];
  return record.state == kSlotConfirmed && confirmed.valid != 0 &&
         manifest.version == record.confirmed_version && confirmed.version == manifest.version &&
         confirmed.bytes == manifest.size && confirmed.kind == manifest.kind &&
         memcmp(confirmed.sha256, manifest.sha256, 32) == 0;
}

AgentStatus OtaClient::HandleOffer(const uint8_t* payload, uint32_t bytes, wire::Ack* ack) {
  if (ack == nullptr) return AgentStatus::kNullArgument;
  if (slots_ == nullptr) return AgentStatus::kBadConfig;
  wire::Offer offer;
  AgentStatus status = wire::DecodeOffer(payload, bytes, &offer);
  if (status != AgentStatus::kOk) {
    Refuse(ack, bytes >= wire::kHeaderBytes + 4 ? wire::GetU32(payload + wire::kHeaderBytes) : 0,
           status, 0);
    return status;
  }
  // The same offer again (e.g. the server re-sent it after a reconnect): resume, do not restart.
  if (state_ != OtaState::kIdle && offer.offer_id == offer_.offer_id &&
      offer.chunk_bytes == offer_.chunk_bytes &&
      memcmp(offer.manifest, offer_.manifest, wire::kManifestBytes) == 0) {
    (void)ResumeAck(ack);
    gap_reported_ = false;
    return AgentStatus::kOk;
  }
  if (state_ == OtaState::kSwitched || slots_->in_trial()) {
    Refuse(ack, offer.offer_id, AgentStatus::kUpdateInProgress, 0);
    return AgentStatus::kUpdateInProgress;
  }
  wire::Manifest manifest = {};
  status = CheckOffer(offer, &manifest);
  if (status == AgentStatus::kDowngrade && AlreadyConfirmed(manifest)) {
    // This exact artifact is already installed and confirmed (the server missed the confirmed
    // ack, e.g. in a broker restart, and offered again): say so instead of refusing.
    *ack = wire::Ack{offer.offer_id, 0, wire::AckStatus::kConfirmed, 0, manifest.version};
    return AgentStatus::kOk;
  }
  if (status != AgentStatus::kOk) {
    Refuse(ack, offer.offer_id, status, status == AgentStatus::kBadSignature ? 0 : manifest.version);
    // The negotiation: the refusal says how large a chunk this device takes.
    if (status == AgentStatus::kChunkTooLarge) ack->next_chunk = config_.max_chunk_bytes;
    return status;
  }
  state_ = OtaState::kIdle;
  status = slots_->BeginUpdate(&target_slot_);
  if (status != AgentStatus::kOk) {
    Refuse(ack, offer.offer_id, status, manifest.version);
    return status;
  }
  offer_ = offer;
  manifest_ = manifest;
  next_chunk_ = 0;
  gap_reported_ = false;
  state_ = OtaState::kReceiving;
  *ack = wire::Ack{offer.offer_id, 0, wire::AckStatus::kAccepted, 0, manifest.version};
  return AgentStatus::kOk;
}

bool OtaClient::ResumeAck(wire::Ack* ack) const {
  if (ack == nullptr || state_ == OtaState::kIdle) return false;
  const wire::AckStatus status =
      state_ == OtaState::kSwitched ? wire::AckStatus::kVerified : wire::AckStatus::kAccepted;
  *ack = wire::Ack{offer_.offer_id, next_chunk_, status, 0, manifest_.version};
  return true;
}

AgentStatus OtaClient::HandleChunk(const uint8_t* payload, uint32_t bytes, wire::Ack* ack) {
  bool send_ack = true;
  return HandleChunk(payload, bytes, ack, &send_ack);
}

AgentStatus OtaClient::HandleChunk(const uint8_t* payload, uint32_t bytes, wire::Ack* ack,
                                   bool* send_ack) {
  if (ack == nullptr || send_ack == nullptr) return AgentStatus::kNullArgument;
  *send_ack = true;
  wire::ChunkView chunk;
  AgentStatus status = wire::DecodeChunk(payload, bytes, &chunk);
  if (state_ != OtaState::kReceiving) {
    if (!ResumeAck(ack)) Refuse(ack, status == AgentStatus::kOk ? chunk.offer_id : 0,
                                AgentStatus::kNoOffer, 0);
    return AgentStatus::kNoOffer;
  }
  (void)ResumeAck(ack);  // accepted(next_chunk): "go back to next_chunk"
  // A chunk that is not the next one, or is damaged: ask for next_chunk again, once per gap (the
  // rest of the window behind it is dropped silently). A damaged chunk AT next_chunk is the
  // server's retransmission, so it is always reported.
  auto ask_again = [&](AgentStatus why, bool at_next) {
    *send_ack = at_next || !gap_reported_;
    gap_reported_ = true;
    ack->detail = static_cast<uint8_t>(why);
    return why;
  };
  if (status != AgentStatus::kOk) return ask_again(status, false);
  if (chunk.offer_id != offer_.offer_id) {
    *send_ack = false;  // a chunk of an older offer still in flight: ignore
    return AgentStatus::kStaleChunk;
  }
  if (chunk.index < next_chunk_) {  // duplicate, already in flash: say where we are
    ack->status = wire::AckStatus::kProgress;
    return AgentStatus::kOk;
  }
  if (chunk.index > next_chunk_) return ask_again(AgentStatus::kChunkOutOfOrder, false);
  // Never more than the receive buffer holds (a real transport could not even store it).
  if (chunk.bytes > config_.max_chunk_bytes) return ask_again(AgentStatus::kChunkTooLarge, true);
  const uint32_t offset = chunk.index * offer_.chunk_bytes;
  const uint32_t remaining = manifest_.size - offset;
  const uint32_t expected = remaining < offer_.chunk_bytes ? remaining : offer_.chunk_bytes;
  if (chunk.bytes != expected) return ask_again(AgentStatus::kBadMessage, true);
  if (wire::Crc32(0, chunk.data, chunk.bytes) != chunk.crc32)
    return ask_again(AgentStatus::kChunkCrcMismatch, true);
  status = slots_->WriteSlot(target_slot_, offset, chunk.data, chunk.bytes);
  if (status != AgentStatus::kOk) {
    state_ = OtaState::kIdle;  // flash trouble: start over with the next offer
    Refuse(ack, offer_.offer_id, status, manifest_.version);
    return status;
  }
  ++next_chunk_;
  gap_reported_ = false;
  ack->status = wire::AckStatus::kProgress;
  ack->next_chunk = next_chunk_;
  if (next_chunk_ < offer_.chunk_count) return AgentStatus::kOk;
  status = Finish();
  if (status != AgentStatus::kOk) {
    state_ = OtaState::kIdle;
    Refuse(ack, offer_.offer_id, status, manifest_.version);
    return status;
  }
  (void)ResumeAck(ack);
  return AgentStatus::kOk;
}

// Hashes what is really in flash (not what was received), re-checks the signature, switches.
AgentStatus OtaClient::Finish() {
  uint8_t digest[32];
  TINYFORGE_AGENT_RETURN_IF_ERROR(slots_->HashSlot(target_slot_, manifest_.size, digest));
  if (memcmp(digest, manifest_.sha256, 32) != 0) return AgentStatus::kHashMismatch;
  if (crypto_->ed25519_verify(crypto_->context, offer_.signature, offer_.manifest,
                              wire::kManifestBytes, config_.public_key) != 0)
    return AgentStatus::kBadSignature;
  TINYFORGE_AGENT_RETURN_IF_ERROR(slots_->SwitchToTrial(target_slot_, manifest_.version,
                                                        manifest_.size, manifest_.kind, digest));
  state_ = OtaState::kSwitched;
  return AgentStatus::kOk;
}

}  // namespace tinyforge::agent
