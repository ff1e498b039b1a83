// Test helpers for the agent: a recording in-memory transport, signed artifacts made with the
// server's signer (server/fleet/artifacts.h), and a simulated device (flash + agent) that can be
// rebooted.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "agent/core/agent.h"
#include "agent/ports/host/memory_flash.h"
#include "agent/ports/host/sodium_crypto.h"
#include "server/fleet/artifacts.h"
#include "server/fleet/protocol.h"

namespace tinyforge::agent::testing {

namespace fleet = tinyforge::server::fleet;

// Records publishes; the test decides when QoS 1 deliveries happen.
struct RecordingTransport {
  struct Sent {
    std::string topic;
    std::vector<uint8_t> payload;
    uint32_t token;
  };
  bool online = true;
  uint32_t next_token = 1;
  std::vector<Sent> sent;
  std::vector<uint32_t> undelivered;
  TransportPort port{this, &Publish, &Subscribe, &Connected};

  static int Publish(void* context, const char* topic, const uint8_t* payload, uint32_t bytes,
                     uint8_t, uint32_t* token) {
    auto* self = static_cast<RecordingTransport*>(context);
    if (!self->online) return -1;
    *token = self->next_token++;
    self->sent.push_back({topic, std::vector<uint8_t>(payload, payload + bytes), *token});
    self->undelivered.push_back(*token);
    return 0;
  }
  static int Subscribe(void*, const char*, uint8_t) { return 0; }
  static bool Connected(void* context) { return static_cast<RecordingTransport*>(context)->online; }

  void DeliverAll(Agent& agent) {
    std::vector<uint32_t> tokens;
    tokens.swap(undelivered);
    for (uint32_t token : tokens) agent.OnDelivered(token);
  }
  // The last ack the agent published on its ota/ack topic.
  fleet::AckMessage LastAck() const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
      if (it->topic.size() >= 7 && it->topic.compare(it->topic.size() - 7, 7, "ota/ack") == 0) {
        auto ack = fleet::DecodeAck(it->payload);
        if (ack.ok()) return ack.value();
      }
    }
    return {};
  }
};

inline std::vector<uint8_t> RandomBytes(size_t bytes, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(bytes);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

inline fleet::SigningKey TestKey() {
  static const fleet::SigningKey key = fleet::GenerateSigningKey().value();
  return key;
}

inline fleet::SignedArtifact Sign(const std::vector<uint8_t>& payload, uint32_t version,
                                  fleet::ArtifactKind kind = fleet::ArtifactKind::kFirmware,
                                  const std::string& device_type = "sensor-m4",
                                  bool pinned = false, const fleet::SigningKey& key = TestKey(),
                                  uint32_t min_runtime = 0x000100) {
  fleet::ArtifactSpec spec;
  spec.kind = kind;
  spec.version = version;
  spec.min_runtime_version = min_runtime;
  spec.device_type = device_type;
  spec.pinned = pinned;
  return fleet::SignArtifact(key, spec, payload).value();
}

// A device: flash that survives reboots, and an agent that does not.
struct SimDevice {
  host::MemoryFlash flash;
  RecordingTransport transport;
  std::unique_ptr<Agent> agent;
  AgentConfig config{};
  std::array<uint8_t, 32> public_key = TestKey().public_key;

  SimDevice(uint32_t slot_bytes, uint8_t kind) : flash(256, slot_bytes) {
    config.device_id = "dev-a";
    config.device_type = "sensor-m4";
    config.runtime_version = 0x000100;
    config.public_key = public_key.data();
    config.artifact_kind = kind;
  }
  AgentStatus Provision(const std::vector<uint8_t>& image, uint32_t version) {
    SlotManager slots;
    TINYFORGE_AGENT_RETURN_IF_ERROR(slots.Init(&flash.port(), &host::SodiumCrypto()));
    return slots.Provision(image.data(), static_cast<uint32_t>(image.size()), version,
                           config.artifact_kind);
  }
  // A fresh agent (RAM lost), booted.
  AgentStatus Boot() {
    agent = std::make_unique<Agent>();
    transport.undelivered.clear();
    TINYFORGE_AGENT_RETURN_IF_ERROR(
        agent->Init(config, &flash.port(), &host::SodiumCrypto(), &transport.port));
    TINYFORGE_AGENT_RETURN_IF_ERROR(agent->Start());
    agent->OnConnected();
    return AgentStatus::kOk;
  }
  // What the server would do next: telemetry flows and is delivered (confirms a trial image).
  void SendTelemetry() {
    (void)agent->QueueTelemetry(1, 0, 0xFFFF);
    transport.DeliverAll(*agent);
  }
  AgentStatus Offer(const fleet::SignedArtifact& artifact, uint32_t offer_id, uint16_t chunk) {
    const auto payload = fleet::EncodeOffer(artifact, offer_id, chunk);
    return agent->OnMessage("tf/dev-a/ota/offer", payload.data(), static_cast<uint32_t>(payload.size()));
  }
  AgentStatus Chunk(const fleet::SignedArtifact& artifact, uint32_t offer_id, uint16_t chunk,
                    uint32_t index) {
    const auto payload = fleet::EncodeChunk(artifact, offer_id, chunk, index);
    return agent->OnMessage("tf/dev-a/ota/chunk", payload.data(), static_cast<uint32_t>(payload.size()));
  }
  // The bytes of the running slot, read straight from the flash regions.
  std::vector<uint8_t> RunningImage() {
    const BootRecord& record = agent->slots().record();
    const auto& region = flash.region(record.active_slot == 0 ? kSlotRegionA : kSlotRegionB);
    const uint32_t bytes = record.slots[record.active_slot].bytes;
    return std::vector<uint8_t>(region.begin(), region.begin() + bytes);
  }
};

}  // namespace tinyforge::agent::testing
