// One simulated device: in-memory NOR flash with the A/B slots of its board type, the REAL agent
// core (agent/core) and the REAL runtime (a model interpreter on the booted slot), and a
// non-blocking libmosquitto client that its event loop drives (mosquitto_socket + loop_read /
// loop_write / loop_misc; the device never blocks and owns no thread). Faults are injected here:
// power cuts inside slot writes, network drops, corrupted chunks, failing health checks, clock skew.
#pragma once

#include <mosquitto.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "agent/core/agent.h"
#include "agent/ports/host/memory_flash.h"
#include "agent/sim/sim_options.h"
#include "agent/sim/sim_stats.h"
#include "tinyforge/interpreter.h"

namespace tinyforge::agent::sim {

using Clock = std::chrono::steady_clock;

class SimDevice {
 public:
  enum class Phase : uint8_t { kOff, kWaitingToConnect, kConnecting, kOnline, kOffline, kRebooting, kDead };

  // `quiet` (may be nullptr): when set, the application stops producing messages (tests wait for
  // the buffers to drain and then compare what was sent with what the server stored).
  SimDevice(const FleetOptions& options, const DeviceAccount& account, uint32_t index,
            FleetCounters* counters, const std::atomic<bool>* quiet = nullptr);
  ~SimDevice();
  SimDevice(const SimDevice&) = delete;
  SimDevice& operator=(const SimDevice&) = delete;

  // Writes the factory image into slot A (a fresh board). false with error() on failure.
  bool Provision();
  // Power on: boot the agent; the device then waits for a connection token (WantsToConnect).
  void PowerOn(Clock::time_point now);

  bool WantsToConnect() const { return phase_ == Phase::kWaitingToConnect; }
  // Starts a non-blocking connect (the event loop grants these at the ramp rate).
  void BeginConnect(Clock::time_point now);
  // Socket readiness reported by epoll.
  void OnSocketEvent(bool readable, bool writable, bool error, Clock::time_point now);
  // Timers: telemetry, inference, drops, reconnects, reboots, keepalive.
  void Tick(Clock::time_point now);

  // The socket the event loop should watch and for what (-1: none).
  int socket_fd() const;
  bool wants_write() const;
  int registered_fd = -1;  // bookkeeping of the event loop
  uint32_t registered_events = 0;

  Phase phase() const { return phase_; }
  const std::string& id() const { return account_.id; }
  const std::string& error() const { return error_; }
  const Agent* agent() const { return agent_.get(); }
  host::MemoryFlash& flash() { return flash_; }
  void AddGauges(FleetGauges* gauges) const;
  // Stops networking (clean DISCONNECT); the flash stays as it is.
  void Shutdown();

 private:
  static int Publish(void* context, const char* topic, const uint8_t* payload, uint32_t bytes,
                     uint8_t qos, uint32_t* token);
  static int Subscribe(void* context, const char* topic, uint8_t qos);
  static bool Connected(void* context);
  static void OnConnectCallback(struct mosquitto*, void* self, int rc);
  static void OnDisconnectCallback(struct mosquitto*, void* self, int rc);
  static void OnPublishCallback(struct mosquitto*, void* self, int mid);
  static void OnMessageCallback(struct mosquitto*, void* self, const struct mosquitto_message* message);
  static bool ImageCheck(void* context, const uint8_t* image, uint32_t bytes, uint8_t kind,
                         uint32_t version);

  void Boot(Clock::time_point now);
  void LoadRunningModel();
  void StartReboot(Clock::time_point now);  // RAM and TCP connection lost; flash kept
  void DestroyClient();
  void LostConnection(Clock::time_point now, uint32_t retry_ms);
  void AfterNetworkCall(int rc, Clock::time_point now);
  void CheckPower(Clock::time_point now);
  void RunInference(Clock::time_point now);
  uint32_t UptimeMs(Clock::time_point now) const;
  Clock::duration DeviceDuration(uint32_t ms) const;  // a device-clock interval in real time
  bool Chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  const FleetOptions& options_;
  DeviceAccount account_;
  uint32_t index_;
  FleetCounters* counters_;
  const std::atomic<bool>* quiet_;
  host::MemoryFlash flash_;
  std::unique_ptr<Agent> agent_;
  AgentConfig config_{};
  TransportPort port_{};
  struct mosquitto* mosq_ = nullptr;
  std::mt19937_64 rng_;
  Phase phase_ = Phase::kOff;
  bool connected_ = false;
  bool reboot_pending_ = false;
  bool bad_health_ = false;
  uint32_t power_losses_armed_ = 0;     // this board rejects every trial image (fault)
  double clock_rate_ = 1.0;     // device clock speed relative to real time (skew fault)
  std::string error_;

  // The running model (XIP from the mapped slot) and its arena, sized by the model's plan.
  std::unique_ptr<Interpreter> interpreter_;
  std::vector<std::max_align_t> arena_;
  float signal_phase_ = 0;
  float signal_frequency_ = 0;

  Clock::time_point boot_time_;
  Clock::time_point next_telemetry_;
  Clock::time_point next_inference_;
  Clock::time_point next_misc_;
  Clock::time_point next_drop_check_;
  Clock::time_point wake_at_;   // end of a reboot, a drop, or a reconnect back-off
  bool wake_reconnects_ = false;
};

}  // namespace tinyforge::agent::sim
