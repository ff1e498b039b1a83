// Synchronous libmosquitto client for the server side and tests (see mqtt_client.h).
#include "server/fleet/mqtt_client.h"

#include <algorithm>
#include <chrono>

namespace tinyforge::server::fleet {

MqttClient::MqttClient(const std::string& client_id) {
  static const bool initialised = [] {
    mosquitto_lib_init();
    return true;
  }();
  (void)initialised;
  mosq_ = mosquitto_new(client_id.c_str(), true, this);
  mosquitto_connect_callback_set(mosq_, &OnConnect);
  mosquitto_disconnect_callback_set(mosq_, &OnDisconnect);
  mosquitto_publish_callback_set(mosq_, &OnPublish);
  mosquitto_subscribe_callback_set(mosq_, &OnSubscribe);
  mosquitto_message_callback_set(mosq_, &OnMessage);
}

MqttClient::~MqttClient() {
  if (mosq_ == nullptr) return;
  if (connected_) mosquitto_disconnect(mosq_);
  mosquitto_destroy(mosq_);
}

bool MqttClient::WaitFor(const std::function<bool()>& done, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    mosquitto_loop(mosq_, 10, 1);
  }
  return true;
}

Result<Ok> MqttClient::Connect(const std::string& host, int port, const std::string& user,
                               const std::string& password, int timeout_ms) {
  mosquitto_username_pw_set(mosq_, user.c_str(), password.c_str());
  connack_ = -1;
  const int rc = mosquitto_connect(mosq_, host.c_str(), port, 30);
  if (rc != MOSQ_ERR_SUCCESS)
    return MakeError("mqtt connect " + host + ":" + std::to_string(port) + ": " +
                     mosquitto_strerror(rc));
  if (!WaitFor([&] { return connack_ >= 0; }, timeout_ms))
    return MakeError("mqtt connect: no CONNACK within " + std::to_string(timeout_ms) + " ms");
  if (connack_ != 0)
    return MakeError("mqtt connect as '" + user + "': " + mosquitto_connack_string(connack_));
  return Ok{};
}

void MqttClient::Disconnect() {
  if (!connected_) return;
  mosquitto_disconnect(mosq_);
  mosquitto_loop(mosq_, 10, 1);
  connected_ = false;
}

Result<int> MqttClient::Subscribe(const std::string& topic, int qos, int timeout_ms) {
  int mid = 0;
  suback_qos_ = -1;
  const int rc = mosquitto_subscribe(mosq_, &mid, topic.c_str(), qos);
  if (rc != MOSQ_ERR_SUCCESS) return MakeError("subscribe " + topic + ": " + mosquitto_strerror(rc));
  suback_mid_ = mid;
  if (!WaitFor([&] { return suback_qos_ >= 0; }, timeout_ms))
    return MakeError("subscribe " + topic + ": no SUBACK");
  return suback_qos_;
}

Result<Ok> MqttClient::Publish(const std::string& topic, const std::vector<uint8_t>& payload,
                               int timeout_ms) {
  int mid = 0;
  const int rc = mosquitto_publish(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                   payload.data(), 1, false);
  if (rc != MOSQ_ERR_SUCCESS) return MakeError("publish " + topic + ": " + mosquitto_strerror(rc));
  auto acked = [&] { return std::find(published_.begin(), published_.end(), mid) != published_.end(); };
  if (!WaitFor(acked, timeout_ms)) return MakeError("publish " + topic + ": no PUBACK");
  published_.erase(std::remove(published_.begin(), published_.end(), mid), published_.end());
  return Ok{};
}

void MqttClient::Poll(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  do {
    mosquitto_loop(mosq_, 5, 1);
  } while (std::chrono::steady_clock::now() < deadline);
}

void MqttClient::OnConnect(struct mosquitto*, void* context, int rc) {
  auto* self = static_cast<MqttClient*>(context);
  self->connack_ = rc;
  self->connected_ = rc == 0;
}

void MqttClient::OnDisconnect(struct mosquitto*, void* context, int) {
  static_cast<MqttClient*>(context)->connected_ = false;
}

void MqttClient::OnPublish(struct mosquitto*, void* context, int mid) {
  static_cast<MqttClient*>(context)->published_.push_back(mid);
}

void MqttClient::OnSubscribe(struct mosquitto*, void* context, int mid, int count,
                             const int* granted) {
  auto* self = static_cast<MqttClient*>(context);
  if (mid == self->suback_mid_ && count > 0) self->suback_qos_ = granted[0];
}

void MqttClient::OnMessage(struct mosquitto*, void* context,
                           const struct mosquitto_message* message) {
  auto* self = static_cast<MqttClient*>(context);
  MqttMessage copy;
  copy.topic = message->topic;
  const auto* bytes = static_cast<const uint8_t*>(message->payload);
  if (message->payloadlen > 0) copy.payload.assign(bytes, bytes + message->payloadlen);
  if (self->handler_) {
    self->handler_(copy);
  } else {
    self->inbox_.push_back(std::move(copy));
  }
}

}  // namespace tinyforge::server::fleet
