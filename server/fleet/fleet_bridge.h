// The server's MQTT ingest: one libmosquitto connection as the server account, subscribed (QoS 1)
// to tf/+/telemetry, state, alert, learn and ota/ack. Its network thread decodes each payload
// (protocol.h), drops QoS 1 re-deliveries by message id (SeqWindow per device and boot, loaded
// from SQLite at start so duplicates stay recognised across restarts) and queues accepted
// messages; a dedicated writer thread stores them in batched transactions (FleetStore::WriteBatch)
// together with the dedupe windows they advanced. State and ack messages also go to a
// DeviceEventSink (the OTA distributor) on the network thread.
//
// Nothing dropped unseen: the session is persistent (clean_session = false, fixed client id), so
// the broker queues for the server while it is away; when the writer falls behind by more than
// max_pending messages the network thread stops reading, which pushes the backlog into the
// broker's queue (MosquittoProcess sizes it) instead of dropping it. Bad payloads are counted and
// logged with the device id and the reason; they never stop ingest.
#pragma once

#include <mosquitto.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/fleet/fleet_result.h"
#include "server/fleet/fleet_store.h"
#include "server/fleet/protocol.h"

namespace tinyforge::server::fleet {

struct BrokerEndpoint {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string user;
  std::string password;
};

// "mqtt://host:port" (port defaults to 1883). Errors say what is wrong with the URL.
Result<BrokerEndpoint> ParseMqttUrl(const std::string& url);

struct BridgeOptions {
  BrokerEndpoint broker;
  std::string client_id = "tf-server-bridge";
  bool persistent_session = true;  // clean_session = false: the broker queues while we are away
  size_t max_pending = 200000;     // writer backlog (= largest batch) before the network thread
                                   // stops reading
  int connect_timeout_ms = 10000;
  bool log_malformed = true;       // to stderr, rate-limited
};

struct IngestCounters {
  uint64_t received = 0;    // every message on a subscribed topic
  uint64_t accepted = 0;    // decoded and seen for the first time
  uint64_t duplicates = 0;  // QoS 1 re-deliveries (same device, epoch, seq)
  uint64_t malformed = 0;   // undecodable, wrong type for the topic, bad device id
  uint64_t written = 0;     // accepted messages committed to SQLite
  uint64_t batches = 0;     // write transactions
  uint64_t write_errors = 0;
  uint64_t pending = 0;     // accepted, not yet committed
  uint64_t reconnects = 0;
  bool connected = false;
  std::string last_malformed;  // "<device>: <reason>" of the latest bad payload
};

// Receives device state and OTA acks (already deduplicated) on the bridge's network thread.
// Implementations must return quickly (queue the event).
class DeviceEventSink {
 public:
  virtual ~DeviceEventSink() = default;
  virtual void OnDeviceState(const std::string& device_id, const StateMessage& state) = 0;
  virtual void OnDeviceAck(const std::string& device_id, const AckMessage& ack) = 0;
};

class FleetBridge {
 public:
  // Loads the dedupe windows, connects, subscribes, and starts the network and writer threads.
  // `store` must outlive the bridge.
  static Result<std::unique_ptr<FleetBridge>> Start(const BridgeOptions& options,
                                                    FleetStore* store);
  ~FleetBridge();
  FleetBridge(const FleetBridge&) = delete;
  FleetBridge& operator=(const FleetBridge&) = delete;

  // Disconnects, then commits everything accepted. Idempotent.
  void Stop();
  // May be set at any time; nullptr detaches. The sink must outlive the bridge or be detached.
  void SetEventSink(DeviceEventSink* sink);
  // QoS 1 publish on the bridge's connection; thread-safe, returns once queued in libmosquitto.
  Result<Ok> Publish(const std::string& topic, const std::vector<uint8_t>& payload);
  // Waits until everything accepted before the call is committed; false on timeout.
  bool WaitUntilWritten(int timeout_ms);

  IngestCounters counters() const;
  const BridgeOptions& options() const { return options_; }

 private:
  FleetBridge(const BridgeOptions& options, FleetStore* store) : options_(options), store_(store) {}
  static void OnConnect(struct mosquitto*, void* self, int rc);
  static void OnDisconnect(struct mosquitto*, void* self, int rc);
  static void OnMessage(struct mosquitto*, void* self, const struct mosquitto_message* message);
  static void OnSubscribe(struct mosquitto*, void* self, int mid, int qos_count, const int* granted);
  void HandleMessage(const std::string& topic, const std::vector<uint8_t>& payload);
  void Malformed(const std::string& device_id, const std::string& why);
  void Accept(IngestRecord record, const MessageId& id);
  void WriterLoop();

  BridgeOptions options_;
  FleetStore* store_;
  struct mosquitto* mosq_ = nullptr;
  bool loop_started_ = false;

  // Shared between the network thread and the writer.
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;   // writer waits for records
  std::condition_variable space_ready_;  // network thread waits when the backlog is full
  std::condition_variable written_cv_;
  std::vector<IngestRecord> pending_;
  std::set<std::pair<std::string, uint32_t>> dirty_windows_;
  std::unordered_map<std::string, std::map<uint32_t, SeqWindow>> windows_;
  IngestCounters counters_;
  uint64_t accepted_total_ = 0;  // sequence number of accepted records
  uint64_t written_total_ = 0;
  bool stopping_ = false;
  std::thread writer_;

  std::mutex sink_mutex_;
  DeviceEventSink* sink_ = nullptr;

  std::mutex connect_mutex_;
  std::condition_variable connect_cv_;
  int connack_ = -1;
  int subacks_ = 0;  // SUBACKs received: Start() returns once every subscription is in place
  std::atomic<uint64_t> connections_{0};
};

}  // namespace tinyforge::server::fleet
