// Host port of the transport seam on libmosquitto (MQTT 3.1.1, QoS 1), used by tests and the
// device simulator. Single-threaded: the owner calls Poll() and every Agent callback runs inside it.
#pragma once

#include <mosquitto.h>

#include <string>

#include "agent/core/agent.h"
#include "agent/core/ports.h"

namespace tinyforge::agent::host {

class MosquittoTransport {
 public:
  explicit MosquittoTransport(std::string client_id);
  ~MosquittoTransport();
  MosquittoTransport(const MosquittoTransport&) = delete;
  MosquittoTransport& operator=(const MosquittoTransport&) = delete;

  // Events go to `agent` (may be set before or after Connect; nullptr detaches).
  void Attach(Agent* agent) { agent_ = agent; }
  const TransportPort& port() const { return port_; }

  // Opens the TCP connection and waits (Poll) up to timeout_ms for CONNACK. false with error().
  bool Connect(const std::string& host, int port, const std::string& user,
               const std::string& password, int timeout_ms = 5000);
  bool Reconnect(int timeout_ms = 5000);
  // Drops the connection (a simulated network loss when `clean` is false: no DISCONNECT packet).
  void Disconnect(bool clean = true);
  // Runs the network loop once for at most timeout_ms.
  void Poll(int timeout_ms);
  bool connected() const { return connected_; }
  int connack_code() const { return connack_code_; }
  const std::string& error() const { return error_; }

 private:
  static int Publish(void* context, const char* topic, const uint8_t* payload, uint32_t bytes,
                     uint8_t qos, uint32_t* token);
  static int Subscribe(void* context, const char* topic, uint8_t qos);
  static bool Connected(void* context);
  static void OnConnect(struct mosquitto*, void* self, int rc);
  static void OnDisconnect(struct mosquitto*, void* self, int rc);
  static void OnPublish(struct mosquitto*, void* self, int mid);
  static void OnMessage(struct mosquitto*, void* self, const struct mosquitto_message* message);
  bool WaitForConnack(int timeout_ms);

  struct mosquitto* mosq_ = nullptr;
  Agent* agent_ = nullptr;
  TransportPort port_;
  bool connected_ = false;
  int connack_code_ = -1;
  std::string error_;
};

}  // namespace tinyforge::agent::host
