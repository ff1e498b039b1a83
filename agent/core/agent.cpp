// Device agent: boot + trial health check, outbound buffering, OTA routing (see agent.h).
#include "agent/core/agent.h"

#include <string.h>

namespace tinyforge::agent {
namespace {

bool ValidDeviceId(const char* id) {
  const size_t length = strlen(id);
  if (length == 0 || length > 32) return false;
  for (size_t i = 0; i < length; ++i) {
    const char c = id[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool Agent::MakeTopic(char* out, const char* suffix) {
  const size_t id = strlen(config_.device_id);
  const size_t tail = strlen(suffix);
  if (3 + id + 1 + tail + 1 > kTopicBytes) return false;
  memcpy(out, "tf/", 3);
  memcpy(out + 3, config_.device_id, id);
  out[3 + id] = '/';
  memcpy(out + 4 + id, suffix, tail + 1);
  return true;
}

AgentStatus Agent::Init(const AgentConfig& config, const FlashPort* flash,
                        const CryptoPort* crypto, const TransportPort* transport) {
  if (flash == nullptr || crypto == nullptr || transport == nullptr ||
      config.device_id == nullptr || config.device_type == nullptr ||
      config.public_key == nullptr)
    return AgentStatus::kNullArgument;
  if (!ValidDeviceId(config.device_id) || transport->publish == nullptr ||
      transport->subscribe == nullptr)
    return AgentStatus::kBadConfig;
  config_ = config;
  transport_ = transport;
  static const char* const kSuffixes[kChannelCount] = {"telemetry", "state", "alert", "learn"};
  for (uint8_t i = 0; i < kChannelCount; ++i) {
    if (!MakeTopic(topics_[i], kSuffixes[i])) return AgentStatus::kBadConfig;
    topic_table_[i] = topics_[i];
  }
  if (!MakeTopic(topic_ack_, "ota/ack") || !MakeTopic(topic_offer_, "ota/offer") ||
      !MakeTopic(topic_chunk_, "ota/chunk"))
    return AgentStatus::kBadConfig;
  TINYFORGE_AGENT_RETURN_IF_ERROR(slots_.Init(flash, crypto));
  const OtaConfig ota{config.device_type, config.runtime_version, config.public_key,
                      config.artifact_kind, config.max_chunk_bytes};
  TINYFORGE_AGENT_RETURN_IF_ERROR(ota_.Init(ota, &slots_, crypto));
  started_ = false;
  return AgentStatus::kOk;
}

AgentStatus Agent::Start() {
  if (transport_ == nullptr) return AgentStatus::kBadConfig;
  TINYFORGE_AGENT_RETURN_IF_ERROR(slots_.Boot(&boot_));
  started_ = true;
  seq_ = 0;
  awaiting_confirmation_ = false;
  reboot_requested_ = false;
  if (boot_.trial) {
    const bool healthy =
        config_.image_check == nullptr ||
        config_.image_check(config_.image_check_context, boot_.image, boot_.bytes, boot_.kind,
                            boot_.version);
    if (!healthy) {
      TINYFORGE_AGENT_RETURN_IF_ERROR(slots_.Revert());
      reboot_requested_ = true;  // run the confirmed image again
      PublishAck({0, 0, wire::AckStatus::kReverted,
                  static_cast<uint8_t>(AgentStatus::kHealthCheckFailed), boot_.version});
      return AgentStatus::kHealthCheckFailed;
    }
    awaiting_confirmation_ = true;  // last step: telemetry must get through
  }
  if (boot_.reverted) {
    PublishAck({0, 0, wire::AckStatus::kReverted,
                static_cast<uint8_t>(AgentStatus::kHealthCheckFailed), boot_.version});
  }
  return QueueState();
}

wire::Header Agent::NextHeader() {
  wire::Header header{wire::MessageType::kTelemetry, wire::kWireVersion, boot_.boot_count, seq_};
  ++seq_;
  return header;
}

AgentStatus Agent::Queue(Channel channel, const uint8_t* payload, uint32_t bytes) {
  if (bytes == 0) return AgentStatus::kBufferTooSmall;
  TINYFORGE_AGENT_RETURN_IF_ERROR(outbound_.Push(channel, payload, bytes));
  const AgentStatus flushed = Flush();
  // Offline is normal: the message waits in the buffer.
  return flushed == AgentStatus::kNotConnected || flushed == AgentStatus::kPublishFailed
             ? AgentStatus::kOk
             : flushed;
}

AgentStatus Agent::Flush() {
  if (transport_ == nullptr) return AgentStatus::kBadConfig;
  return outbound_.Flush(*transport_, topic_table_);
}

AgentStatus Agent::QueueState() {
  wire::State state = {};
  const BootRecord& record = slots_.record();
  state.confirmed_version = record.confirmed_version;
  state.running_version = record.slots[record.active_slot].version;
  state.runtime_version = config_.runtime_version;
  state.active_slot = record.active_slot;
  state.trial = record.state == kSlotTrial ? 1 : 0;
  state.ota_state = static_cast<uint8_t>(ota_.state());
  state.artifact_kind = config_.artifact_kind;
  state.telemetry_dropped = outbound_.dropped();
  memcpy(state.device_type, config_.device_type, strlen(config_.device_type));
  uint8_t payload[wire::kHeaderBytes + wire::kStateBytes];
  return Queue(Channel::kState, payload,
               wire::EncodeState(NextHeader(), state, payload, sizeof(payload)));
}

AgentStatus Agent::RecordInference(uint32_t latency_us, bool anomaly, float score,
                                   uint16_t class_index, uint32_t uptime_ms) {
  ++stats_.inference_count;
  stats_.latency_us_sum += latency_us;
  if (latency_us > stats_.latency_us_max) stats_.latency_us_max = latency_us;
  if (!anomaly) return AgentStatus::kOk;
  ++stats_.anomaly_count;
  const wire::Alert alert{uptime_ms, boot_.version, class_index, 0, score};
  uint8_t payload[wire::kHeaderBytes + wire::kAlertBytes];
  return Queue(Channel::kAlert, payload,
               wire::EncodeAlert(NextHeader(), alert, payload, sizeof(payload)));
}

AgentStatus Agent::QueueTelemetry(uint32_t uptime_s, uint16_t drift_alarms,
                                  uint16_t accuracy_per10k) {
  wire::Telemetry telemetry = {};
  telemetry.uptime_s = uptime_s;
  telemetry.inference_count = stats_.inference_count;
  telemetry.latency_us_mean =
      stats_.inference_count == 0
          ? 0
          : static_cast<uint32_t>(stats_.latency_us_sum / stats_.inference_count);
  telemetry.latency_us_max = stats_.latency_us_max;
  telemetry.anomaly_count = stats_.anomaly_count;
  telemetry.drift_alarms = drift_alarms;
  telemetry.accuracy_per10k = accuracy_per10k;
  uint8_t payload[wire::kHeaderBytes + wire::kTelemetryBytes];
  return Queue(Channel::kTelemetry, payload,
               wire::EncodeTelemetry(NextHeader(), telemetry, payload, sizeof(payload)));
}

AgentStatus Agent::QueueLearnMetrics(const wire::LearnMetrics& metrics) {
  uint8_t payload[wire::kHeaderBytes + wire::kLearnBytes];
  return Queue(Channel::kLearn, payload,
               wire::EncodeLearn(NextHeader(), metrics, payload, sizeof(payload)));
}

void Agent::PublishAck(const wire::Ack& ack) {
  uint8_t payload[wire::kHeaderBytes + wire::kAckBytes];
  const uint32_t bytes = wire::EncodeAck(NextHeader(), ack, payload, sizeof(payload));
  if (transport_->connected != nullptr && !transport_->connected(transport_->context)) return;
  uint32_t token = 0;
  // Acks are not buffered: after a reconnect OnConnected re-sends the current one (ResumeAck).
  (void)transport_->publish(transport_->context, topic_ack_, payload, bytes, 1, &token);
}

void Agent::OnConnected() {
  (void)transport_->subscribe(transport_->context, topic_offer_, 1);
  (void)transport_->subscribe(transport_->context, topic_chunk_, 1);
  wire::Ack ack;
  if (ota_.ResumeAck(&ack)) PublishAck(ack);
  (void)Flush();
}

void Agent::OnDisconnected() { outbound_.Disconnected(); }

void Agent::OnDelivered(uint32_t token) {
  Channel channel;
  if (!outbound_.Delivered(token, &channel)) return;
  if (awaiting_confirmation_ && channel == Channel::kTelemetry) {
    // Telemetry resumed on the trial image: the last health criterion. Confirm.
    if (slots_.Confirm() == AgentStatus::kOk) {
      awaiting_confirmation_ = false;
      PublishAck({0, 0, wire::AckStatus::kConfirmed, 0, boot_.version});
      (void)QueueState();
    }
  }
}

AgentStatus Agent::OnMessage(const char* topic, const uint8_t* payload, uint32_t bytes) {
  if (topic == nullptr || payload == nullptr) return AgentStatus::kNullArgument;
  wire::Ack ack;
  AgentStatus status;
  bool send_ack = true;
  if (strcmp(topic, topic_offer_) == 0) {
    status = ota_.HandleOffer(payload, bytes, &ack);
  } else if (strcmp(topic, topic_chunk_) == 0) {
    status = ota_.HandleChunk(payload, bytes, &ack, &send_ack);
  } else {
    return AgentStatus::kUnknownTopic;
  }
  if (send_ack) PublishAck(ack);
  return status;
}

}  // namespace tinyforge::agent
