// Server side of the fleet wire format (docs/protocol.md), written independently of the agent's
// agent/core/wire.h so each side's tests check the other: OTA offer/chunk encoding, decoding of
// device messages (ack, telemetry, state, alert, learn) and duplicate suppression by message id.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "server/fleet/artifacts.h"
#include "server/fleet/fleet_result.h"

namespace tinyforge::server::fleet {

enum class MessageType : uint8_t {
  kTelemetry = 1, kState = 2, kAlert = 3, kLearn = 4, kOtaOffer = 16, kOtaChunk = 17, kOtaAck = 18,
};

enum class AckStatus : uint8_t {
  kAccepted = 0, kProgress = 1, kVerified = 2, kConfirmed = 3, kReverted = 4, kRefused = 5,
};

struct MessageId {
  uint32_t epoch = 0;  // the device's boot count
  uint32_t seq = 0;    // message counter within that boot
};

struct DeviceMessage {
  MessageType type{};
  MessageId id;
  std::vector<uint8_t> body;  // bytes after the 12-byte header
};

struct AckMessage {
  MessageId id;
  uint32_t offer_id = 0;
  uint32_t next_chunk = 0;
  AckStatus status{};
  uint8_t detail = 0;  // the agent's AgentStatus code when refused
  uint32_t version = 0;
};

struct TelemetryMessage {
  MessageId id;
  uint32_t uptime_s = 0, inference_count = 0, latency_us_mean = 0, latency_us_max = 0;
  uint32_t anomaly_count = 0;
  uint16_t drift_alarms = 0, accuracy_per10k = 0;
};

struct StateMessage {
  MessageId id;
  uint32_t confirmed_version = 0, running_version = 0, runtime_version = 0;
  uint8_t active_slot = 0, trial = 0, ota_state = 0, artifact_kind = 0;
  uint32_t telemetry_dropped = 0;
  std::string device_type;
};

struct AlertMessage {
  MessageId id;
  uint32_t uptime_ms = 0, model_version = 0;
  uint16_t class_index = 0;
  float score = 0.0f;
};

struct LearnMessage {
  MessageId id;
  uint32_t samples_seen = 0, labels_seen = 0;
  uint16_t accuracy_per10k = 0, drift_events = 0;
  uint8_t class_count = 0;
};

uint32_t ChunkCount(uint32_t payload_bytes, uint16_t chunk_bytes);
std::vector<uint8_t> EncodeOffer(const SignedArtifact& artifact, uint32_t offer_id,
                                 uint16_t chunk_bytes);
// Chunk `index` of the artifact with its CRC-32. Empty when index is past the end.
std::vector<uint8_t> EncodeChunk(const SignedArtifact& artifact, uint32_t offer_id,
                                 uint16_t chunk_bytes, uint32_t index);

// Errors name the topic-independent problem (short, wrong version, wrong length for the type).
Result<DeviceMessage> DecodeDeviceMessage(const std::vector<uint8_t>& payload);
Result<AckMessage> DecodeAck(const std::vector<uint8_t>& payload);
Result<TelemetryMessage> DecodeTelemetry(const std::vector<uint8_t>& payload);
Result<StateMessage> DecodeState(const std::vector<uint8_t>& payload);
Result<AlertMessage> DecodeAlert(const std::vector<uint8_t>& payload);
Result<LearnMessage> DecodeLearn(const std::vector<uint8_t>& payload);

// CRC-32 (IEEE, zlib's) of bytes.
uint32_t Crc32(const uint8_t* data, size_t bytes);

// Remembers (device, epoch, seq) so a QoS 1 re-delivery is counted once. First() is true the
// first time a message id is seen.
class MessageDeduplicator {
 public:
  bool First(const std::string& device_id, const MessageId& id);
  size_t size() const { return seen_.size(); }

 private:
  std::set<std::tuple<std::string, uint32_t, uint32_t>> seen_;
};

// "tf/<device>/<leaf...>" topic helpers.
std::string DeviceTopic(const std::string& device_id, const std::string& leaf);
// The device id in a tf/<id>/... topic, empty if the topic is not one.
std::string DeviceOfTopic(const std::string& topic);

}  // namespace tinyforge::server::fleet
