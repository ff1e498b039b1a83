// Plant generator (see plant_generator.h). Board figures are the vendors' datasheet values.
#include "bench/kg/plant_generator.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>

namespace tinyforge::bench::kg {
namespace {

// SplitMix64: tiny, seedable, and the same on every platform (std distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  int64_t Between(int64_t low, int64_t high) { return low + static_cast<int64_t>(Next() % static_cast<uint64_t>(high - low + 1)); }
  // Index drawn with the given integer weights.
  size_t Weighted(const std::vector<int>& weights) {
    int total = 0;
    for (int w : weights) total += w;
    int pick = static_cast<int>(Below(static_cast<size_t>(total)));
    for (size_t i = 0; i < weights.size(); ++i) {
      if (pick < weights[i]) return i;
      pick -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  uint64_t state_;
};

constexpr int64_t KiB = 1024;
constexpr int64_t MiB = 1024 * 1024;

struct Board {
  const char* name;
  const char* core;
  int64_t clock_hz;
  bool fpu;
  bool dsp;
  int64_t ram;
  int64_t flash;
  std::vector<int64_t> ram_reserves;  // RAM the firmware keeps (network stack, buffers)
  int64_t firmware_flash;             // flash the firmware image takes
  std::vector<std::vector<PlantSensor>> sensor_kits;
  int weight;                         // share of the fleet
};

const std::vector<Board>& Boards() {
  static const std::vector<Board> boards = {
      {"nRF52840", "cortex-m4", 64000000, true, true, 256 * KiB, 1 * MiB, {48 * KiB, 96 * KiB}, 300 * KiB,
       {{{"Microphone", 16000}, {"Accelerometer", 952}, {"Gyroscope", 952}},
        {{"Accelerometer", 952}, {"Gyroscope", 952}, {"Thermometer", 1}, {"Hygrometer", 1}},
        {{"Microphone", 16000}, {"Accelerometer", 119}}}, 18},
      {"STM32L476", "cortex-m4", 80000000, true, true, 128 * KiB, 1 * MiB, {16 * KiB, 40 * KiB}, 200 * KiB,
       {{{"VibrationSensor", 25600}}, {{"Accelerometer", 6664}, {"Thermometer", 1}},
        {{"CurrentSensor", 10000}, {"Thermometer", 1}}}, 14},
      {"STM32L4R5", "cortex-m4", 120000000, true, true, 640 * KiB, 2 * MiB, {64 * KiB, 128 * KiB}, 400 * KiB,
       {{{"Accelerometer", 3332}, {"Gyroscope", 3332}}, {{"Microphone", 16000}}, {{"VibrationSensor", 25600}}}, 6},
      {"ESP32", "xtensa-lx6", 240000000, true, false, 520 * KiB, 4 * MiB, {160 * KiB, 240 * KiB}, 1200 * KiB,
       {{{"Camera", 15}}, {{"Microphone", 16000}}, {{"Thermometer", 1}, {"Hygrometer", 1}, {"GasSensor", 1}}}, 16},
      {"ESP32-S3", "xtensa-lx7", 240000000, true, true, 512 * KiB, 8 * MiB, {128 * KiB, 192 * KiB}, 1500 * KiB,
       {{{"Camera", 30}, {"Microphone", 16000}}, {{"Microphone", 44100}}, {{"Camera", 15}}}, 8},
      {"RP2040", "cortex-m0plus", 133000000, false, false, 264 * KiB, 2 * MiB, {32 * KiB, 64 * KiB}, 256 * KiB,
       {{{"Accelerometer", 1000}, {"Gyroscope", 1000}}, {{"Microphone", 16000}}, {{"LightSensor", 10}, {"ProximitySensor", 10}}}, 12},
      {"STM32H743", "cortex-m7", 480000000, true, true, 1 * MiB, 2 * MiB, {128 * KiB, 256 * KiB}, 512 * KiB,
       {{{"Camera", 30}}, {{"VibrationSensor", 51200}, {"CurrentSensor", 20000}}, {{"Microphone", 48000}, {"Accelerometer", 6664}}}, 6},
      {"STM32F746", "cortex-m7", 216000000, true, true, 320 * KiB, 1 * MiB, {48 * KiB, 96 * KiB}, 384 * KiB,
       {{{"Camera", 15}}, {{"Microphone", 16000}}, {{"VibrationSensor", 25600}}}, 5},
      {"SAMD21", "cortex-m0plus", 48000000, false, false, 32 * KiB, 256 * KiB, {8 * KiB, 12 * KiB}, 96 * KiB,
       {{{"Accelerometer", 100}}, {{"Thermometer", 1}}, {{"PPGSensor", 100}}}, 7},
      {"STM32L072", "cortex-m0plus", 32000000, false, false, 20 * KiB, 192 * KiB, {6 * KiB, 10 * KiB}, 96 * KiB,
       {{{"Thermometer", 1}, {"Hygrometer", 1}}, {{"Accelerometer", 100}}, {{"GasSensor", 1}}}, 4},
      {"Apollo3", "cortex-m4", 48000000, true, true, 384 * KiB, 1 * MiB, {32 * KiB, 64 * KiB}, 256 * KiB,
       {{{"Microphone", 16000}, {"Accelerometer", 100}}, {{"Accelerometer", 400}}, {{"ECGSensor", 500}}}, 4},
  };
  return boards;
}

// Runtime releases: each adds ops to the previous one.
const std::vector<std::vector<std::string>>& RuntimeOpAdditions() {
  static const std::vector<std::vector<std::string>> additions = {
      {"ADD", "CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"},
      {"AVERAGE_POOL_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "RELU"},
      {"DEQUANTIZE", "MEAN", "MUL", "QUANTIZE"},
      {"CONCATENATION", "LOGISTIC", "PAD", "TANH"},
      {"HARD_SWISH", "SUB", "UNIDIRECTIONAL_SEQUENCE_LSTM"},
  };
  return additions;
}

struct Family {
  const char* id;
  std::vector<std::string> ops;
  std::vector<std::string> optional_ops;  // later versions may add one
  int64_t arena_low, arena_high, flash_low, flash_high;
  size_t min_runtime;
  std::vector<PlantSensor> sensors;
  std::vector<double> rate_choices;  // for the first sensor
};

const std::vector<Family>& Families() {
  static const std::vector<Family> families = {
      {"kws-dscnn", {"AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"},
       {"MEAN"}, 16 * KiB, 40 * KiB, 36 * KiB, 120 * KiB, 1, {{"Microphone", 16000}}, {8000, 16000}},
      {"ad-autoencoder", {"FULLY_CONNECTED", "RELU"}, {"QUANTIZE"}, 768, 4 * KiB, 270 * KiB, 300 * KiB, 1,
       {{"Microphone", 16000}}, {16000}},
      {"vww-mobilenet", {"AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"},
       {"PAD"}, 96 * KiB, 250 * KiB, 300 * KiB, 900 * KiB, 1, {{"Camera", 5}}, {1, 5, 15}},
      {"ic-resnet8", {"ADD", "AVERAGE_POOL_2D", "CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"}, {"MEAN"},
       50 * KiB, 60 * KiB, 90 * KiB, 120 * KiB, 1, {{"Camera", 1}}, {1}},
      {"gesture-cnn", {"CONV_2D", "FULLY_CONNECTED", "MAX_POOL_2D", "RESHAPE", "SOFTMAX"}, {"RELU"}, 4 * KiB,
       10 * KiB, 20 * KiB, 40 * KiB, 1, {{"Accelerometer", 25}}, {25, 100, 400}},
      {"har-lstm", {"FULLY_CONNECTED", "SOFTMAX", "UNIDIRECTIONAL_SEQUENCE_LSTM"}, {"TANH"}, 10 * KiB, 30 * KiB,
       30 * KiB, 80 * KiB, 4, {{"Accelerometer", 50}, {"Gyroscope", 50}}, {50, 100}},
      {"env-fc", {"FULLY_CONNECTED", "LOGISTIC", "RELU"}, {}, 1 * KiB, 2 * KiB, 5 * KiB, 10 * KiB, 3,
       {{"Thermometer", 1}, {"Hygrometer", 1}}, {1}},
      {"ecg-cnn", {"CONV_2D", "FULLY_CONNECTED", "MAX_POOL_2D", "MEAN", "SOFTMAX"}, {"PAD"}, 16 * KiB, 24 * KiB,
       40 * KiB, 64 * KiB, 2, {{"ECGSensor", 250}}, {250, 500}},
      {"bearing-fault", {"FULLY_CONNECTED", "MEAN", "MUL", "RELU", "SOFTMAX"}, {"SUB"}, 2 * KiB, 8 * KiB,
       20 * KiB, 60 * KiB, 2, {{"VibrationSensor", 12000}}, {12000, 25600}},
      {"person-detect", {"CONV_2D", "DEPTHWISE_CONV_2D", "HARD_SWISH", "PAD", "RESHAPE", "SOFTMAX"}, {"ADD"},
       300 * KiB, 600 * KiB, 1 * MiB, 3 * MiB / 2, 4, {{"Camera", 10}}, {5, 10}},
      {"motor-current", {"CONV_2D", "FULLY_CONNECTED", "MAX_POOL_2D", "SOFTMAX"}, {"QUANTIZE"}, 8 * KiB, 20 * KiB,
       30 * KiB, 70 * KiB, 1, {{"CurrentSensor", 8000}}, {4000, 8000, 16000}},
      {"air-quality", {"FULLY_CONNECTED", "RELU"}, {"LOGISTIC"}, 512, 1536, 4 * KiB, 8 * KiB, 0,
       {{"GasSensor", 1}}, {1}},
  };
  return families;
}

std::string Version(size_t major, size_t minor, size_t patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

bool HasSensor(const std::vector<PlantSensor>& sensors, const PlantSensor& need) {
  for (const auto& sensor : sensors) {
    if (sensor.type == need.type && sensor.rate_hz >= need.rate_hz) return true;
  }
  return false;
}

PlantDevice MakeDevice(const std::vector<PlantRuntime>& runtimes, Rng& rng, std::string id) {
  const auto& boards = Boards();
  std::vector<int> weights;
  for (const auto& board : boards) weights.push_back(board.weight);
  const Board& board = boards[rng.Weighted(weights)];
  PlantDevice device;
  device.id = std::move(id);
  device.board = board.name;
  device.core = board.core;
  device.clock_hz = board.clock_hz;
  device.fpu = board.fpu;
  device.dsp = board.dsp;
  device.ram_bytes = board.ram - board.ram_reserves[rng.Below(board.ram_reserves.size())];
  device.flash_bytes = board.flash - board.firmware_flash;
  device.sensors = board.sensor_kits[rng.Below(board.sensor_kits.size())];
  // Most of the fleet runs a recent runtime; a tail lags behind.
  std::vector<int> runtime_weights = {2, 10, 30, 38, 20};
  runtime_weights.resize(runtimes.size(), 10);
  device.runtime = rng.Weighted(runtime_weights);
  device.firmware_id = std::string("fw-") + board.name;
  device.firmware_version = Version(2, device.runtime, rng.Below(3));
  return device;
}

}  // namespace

Plant Plant::Generate(const PlantSizes& sizes) {
  Plant plant;
  Rng rng(sizes.seed * 0x2545F4914F6CDD1Dull + 17);
  std::set<std::string> ops;
  for (size_t r = 0; r < RuntimeOpAdditions().size(); ++r) {
    ops.insert(RuntimeOpAdditions()[r].begin(), RuntimeOpAdditions()[r].end());
    plant.runtimes.push_back({Version(0, r + 1, 0), std::vector<std::string>(ops.begin(), ops.end())});
  }
  for (int i = 0; i < sizes.devices; ++i) {
    char id[32];
    std::snprintf(id, sizeof(id), "dev-%07d", i);
    plant.devices.push_back(MakeDevice(plant.runtimes, rng, id));
  }
  const auto& families = Families();
  for (int i = 0; i < sizes.models; ++i) {
    const Family& family = families[static_cast<size_t>(i) % families.size()];
    size_t n = static_cast<size_t>(i) / families.size();
    PlantModel model;
    model.id = family.id;
    model.version = Version(1 + n / 100, (n / 10) % 10, n % 10);
    model.ops = family.ops;
    if (!family.optional_ops.empty() && rng.Below(3) == 0) {
      model.ops.push_back(family.optional_ops[rng.Below(family.optional_ops.size())]);
    }
    std::sort(model.ops.begin(), model.ops.end());
    model.ops.erase(std::unique(model.ops.begin(), model.ops.end()), model.ops.end());
    model.arena_bytes = rng.Between(family.arena_low, family.arena_high);
    model.flash_bytes = rng.Between(family.flash_low, family.flash_high);
    // The minimum runtime is the lowest release with every op, sometimes a later one.
    size_t min_runtime = family.min_runtime;
    for (const std::string& op : model.ops) {
      for (size_t r = 0; r < RuntimeOpAdditions().size(); ++r) {
        const auto& added = RuntimeOpAdditions()[r];
        if (std::find(added.begin(), added.end(), op) != added.end()) min_runtime = std::max(min_runtime, r);
      }
    }
    if (min_runtime + 1 < plant.runtimes.size() && rng.Below(4) == 0) ++min_runtime;
    model.min_runtime = min_runtime;
    model.required_sensors = family.sensors;
    model.required_sensors[0].rate_hz = family.rate_choices[rng.Below(family.rate_choices.size())];
    plant.models.push_back(std::move(model));
  }
  return plant;
}

nlohmann::json Plant::RuntimeJson(size_t index) const {
  return {{"version", runtimes[index].version}, {"ops", runtimes[index].ops}};
}

nlohmann::json Plant::DeviceJson(const PlantDevice& d) const {
  nlohmann::json sensors = nlohmann::json::array();
  for (const auto& sensor : d.sensors) sensors.push_back({{"type", sensor.type}, {"sampling_rate_hz", sensor.rate_hz}});
  return {{"@context", nlohmann::json::array({"https://www.w3.org/2022/wot/td/v1.1"})},
          {"id", d.id},
          {"title", d.board + " " + d.id},
          {"securityDefinitions", {{"nosec_sc", {{"scheme", "nosec"}}}}},
          {"security", "nosec_sc"},
          {"properties", {{"status", {{"type", "string"}, {"readOnly", true},
                                       {"forms", nlohmann::json::array({{{"href", "mqtt://plant/tf/" + d.id + "/status"}}})}}}}},
          {"capabilities", {{"mcu", {{"core", d.core}, {"clock_hz", d.clock_hz}, {"fpu", d.fpu}, {"dsp", d.dsp}}},
                            {"ram_bytes", d.ram_bytes},
                            {"flash_bytes", d.flash_bytes},
                            {"sensors", sensors},
                            {"firmware", {{"id", d.firmware_id}, {"version", d.firmware_version}}},
                            {"runtime_version", runtimes[d.runtime].version}}}};
}

nlohmann::json Plant::ModelJson(size_t index) const {
  const PlantModel& m = models[index];
  nlohmann::json sensors = nlohmann::json::array();
  for (const auto& sensor : m.required_sensors) {
    sensors.push_back({{"type", sensor.type}, {"min_sampling_rate_hz", sensor.rate_hz}});
  }
  return {{"@context", "https://w3id.org/tinyforge/context/model-card.jsonld"},
          {"id", m.id},
          {"version", m.version},
          {"name", m.id + " " + m.version},
          {"ops", m.ops},
          {"inputs", nlohmann::json::array({{{"name", "input"}, {"dtype", "int8"}, {"shape", {1, 49, 10, 1}}}})},
          {"outputs", nlohmann::json::array({{{"name", "output"}, {"dtype", "int8"}, {"shape", {1, 12}}}})},
          {"quantization", {{"scheme", "int8-per-channel"}, {"weight_bits", 8}, {"activation_bits", 8}}},
          {"arena_bytes", m.arena_bytes},
          {"flash_bytes", m.flash_bytes},
          {"runtime_version", runtimes[m.min_runtime].version},
          {"required_sensors", sensors},
          {"dataset_hash", "sha256:" + std::string(64, 'b')}};
}

bool Plant::Compatible(size_t model_index, size_t device_index) const {
  const PlantModel& m = models[model_index];
  const PlantDevice& d = devices[device_index];
  if (d.ram_bytes < m.arena_bytes || d.flash_bytes < m.flash_bytes || d.runtime < m.min_runtime) return false;
  const auto& supported = runtimes[d.runtime].ops;
  for (const std::string& op : m.ops) {
    if (!std::binary_search(supported.begin(), supported.end(), op)) return false;
  }
  for (const auto& need : m.required_sensors) {
    if (!HasSensor(d.sensors, need)) return false;
  }
  return true;
}

std::string Plant::ProfileKeyInIri(const PlantDevice& device) const {
  // Spelled here independently of the server: r{ram}-f{flash}-rt{version}, then per sensor type
  // (sorted) -{Type}%40{best rate, shortest round-trip text}; '@' is percent-encoded in the IRI.
  std::map<std::string, double> best;
  for (const auto& s : device.sensors) best[s.type] = std::max(best[s.type], s.rate_hz);
  std::string key = "r" + std::to_string(device.ram_bytes) + "-f" + std::to_string(device.flash_bytes) + "-rt" +
                    runtimes[device.runtime].version;
  for (const auto& [type, rate] : best) {
    char buffer[64];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), rate);
    key += "-" + type + "%40" + std::string(buffer, error == std::errc() ? end : buffer);
  }
  return key;
}

std::vector<std::string> Plant::CompatibleDeviceIds(size_t model) const {
  std::vector<std::pair<std::string, std::string>> keyed;
  for (size_t d = 0; d < devices.size(); ++d) {
    if (Compatible(model, d)) keyed.emplace_back(ProfileKeyInIri(devices[d]), devices[d].id);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::string> ids;
  for (auto& [key, id] : keyed) ids.push_back(std::move(id));
  return ids;
}

std::vector<std::string> Plant::CompatibleDeviceIdsById(size_t model) const {
  std::vector<std::string> ids = CompatibleDeviceIds(model);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::pair<std::string, std::string>> Plant::CompatibleModelKeys(size_t device) const {
  std::vector<std::pair<std::string, std::string>> keys;
  for (size_t m = 0; m < models.size(); ++m) {
    if (Compatible(m, device)) keys.emplace_back(models[m].id, models[m].version);
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return a.first + "/" + a.second < b.first + "/" + b.second;
  });
  return keys;
}

size_t Plant::DistinctCapabilityProfiles() const {
  std::set<std::string> keys;
  for (const auto& d : devices) {
    std::map<std::string, double> best;
    for (const auto& s : d.sensors) best[s.type] = std::max(best[s.type], s.rate_hz);
    std::string key = std::to_string(d.ram_bytes) + "/" + std::to_string(d.flash_bytes) + "/" + std::to_string(d.runtime);
    for (const auto& [type, rate] : best) key += "/" + type + "@" + std::to_string(rate);
    keys.insert(key);
  }
  return keys.size();
}

PlantDevice Reconfigured(const Plant& plant, const PlantDevice& device, uint64_t salt) {
  Rng rng(salt * 0x9E3779B97F4A7C15ull + 5);
  PlantDevice other = MakeDevice(plant.runtimes, rng, device.id);
  return other;
}

}  // namespace tinyforge::bench::kg
