// The device agent: boots the right slot, runs the health check of a trial image (image check +
// telemetry delivered) and confirms or reverts it, reports state/telemetry/alerts/learn metrics
// through an offline buffer, and feeds OTA messages to the OtaClient. Portable core: no heap, no
// OS calls; everything goes through FlashPort, CryptoPort and TransportPort (agent/core/ports.h).
//
// Topics (docs/protocol.md), <id> = device id = MQTT user name:
//   publish  tf/<id>/telemetry  tf/<id>/state  tf/<id>/alert  tf/<id>/learn  tf/<id>/ota/ack
//   subscribe tf/<id>/ota/offer  tf/<id>/ota/chunk
#ifndef TINYFORGE_AGENT_CORE_AGENT_H_
#define TINYFORGE_AGENT_CORE_AGENT_H_

#include <stdint.h>

#include "agent/core/agent_status.h"
#include "agent/core/ota_client.h"
#include "agent/core/outbound_queue.h"
#include "agent/core/ports.h"
#include "agent/core/slot_manager.h"
#include "agent/core/wire.h"

namespace tinyforge::agent {

// Checks that an image works before it is trusted: for a model, that it loads and a self-test
// inference passes (see model_self_test.h). true = healthy.
typedef bool (*ImageCheckFn)(void* context, const uint8_t* image, uint32_t bytes, uint8_t kind,
                             uint32_t version);

struct AgentConfig {
  const char* device_id;      // 1-32 of [A-Za-z0-9_-]; also the MQTT user name
  const char* device_type;    // at most 15 characters; must match artifact manifests
  uint32_t runtime_version;   // major << 16 | minor << 8 | patch
  const uint8_t* public_key;  // 32-byte Ed25519 key of the fleet server
  uint8_t artifact_kind;      // what the A/B slots hold (wire::ArtifactKind)
  ImageCheckFn image_check;   // may be nullptr: only 'telemetry resumes' is then checked
  void* image_check_context;
  // Largest OTA chunk (data bytes) the transport's receive buffer takes; 0 = 1024
  // (wire::kDefaultDeviceChunkBytes). Chunks are written to flash as they come, so this is the
  // whole OTA receive RAM; larger offers are refused with ChunkTooLarge and this limit.
  uint16_t max_chunk_bytes;
};

// Running counters the agent turns into telemetry.
struct InferenceStats {
  uint32_t inference_count = 0;
  uint64_t latency_us_sum = 0;
  uint32_t latency_us_max = 0;
  uint32_t anomaly_count = 0;
};

class Agent {
 public:
  // All pointers must outlive the agent.
  AgentStatus Init(const AgentConfig& config, const FlashPort* flash, const CryptoPort* crypto,
                   const TransportPort* transport);

  // Boot: picks the slot (SlotManager::Boot). For a trial image runs the image check at once and
  // reverts on failure (reboot_requested() then asks the caller to restart / reload); on success
  // the image is confirmed when the first telemetry message is delivered.
  AgentStatus Start();
  const BootInfo& boot() const { return boot_; }

  // Transport events (the port calls these).
  void OnConnected();
  void OnDisconnected();
  void OnDelivered(uint32_t token);
  // Routes tf/<id>/ota/offer and tf/<id>/ota/chunk; kUnknownTopic for anything else.
  AgentStatus OnMessage(const char* topic, const uint8_t* payload, uint32_t bytes);

  // Application events. An alert is queued only when `anomaly` is true.
  AgentStatus RecordInference(uint32_t latency_us, bool anomaly, float score, uint16_t class_index,
                              uint32_t uptime_ms);
  AgentStatus QueueTelemetry(uint32_t uptime_s, uint16_t drift_alarms, uint16_t accuracy_per10k);
  AgentStatus QueueLearnMetrics(const wire::LearnMetrics& metrics);
  AgentStatus QueueState();
  // Sends what the offline buffer holds (no-op while disconnected).
  AgentStatus Flush();

  // true after an OTA switch or a revert: the caller reboots (firmware) or reloads (model).
  bool reboot_requested() const { return reboot_requested_ || ota_.reboot_requested(); }
  bool awaiting_confirmation() const { return awaiting_confirmation_; }
  const SlotManager& slots() const { return slots_; }
  const OtaClient& ota() const { return ota_; }
  const OutboundQueue& outbound() const { return outbound_; }
  const InferenceStats& stats() const { return stats_; }
  const char* topic(Channel channel) const { return topics_[static_cast<uint8_t>(channel)]; }

 private:
  AgentStatus Queue(Channel channel, const uint8_t* payload, uint32_t bytes);
  wire::Header NextHeader();
  void PublishAck(const wire::Ack& ack);
  bool MakeTopic(char* out, const char* suffix);

  AgentConfig config_ = {};
  const TransportPort* transport_ = nullptr;
  SlotManager slots_;
  OtaClient ota_;
  OutboundQueue outbound_;
  BootInfo boot_ = {};
  InferenceStats stats_;
  uint32_t seq_ = 0;
  bool started_ = false;
  bool awaiting_confirmation_ = false;
  bool reboot_requested_ = false;
  static constexpr uint32_t kTopicBytes = 48;
  char topics_[kChannelCount][kTopicBytes] = {};
  char topic_ack_[kTopicBytes] = {};
  char topic_offer_[kTopicBytes] = {};
  char topic_chunk_[kTopicBytes] = {};
  const char* topic_table_[kChannelCount] = {};
};

}  // namespace tinyforge::agent

#endif  // TINYFORGE_AGENT_CORE_AGENT_H_
