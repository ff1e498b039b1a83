// MQTT ingest: decode, dedupe, batch into SQLite (see fleet_bridge.h).
#include "server/fleet/fleet_bridge.h"

#include <chrono>
#include <iostream>
#include <iterator>
#include <optional>

#include "server/fleet/mosquitto_process.h"

namespace tinyforge::server::fleet {
namespace {

constexpr const char* kSubscriptions[] = {"tf/+/telemetry", "tf/+/state", "tf/+/alert",
                                          "tf/+/learn", "tf/+/ota/ack"};
constexpr int kSubscriptionCount = static_cast<int>(std::size(kSubscriptions));

void LibraryInit() {
  static const bool initialised = [] {
    mosquitto_lib_init();
    return true;
  }();
  (void)initialised;
}

}  // namespace

Result<BrokerEndpoint> ParseMqttUrl(const std::string& url) {
  const std::string scheme = "mqtt://";
  if (url.rfind(scheme, 0) != 0)
    return MakeError("--mqtt-url '" + url + "': must start with mqtt:// (TLS is not supported yet)");
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  BrokerEndpoint endpoint;
  const size_t colon = rest.rfind(':');
  endpoint.host = colon == std::string::npos ? rest : rest.substr(0, colon);
  if (endpoint.host.empty() || endpoint.host.find('/') != std::string::npos)
    return MakeError("--mqtt-url '" + url + "': expected mqtt://host:port");
  if (colon != std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
      return MakeError("--mqtt-url '" + url + "': port '" + port + "' is not a number");
    endpoint.port = std::stoi(port);
    if (endpoint.port < 1 || endpoint.port > 65535)
      return MakeError("--mqtt-url '" + url + "': port out of range");
  }
  return endpoint;
}

Result<std::unique_ptr<FleetBridge>> FleetBridge::Start(const BridgeOptions& options,
                                                        FleetStore* store) {
  if (store == nullptr) return MakeError("fleet bridge: no store");
  LibraryInit();
  std::unique_ptr<FleetBridge> bridge(new FleetBridge(options, store));
  auto windows = store->LoadWindows();
  if (!windows.ok()) return windows.error();
  for (WindowRow& row : windows.value())
    bridge->windows_[row.device_id][row.epoch] = std::move(row.window);

  bridge->mosq_ = mosquitto_new(options.client_id.c_str(), !options.persistent_session,
                                bridge.get());
  if (bridge->mosq_ == nullptr) return MakeError("fleet bridge: mosquitto_new failed");
  mosquitto_connect_callback_set(bridge->mosq_, &OnConnect);
  mosquitto_disconnect_callback_set(bridge->mosq_, &OnDisconnect);
  mosquitto_message_callback_set(bridge->mosq_, &OnMessage);
  mosquitto_subscribe_callback_set(bridge->mosq_, &OnSubscribe);
  mosquitto_username_pw_set(bridge->mosq_, options.broker.user.c_str(),
                            options.broker.password.c_str());
  // Offers and chunks to thousands of devices at once: do not throttle at 20 in flight.
  mosquitto_max_inflight_messages_set(bridge->mosq_, 1000);
  mosquitto_reconnect_delay_set(bridge->mosq_, 1, 10, true);
  // One chunk per ack: Nagle would hold each small chunk until the previous one is ACKed.
  mosquitto_int_option(bridge->mosq_, MOSQ_OPT_TCP_NODELAY, 1);

  bridge->writer_ = std::thread([raw = bridge.get()] { raw->WriterLoop(); });
  const int rc = mosquitto_connect_async(bridge->mosq_, options.broker.host.c_str(),
                                         options.broker.port, 30);
  if (rc != MOSQ_ERR_SUCCESS)
    return MakeError("fleet bridge: connect " + options.broker.host + ":" +
                     std::to_string(options.broker.port) + ": " + mosquitto_strerror(rc));
  if (mosquitto_loop_start(bridge->mosq_) != MOSQ_ERR_SUCCESS)
    return MakeError("fleet bridge: mosquitto_loop_start failed");
  bridge->loop_started_ = true;
  std::unique_lock<std::mutex> lock(bridge->connect_mutex_);
  const bool answered = bridge->connect_cv_.wait_for(
      lock, std::chrono::milliseconds(options.connect_timeout_ms),
      // A message published before the broker has our SUBSCRIBE is not delivered to us (and,
      // on a fresh session, not queued either): wait for the SUBACKs, not only the CONNACK.
      [&] { return bridge->connack_ > 0 || (bridge->connack_ == 0 && bridge->subacks_ >= kSubscriptionCount); });
  if (!answered)
    return MakeError("fleet bridge: no CONNACK/SUBACK from " + options.broker.host + ":" +
                     std::to_string(options.broker.port) + " within " +
                     std::to_string(options.connect_timeout_ms) + " ms");
  if (bridge->connack_ != 0)
    return MakeError("fleet bridge: broker refused '" + options.broker.user +
                     "': " + mosquitto_connack_string(bridge->connack_));
  lock.unlock();
  return bridge;
}

FleetBridge::~FleetBridge() {
  Stop();
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
}

void FleetBridge::Stop() {
  if (mosq_ != nullptr && loop_started_) {
    {
      // Unblock a network thread waiting for backlog space so it can exit.
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    space_ready_.notify_all();
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
    loop_started_ = false;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void FleetBridge::SetEventSink(DeviceEventSink* sink) {
  std::lock_guard<std::mutex> lock(sink_mutex_);
  sink_ = sink;
}

Result<Ok> FleetBridge::Publish(const std::string& topic, const std::vector<uint8_t>& payload) {
  const int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                   payload.data(), 1, false);
  if (rc != MOSQ_ERR_SUCCESS) return MakeError("publish " + topic + ": " + mosquitto_strerror(rc));
  return Ok{};
}

bool FleetBridge::WaitUntilWritten(int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t target = accepted_total_;
  return written_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                              [&] { return written_total_ >= target; });
}

IngestCounters FleetBridge::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  IngestCounters copy = counters_;
  copy.pending = accepted_total_ - written_total_;
  return copy;
}

void FleetBridge::OnConnect(struct mosquitto* mosq, void* context, int rc) {
  auto* self = static_cast<FleetBridge*>(context);
  if (rc == 0) {
    // Re-subscribe on every (re)connect: with a persistent session the broker keeps them, but a
    // restarted broker without persistence does not.
    for (const char* topic : kSubscriptions) mosquitto_subscribe(mosq, nullptr, topic, 1);
    if (self->connections_.fetch_add(1) > 0) {
      std::lock_guard<std::mutex> lock(self->mutex_);
      ++self->counters_.reconnects;
    }
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->counters_.connected = true;
  }
  std::lock_guard<std::mutex> lock(self->connect_mutex_);
  self->connack_ = rc;
  self->connect_cv_.notify_all();
}

void FleetBridge::OnSubscribe(struct mosquitto*, void* context, int, int, const int*) {
  auto* self = static_cast<FleetBridge*>(context);
  std::lock_guard<std::mutex> lock(self->connect_mutex_);
  ++self->subacks_;
  self->connect_cv_.notify_all();
}

void FleetBridge::OnDisconnect(struct mosquitto*, void* context, int) {
  auto* self = static_cast<FleetBridge*>(context);
  std::lock_guard<std::mutex> lock(self->mutex_);
  self->counters_.connected = false;
}

void FleetBridge::OnMessage(struct mosquitto*, void* context,
                            const struct mosquitto_message* message) {
  auto* self = static_cast<FleetBridge*>(context);
  const auto* bytes = static_cast<const uint8_t*>(message->payload);
  std::vector<uint8_t> payload;
  if (message->payloadlen > 0) payload.assign(bytes, bytes + message->payloadlen);
  self->HandleMessage(message->topic == nullptr ? "" : message->topic, payload);
}

void FleetBridge::Malformed(const std::string& device_id, const std::string& why) {
  uint64_t count = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    count = ++counters_.malformed;
    counters_.last_malformed = device_id + ": " + why;
  }
  // The first 20, then every 1000th: a misbehaving device must not flood the log.
  if (options_.log_malformed && (count <= 20 || count % 1000 == 0))
    std::cerr << "tinyforge fleet: rejected message #" << count << " from device '" << device_id
              << "': " << why << "\n";
}

