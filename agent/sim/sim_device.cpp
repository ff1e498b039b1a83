// A simulated device on the real agent core and runtime (see sim_device.h).
#include "agent/sim/sim_device.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "agent/core/model_self_test.h"
#include "agent/core/wire.h"
#include "agent/ports/host/sodium_crypto.h"
#include "tinyforge/op_registry.h"

// One file descriptor per simulated device instead of three.
// mosquitto_new() opens a socketpair that only wakes mosquitto_loop()'s select() and the
// mosquitto_loop_start() thread; the simulator drives every client from its own epoll loop
// (loop_read/loop_write/loop_misc), so the pair is never read. libmosquitto 2.0.11 treats a
// failed socketpair as non-fatal (the fields stay INVALID_SOCKET and are never written). With 3
// fds per client, 10,000 devices needed 30,000 descriptors against a hard limit of 20,000 here.
// So socketpair() fails with EMFILE while -- and only while -- this thread is inside
// mosquitto_new() for a simulated device; every other call goes straight to the kernel.
namespace {
thread_local bool g_refuse_socketpair = false;
}  // namespace

extern "C" int socketpair(int domain, int type, int protocol, int fds[2]) noexcept {
  if (g_refuse_socketpair) {
    errno = EMFILE;
    return -1;
  }
  return static_cast<int>(::syscall(SYS_socketpair, domain, type, protocol, fds));
}

