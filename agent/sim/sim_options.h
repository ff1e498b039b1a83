// What a simulated fleet looks like: broker, accounts, the factory model, the device type's
// flash/RAM limits, timing, and the faults to inject (all seeded: the same seed gives the same
// per-device fault plan).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tinyforge {
class Interpreter;
}  // namespace tinyforge

namespace tinyforge::agent::sim {

// What an application hook (FleetOptions::inference_hook) made of one inference.
struct InferenceOutcome {
  bool ran = false;    // false: no input could be made or Invoke failed (an inference error)
  bool alert = false;  // the model flagged an anomaly (the hook may debounce): send an alert
  float score = 0.0f;
  uint16_t class_index = 0;
  uint32_t latency_us = 0;
};
// Replaces the built-in synthetic signal (examples/predictive_maintenance replays recordings):
// called at each inference tick with the device's index, the version it runs and the interpreter
// of its booted slot (loaded, arena bound); it fills the input, invokes and judges the output.
// Runs on the device's event-loop thread (one thread per shard, so per-device state needs no lock).
using InferenceHook = std::function<InferenceOutcome(uint32_t device_index, uint32_t model_version,
                                                     Interpreter& interpreter)>;

// Flash and RAM of one kind of board. The A/B slots and the model arena must fit in them.
struct DeviceTypeLimits {
  std::string name;          // goes into manifests' device_type (<= 15 characters)
  uint32_t slot_bytes = 0;   // each of the two artifact slots
  uint32_t meta_bytes = 0;   // each of the two boot-record regions
  uint32_t arena_bytes = 0;  // RAM left for the model's tensor arena
  // The OTA receive buffer (AgentConfig::max_chunk_bytes): the largest chunk the board takes.
  uint16_t max_chunk_bytes = 1024;
};

// Known board classes (realistic sizes of Cortex-M parts with 1 MB / 2 MB flash).
// Returns false for an unknown name.
bool LookupDeviceType(const std::string& name, DeviceTypeLimits* limits);
std::vector<std::string> KnownDeviceTypes();

struct DeviceAccount {
  std::string id;  // MQTT user name = device id
  std::string password;
};

struct FaultOptions {
  double power_loss_rate = 0;       // per accepted offer: probability of a power cut during the update
  int64_t power_loss_at_byte = -1;  // >= 0: cut exactly after this many flash work units
  uint32_t max_power_losses = 1;    // per device, so a device with rate 1.0 still finishes
  double drop_rate = 0;             // per device per second: probability the network drops
  uint32_t drop_ms = 2000;          // how long a drop lasts
  double corrupt_rate = 0;          // per received chunk: probability one bit is flipped
  double bad_health_rate = 0;       // fraction of devices on which every trial image fails its check
  uint32_t bad_health_version = 0;  // != 0: a trial of this version fails everywhere (a bad release)
  double clock_skew = 0;            // max relative clock rate error (0.01 = +-1%), per device
};

struct FleetOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::vector<DeviceAccount> accounts;  // one device per account
  std::vector<uint8_t> model;           // factory image (.tfm), provisioned in slot A
  uint32_t model_version = 1;
  std::array<uint8_t, 32> public_key{};  // Ed25519 key of the fleet server
  DeviceTypeLimits device_type;
  uint32_t runtime_version = 0x000100;
  uint32_t telemetry_period_ms = 10000;
  uint32_t inference_period_ms = 5000;  // 0: no inference
  float anomaly_threshold = 1.0f;       // autoencoder reconstruction MSE above this is an anomaly
  double anomaly_rate = 0;              // fraction of inputs drawn from a shifted ("faulty") signal
  uint32_t connect_per_second = 2000;   // connection ramp, so the broker's backlog is not flooded
  uint32_t reboot_ms = 200;             // how long a reboot takes
  uint32_t keepalive_s = 60;
  uint32_t seed = 1;
  int threads = 1;  // event loops, each owning a share of the devices (never a thread per device)
  FaultOptions faults;
  InferenceHook inference_hook;  // empty: the built-in synthetic signal
};

}  // namespace tinyforge::agent::sim
