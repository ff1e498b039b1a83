// Server-side encoders/decoders of the fleet wire format (see protocol.h, docs/protocol.md).
#include "server/fleet/protocol.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace tinyforge::server::fleet {
namespace {

constexpr uint8_t kWireVersion = 1;
constexpr size_t kHeaderBytes = 12;

void Put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void Put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t Get32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

std::vector<uint8_t> Header(MessageType type, uint32_t epoch, uint32_t seq) {
  std::vector<uint8_t> out;
  out.push_back(static_cast<uint8_t>(type));
  out.push_back(kWireVersion);
  Put16(out, 0);
  Put32(out, epoch);
  Put32(out, seq);
  return out;
}

Result<DeviceMessage> DecodeTyped(const std::vector<uint8_t>& payload, MessageType type,
                                  size_t body_bytes, const char* what) {
  auto message = DecodeDeviceMessage(payload);
  if (!message.ok()) return message.error();
  if (message->type != type || message->body.size() != body_bytes)
    return MakeError(std::string(what) + ": expected type " +
                     std::to_string(static_cast<int>(type)) + " with " +
                     std::to_string(body_bytes) + " body bytes, got type " +
                     std::to_string(static_cast<int>(message->type)) + " with " +
                     std::to_string(message->body.size()));
  return message;
}

}  // namespace

uint32_t Crc32(const uint8_t* data, size_t bytes) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < bytes; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

uint32_t ChunkCount(uint32_t payload_bytes, uint16_t chunk_bytes) {
  return chunk_bytes == 0 ? 0 : (payload_bytes + chunk_bytes - 1u) / chunk_bytes;
}

std::vector<uint8_t> EncodeOffer(const SignedArtifact& artifact, uint32_t offer_id,
                                 uint16_t chunk_bytes) {
  std::vector<uint8_t> out = Header(MessageType::kOtaOffer, 0, offer_id);
  Put32(out, offer_id);
  Put16(out, chunk_bytes);
  Put16(out, 0);
  Put32(out, ChunkCount(static_cast<uint32_t>(artifact.payload.size()), chunk_bytes));
  out.insert(out.end(), artifact.manifest.begin(), artifact.manifest.end());
  out.insert(out.end(), artifact.signature.begin(), artifact.signature.end());
  return out;
}

std::vector<uint8_t> EncodeChunk(const SignedArtifact& artifact, uint32_t offer_id,
                                 uint16_t chunk_bytes, uint32_t index) {
  const size_t offset = size_t{index} * chunk_bytes;
  if (offset >= artifact.payload.size()) return {};
  const size_t bytes = std::min<size_t>(chunk_bytes, artifact.payload.size() - offset);
  std::vector<uint8_t> out = Header(MessageType::kOtaChunk, 0, index);
  Put32(out, offer_id);
  Put32(out, index);
  Put16(out, static_cast<uint16_t>(bytes));
  Put16(out, 0);
  Put32(out, Crc32(artifact.payload.data() + offset, bytes));
  out.insert(out.end(), artifact.payload.begin() + static_cast<std::ptrdiff_t>(offset),
             artifact.payload.begin() + static_cast<std::ptrdiff_t>(offset + bytes));
  return out;
}

Result<DeviceMessage> DecodeDeviceMessage(const std::vector<uint8_t>& payload) {
  if (payload.size() < kHeaderBytes)
    return MakeError("message: " + std::to_string(payload.size()) + " bytes, header needs 12");
  if (payload[1] != kWireVersion)
    return MakeError("message: wire version " + std::to_string(payload[1]) + ", expected 1");
  DeviceMessage message;
  message.type = static_cast<MessageType>(payload[0]);
  message.id = {Get32(payload.data() + 4), Get32(payload.data() + 8)};
  message.body.assign(payload.begin() + kHeaderBytes, payload.end());
  return message;
}

Result<AckMessage> DecodeAck(const std::vector<uint8_t>& payload) {
  auto message = DecodeTyped(payload, MessageType::kOtaAck, 16, "ota/ack");
  if (!message.ok()) return message.error();
  const uint8_t* p = message->body.data();
  AckMessage ack;
  ack.id = message->id;
  ack.offer_id = Get32(p);
  ack.next_chunk = Get32(p + 4);
  ack.status = static_cast<AckStatus>(p[8]);
  ack.detail = p[9];
  ack.version = Get32(p + 12);
  return ack;
}

Result<TelemetryMessage> DecodeTelemetry(const std::vector<uint8_t>& payload) {
  auto message = DecodeTyped(payload, MessageType::kTelemetry, 24, "telemetry");
  if (!message.ok()) return message.error();
  const uint8_t* p = message->body.data();
  TelemetryMessage t;
  t.id = message->id;
  t.uptime_s = Get32(p);
  t.inference_count = Get32(p + 4);
  t.latency_us_mean = Get32(p + 8);
  t.latency_us_max = Get32(p + 12);
  t.anomaly_count = Get32(p + 16);
  t.drift_alarms = Get16(p + 20);
  t.accuracy_per10k = Get16(p + 22);
  return t;
}

Result<StateMessage> DecodeState(const std::vector<uint8_t>& payload) {
  auto message = DecodeTyped(payload, MessageType::kState, 36, "state");
  if (!message.ok()) return message.error();
  const uint8_t* p = message->body.data();
  StateMessage s;
  s.id = message->id;
  s.confirmed_version = Get32(p);
  s.running_version = Get32(p + 4);
  s.runtime_version = Get32(p + 8);
  s.active_slot = p[12];
  s.trial = p[13];
  s.ota_state = p[14];
  s.artifact_kind = p[15];
  s.telemetry_dropped = Get32(p + 16);
  const char* type = reinterpret_cast<const char*>(p + 20);
  s.device_type.assign(type, strnlen(type, 16));
  return s;
}

Result<AlertMessage> DecodeAlert(const std::vector<uint8_t>& payload) {
  auto message = DecodeTyped(payload, MessageType::kAlert, 16, "alert");
  if (!message.ok()) return message.error();
  const uint8_t* p = message->body.data();
  AlertMessage a;
  a.id = message->id;
  a.uptime_ms = Get32(p);
  a.model_version = Get32(p + 4);
  a.class_index = Get16(p + 8);
  const uint32_t bits = Get32(p + 12);
  std::memcpy(&a.score, &bits, sizeof(a.score));
  return a;
}

Result<LearnMessage> DecodeLearn(const std::vector<uint8_t>& payload) {
  auto message = DecodeTyped(payload, MessageType::kLearn, 16, "learn");
  if (!message.ok()) return message.error();
  const uint8_t* p = message->body.data();
  LearnMessage l;
  l.id = message->id;
  l.samples_seen = Get32(p);
  l.labels_seen = Get32(p + 4);
  l.accuracy_per10k = Get16(p + 8);
  l.drift_events = Get16(p + 10);
  l.class_count = p[12];
  return l;
}

bool MessageDeduplicator::First(const std::string& device_id, const MessageId& id) {
  return seen_.emplace(device_id, id.epoch, id.seq).second;
}

std::string DeviceTopic(const std::string& device_id, const std::string& leaf) {
  return "tf/" + device_id + "/" + leaf;
}

std::string DeviceOfTopic(const std::string& topic) {
  if (topic.rfind("tf/", 0) != 0) return {};
  const size_t end = topic.find('/', 3);
  return end == std::string::npos ? std::string() : topic.substr(3, end - 3);
}

}  // namespace tinyforge::server::fleet