namespace tinyforge::agent::sim {
namespace {

// mosquitto_new without its wake-up socketpair (see socketpair() above).
struct mosquitto* NewClientWithoutWakeupPair(const char* id, bool clean_session, void* context) {
  g_refuse_socketpair = true;
  struct mosquitto* client = mosquitto_new(id, clean_session, context);
  g_refuse_socketpair = false;
  return client;
}

bool EndsWith(const char* text, const char* suffix) {
  const size_t n = std::strlen(text), m = std::strlen(suffix);
  return n >= m && std::memcmp(text + n - m, suffix, m) == 0;
}

uint64_t Mix(uint64_t x) {  // splitmix64: independent per-device streams from one seed
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

SimDevice::SimDevice(const FleetOptions& options, const DeviceAccount& account, uint32_t index,
                     FleetCounters* counters, const std::atomic<bool>* quiet)
    : options_(options),
      account_(account),
      index_(index),
      counters_(counters),
      quiet_(quiet),
      flash_(options.device_type.meta_bytes, options.device_type.slot_bytes),
      rng_(Mix(static_cast<uint64_t>(options.seed) << 32 | index)) {
  config_.device_id = account_.id.c_str();
  config_.device_type = options_.device_type.name.c_str();
  config_.runtime_version = options_.runtime_version;
  config_.public_key = options_.public_key.data();
  config_.artifact_kind = wire::kArtifactModel;
  config_.image_check = &ImageCheck;
  config_.image_check_context = this;
  config_.max_chunk_bytes = options_.device_type.max_chunk_bytes;
  port_ = TransportPort{this, &Publish, &Subscribe, &Connected};
  // The per-device fault plan is drawn first, so it depends only on (seed, index).
  bad_health_ = Chance(options_.faults.bad_health_rate);
  if (options_.faults.clock_skew > 0)
    clock_rate_ = 1.0 + std::uniform_real_distribution<double>(-options_.faults.clock_skew,
                                                               options_.faults.clock_skew)(rng_);
  signal_frequency_ = 0.05f + 0.1f * std::uniform_real_distribution<float>(0, 1)(rng_);
}

SimDevice::~SimDevice() { DestroyClient(); }

bool SimDevice::Provision() {
  SlotManager slots;
  AgentStatus status = slots.Init(&flash_.port(), &host::SodiumCrypto());
  if (status == AgentStatus::kOk)
    status = slots.Provision(options_.model.data(), static_cast<uint32_t>(options_.model.size()),
                             options_.model_version, wire::kArtifactModel);
  if (status != AgentStatus::kOk) {
    error_ = account_.id + ": provisioning failed: " + AgentStatusName(status);
    return false;
  }
  return true;
}

Clock::duration SimDevice::DeviceDuration(uint32_t ms) const {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(ms / clock_rate_));
}

uint32_t SimDevice::UptimeMs(Clock::time_point now) const {
  const double real_ms = std::chrono::duration<double, std::milli>(now - boot_time_).count();
  return static_cast<uint32_t>(real_ms * clock_rate_);
}

void SimDevice::PowerOn(Clock::time_point now) { Boot(now); }

// ---- boot, reboot, power ---------------------------------------------------------------------

void SimDevice::Boot(Clock::time_point now) {
  reboot_pending_ = false;
  flash_.Reboot();
  interpreter_.reset();
  agent_ = std::make_unique<Agent>();
  AgentStatus status = agent_->Init(config_, &flash_.port(), &host::SodiumCrypto(), &port_);
  if (status == AgentStatus::kOk) status = agent_->Start();
  boot_time_ = now;
  if (status == AgentStatus::kHealthCheckFailed) {
    // The trial image failed; Start() already reverted the record: boot the confirmed one.
    counters_->health_failures.fetch_add(1, std::memory_order_relaxed);
    StartReboot(now);
    return;
  }
  if (status != AgentStatus::kOk) {
    phase_ = Phase::kDead;
    error_ = account_.id + ": does not boot: " + AgentStatusName(status);
    return;
  }
  LoadRunningModel();
  const auto jitter = [&](uint32_t period) {
    return period == 0 ? Clock::duration::zero()
                       : DeviceDuration(static_cast<uint32_t>(rng_() % period));
  };
  next_telemetry_ = now + jitter(options_.telemetry_period_ms);
  next_inference_ = now + jitter(options_.inference_period_ms);
  next_misc_ = now + std::chrono::seconds(1);
  next_drop_check_ = now + std::chrono::seconds(1);
  phase_ = Phase::kWaitingToConnect;
}

void SimDevice::LoadRunningModel() {
  const BootInfo& boot = agent_->boot();
  if (boot.image == nullptr || boot.kind != wire::kArtifactModel) return;
  auto interpreter = std::make_unique<Interpreter>(AllOpsResolver());
  if (interpreter->Load(boot.image, boot.bytes) != Status::kOk) return;
  const uint32_t need = interpreter->ArenaBytesRequired();
  if (need > options_.device_type.arena_bytes) return;
  arena_.assign((need + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t) + 1, {});
  if (interpreter->Prepare(arena_.data(), arena_.size() * sizeof(std::max_align_t)) != Status::kOk)
    return;
  interpreter_ = std::move(interpreter);
}

bool SimDevice::ImageCheck(void* context, const uint8_t* image, uint32_t bytes, uint8_t kind,
                           uint32_t version) {
  auto* self = static_cast<SimDevice*>(context);
  if (self->bad_health_ || (self->options_.faults.bad_health_version != 0 &&
                            version == self->options_.faults.bad_health_version))
    return false;
  if (kind != wire::kArtifactModel) return false;
  // The real check: the model loads, prepares in this board's RAM (the arena is exactly the
  // board's arena_bytes, so a model that needs more fails here), one inference is finite.
  // One Load, not a probe Load first: each Load CRCs the whole blob, and the profile of the
  // 10,000-device rollout showed those CRCs at 20% of the simulator's CPU (bench/README.md).
  std::vector<std::max_align_t> arena(self->options_.device_type.arena_bytes /
                                      sizeof(std::max_align_t));
  return ModelSelfTest(AllOpsResolver(), image, bytes, arena.data(),
                       arena.size() * sizeof(std::max_align_t)) == Status::kOk;
}

void SimDevice::StartReboot(Clock::time_point now) {
  counters_->reboots.fetch_add(1, std::memory_order_relaxed);
  if (agent_ != nullptr && connected_) agent_->OnDisconnected();
  connected_ = false;
  DestroyClient();
  interpreter_.reset();
  phase_ = Phase::kRebooting;
  wake_at_ = now + std::chrono::milliseconds(options_.reboot_ms);
}

void SimDevice::CheckPower(Clock::time_point now) {
  if (flash_.powered() || phase_ == Phase::kRebooting) return;
  counters_->power_losses.fetch_add(1, std::memory_order_relaxed);
  StartReboot(now);
}

void SimDevice::Shutdown() {
  if (mosq_ != nullptr && connected_) {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_write(mosq_, 1);
  }
  connected_ = false;
  DestroyClient();
  if (phase_ != Phase::kDead) phase_ = Phase::kOff;
}

// ---- network ---------------------------------------------------------------------------------

void SimDevice::DestroyClient() {
  if (mosq_ == nullptr) return;
  mosquitto_destroy(mosq_);  // closes the socket without a DISCONNECT: the broker sees a loss
  mosq_ = nullptr;
  registered_fd = -1;
  registered_events = 0;
}

int SimDevice::socket_fd() const { return mosq_ == nullptr ? -1 : mosquitto_socket(mosq_); }
bool SimDevice::wants_write() const { return mosq_ != nullptr && mosquitto_want_write(mosq_); }

void SimDevice::BeginConnect(Clock::time_point now) {
  int rc;
  if (mosq_ == nullptr) {
    // Clean session: the agent subscribes again on every connection (docs/protocol.md).
    mosq_ = NewClientWithoutWakeupPair(account_.id.c_str(), true, this);
    if (mosq_ == nullptr) {
      error_ = account_.id + ": mosquitto_new failed";
      phase_ = Phase::kDead;
      return;
    }
    mosquitto_connect_callback_set(mosq_, &OnConnectCallback);
    mosquitto_disconnect_callback_set(mosq_, &OnDisconnectCallback);
    mosquitto_publish_callback_set(mosq_, &OnPublishCallback);
    mosquitto_message_callback_set(mosq_, &OnMessageCallback);
    mosquitto_username_pw_set(mosq_, account_.id.c_str(), account_.password.c_str());
    // Small MQTT packets back to back (PUBACK then an ack publish): without NODELAY, Nagle holds
    // the second until the broker's delayed TCP ACK, ~40 ms per OTA chunk round trip.
    mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
    rc = mosquitto_connect_async(mosq_, options_.host.c_str(), options_.port,
                                 static_cast<int>(options_.keepalive_s));
  } else {
    registered_fd = -1;
    rc = mosquitto_reconnect_async(mosq_);
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    counters_->connect_errors.fetch_add(1, std::memory_order_relaxed);
    registered_fd = -1;
    LostConnection(now, 1000);
    return;
  }
  phase_ = Phase::kConnecting;
  wake_at_ = now + std::chrono::seconds(10);  // no CONNACK by then: try again
}

void SimDevice::LostConnection(Clock::time_point now, uint32_t retry_ms) {
  if (connected_) {
    connected_ = false;
    counters_->disconnects.fetch_add(1, std::memory_order_relaxed);
    if (agent_ != nullptr) agent_->OnDisconnected();
  }
  // Already offline (a drop we injected, a refused CONNACK): keep that wake-up time.
  if (phase_ == Phase::kDead || phase_ == Phase::kRebooting || phase_ == Phase::kOffline) return;
  phase_ = Phase::kOffline;
  wake_reconnects_ = true;
  // Back-off with jitter, so a restarted broker is not hit by every device at once.
  wake_at_ = now + std::chrono::milliseconds(retry_ms + rng_() % (retry_ms + 1));
}

void SimDevice::AfterNetworkCall(int rc, Clock::time_point now) {
  if (reboot_pending_) {
    if (!flash_.powered()) counters_->power_losses.fetch_add(1, std::memory_order_relaxed);
    StartReboot(now);
    return;
  }
  CheckPower(now);
  if (phase_ == Phase::kRebooting || mosq_ == nullptr) return;
  if (rc != MOSQ_ERR_SUCCESS && mosquitto_socket(mosq_) < 0) {
    registered_fd = -1;
    if (phase_ == Phase::kConnecting)
      counters_->connect_errors.fetch_add(1, std::memory_order_relaxed);
    if (phase_ == Phase::kConnecting || phase_ == Phase::kOnline) LostConnection(now, 1000);
  }
}

void SimDevice::OnSocketEvent(bool readable, bool writable, bool error, Clock::time_point now) {
  if (mosq_ == nullptr) return;
  int rc = MOSQ_ERR_SUCCESS;
  if (readable || error) rc = mosquitto_loop_read(mosq_, 1);
  if (rc == MOSQ_ERR_SUCCESS && mosq_ != nullptr && !reboot_pending_ && writable)
    rc = mosquitto_loop_write(mosq_, 1);
  AfterNetworkCall(rc, now);
}

int SimDevice::Publish(void* context, const char* topic, const uint8_t* payload, uint32_t bytes,
                       uint8_t qos, uint32_t* token) {
  auto* self = static_cast<SimDevice*>(context);
  if (!self->connected_ || self->mosq_ == nullptr) return -1;
  int mid = 0;
  if (mosquitto_publish(self->mosq_, &mid, topic, static_cast<int>(bytes), payload, qos, false) !=
      MOSQ_ERR_SUCCESS)
    return -1;
  if (token != nullptr) *token = static_cast<uint32_t>(mid);
  FleetCounters& c = *self->counters_;
  c.published.fetch_add(1, std::memory_order_relaxed);
  if (EndsWith(topic, "/ota/ack") && bytes >= wire::kHeaderBytes + wire::kAckBytes) {
    switch (static_cast<wire::AckStatus>(payload[wire::kHeaderBytes + 8])) {
      case wire::AckStatus::kAccepted: c.acks_accepted.fetch_add(1, std::memory_order_relaxed); break;
      case wire::AckStatus::kRefused: c.acks_refused.fetch_add(1, std::memory_order_relaxed); break;
      case wire::AckStatus::kVerified: c.acks_verified.fetch_add(1, std::memory_order_relaxed); break;
      case wire::AckStatus::kConfirmed: c.acks_confirmed.fetch_add(1, std::memory_order_relaxed); break;
      case wire::AckStatus::kReverted: c.acks_reverted.fetch_add(1, std::memory_order_relaxed); break;
      default: break;
    }
  }
  return 0;
}

int SimDevice::Subscribe(void* context, const char* topic, uint8_t qos) {
  auto* self = static_cast<SimDevice*>(context);
  if (self->mosq_ == nullptr) return -1;
  return mosquitto_subscribe(self->mosq_, nullptr, topic, qos) == MOSQ_ERR_SUCCESS ? 0 : -1;
}

bool SimDevice::Connected(void* context) { return static_cast<SimDevice*>(context)->connected_; }

void SimDevice::OnConnectCallback(struct mosquitto*, void* context, int rc) {
  auto* self = static_cast<SimDevice*>(context);
  if (rc != 0) {
    self->counters_->connect_refused.fetch_add(1, std::memory_order_relaxed);
    self->error_ = self->account_.id + ": connection refused: " + mosquitto_connack_string(rc);
    self->phase_ = Phase::kOffline;
    self->wake_reconnects_ = true;
    self->wake_at_ = Clock::now() + std::chrono::seconds(5);
    return;
  }
  self->counters_->connects.fetch_add(1, std::memory_order_relaxed);
  self->connected_ = true;
  self->phase_ = Phase::kOnline;
  if (self->agent_ == nullptr) return;
  self->agent_->OnConnected();
  // A trial image is confirmed by its first delivered telemetry: send one now.
  if (self->agent_->awaiting_confirmation()) {
    self->counters_->telemetry_queued.fetch_add(1, std::memory_order_relaxed);
    (void)self->agent_->QueueTelemetry(self->UptimeMs(Clock::now()) / 1000, 0, 0xFFFF);
  }
}

void SimDevice::OnDisconnectCallback(struct mosquitto*, void* context, int) {
  auto* self = static_cast<SimDevice*>(context);
  self->registered_fd = -1;  // libmosquitto closed the socket (epoll forgot it too)
  self->LostConnection(Clock::now(), 1000);
}

void SimDevice::OnPublishCallback(struct mosquitto*, void* context, int mid) {
  auto* self = static_cast<SimDevice*>(context);
  self->counters_->delivered.fetch_add(1, std::memory_order_relaxed);
  if (self->agent_ == nullptr) return;
  const bool was_trial = self->agent_->awaiting_confirmation();
  self->agent_->OnDelivered(static_cast<uint32_t>(mid));
  // Confirmed: the trial image keeps running; load it only if the boot could not.
  if (was_trial && !self->agent_->awaiting_confirmation() && self->interpreter_ == nullptr)
    self->LoadRunningModel();
}

void SimDevice::OnMessageCallback(struct mosquitto*, void* context,
                                  const struct mosquitto_message* message) {
  auto* self = static_cast<SimDevice*>(context);
  if (self->agent_ == nullptr || message->payloadlen < 0 || self->reboot_pending_) return;
  const auto* payload = static_cast<const uint8_t*>(message->payload);
  const auto bytes = static_cast<uint32_t>(message->payloadlen);
  const FaultOptions& faults = self->options_.faults;
  std::vector<uint8_t> corrupted;
  if (EndsWith(message->topic, "/ota/offer")) {
    self->counters_->offers.fetch_add(1, std::memory_order_relaxed);
    // A new download (not a resume): maybe the supply drops somewhere in its flash writes.
    const bool armed = faults.power_loss_at_byte >= 0 && faults.power_loss_rate <= 0;
    if (self->agent_->ota().state() == OtaState::kIdle &&
        self->power_losses_armed_ < faults.max_power_losses &&
        (armed || self->Chance(faults.power_loss_rate)) && bytes >= wire::kHeaderBytes + 12) {
      ++self->power_losses_armed_;
      const uint32_t chunk_bytes = wire::GetU16(payload + wire::kHeaderBytes + 4);
      const uint32_t chunk_count = wire::GetU32(payload + wire::kHeaderBytes + 8);
      // Work units: one per byte written plus one per erase, with the record writes after.
      const uint64_t span = static_cast<uint64_t>(chunk_bytes) * chunk_count + 4 * 112 + 2;
      const uint64_t at = faults.power_loss_at_byte >= 0
                              ? static_cast<uint64_t>(faults.power_loss_at_byte)
                              : self->rng_() % span;
      self->flash_.CutPowerAfter(at, static_cast<uint32_t>(self->rng_()));
    }
  } else if (EndsWith(message->topic, "/ota/chunk")) {
    self->counters_->chunks.fetch_add(1, std::memory_order_relaxed);
    if (bytes > 16 && self->Chance(faults.corrupt_rate)) {
      corrupted.assign(payload, payload + bytes);
      const uint32_t bit = static_cast<uint32_t>(self->rng_() % ((bytes - 16) * 8));
      corrupted[16 + bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      payload = corrupted.data();
      self->counters_->chunks_corrupted.fetch_add(1, std::memory_order_relaxed);
    }
  }
  (void)self->agent_->OnMessage(message->topic, payload, bytes);
  // Deferred: the client cannot be destroyed inside its own callback.
  if (self->agent_->reboot_requested() || !self->flash_.powered()) self->reboot_pending_ = true;
}

// ---- application -----------------------------------------------------------------------------

void SimDevice::RunInference(Clock::time_point now) {
  if (interpreter_ == nullptr) return;
  if (options_.inference_hook) {
    const InferenceOutcome outcome = options_.inference_hook(index_, agent_->boot().version, *interpreter_);
    if (!outcome.ran) {
      counters_->inference_errors.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    counters_->inferences.fetch_add(1, std::memory_order_relaxed);
    counters_->inference_us.fetch_add(outcome.latency_us, std::memory_order_relaxed);
    if (outcome.alert) counters_->alerts_queued.fetch_add(1, std::memory_order_relaxed);
    (void)agent_->RecordInference(outcome.latency_us, outcome.alert, outcome.score, outcome.class_index,
                                  UptimeMs(now));
    return;
  }
  Tensor input;
  if (interpreter_->Input(0, &input) != Status::kOk) return;
  const bool faulty = Chance(options_.anomaly_rate);
  std::normal_distribution<float> noise(0.0f, faulty ? 0.8f : 0.05f);
  const uint32_t count = input.ElementCount();
  std::vector<float> values(count);
  for (uint32_t k = 0; k < count; ++k) {
    signal_phase_ += signal_frequency_;
    values[k] = 0.5f * std::sin(signal_phase_) + noise(rng_) + (faulty ? 0.5f : 0.0f);
  }
  if (input.dtype == DType::kFloat32) {
    std::memcpy(input.data, values.data(), count * sizeof(float));
  } else {
    auto* q = static_cast<int8_t*>(input.data);
    for (uint32_t k = 0; k < count; ++k)
      q[k] = static_cast<int8_t>(std::lround(std::fmax(-128.0f, std::fmin(127.0f, values[k] * 100))));
  }
  const auto start = Clock::now();
  const Status status = interpreter_->Invoke();
  const auto latency_us = static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
  if (status != Status::kOk) {
    counters_->inference_errors.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  counters_->inferences.fetch_add(1, std::memory_order_relaxed);
  counters_->inference_us.fetch_add(latency_us, std::memory_order_relaxed);
  // An autoencoder (output shaped like the input) flags by reconstruction error; a classifier
  // flags any class but 0 (normal).
  Tensor output;
  float score = 0;
  uint16_t class_index = 0;
  bool anomaly = false;
  if (interpreter_->Output(0, &output) == Status::kOk && output.dtype == DType::kFloat32) {
    const float* out = static_cast<const float*>(output.data);
    if (output.ElementCount() == count && input.dtype == DType::kFloat32) {
      for (uint32_t k = 0; k < count; ++k) score += (out[k] - values[k]) * (out[k] - values[k]);
      score /= static_cast<float>(count == 0 ? 1 : count);
      anomaly = score > options_.anomaly_threshold;
    } else {
      for (uint32_t k = 1; k < output.ElementCount(); ++k)
        if (out[k] > out[class_index]) class_index = static_cast<uint16_t>(k);
      score = output.ElementCount() > 0 ? out[class_index] : 0;
      anomaly = class_index != 0;
    }
  }
  if (anomaly) counters_->alerts_queued.fetch_add(1, std::memory_order_relaxed);
  (void)agent_->RecordInference(latency_us, anomaly, score, class_index, UptimeMs(now));
}

void SimDevice::Tick(Clock::time_point now) {
  switch (phase_) {
    case Phase::kOff:
    case Phase::kDead:
    case Phase::kWaitingToConnect:
      return;
    case Phase::kRebooting:
      if (now >= wake_at_) Boot(now);
      return;
    case Phase::kConnecting:
    case Phase::kOffline:
      if (now >= wake_at_) {
        if (phase_ == Phase::kConnecting) LostConnection(now, 1000);  // no CONNACK in time
        else phase_ = Phase::kWaitingToConnect;
      }
      break;
    case Phase::kOnline:
      break;
  }
  if (agent_ == nullptr) return;
  const bool quiet = quiet_ != nullptr && quiet_->load(std::memory_order_relaxed);
  // The application keeps running while offline; its messages wait in the agent's buffer.
  if (!quiet && options_.inference_period_ms > 0 && now >= next_inference_) {
    next_inference_ = now + DeviceDuration(options_.inference_period_ms);
    RunInference(now);
  }
  if (!quiet && options_.telemetry_period_ms > 0 && now >= next_telemetry_) {
    next_telemetry_ = now + DeviceDuration(options_.telemetry_period_ms);
    const uint32_t dropped_before = agent_->outbound().dropped();
    counters_->telemetry_queued.fetch_add(1, std::memory_order_relaxed);
    (void)agent_->QueueTelemetry(UptimeMs(now) / 1000, 0, 0xFFFF);
    counters_->telemetry_dropped.fetch_add(agent_->outbound().dropped() - dropped_before,
                                           std::memory_order_relaxed);
  }
  if (phase_ == Phase::kOnline && now >= next_drop_check_) {
    next_drop_check_ = now + std::chrono::seconds(1);
    if (Chance(options_.faults.drop_rate)) {
      // The link goes away under the client's feet (no DISCONNECT packet).
      counters_->network_drops.fetch_add(1, std::memory_order_relaxed);
      const int fd = socket_fd();
      if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
      LostConnection(now, options_.faults.drop_ms);
      if (mosq_ != nullptr) mosquitto_loop_read(mosq_, 1);  // let the client notice and close
      registered_fd = -1;
    }
  }
  if (mosq_ != nullptr && phase_ == Phase::kOnline && now >= next_misc_) {
    next_misc_ = now + std::chrono::seconds(1);
    AfterNetworkCall(mosquitto_loop_misc(mosq_), now);
  }
  CheckPower(now);
}

void SimDevice::AddGauges(FleetGauges* gauges) const {
  ++gauges->devices;
  if (phase_ == Phase::kDead) {
    ++gauges->unbootable;
    return;
  }
  if (connected_) ++gauges->connected;
  if (agent_ == nullptr || phase_ == Phase::kRebooting) return;
  gauges->pending_outbound += agent_->outbound().size();
  if (agent_->awaiting_confirmation()) ++gauges->awaiting_confirmation;
  if (agent_->ota().state() == OtaState::kReceiving) ++gauges->receiving;
  ++gauges->confirmed_versions[agent_->slots().confirmed_version()];
  ++gauges->running_versions[agent_->boot().version];
}

}  // namespace tinyforge::agent::sim
