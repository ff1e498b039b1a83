// Helpers for the fleet service tests: a real device (the agent core on memory flash, the host
// libmosquitto transport) that can reboot, a listener that records update results, and polling.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "agent/core/agent.h"
#include "agent/ports/host/memory_flash.h"
#include "agent/ports/host/mosquitto_transport.h"
#include "agent/ports/host/sodium_crypto.h"
#include "server/fleet/artifacts.h"
#include "server/fleet/mosquitto_process.h"
#include "server/fleet/update_dispatcher.h"

namespace tinyforge::server::fleet::testing {

inline std::vector<uint8_t> RandomBytes(size_t bytes, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(bytes);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// Polls `done` (running `step` between checks) until it holds or timeout_ms passes. Generous
// timeouts: the tests check correctness, not speed, on a loaded 2-core machine.
inline bool WaitUntil(const std::function<bool()>& done, int timeout_ms,
                      const std::function<void()>& step = {}) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (step) step();
    else std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

struct RecordingListener : UpdateListener {
  std::mutex mutex;
  std::vector<UpdateResult> results;
  void OnUpdateResult(const UpdateResult& result) override {
    std::lock_guard<std::mutex> lock(mutex);
    results.push_back(result);
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return results.size();
  }
  UpdateResult at(size_t i) {
    std::lock_guard<std::mutex> lock(mutex);
    return results.at(i);
  }
};

// One device: flash that survives reboots; agent + transport that do not.
class HostDevice {
 public:
  HostDevice(std::string id, const MosquittoProcess& broker, const SigningKey& key,
             uint8_t kind = agent::wire::kArtifactFirmware, uint32_t slot_bytes = 16 * 1024)
      : id_(std::move(id)), broker_(broker), flash_(256, slot_bytes), public_key_(key.public_key) {
    config_.device_id = id_.c_str();
    config_.device_type = "sensor-m4";
    config_.runtime_version = 0x000100;
    config_.public_key = public_key_.data();
    config_.artifact_kind = kind;
  }
  ~HostDevice() { PowerOff(); }

  agent::AgentConfig& config() { return config_; }
  // Connect with these credentials instead of asking the broker object (e.g. from the REST answer).
  void SetCredentials(std::string user, std::string password) {
    user_ = std::move(user);
    password_ = std::move(password);
  }
  agent::Agent& agent() { return *agent_; }
  agent::host::MosquittoTransport& transport() { return *transport_; }
  agent::host::MemoryFlash& flash() { return flash_; }

  agent::AgentStatus Provision(const std::vector<uint8_t>& image, uint32_t version) {
    agent::SlotManager slots;
    TINYFORGE_AGENT_RETURN_IF_ERROR(slots.Init(&flash_.port(), &agent::host::SodiumCrypto()));
    return slots.Provision(image.data(), static_cast<uint32_t>(image.size()), version,
                           config_.artifact_kind);
  }

  // Boots (new RAM) and connects with its own broker account. Returns Start()'s status; the
  // connection is made even when the trial image failed (the agent then asks for a reboot).
  agent::AgentStatus BootAndConnect() {
    PowerOff();
    agent_ = std::make_unique<agent::Agent>();
    transport_ = std::make_unique<agent::host::MosquittoTransport>(id_);
    agent::AgentStatus status = agent_->Init(config_, &flash_.port(), &agent::host::SodiumCrypto(),
                                             &transport_->port());
    if (status != agent::AgentStatus::kOk) return status;
    status = agent_->Start();
    transport_->Attach(agent_.get());
    MqttCredentials credentials{user_, password_};
    if (user_.empty()) {
      auto known = broker_.device_credentials(id_);
      if (!known.ok()) return agent::AgentStatus::kNotConnected;
      credentials = known.value();
    }
    if (!transport_->Connect(broker_.host(), broker_.port(), credentials.user, credentials.password))
      return agent::AgentStatus::kNotConnected;
    return status;
  }
  void PowerOff() {
    if (transport_) transport_->Disconnect(/*clean=*/false);
    transport_.reset();
    agent_.reset();
  }
  void Poll(int rounds = 1) {
    for (int i = 0; i < rounds; ++i) {
      if (transport_) transport_->Poll(5);
    }
  }
  // The bytes of the running slot.
  std::vector<uint8_t> RunningImage() {
    const agent::BootRecord& record = agent_->slots().record();
    const auto& region =
        flash_.region(record.active_slot == 0 ? agent::kSlotRegionA : agent::kSlotRegionB);
    const uint32_t bytes = record.slots[record.active_slot].bytes;
    return std::vector<uint8_t>(region.begin(), region.begin() + bytes);
  }

 private:
  std::string id_;
  std::string user_, password_;
  const MosquittoProcess& broker_;
  agent::host::MemoryFlash flash_;
  std::array<uint8_t, 32> public_key_;
  agent::AgentConfig config_{};
  std::unique_ptr<agent::Agent> agent_;
  std::unique_ptr<agent::host::MosquittoTransport> transport_;
};

}  // namespace tinyforge::server::fleet::testing
