// Encoding and decoding of the fleet wire format (layouts in wire.h and docs/protocol.md).
#include "agent/core/wire.h"

#include <string.h>

namespace tinyforge::agent::wire {
namespace {

uint32_t PutHeader(const Header& header, MessageType type, uint8_t* out) {
  out[0] = static_cast<uint8_t>(type);
  out[1] = kWireVersion;
  PutU16(out + 2, 0);
  PutU32(out + 4, header.epoch);
  PutU32(out + 8, header.seq);
  return kHeaderBytes;
}

void PutF32(uint8_t* p, float v) {
  uint32_t bits;
  memcpy(&bits, &v, 4);
  PutU32(p, bits);
}

}  // namespace

uint32_t EncodeTelemetry(const Header& header, const Telemetry& body, uint8_t* out,
                         uint32_t capacity) {
  if (out == nullptr || capacity < kHeaderBytes + kTelemetryBytes) return 0;
  uint8_t* p = out + PutHeader(header, MessageType::kTelemetry, out);
  PutU32(p, body.uptime_s);
  PutU32(p + 4, body.inference_count);
  PutU32(p + 8, body.latency_us_mean);
  PutU32(p + 12, body.latency_us_max);
  PutU32(p + 16, body.anomaly_count);
  PutU16(p + 20, body.drift_alarms);
  PutU16(p + 22, body.accuracy_per10k);
  return kHeaderBytes + kTelemetryBytes;
}

uint32_t EncodeState(const Header& header, const State& body, uint8_t* out, uint32_t capacity) {
  if (out == nullptr || capacity < kHeaderBytes + kStateBytes) return 0;
  uint8_t* p = out + PutHeader(header, MessageType::kState, out);
  PutU32(p, body.confirmed_version);
  PutU32(p + 4, body.running_version);
  PutU32(p + 8, body.runtime_version);
  p[12] = body.active_slot;
  p[13] = body.trial;
  p[14] = body.ota_state;
  p[15] = body.artifact_kind;
  PutU32(p + 16, body.telemetry_dropped);
  memcpy(p + 20, body.device_type, 16);
  return kHeaderBytes + kStateBytes;
}

uint32_t EncodeAlert(const Header& header, const Alert& body, uint8_t* out, uint32_t capacity) {
  if (out == nullptr || capacity < kHeaderBytes + kAlertBytes) return 0;
  uint8_t* p = out + PutHeader(header, MessageType::kAlert, out);
  PutU32(p, body.uptime_ms);
  PutU32(p + 4, body.model_version);
  PutU16(p + 8, body.class_index);
  PutU16(p + 10, 0);
  PutF32(p + 12, body.score);
  return kHeaderBytes + kAlertBytes;
}

uint32_t EncodeLearn(const Header& header, const LearnMetrics& body, uint8_t* out,
                     uint32_t capacity) {
  if (out == nullptr || capacity < kHeaderBytes + kLearnBytes) return 0;
  uint8_t* p = out + PutHeader(header, MessageType::kLearn, out);
  PutU32(p, body.samples_seen);
  PutU32(p + 4, body.labels_seen);
  PutU16(p + 8, body.prequential_accuracy_per10k);
  PutU16(p + 10, body.drift_events);
  p[12] = body.class_count;
  p[13] = p[14] = p[15] = 0;
  return kHeaderBytes + kLearnBytes;
}

uint32_t EncodeAck(const Header& header, const Ack& body, uint8_t* out, uint32_t capacity) {
  if (out == nullptr || capacity < kHeaderBytes + kAckBytes) return 0;
  uint8_t* p = out + PutHeader(header, MessageType::kOtaAck, out);
  PutU32(p, body.offer_id);
  PutU32(p + 4, body.next_chunk);
  p[8] = static_cast<uint8_t>(body.status);
  p[9] = body.detail;
  PutU16(p + 10, 0);
  PutU32(p + 12, body.version);
  return kHeaderBytes + kAckBytes;
}

AgentStatus DecodeHeader(const uint8_t* payload, uint32_t bytes, Header* header) {
  if (payload == nullptr || header == nullptr) return AgentStatus::kNullArgument;
  if (bytes < kHeaderBytes || payload[1] != kWireVersion) return AgentStatus::kBadMessage;
  header->type = static_cast<MessageType>(payload[0]);
  header->version = payload[1];
  header->epoch = GetU32(payload + 4);
  header->seq = GetU32(payload + 8);
  return AgentStatus::kOk;
}

AgentStatus DecodeOffer(const uint8_t* payload, uint32_t bytes, Offer* offer) {
  Header header;
  TINYFORGE_AGENT_RETURN_IF_ERROR(DecodeHeader(payload, bytes, &header));
  if (offer == nullptr) return AgentStatus::kNullArgument;
  if (header.type != MessageType::kOtaOffer || bytes != kHeaderBytes + kOfferBytes)
    return AgentStatus::kBadMessage;
  const uint8_t* p = payload + kHeaderBytes;
  offer->offer_id = GetU32(p);
  offer->chunk_bytes = GetU16(p + 4);
  offer->chunk_count = GetU32(p + 8);
  memcpy(offer->manifest, p + 12, kManifestBytes);
  memcpy(offer->signature, p + 12 + kManifestBytes, kSignatureBytes);
  return AgentStatus::kOk;
}

AgentStatus DecodeChunk(const uint8_t* payload, uint32_t bytes, ChunkView* chunk) {
  Header header;
  TINYFORGE_AGENT_RETURN_IF_ERROR(DecodeHeader(payload, bytes, &header));
  if (chunk == nullptr) return AgentStatus::kNullArgument;
  if (header.type != MessageType::kOtaChunk || bytes < kHeaderBytes + kChunkHeaderBytes)
    return AgentStatus::kBadMessage;
  const uint8_t* p = payload + kHeaderBytes;
  chunk->offer_id = GetU32(p);
  chunk->index = GetU32(p + 4);
  chunk->bytes = GetU16(p + 8);
  chunk->crc32 = GetU32(p + 12);
  chunk->data = p + kChunkHeaderBytes;
  if (chunk->bytes == 0 || chunk->bytes > kMaxChunkBytes ||
      bytes != kHeaderBytes + kChunkHeaderBytes + chunk->bytes)
    return AgentStatus::kBadMessage;
  return AgentStatus::kOk;
}

AgentStatus DecodeManifest(const uint8_t* raw, Manifest* manifest) {
  if (raw == nullptr || manifest == nullptr) return AgentStatus::kNullArgument;
  if (GetU32(raw) != kManifestMagic || GetU16(raw + 4) != kManifestFormat)
    return AgentStatus::kBadMessage;
  manifest->kind = raw[6];
  manifest->flags = raw[7];
  manifest->version = GetU32(raw + 8);
  manifest->min_runtime_version = GetU32(raw + 12);
  memcpy(manifest->device_type, raw + 16, 16);
  if (manifest->device_type[15] != '\0') return AgentStatus::kBadMessage;
  manifest->size = GetU32(raw + 32);
  memcpy(manifest->sha256, raw + 36, 32);
  return AgentStatus::kOk;
}

namespace {

// The 256-entry CRC table, computed at compile time into read-only data (1 KiB of flash on an
// MCU): about 8x faster than the bit-at-a-time loop, which was measurable with 10,000 simulated
// devices checking ~1 GB of chunks (bench/README.md "Fleet").
struct Crc32Table {
  uint32_t entry[256];
  constexpr Crc32Table() : entry() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t crc = i;
      for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
      entry[i] = crc;
    }
  }
};
constexpr Crc32Table kCrc32Table;

}  // namespace

uint32_t Crc32(uint32_t crc, const void* data, uint32_t bytes) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (uint32_t i = 0; i < bytes; ++i) crc = kCrc32Table.entry[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

}  // namespace tinyforge::agent::wire
