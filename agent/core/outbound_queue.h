// Offline buffer for device -> server messages (telemetry, state, alerts, learn metrics): a fixed
// ring that keeps each message until the transport reports its QoS 1 delivery. Messages sent but
// not acknowledged before a disconnect are sent again after the reconnect; the server drops the
// resulting duplicates by message id (epoch, seq), so nothing is lost and nothing counted twice.
// When the ring is full the OLDEST message is dropped and counted (dropped()).
#ifndef TINYFORGE_AGENT_CORE_OUTBOUND_QUEUE_H_
#define TINYFORGE_AGENT_CORE_OUTBOUND_QUEUE_H_

#include <stdint.h>

#include "agent/core/agent_status.h"
#include "agent/core/ports.h"

namespace tinyforge::agent {

enum class Channel : uint8_t { kTelemetry = 0, kState = 1, kAlert = 2, kLearn = 3 };
constexpr uint8_t kChannelCount = 4;

class OutboundQueue {
 public:
  static constexpr uint32_t kCapacity = 32;
  static constexpr uint32_t kMaxPayloadBytes = 64;

  // Copies the payload in. kBufferTooSmall when it exceeds kMaxPayloadBytes.
  AgentStatus Push(Channel channel, const uint8_t* payload, uint32_t bytes);
  // Publishes every message not yet in flight, oldest first, on topics[channel] (QoS 1).
  // Stops at the first publish failure (kPublishFailed) and keeps the rest for later.
  AgentStatus Flush(const TransportPort& transport, const char* const topics[kChannelCount]);
  // A QoS 1 delivery: frees the matching message. Returns its channel or false if unknown.
  bool Delivered(uint32_t token, Channel* channel);
  // The connection dropped: messages in flight go back to 'not sent'.
  void Disconnected();

  uint32_t size() const { return count_; }
  uint32_t dropped() const { return dropped_; }

 private:
  struct Entry {
    uint8_t payload[kMaxPayloadBytes];
    uint8_t bytes;
    Channel channel;
    bool in_flight;
    bool delivered;
    uint32_t token;
  };
  Entry& At(uint32_t i) { return entries_[(head_ + i) % kCapacity]; }
  void PopDelivered();

  Entry entries_[kCapacity] = {};
  uint32_t head_ = 0;
  uint32_t count_ = 0;
  uint32_t dropped_ = 0;
};

}  // namespace tinyforge::agent

#endif  // TINYFORGE_AGENT_CORE_OUTBOUND_QUEUE_H_
