// Synthetic but realistic plants for the knowledge-graph benchmark and tests: devices built on
// real boards (nRF52840, STM32L4, ESP32, RP2040, STM32H7, ...: their real RAM, flash, core, FPU,
// DSP) with attached sensor kits, firmware and runtime versions; runtime releases with growing op
// sets; model families like the toolchain's (KWS DS-CNN, AD autoencoder, VWW MobileNet, ...) with
// arena, flash, ops and sensor needs. Seeded: the same (seed, sizes) gives the same plant.
//
// The generator knows nothing about the server: it emits the REST API's JSON documents and
// computes the EXPECTED compatibility answers itself (plain comparisons over its own structs), so
// every answer of the server can be checked against it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace tinyforge::bench::kg {

struct PlantSensor {
  std::string type;  // a tinyml-schema sensor class name, e.g. "Microphone"
  double rate_hz = 0;
};

struct PlantRuntime {
  std::string version;  // "0.3.0"
  std::vector<std::string> ops;  // sorted
};

struct PlantDevice {
  std::string id;     // "dev-0000042": ids sort like the store's IRIs
  std::string board;  // "nRF52840", ...
  std::string core;
  int64_t clock_hz = 0;
  bool fpu = false;
  bool dsp = false;
  int64_t ram_bytes = 0;    // RAM left to the model runtime (board RAM minus firmware reserve)
  int64_t flash_bytes = 0;  // flash left for the model
  std::vector<PlantSensor> sensors;
  std::string firmware_id;
  std::string firmware_version;
  size_t runtime = 0;  // index into Plant::runtimes
};

struct PlantModel {
  std::string id;       // family, e.g. "kws-dscnn"
  std::string version;  // "1.4.2"
  std::vector<std::string> ops;  // sorted
  int64_t arena_bytes = 0;
  int64_t flash_bytes = 0;
  size_t min_runtime = 0;  // index into Plant::runtimes
  std::vector<PlantSensor> required_sensors;  // min rates
};

struct PlantSizes {
  int devices = 1000;
  int models = 100;
  uint64_t seed = 1;
};

class Plant {
 public:
  static Plant Generate(const PlantSizes& sizes);

  std::vector<PlantRuntime> runtimes;
  std::vector<PlantDevice> devices;
  std::vector<PlantModel> models;

  // REST bodies: POST /api/v1/runtimes, /api/v1/devices (a WoT TD 1.1), /api/v1/models.
  nlohmann::json RuntimeJson(size_t index) const;
  nlohmann::json DeviceJson(size_t index) const { return DeviceJson(devices[index]); }
  nlohmann::json DeviceJson(const PlantDevice& device) const;
  nlohmann::json ModelJson(size_t index) const;

  // The expected answers, computed here from the generator's own data.
  bool Compatible(size_t model, size_t device) const;
  // Ids of the devices that can run `model`, in the server's order: by capability profile IRI,
  // then device IRI (ids sort like their IRIs).
  std::vector<std::string> CompatibleDeviceIds(size_t model) const;
  // The same ids sorted by id (the order of the two-step queries).
  std::vector<std::string> CompatibleDeviceIdsById(size_t model) const;
  // The last path segment of the device's capability profile IRI (see docs/ontology.md).
  std::string ProfileKeyInIri(const PlantDevice& device) const;
  // (id, version) of the models `device` can run, sorted by model IRI order (id, then version).
  std::vector<std::pair<std::string, std::string>> CompatibleModelKeys(size_t device) const;
  // Number of distinct (ram, flash, runtime, best sensor rates) combinations.
  size_t DistinctCapabilityProfiles() const;
};

// Applies a different capability set to a device (for replace tests): returns a copy with another
// board/runtime/sensors chosen by `salt`.
PlantDevice Reconfigured(const Plant& plant, const PlantDevice& device, uint64_t salt);

}  // namespace tinyforge::bench::kg
