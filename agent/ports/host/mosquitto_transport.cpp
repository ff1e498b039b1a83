// libmosquitto transport for the host agent (see mosquitto_transport.h).
#include "agent/ports/host/mosquitto_transport.h"

#include <sys/socket.h>

#include <chrono>

namespace tinyforge::agent::host {
namespace {

void LibraryInit() {
  static const bool initialised = [] {
    mosquitto_lib_init();
    return true;
  }();
  (void)initialised;
}

}  // namespace

MosquittoTransport::MosquittoTransport(std::string client_id) {
  LibraryInit();
  mosq_ = mosquitto_new(client_id.c_str(), true, this);
  mosquitto_connect_callback_set(mosq_, &OnConnect);
  mosquitto_disconnect_callback_set(mosq_, &OnDisconnect);
  mosquitto_publish_callback_set(mosq_, &OnPublish);
  mosquitto_message_callback_set(mosq_, &OnMessage);
  // OTA is one chunk per ack: with Nagle + delayed ACK each round trip waited ~40 ms.
  if (mosq_ != nullptr) mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  port_ = TransportPort{this, &Publish, &Subscribe, &Connected};
}

MosquittoTransport::~MosquittoTransport() {
  if (mosq_ != nullptr) {
    if (connected_) mosquitto_disconnect(mosq_);
    mosquitto_destroy(mosq_);
  }
}

bool MosquittoTransport::WaitForConnack(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  connack_code_ = -1;
  while (connack_code_ < 0 && std::chrono::steady_clock::now() < deadline) {
    const int rc = mosquitto_loop(mosq_, 20, 1);
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN && connack_code_ < 0) {
      error_ = std::string("mqtt loop: ") + mosquitto_strerror(rc);
      return false;
    }
  }
  if (connack_code_ != 0) {
    error_ = connack_code_ < 0 ? "no CONNACK before timeout"
                               : std::string("connection refused: ") +
                                     mosquitto_connack_string(connack_code_);
    return false;
  }
  return true;
}

bool MosquittoTransport::Connect(const std::string& host, int port, const std::string& user,
                                 const std::string& password, int timeout_ms) {
  mosquitto_username_pw_set(mosq_, user.c_str(), password.c_str());
  const int rc = mosquitto_connect(mosq_, host.c_str(), port, 30);
  if (rc != MOSQ_ERR_SUCCESS) {
    error_ = std::string("connect ") + host + ":" + std::to_string(port) + ": " +
             mosquitto_strerror(rc);
    return false;
  }
  return WaitForConnack(timeout_ms);
}

bool MosquittoTransport::Reconnect(int timeout_ms) {
  const int rc = mosquitto_reconnect(mosq_);
  if (rc != MOSQ_ERR_SUCCESS) {
    error_ = std::string("reconnect: ") + mosquitto_strerror(rc);
    return false;
  }
  return WaitForConnack(timeout_ms);
}

void MosquittoTransport::Disconnect(bool clean) {
  // The agent hears of the loss first: a PUBACK still in the socket then counts as lost, as it
  // would be on a real dropped link, and its message is sent again after the reconnect.
  if (connected_) {
    connected_ = false;
    if (agent_ != nullptr) agent_->OnDisconnected();
  }
  if (clean) {
    mosquitto_disconnect(mosq_);
  } else {
    // Close the socket under the client's feet, as a lost network would.
    const int fd = mosquitto_socket(mosq_);
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }
  mosquitto_loop(mosq_, 10, 1);
}

void MosquittoTransport::Poll(int timeout_ms) { mosquitto_loop(mosq_, timeout_ms, 1); }

int MosquittoTransport::Publish(void* context, const char* topic, const uint8_t* payload,
                                uint32_t bytes, uint8_t qos, uint32_t* token) {
  auto* self = static_cast<MosquittoTransport*>(context);
  if (!self->connected_) return -1;
  int mid = 0;
  const int rc = mosquitto_publish(self->mosq_, &mid, topic, static_cast<int>(bytes), payload,
                                   qos, false);
  if (rc != MOSQ_ERR_SUCCESS) return -1;
  if (token != nullptr) *token = static_cast<uint32_t>(mid);
  return 0;
}

int MosquittoTransport::Subscribe(void* context, const char* topic, uint8_t qos) {
  auto* self = static_cast<MosquittoTransport*>(context);
  return mosquitto_subscribe(self->mosq_, nullptr, topic, qos) == MOSQ_ERR_SUCCESS ? 0 : -1;
}

bool MosquittoTransport::Connected(void* context) {
  return static_cast<MosquittoTransport*>(context)->connected_;
}

void MosquittoTransport::OnConnect(struct mosquitto*, void* context, int rc) {
  auto* self = static_cast<MosquittoTransport*>(context);
  self->connack_code_ = rc;
  self->connected_ = rc == 0;
  if (self->connected_ && self->agent_ != nullptr) self->agent_->OnConnected();
}

void MosquittoTransport::OnDisconnect(struct mosquitto*, void* context, int) {
  auto* self = static_cast<MosquittoTransport*>(context);
  if (!self->connected_) return;
  self->connected_ = false;
  if (self->agent_ != nullptr) self->agent_->OnDisconnected();
}

void MosquittoTransport::OnPublish(struct mosquitto*, void* context, int mid) {
  auto* self = static_cast<MosquittoTransport*>(context);
  if (self->agent_ != nullptr) self->agent_->OnDelivered(static_cast<uint32_t>(mid));
}

void MosquittoTransport::OnMessage(struct mosquitto*, void* context,
                                   const struct mosquitto_message* message) {
  auto* self = static_cast<MosquittoTransport*>(context);
  if (self->agent_ == nullptr || message->payloadlen < 0) return;
  (void)self->agent_->OnMessage(message->topic, static_cast<const uint8_t*>(message->payload),
                                static_cast<uint32_t>(message->payloadlen));
}

}  // namespace tinyforge::agent::host
