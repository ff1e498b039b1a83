// Compatibility queries (both directions, with reasons, paged) against generated data whose
// answers are computed independently here, in plain C++, from the same structs.
#include "server/kg/compatibility.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "server/kg/vocabulary.h"
#include "virtuoso_fixture.h"

namespace tinyforge::server::kg {
namespace {

using testing::Client;
using testing::Store;

constexpr const char* kGraph = "urn:tinyforge:test:compatibility";

// Deterministic generator (no std::random: same data on every platform).
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return state_ >> 33;
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

struct Dataset {
  std::vector<RuntimeRelease> runtimes;
  std::vector<ModelCard> models;
  std::vector<DeviceDescription> devices;
};

const std::vector<std::string>& AllOps() {
  // One hostile op name: it must survive as an IRI segment and in VALUES / NOT IN lists.
  static const std::vector<std::string> kOps = {"ADD", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED",
                                                "SOFTMAX", "LSTM", "MEAN", "we\"ird }op"};
  return kOps;
}

Dataset MakeDataset(size_t device_count, size_t model_count) {
  Dataset data;
  const auto& ops = AllOps();
  data.runtimes = {{"0.1.0", {ops[0], ops[1], ops[3]}},
                   {"0.2.0", {ops[0], ops[1], ops[2], ops[3], ops[4]}},
                   {"0.3.0", {ops[0], ops[1], ops[2], ops[3], ops[4], ops[6], ops[7]}},
                   {"1.0.0", ops}};
  for (auto& runtime : data.runtimes) std::sort(runtime.ops.begin(), runtime.ops.end());
  // "0.0.9" is a runtime no release was registered for: it supports no op.
  const std::vector<std::string> device_runtimes = {"0.0.9", "0.1.0", "0.2.0", "0.3.0", "1.0.0"};
  const std::vector<std::string> sensor_types = {"Accelerometer", "Microphone", "Gyroscope"};
  const std::vector<double> rates = {50, 100, 400, 16000};
  const std::vector<int64_t> rams = {16384, 32768, 65536, 131072, 262144};
  const std::vector<int64_t> flashes = {131072, 262144, 524288, 1048576};
  Lcg random(42);
  for (size_t i = 0; i < device_count; ++i) {
    DeviceDescription device;
    char id[32];
    std::snprintf(id, sizeof(id), "dev-%05zu", i);
    device.id = id;
    device.title = "Device " + device.id;
    device.mcu_core = "cortex-m4";
    device.clock_hz = 64000000;
    device.has_fpu = random.Below(2) == 0;
    device.ram_bytes = rams[random.Below(rams.size())];
    device.flash_bytes = flashes[random.Below(flashes.size())];
    size_t sensor_count = random.Below(3);
    for (size_t s = 0; s < sensor_count; ++s) {
      device.sensors.push_back({sensor_types[random.Below(sensor_types.size())], rates[random.Below(rates.size())]});
    }
    device.runtime_version = device_runtimes[random.Below(device_runtimes.size())];
    device.firmware_id = "fw-" + std::to_string(random.Below(3));
    device.firmware_version = "1." + std::to_string(random.Below(5)) + ".0";
    data.devices.push_back(device);
  }
  for (size_t i = 0; i < model_count; ++i) {
    ModelCard card;
    card.id = "model-" + std::to_string(i / 2);
    card.version = "1." + std::to_string(i % 2) + ".0";
    card.arena_bytes = static_cast<int64_t>(4096 + random.Below(200000));
    card.flash_bytes = static_cast<int64_t>(20000 + random.Below(900000));
    std::set<std::string> model_ops;
    size_t op_count = 1 + random.Below(3);
    for (size_t o = 0; o < op_count; ++o) model_ops.insert(ops[random.Below(ops.size())]);
    card.ops.assign(model_ops.begin(), model_ops.end());
    card.inputs = {{"in", "int8", {1, 16}}};
    card.outputs = {{"out", "int8", {1, 4}}};
    card.runtime_version = data.runtimes[random.Below(data.runtimes.size())].version;
    std::set<std::string> used;
    size_t requirement_count = random.Below(3);
    for (size_t r = 0; r < requirement_count; ++r) {
      std::string type = sensor_types[random.Below(sensor_types.size())];
      if (!used.insert(type).second) continue;
      card.required_sensors.push_back({type, rates[random.Below(rates.size())]});
    }
    card.dataset_hash = "sha256:" + std::string(64, '0');
    data.models.push_back(card);
  }
  return data;
}

// The independent answer: the reasons `device` cannot run `model`, as sorted strings.
std::vector<std::string> ExpectedReasons(const Dataset& data, const ModelCard& model,
                                         const DeviceDescription& device) {
  std::vector<std::string> reasons;
  if (device.ram_bytes < model.arena_bytes) {
    reasons.push_back("ram_short:" + std::to_string(model.arena_bytes - device.ram_bytes));
  }
  if (device.flash_bytes < model.flash_bytes) {
    reasons.push_back("flash_short:" + std::to_string(model.flash_bytes - device.flash_bytes));
  }
  if (*VersionNumber(device.runtime_version) < *VersionNumber(model.runtime_version)) {
    reasons.push_back("firmware_too_old:" + device.runtime_version + "<" + model.runtime_version);
  }
  std::vector<std::string> supported;
  for (const auto& runtime : data.runtimes) {
    if (runtime.version == device.runtime_version) supported = runtime.ops;
  }
  for (const std::string& op : model.ops) {
    if (std::find(supported.begin(), supported.end(), op) == supported.end()) {
      reasons.push_back("op_unsupported:" + op + "@" + device.runtime_version);
    }
  }
  for (const auto& requirement : model.required_sensors) {
    bool has_type = false;
    double best = 0;
    for (const auto& sensor : device.sensors) {
      if (sensor.type == requirement.type) {
        has_type = true;
        best = std::max(best, sensor.sampling_rate_hz);
      }
    }
    std::string rate = std::to_string(static_cast<int64_t>(requirement.min_sampling_rate_hz));
    if (!has_type) reasons.push_back("sensor_missing:" + requirement.type + ":" + rate);
    else if (best < requirement.min_sampling_rate_hz) {
      reasons.push_back("sampling_rate_too_low:" + requirement.type + ":" + rate);
    }
  }
  std::sort(reasons.begin(), reasons.end());
  return reasons;
}

std::vector<std::string> ReasonStrings(const std::vector<Reason>& reasons) {
  std::vector<std::string> out;
  for (const Reason& reason : reasons) {
    std::string kind = ReasonKindName(reason.kind);
    switch (reason.kind) {
      case ReasonKind::kRamShort:
      case ReasonKind::kFlashShort: out.push_back(kind + ":" + std::to_string(reason.amount)); break;
      case ReasonKind::kFirmwareTooOld:
        out.push_back(kind + ":" + reason.runtime_version + "<" + reason.required_version);
        break;
      case ReasonKind::kOpUnsupported: out.push_back(kind + ":" + reason.op + "@" + reason.runtime_version); break;
      case ReasonKind::kSensorMissing:
      case ReasonKind::kSamplingRateTooLow:
        out.push_back(kind + ":" + reason.sensor_type + ":" +
                      std::to_string(static_cast<int64_t>(reason.rate_hz)));
        break;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class CompatibilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (Store() == nullptr) return;
    data_ = new Dataset(MakeDataset(240, 36));
    graph_ = new KnowledgeGraph(Client(), kGraph);
    ASSERT_TRUE(graph_->Clear().ok());
    std::vector<Triple> triples;
    for (const auto& runtime : data_->runtimes) {
      auto more = RuntimeTriples(runtime);
      triples.insert(triples.end(), more.begin(), more.end());
    }
    for (const auto& model : data_->models) {
      auto more = ModelCardTriples(model);
      triples.insert(triples.end(), more.begin(), more.end());
    }
    for (const auto& device : data_->devices) {
      auto more = DeviceTriples(device);
      triples.insert(triples.end(), more.begin(), more.end());
    }
    auto loaded = graph_->LoadTriples(triples);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  }
  static void TearDownTestSuite() {
    delete graph_;
    delete data_;
    graph_ = nullptr;
    data_ = nullptr;
  }
  void SetUp() override {
    if (Store() == nullptr) GTEST_SKIP() << "Virtuoso is not available";
  }

  static Dataset* data_;
  static KnowledgeGraph* graph_;
};

Dataset* CompatibilityTest::data_ = nullptr;
KnowledgeGraph* CompatibilityTest::graph_ = nullptr;

TEST_F(CompatibilityTest, StoreHoldsEveryGeneratedEntity) {
  auto devices = graph_->CountInstances(Term::Iri(vocab::Tf("Device")).value());
  auto models = graph_->CountInstances(Term::Iri(vocab::Tf("ModelVersion")).value());
  ASSERT_TRUE(devices.ok() && models.ok());
  EXPECT_EQ(*devices, static_cast<int64_t>(data_->devices.size()));
  EXPECT_EQ(*models, static_cast<int64_t>(data_->models.size()));
}

TEST_F(CompatibilityTest, ReadsModelRequirementsBack) {
  CompatibilityQueries queries(*graph_);
  for (const ModelCard& model : data_->models) {
    auto requirements = queries.ReadModelRequirements(ModelVersionIri(model.id, model.version));
    ASSERT_TRUE(requirements.ok()) << requirements.error().message;
    EXPECT_EQ(requirements->arena_bytes, model.arena_bytes);
    EXPECT_EQ(requirements->flash_bytes, model.flash_bytes);
    EXPECT_EQ(requirements->min_runtime_version, model.runtime_version);
    EXPECT_EQ(requirements->op_iris.size(), model.ops.size());
    EXPECT_EQ(requirements->sensors.size(), model.required_sensors.size());
  }
  auto missing = queries.ReadModelRequirements(ModelVersionIri("no-such-model", "1.0.0"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
}

TEST_F(CompatibilityTest, CompatibleDevicesMatchIndependentAnswerAcrossPages) {
  CompatibilityQueries queries(*graph_);
  size_t models_with_matches = 0;
  for (const ModelCard& model : data_->models) {
    std::vector<std::string> expected;
    for (const auto& device : data_->devices) {
      if (ExpectedReasons(*data_, model, device).empty()) expected.push_back(DeviceIri(device.id).value());
    }
    std::sort(expected.begin(), expected.end());
    if (!expected.empty()) ++models_with_matches;
    std::vector<std::string> got;
    const int64_t page_size = 7;
    for (int64_t offset = 0;; offset += page_size) {
      auto page = queries.CompatibleDevices(ModelVersionIri(model.id, model.version), offset, page_size);
      ASSERT_TRUE(page.ok()) << page.error().message;
      EXPECT_EQ(page->total, static_cast<int64_t>(expected.size())) << model.id << " " << model.version;
      for (const auto& item : page->items) got.push_back(item.iri);
      if (page->items.empty() || offset + page_size >= page->total) break;
    }
    EXPECT_EQ(got, expected) << model.id << " " << model.version;
  }
  // The data must exercise both outcomes, or the comparison proves little.
  EXPECT_GT(models_with_matches, 3u);
  EXPECT_LT(models_with_matches, data_->models.size());
}

TEST_F(CompatibilityTest, DevicesWithReasonsMatchIndependentAnswer) {
  CompatibilityQueries queries(*graph_);
  std::map<std::string, const DeviceDescription*> by_iri;
  for (const auto& device : data_->devices) by_iri[DeviceIri(device.id).value()] = &device;
  std::set<std::string> kinds_seen;
  for (const ModelCard& model : data_->models) {
    size_t seen = 0;
    for (int64_t offset = 0; offset < static_cast<int64_t>(by_iri.size()); offset += 100) {
      auto page = queries.DevicesWithReasons(ModelVersionIri(model.id, model.version), offset, 100);
      ASSERT_TRUE(page.ok()) << page.error().message;
      EXPECT_EQ(page->total, static_cast<int64_t>(by_iri.size()));
      auto expected_iri = std::next(by_iri.begin(), offset);
      for (const Candidate& candidate : page->items) {
        ASSERT_NE(expected_iri, by_iri.end());
        EXPECT_EQ(candidate.iri, expected_iri->first);  // pages are ordered by IRI
        EXPECT_EQ(candidate.id, expected_iri->second->id);
        EXPECT_EQ(ReasonStrings(candidate.reasons), ExpectedReasons(*data_, model, *expected_iri->second))
            << model.id << " " << model.version << " on " << candidate.id;
        for (const Reason& reason : candidate.reasons) kinds_seen.insert(ReasonKindName(reason.kind));
        ++expected_iri;
        ++seen;
      }
    }
    EXPECT_EQ(seen, by_iri.size());
  }
  EXPECT_EQ(kinds_seen.size(), 6u) << "every reason kind must occur in the data";
}

TEST_F(CompatibilityTest, CompatibleModelsAndReasonsMatchIndependentAnswer) {
  CompatibilityQueries queries(*graph_);
  std::map<std::string, const ModelCard*> by_iri;
  for (const auto& model : data_->models) by_iri[ModelVersionIri(model.id, model.version).value()] = &model;
  size_t devices_with_matches = 0;
  for (size_t d = 0; d < data_->devices.size(); d += 6) {
    const DeviceDescription& device = data_->devices[d];
    Term device_iri = DeviceIri(device.id);
    std::vector<std::string> expected;
    for (const auto& [iri, model] : by_iri) {
      if (ExpectedReasons(*data_, *model, device).empty()) expected.push_back(iri);
    }
    if (!expected.empty()) ++devices_with_matches;
    std::vector<std::string> got;
    for (int64_t offset = 0;; offset += 5) {
      auto page = queries.CompatibleModels(device_iri, offset, 5);
      ASSERT_TRUE(page.ok()) << page.error().message;
      EXPECT_EQ(page->total, static_cast<int64_t>(expected.size()));
      for (const auto& item : page->items) got.push_back(item.iri);
      if (page->items.empty() || offset + 5 >= page->total) break;
    }
    EXPECT_EQ(got, expected) << device.id;

    auto page = queries.ModelsWithReasons(device_iri, 0, 1000);
    ASSERT_TRUE(page.ok()) << page.error().message;
    ASSERT_EQ(page->items.size(), by_iri.size());
    auto expected_model = by_iri.begin();
    for (const Candidate& candidate : page->items) {
      EXPECT_EQ(candidate.iri, expected_model->first);
      EXPECT_EQ(candidate.version, expected_model->second->version);
      EXPECT_EQ(ReasonStrings(candidate.reasons), ExpectedReasons(*data_, *expected_model->second, device))
          << device.id << " vs " << candidate.id << " " << candidate.version;
      ++expected_model;
    }
  }
  EXPECT_GT(devices_with_matches, 2u);
}

TEST_F(CompatibilityTest, RejectsBadPageArguments) {
  CompatibilityQueries queries(*graph_);
  Term model = ModelVersionIri(data_->models[0].id, data_->models[0].version);
  EXPECT_EQ(queries.CompatibleDevices(model, -1, 10).error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(queries.CompatibleDevices(model, 0, 0).error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(queries.CompatibleDevices(model, 0, CompatibilityQueries::kMaxPageSize + 1).error().kind,
            ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace tinyforge::server::kg
