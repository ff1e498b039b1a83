// A small synchronous MQTT client on libmosquitto for the server side (and for tests that play
// the server or a rogue device): connect, subscribe (waits for SUBACK), publish QoS 1 (waits for
// PUBACK), and poll received messages. Single-threaded: nothing happens outside Poll/Wait calls.
#pragma once

#include <mosquitto.h>

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "server/fleet/fleet_result.h"

namespace tinyforge::server::fleet {

struct MqttMessage {
  std::string topic;
  std::vector<uint8_t> payload;
};

class MqttClient {
 public:
  explicit MqttClient(const std::string& client_id);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  Result<Ok> Connect(const std::string& host, int port, const std::string& user,
                     const std::string& password, int timeout_ms = 5000);
  void Disconnect();
  // Returns the granted QoS (0x80 = refused by the broker).
  Result<int> Subscribe(const std::string& topic, int qos = 1, int timeout_ms = 5000);
  // QoS 1 publish; returns once the broker acknowledged it (PUBACK).
  Result<Ok> Publish(const std::string& topic, const std::vector<uint8_t>& payload,
                     int timeout_ms = 5000);
  // Runs the network loop for up to timeout_ms; received messages go to inbox() (and to the
  // handler, when one is set, instead).
  void Poll(int timeout_ms);
  void SetHandler(std::function<void(const MqttMessage&)> handler) { handler_ = std::move(handler); }
  std::deque<MqttMessage>& inbox() { return inbox_; }
  bool connected() const { return connected_; }

 private:
  static void OnConnect(struct mosquitto*, void* self, int rc);
  static void OnDisconnect(struct mosquitto*, void* self, int rc);
  static void OnPublish(struct mosquitto*, void* self, int mid);
  static void OnSubscribe(struct mosquitto*, void* self, int mid, int count, const int* granted);
  static void OnMessage(struct mosquitto*, void* self, const struct mosquitto_message* message);
  bool WaitFor(const std::function<bool()>& done, int timeout_ms);

  struct mosquitto* mosq_ = nullptr;
  bool connected_ = false;
  int connack_ = -1;
  std::vector<int> published_;
  int suback_mid_ = -1;
  int suback_qos_ = -1;
  std::deque<MqttMessage> inbox_;
  std::function<void(const MqttMessage&)> handler_;
};

}  // namespace tinyforge::server::fleet
