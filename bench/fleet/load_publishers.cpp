// Paced QoS 1 publishers for the ingest benchmark (see load_publishers.h).
#include "bench/fleet/load_publishers.h"

#include <poll.h>

#include <chrono>
#include <thread>

#include "agent/core/wire.h"

namespace tinyforge::bench {

namespace wire = tinyforge::agent::wire;

int64_t MonotonicNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<LoadPublishers> LoadPublishers::Connect(
    const std::string& host, int port, const std::vector<PublisherAccount>& accounts,
    std::string* error) {
  mosquitto_lib_init();
  std::unique_ptr<LoadPublishers> self(new LoadPublishers());
  self->accounts_ = accounts;
  self->sent_.assign(accounts.size(), 0);
  for (const PublisherAccount& account : accounts) {
    struct mosquitto* mosq = mosquitto_new(account.id.c_str(), true, self.get());
    mosquitto_username_pw_set(mosq, account.id.c_str(), account.password.c_str());
    mosquitto_publish_callback_set(mosq, &OnPublish);
    // Connect synchronously (set-up, not measured).
    if (mosquitto_connect(mosq, host.c_str(), port, 60) != MOSQ_ERR_SUCCESS) {
      *error = "publisher " + account.id + ": connect failed";
      mosquitto_destroy(mosq);
      return nullptr;
    }
    self->clients_.push_back(mosq);
  }
  // Let every CONNACK arrive.
  for (int i = 0; i < 200; ++i) self->PollOnce(5);
  return self;
}

LoadPublishers::~LoadPublishers() {
  for (struct mosquitto* mosq : clients_) {
    mosquitto_disconnect(mosq);
    mosquitto_destroy(mosq);
  }
}

void LoadPublishers::OnPublish(struct mosquitto*, void* self, int) {
  ++static_cast<LoadPublishers*>(self)->acked_;
}

uint64_t LoadPublishers::unacked() const { return published_ - acked_; }

void LoadPublishers::PollOnce(int timeout_ms) {
  std::vector<pollfd> fds(clients_.size());
  for (size_t i = 0; i < clients_.size(); ++i) {
    fds[i].fd = mosquitto_socket(clients_[i]);
    fds[i].events = static_cast<short>(POLLIN | (mosquitto_want_write(clients_[i]) ? POLLOUT : 0));
  }
  ::poll(fds.data(), fds.size(), timeout_ms);
  for (size_t i = 0; i < clients_.size(); ++i) {
    if (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) mosquitto_loop_read(clients_[i], 1);
    if (fds[i].revents & POLLOUT) mosquitto_loop_write(clients_[i], 1);
  }
}

uint64_t LoadPublishers::RunStep(uint32_t epoch, double rate, double seconds, int drain_ms) {
  const uint64_t total = static_cast<uint64_t>(rate * seconds);
  const uint32_t per_publisher = static_cast<uint32_t>(total / clients_.size() + 2);
  send_ns_.clear();
  send_ns_.resize(clients_.size());
  for (auto& times : send_ns_) {
    std::vector<std::atomic<int64_t>> fresh(per_publisher);
    times.swap(fresh);
  }
  sent_.assign(clients_.size(), 0);
  const int64_t start = MonotonicNs();
  uint64_t done = 0;
  size_t next = 0;
  uint8_t payload[wire::kHeaderBytes + wire::kTelemetryBytes];
  int64_t last_misc = start;
  while (done < total) {
    const int64_t now = MonotonicNs();
    const auto due = std::min<uint64_t>(
        total, static_cast<uint64_t>(static_cast<double>(now - start) * 1e-9 * rate) + 1);
    while (done < due) {
      const size_t i = next;
      next = (next + 1) % clients_.size();
      const uint32_t seq = sent_[i];
      if (seq >= per_publisher) continue;
      wire::Telemetry telemetry{};
      telemetry.uptime_s = static_cast<uint32_t>((now - start) / 1000000000);
      telemetry.inference_count = seq;
      telemetry.accuracy_per10k = 0xFFFF;
      const uint32_t bytes = wire::EncodeTelemetry(
          {wire::MessageType::kTelemetry, wire::kWireVersion, epoch, seq}, telemetry, payload,
          sizeof(payload));
      const std::string topic = "tf/" + accounts_[i].id + "/telemetry";
      send_ns_[i][seq].store(MonotonicNs(), std::memory_order_release);
      if (mosquitto_publish(clients_[i], nullptr, topic.c_str(), static_cast<int>(bytes), payload, 1,
                            false) == MOSQ_ERR_SUCCESS) {
        ++sent_[i];
        ++published_;
      }
      ++done;
    }
    PollOnce(0);
    if (now - last_misc > 1000000000) {
      last_misc = now;
      for (struct mosquitto* mosq : clients_) mosquitto_loop_misc(mosq);
    }
  }
  const int64_t drain_until = MonotonicNs() + int64_t{drain_ms} * 1000000;
  while (unacked() > 0 && MonotonicNs() < drain_until) PollOnce(5);
  return done;
}

int64_t LoadPublishers::SendTimeNs(size_t index, uint32_t seq) const {
  if (index >= send_ns_.size() || seq >= send_ns_[index].size()) return 0;
  return send_ns_[index][seq].load(std::memory_order_acquire);
}

}  // namespace tinyforge::bench