void FleetBridge::HandleMessage(const std::string& topic, const std::vector<uint8_t>& payload) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counters_.received;
  }
  const std::string device = DeviceOfTopic(topic);
  if (!ValidDeviceId(device)) return Malformed(device, "topic '" + topic + "' has no valid device id");
  const std::string leaf = topic.substr(4 + device.size());
  IngestRecord record;
  record.device_id = device;
  record.received_ms = NowMs();
  MessageId id;
  auto take = [&](auto decoded) {
    if (!decoded.ok()) {
      Malformed(device, "on " + leaf + ": " + decoded.error().message);
      return false;
    }
    id = decoded->id;
    record.message = std::move(decoded).value();
    return true;
  };
  bool ok = false;
  if (leaf == "telemetry") ok = take(DecodeTelemetry(payload));
  else if (leaf == "state") ok = take(DecodeState(payload));
  else if (leaf == "alert") ok = take(DecodeAlert(payload));
  else if (leaf == "learn") ok = take(DecodeLearn(payload));
  else if (leaf == "ota/ack") ok = take(DecodeAck(payload));
  else return Malformed(device, "unexpected topic '" + topic + "'");
  if (!ok) return;
  Accept(std::move(record), id);
}

void FleetBridge::Accept(IngestRecord record, const MessageId& id) {
  std::optional<StateMessage> state;
  std::optional<AckMessage> ack;
  const std::string device = record.device_id;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    space_ready_.wait(lock, [&] { return stopping_ || pending_.size() < options_.max_pending; });
    if (!windows_[device][id.epoch].Accept(id.seq)) {
      ++counters_.duplicates;
      return;
    }
    ++counters_.accepted;
    ++accepted_total_;
    dirty_windows_.insert({device, id.epoch});
    if (const auto* s = std::get_if<StateMessage>(&record.message)) state = *s;
    if (const auto* a = std::get_if<AckMessage>(&record.message)) ack = *a;
    pending_.push_back(std::move(record));
  }
  work_ready_.notify_one();
  if (!state && !ack) return;
  std::lock_guard<std::mutex> sink_lock(sink_mutex_);
  if (sink_ == nullptr) return;
  if (state) sink_->OnDeviceState(device, *state);
  if (ack) sink_->OnDeviceAck(device, *ack);
}

void FleetBridge::WriterLoop() {
  std::vector<IngestRecord> batch;
  std::vector<WindowRow> windows;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (batch.empty()) {
        work_ready_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
        if (pending_.empty() && stopping_) return;
        // The whole backlog and the windows as of now, under one lock: a committed window never
        // covers a record that is not committed with it (else a crash would lose that record
        // and call its re-delivery a duplicate). max_pending bounds the batch.
        batch.swap(pending_);
        windows.clear();
        for (const auto& [device, epoch] : dirty_windows_)
          windows.push_back({device, epoch, windows_[device][epoch]});
        dirty_windows_.clear();
      }
    }
    space_ready_.notify_all();
    auto written = store_->WriteBatch(batch, windows);
    if (!written.ok()) {
      bool give_up = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++counters_.write_errors;
        give_up = stopping_ && counters_.write_errors > 50;
      }
      std::cerr << "tinyforge fleet: ingest write failed (" << batch.size()
                << " messages kept, retrying): " << written.error().message << "\n";
      if (give_up) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      written_total_ += batch.size();
      counters_.written += batch.size();
      ++counters_.batches;
    }
    batch.clear();
    written_cv_.notify_all();
  }
}

}  // namespace tinyforge::server::fleet
