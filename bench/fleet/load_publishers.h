// Many MQTT publishers in one thread for the ingest benchmark: each a device account publishing
// protocol telemetry (docs/protocol.md, 36 bytes) at QoS 1, paced to a total rate, every publish
// time recorded by (publisher, seq) so a subscriber can compute end-to-end latency.
#pragma once

#include <mosquitto.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tinyforge::bench {

struct PublisherAccount {
  std::string id, password;
};

int64_t MonotonicNs();

class LoadPublishers {
 public:
  // Connects every account (waits for each CONNACK). nullptr with *error on failure.
  static std::unique_ptr<LoadPublishers> Connect(const std::string& host, int port,
                                                 const std::vector<PublisherAccount>& accounts,
                                                 std::string* error);
  ~LoadPublishers();

  // Publishes rate * seconds messages round-robin, paced, with header epoch = `epoch` and seq
  // 0.. per publisher; then waits (up to drain_ms) for every PUBACK. Returns messages published.
  uint64_t RunStep(uint32_t epoch, double rate, double seconds, int drain_ms);
  // Send time of message `seq` of publisher `index` in the last step (0 = not sent).
  int64_t SendTimeNs(size_t index, uint32_t seq) const;
  uint32_t SentBy(size_t index) const { return sent_[index]; }
  size_t size() const { return clients_.size(); }
  const std::string& id(size_t index) const { return accounts_[index].id; }
  uint64_t unacked() const;

 private:
  LoadPublishers() = default;
  void PollOnce(int timeout_ms);
  static void OnPublish(struct mosquitto*, void* self, int mid);

  std::vector<PublisherAccount> accounts_;
  std::vector<struct mosquitto*> clients_;
  std::vector<uint32_t> sent_;
  std::vector<std::vector<std::atomic<int64_t>>> send_ns_;
  uint64_t published_ = 0;
  uint64_t acked_ = 0;
};

}  // namespace tinyforge::bench
