// The fleet wire format (docs/protocol.md): fixed little-endian payloads small enough for a
// microcontroller to build on the stack, the signed artifact manifest, and CRC-32 for chunks.
//
//   every payload:  0 type u8 │ 1 wire version u8 │ 2 reserved u16 │ 4 epoch u32 │ 8 seq u32 │ 12 body
//   (epoch, seq) is the message id: epoch = the device's boot count, seq counts messages in a boot.
#ifndef TINYFORGE_AGENT_CORE_WIRE_H_
#define TINYFORGE_AGENT_CORE_WIRE_H_

#include <stdint.h>

#include "agent/core/agent_status.h"

namespace tinyforge::agent::wire {

constexpr uint8_t kWireVersion = 1;
constexpr uint32_t kHeaderBytes = 12;

enum class MessageType : uint8_t {
  kTelemetry = 1,
  kState = 2,
  kAlert = 3,
  kLearn = 4,
  kOtaOffer = 16,
  kOtaChunk = 17,
  kOtaAck = 18,
};

struct Header {
  MessageType type;
  uint8_t version;
  uint32_t epoch;
  uint32_t seq;
};

// Device -> server, periodic. Latencies in microseconds; accuracy in 1/10000 (0xFFFF: none yet).
struct Telemetry {
  uint32_t uptime_s;
  uint32_t inference_count;
  uint32_t latency_us_mean;
  uint32_t latency_us_max;
  uint32_t anomaly_count;
  uint16_t drift_alarms;
  uint16_t accuracy_per10k;
};
constexpr uint32_t kTelemetryBytes = 24;

// Device -> server, on connect and after every slot change.
struct State {
  uint32_t confirmed_version;  // anti-rollback floor
  uint32_t running_version;
  uint32_t runtime_version;    // major << 16 | minor << 8 | patch
  uint8_t active_slot;         // 0 = A, 1 = B
  uint8_t trial;               // 1 while the running image is on trial
  uint8_t ota_state;           // OtaState
  uint8_t artifact_kind;
  uint32_t telemetry_dropped;  // messages lost to a full offline buffer since boot
  char device_type[16];        // NUL-padded
};
constexpr uint32_t kStateBytes = 36;

// Device -> server, only when the model flags an anomaly.
struct Alert {
  uint32_t uptime_ms;
  uint32_t model_version;
  uint16_t class_index;
  uint16_t reserved;
  float score;
};
constexpr uint32_t kAlertBytes = 16;

// Device -> server: TinyOL online-learning metrics.
struct LearnMetrics {
  uint32_t samples_seen;
  uint32_t labels_seen;
  uint16_t prequential_accuracy_per10k;  // 0xFFFF: no labelled sample yet
  uint16_t drift_events;
  uint8_t class_count;
  uint8_t reserved[3];
};
constexpr uint32_t kLearnBytes = 16;

// The signed part of an artifact (72 bytes; Ed25519 signs exactly these bytes).
//   0 magic "TFA1" │ 4 format u16 │ 6 kind u8 │ 7 flags u8 │ 8 version u32 │ 12 min_runtime u32
//  16 device_type[16] │ 32 size u32 │ 36 sha256[32] │ 68 reserved u32
constexpr uint32_t kManifestBytes = 72;
constexpr uint32_t kSignatureBytes = 64;
constexpr uint32_t kManifestMagic = 0x31414654u;  // 'T' 'F' 'A' '1'
constexpr uint16_t kManifestFormat = 1;
enum ArtifactKind : uint8_t { kArtifactModel = 1, kArtifactFirmware = 2 };
constexpr uint8_t kFlagPinned = 0x01;  // the server pins this version: a downgrade is allowed

struct Manifest {
  uint8_t kind;
  uint8_t flags;
  uint32_t version;
  uint32_t min_runtime_version;
  char device_type[16];  // NUL-padded; at most 15 characters
  uint32_t size;
  uint8_t sha256[32];
};

// Server -> device on tf/<id>/ota/offer.
struct Offer {
  uint32_t offer_id;
  uint16_t chunk_bytes;
  uint32_t chunk_count;
  uint8_t manifest[kManifestBytes];  // raw signed bytes
  uint8_t signature[kSignatureBytes];
};
constexpr uint32_t kOfferBytes = 12 + kManifestBytes + kSignatureBytes;  // body bytes

// Server -> device on tf/<id>/ota/chunk: 16-byte body header then `bytes` of data.
struct ChunkView {
  uint32_t offer_id;
  uint32_t index;
  uint16_t bytes;
  uint32_t crc32;  // CRC-32 (IEEE) of the data
  const uint8_t* data;
};
constexpr uint32_t kChunkHeaderBytes = 16;
// The protocol's largest chunk. A device takes at most its own receive buffer's worth
// (AgentConfig::max_chunk_bytes, kDefaultDeviceChunkBytes when unset) and refuses larger offers
// with ChunkTooLarge, putting its limit into the refusal's next_chunk (docs/protocol.md).
constexpr uint16_t kMaxChunkBytes = 16384;
constexpr uint16_t kDefaultDeviceChunkBytes = 1024;

enum class AckStatus : uint8_t {
  kAccepted = 0,   // send from next_chunk: offer accepted or resumed, or a chunk was missing/bad
                   // (detail = why); the server rewinds its window to next_chunk
  kProgress = 1,   // chunks [0, next_chunk) are in flash (cumulative; no rewind)
  kVerified = 2,   // hash + signature good, slot switched; the device reboots into trial
  kConfirmed = 3,  // the new version passed its health check and is confirmed
  kReverted = 4,   // the trial failed; back on the confirmed version
  kRefused = 5,    // detail says why (AgentStatus)
};

// Device -> server on tf/<id>/ota/ack.
struct Ack {
  uint32_t offer_id;
  uint32_t next_chunk;
  AckStatus status;
  uint8_t detail;  // AgentStatus code
  uint32_t version;
};
constexpr uint32_t kAckBytes = 16;

// Encoders write header + body into out (capacity bytes) and return the byte count, 0 if too small.
uint32_t EncodeTelemetry(const Header& header, const Telemetry& body, uint8_t* out, uint32_t capacity);
uint32_t EncodeState(const Header& header, const State& body, uint8_t* out, uint32_t capacity);
uint32_t EncodeAlert(const Header& header, const Alert& body, uint8_t* out, uint32_t capacity);
uint32_t EncodeLearn(const Header& header, const LearnMetrics& body, uint8_t* out, uint32_t capacity);
uint32_t EncodeAck(const Header& header, const Ack& body, uint8_t* out, uint32_t capacity);

// Decoders check type, wire version and exact length: kBadMessage otherwise.
AgentStatus DecodeHeader(const uint8_t* payload, uint32_t bytes, Header* header);
AgentStatus DecodeOffer(const uint8_t* payload, uint32_t bytes, Offer* offer);
AgentStatus DecodeChunk(const uint8_t* payload, uint32_t bytes, ChunkView* chunk);
AgentStatus DecodeManifest(const uint8_t* raw, Manifest* manifest);  // raw: kManifestBytes

// Little-endian helpers (the wire is little-endian whatever the CPU).
inline void PutU16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
inline void PutU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint16_t GetU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t GetU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// CRC-32 (IEEE 802.3, reflected, as zlib): pass 0 to start, the previous result to continue.
uint32_t Crc32(uint32_t crc, const void* data, uint32_t bytes);

}  // namespace tinyforge::agent::wire

#endif  // TINYFORGE_AGENT_CORE_WIRE_H_
