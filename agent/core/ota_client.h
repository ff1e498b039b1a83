// The device's OTA state machine: offer -> chunks (per-chunk CRC-32, resumable) -> SHA-256 of the
// written slot + Ed25519 signature of the manifest -> switch to trial. Confirm/revert after the
// reboot is Agent's job (it owns the health check). No heap; one offer at a time.
//
//   kIdle ──offer ok──> kReceiving ──last chunk, hash+signature ok──> kSwitched (reboot pending)
//     ^   <─refused──┘      │  ^ duplicate / out-of-order chunks: ack with next_chunk (resume)
//     └──── hash or signature bad, or a newer offer ──┘
//
// Window (docs/protocol.md "Chunk window"): the server may have several chunks in flight. The
// device still writes only chunk `next_chunk` (straight to flash, so its RAM cost is one chunk
// message, at most max_chunk_bytes of data) and never buffers ahead: a chunk after a gap, or a
// damaged one, is dropped and answered once with `accepted(next_chunk)` (detail = why), which
// makes the server go back to next_chunk (go-back-N). Each chunk written is acked with a
// cumulative `progress(next_chunk)`.
#ifndef TINYFORGE_AGENT_CORE_OTA_CLIENT_H_
#define TINYFORGE_AGENT_CORE_OTA_CLIENT_H_

#include <stdint.h>

#include "agent/core/agent_status.h"
#include "agent/core/ports.h"
#include "agent/core/slot_manager.h"
#include "agent/core/wire.h"

namespace tinyforge::agent {

enum class OtaState : uint8_t { kIdle = 0, kReceiving = 1, kSwitched = 2 };

struct OtaConfig {
  const char* device_type;     // NUL-terminated, at most 15 characters
  uint32_t runtime_version;    // refuse artifacts whose min_runtime_version is above this
  const uint8_t* public_key;   // 32-byte Ed25519 key of the fleet server; must outlive the client
  uint8_t artifact_kind;       // wire::ArtifactKind this slot pair holds
  // Largest chunk this device takes (its MQTT receive buffer minus headers); 0 means
  // wire::kDefaultDeviceChunkBytes. Offers with larger chunks are refused with ChunkTooLarge.
  uint16_t max_chunk_bytes;
};

class OtaClient {
 public:
  AgentStatus Init(const OtaConfig& config, SlotManager* slots, const CryptoPort* crypto);

  // Each handler fills *ack with what to publish on tf/<id>/ota/ack (always, also on refusal) and
  // returns kOk or why the message was refused. A refused offer leaves the running image alone.
  AgentStatus HandleOffer(const uint8_t* payload, uint32_t bytes, wire::Ack* ack);
  AgentStatus HandleChunk(const uint8_t* payload, uint32_t bytes, wire::Ack* ack);
  // The same, but *send_ack says whether *ack must be published: inside a window the chunks
  // after a gap are dropped silently (the gap was already reported once).
  AgentStatus HandleChunk(const uint8_t* payload, uint32_t bytes, wire::Ack* ack, bool* send_ack);
  // After a reconnect: the ack that tells the server where to resume (accepted(next_chunk), or
  // verified once switched). false when idle.
  bool ResumeAck(wire::Ack* ack) const;

  OtaState state() const { return state_; }
  bool reboot_requested() const { return state_ == OtaState::kSwitched; }
  uint16_t max_chunk_bytes() const { return config_.max_chunk_bytes; }

 private:
  AgentStatus CheckOffer(const wire::Offer& offer, wire::Manifest* manifest) const;
  AgentStatus Finish();
  bool AlreadyConfirmed(const wire::Manifest& manifest) const;
  void Refuse(wire::Ack* ack, uint32_t offer_id, AgentStatus why, uint32_t version) const;

  OtaConfig config_ = {};
  SlotManager* slots_ = nullptr;
  const CryptoPort* crypto_ = nullptr;
  OtaState state_ = OtaState::kIdle;
  wire::Offer offer_ = {};
  wire::Manifest manifest_ = {};
  uint8_t target_slot_ = 0;
  uint32_t next_chunk_ = 0;
  bool gap_reported_ = false;  // a rewind to next_chunk_ was asked for; no more until it comes
};

}  // namespace tinyforge::agent

#endif  // TINYFORGE_AGENT_CORE_OTA_CLIENT_H_
