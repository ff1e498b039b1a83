// Fixed-capacity QoS 1 outbound ring (see outbound_queue.h).
#include "agent/core/outbound_queue.h"

#include <string.h>

namespace tinyforge::agent {

AgentStatus OutboundQueue::Push(Channel channel, const uint8_t* payload, uint32_t bytes) {
  if (payload == nullptr) return AgentStatus::kNullArgument;
  if (bytes == 0 || bytes > kMaxPayloadBytes) return AgentStatus::kBufferTooSmall;
  if (count_ == kCapacity) {
    // Drop the oldest. If it is in flight its delivery token will simply not match any more.
    head_ = (head_ + 1) % kCapacity;
    --count_;
    ++dropped_;
  }
  Entry& entry = entries_[(head_ + count_) % kCapacity];
  memcpy(entry.payload, payload, bytes);
  entry.bytes = static_cast<uint8_t>(bytes);
  entry.channel = channel;
  entry.in_flight = false;
  entry.delivered = false;
  entry.token = 0;
  ++count_;
  return AgentStatus::kOk;
}

AgentStatus OutboundQueue::Flush(const TransportPort& transport,
                                 const char* const topics[kChannelCount]) {
  if (transport.publish == nullptr || topics == nullptr) return AgentStatus::kNullArgument;
  if (transport.connected != nullptr && !transport.connected(transport.context))
    return AgentStatus::kNotConnected;
  for (uint32_t i = 0; i < count_; ++i) {
    Entry& entry = At(i);
    if (entry.in_flight || entry.delivered) continue;
    uint32_t token = 0;
    if (transport.publish(transport.context, topics[static_cast<uint8_t>(entry.channel)],
                          entry.payload, entry.bytes, 1, &token) != 0)
      return AgentStatus::kPublishFailed;
    entry.in_flight = true;
    entry.token = token;
  }
  return AgentStatus::kOk;
}

void OutboundQueue::PopDelivered() {
  while (count_ > 0 && entries_[head_].delivered) {
    head_ = (head_ + 1) % kCapacity;
    --count_;
  }
}

bool OutboundQueue::Delivered(uint32_t token, Channel* channel) {
  for (uint32_t i = 0; i < count_; ++i) {
    Entry& entry = At(i);
    if (entry.in_flight && !entry.delivered && entry.token == token) {
      entry.delivered = true;
      if (channel != nullptr) *channel = entry.channel;
      PopDelivered();
      return true;
    }
  }
  return false;
}

void OutboundQueue::Disconnected() {
  for (uint32_t i = 0; i < count_; ++i) {
    Entry& entry = At(i);
    if (!entry.delivered) entry.in_flight = false;
  }
}

}  // namespace tinyforge::agent
