// The in-store compatibility index (tf:hasProfile / tf:canRun) against the plant generator's own
// expected answers, after every kind of change: register (models before and after devices),
// replace a device with other capabilities, delete a device, delete a model, a runtime release
// that adds ops, devices written without profiles (Rebuild), and a store restart.
#include "server/kg/compatibility_index.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "bench/kg/plant_generator.h"
#include "server/kg/registry_queries.h"
#include "server/kg/virtuoso_process.h"
#include "server/kg/vocabulary.h"
#include "virtuoso_fixture.h"

namespace tinyforge::server::kg {
namespace {

using bench::kg::Plant;
using bench::kg::PlantSizes;

DeviceDescription ParsedDevice(const Plant& plant, const bench::kg::PlantDevice& device) {
  auto parsed = ParseDeviceDescription(plant.DeviceJson(device));
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? parsed.value() : DeviceDescription{};
}

ModelCard ParsedModel(const Plant& plant, size_t index) {
  auto parsed = ParseModelCard(plant.ModelJson(index));
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? parsed.value() : ModelCard{};
}

Term ModelTerm(const Plant& plant, size_t m) { return ModelVersionIri(plant.models[m].id, plant.models[m].version); }

// Runtimes, half the models, the devices in batches of 64, then the other half of the models:
// both directions of index maintenance (model after profiles, profiles after models) run.
void Load(const CompatibilityIndex& index, const Plant& plant) {
  for (size_t r = 0; r < plant.runtimes.size(); ++r) {
    auto added = index.AddRuntime(*ParseRuntimeRelease(plant.RuntimeJson(r)));
    ASSERT_TRUE(added.ok()) << added.error().message;
  }
  size_t half = plant.models.size() / 2;
  for (size_t m = 0; m < half; ++m) ASSERT_TRUE(index.AddModel(ParsedModel(plant, m)).ok());
  std::vector<DeviceDescription> batch;
  for (size_t d = 0; d < plant.devices.size(); ++d) {
    batch.push_back(ParsedDevice(plant, plant.devices[d]));
    if (batch.size() == 64 || d + 1 == plant.devices.size()) {
      auto added = index.AddDevices(batch);
      ASSERT_TRUE(added.ok()) << added.error().message;
      batch.clear();
    }
  }
  for (size_t m = half; m < plant.models.size(); ++m) ASSERT_TRUE(index.AddModel(ParsedModel(plant, m)).ok());
}

// Every model's first page, exact total and full answer; every `device_step`-th device's models.
void ExpectMatchesPlant(const CompatibilityIndex& index, const Plant& plant, size_t device_step = 7) {
  size_t non_empty = 0;
  for (size_t m = 0; m < plant.models.size(); ++m) {
    std::vector<std::string> expected = plant.CompatibleDeviceIds(m);
    non_empty += expected.empty() ? 0 : 1;
    auto page = index.CompatibleDevices(ModelTerm(plant, m), 0, 20);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_EQ(page->total, static_cast<int64_t>(expected.size())) << plant.models[m].id << " " << plant.models[m].version;
    std::vector<std::string> ids;
    for (const auto& item : page->items) ids.push_back(item.id);
    std::vector<std::string> first(expected.begin(), expected.begin() + std::min<size_t>(20, expected.size()));
    EXPECT_EQ(ids, first) << plant.models[m].id << " " << plant.models[m].version;
    auto all = index.AllCompatibleDevices(ModelTerm(plant, m));
    ASSERT_TRUE(all.ok()) << all.error().message;
    EXPECT_EQ(*all, expected) << plant.models[m].id << " " << plant.models[m].version;
  }
  EXPECT_GT(non_empty, plant.models.size() / 3) << "the plant should make most models runnable somewhere";
  for (size_t d = 0; d < plant.devices.size(); d += device_step) {
    auto expected = plant.CompatibleModelKeys(d);
    auto page = index.CompatibleModels(DeviceIri(plant.devices[d].id), 0, 1000);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_EQ(page->total, static_cast<int64_t>(expected.size())) << plant.devices[d].id;
    std::vector<std::pair<std::string, std::string>> got;
    for (const auto& item : page->items) got.emplace_back(item.id, item.version);
    EXPECT_EQ(got, expected) << plant.devices[d].id;
  }
}

class CompatibilityIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::Store() == nullptr) GTEST_SKIP() << "Virtuoso is not available";
    graph_ = std::make_unique<KnowledgeGraph>(testing::Client(), "urn:tinyforge:test:index");
    ASSERT_TRUE(graph_->Clear().ok());
    index_ = std::make_unique<CompatibilityIndex>(*graph_);
  }
  void TearDown() override {
    if (graph_) (void)graph_->Clear();
  }
  std::unique_ptr<KnowledgeGraph> graph_;
  std::unique_ptr<CompatibilityIndex> index_;
};

TEST_F(CompatibilityIndexTest, MatchesThePlantAfterRegistrationInBothOrders) {
  Plant plant = Plant::Generate({240, 36, 11});
  ASSERT_NO_FATAL_FAILURE(Load(*index_, plant));
  ExpectMatchesPlant(*index_, plant);
  // Far fewer profiles than devices: that is what makes the index cheap.
  auto profiles = graph_->CountInstances(Term::Iri(vocab::Tf("CapabilityProfile")).value());
  ASSERT_TRUE(profiles.ok());
  EXPECT_EQ(*profiles, static_cast<int64_t>(plant.DistinctCapabilityProfiles()));
  EXPECT_LT(*profiles, 240);
}

TEST_F(CompatibilityIndexTest, PagesCoverTheWholeAnswerInOrder) {
  Plant plant = Plant::Generate({200, 12, 3});
  ASSERT_NO_FATAL_FAILURE(Load(*index_, plant));
  for (size_t m = 0; m < plant.models.size(); ++m) {
    std::vector<std::string> expected = plant.CompatibleDeviceIds(m), got;
    for (int64_t offset = 0;; offset += 7) {
      auto page = index_->CompatibleDevices(ModelTerm(plant, m), offset, 7);
      ASSERT_TRUE(page.ok()) << page.error().message;
      EXPECT_EQ(page->total, static_cast<int64_t>(expected.size()));
      for (const auto& item : page->items) got.push_back(item.id);
      if (page->items.empty()) break;
    }
    EXPECT_EQ(got, expected) << plant.models[m].id;
    // A page past the end is empty and still has the exact total.
    auto past = index_->CompatibleDevices(ModelTerm(plant, m), static_cast<int64_t>(expected.size()) + 5, 7);
    ASSERT_TRUE(past.ok()) << past.error().message;
    EXPECT_TRUE(past->items.empty());
    EXPECT_EQ(past->total, static_cast<int64_t>(expected.size()));
  }
  // Models pages too: pages of 3 concatenate to the whole sorted answer.
  for (size_t d = 0; d < plant.devices.size(); d += 11) {
    auto expected = plant.CompatibleModelKeys(d);
    std::vector<std::pair<std::string, std::string>> got;
    for (int64_t offset = 0; offset < static_cast<int64_t>(expected.size()) + 3; offset += 3) {
      auto page = index_->CompatibleModels(DeviceIri(plant.devices[d].id), offset, 3);
      ASSERT_TRUE(page.ok()) << page.error().message;
      EXPECT_EQ(page->total, static_cast<int64_t>(expected.size()));
      for (const auto& item : page->items) got.emplace_back(item.id, item.version);
    }
    EXPECT_EQ(got, expected) << plant.devices[d].id;
  }
}

TEST_F(CompatibilityIndexTest, StaysRightAcrossReplaceDeleteAndRuntimeChanges) {
  Plant plant = Plant::Generate({160, 24, 5});
  ASSERT_NO_FATAL_FAILURE(Load(*index_, plant));
  // Replace: re-register devices with other capabilities (new profiles appear, old ones stay).
  for (size_t d = 0; d < plant.devices.size(); d += 9) {
    plant.devices[d] = bench::kg::Reconfigured(plant, plant.devices[d], 1000 + d);
    auto replaced = index_->ReplaceDevice(ParsedDevice(plant, plant.devices[d]));
    ASSERT_TRUE(replaced.ok()) << replaced.error().message;
  }
  ExpectMatchesPlant(*index_, plant, 5);
  // Delete devices: a plain entity delete, nothing index-specific.
  RegistryQueries registry(*graph_);
  for (size_t d = plant.devices.size(); d-- > 0;) {
    if (d % 4 != 1) continue;
    ASSERT_TRUE(registry.DeleteEntity(DeviceIri(plant.devices[d].id)).ok());
    plant.devices.erase(plant.devices.begin() + static_cast<std::ptrdiff_t>(d));
  }
  // Delete models: their tf:canRun rows go in the same update.
  std::vector<Term> removed;
  for (size_t m = plant.models.size(); m-- > 0;) {
    if (m % 5 != 2) continue;
    removed.push_back(ModelTerm(plant, m));
    ASSERT_TRUE(index_->RemoveModel(removed.back()).ok());
    plant.models.erase(plant.models.begin() + static_cast<std::ptrdiff_t>(m));
  }
  ExpectMatchesPlant(*index_, plant, 5);
  for (const Term& model : removed) {
    auto rows = graph_->Count(std::string(vocab::kPrefixes) + "SELECT (COUNT(*) AS ?count) " + graph_->FromClause() +
                              "WHERE { ?p tf:canRun " + model.ToSparql() + " }");
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(*rows, 0) << model.value();
    auto page = index_->CompatibleDevices(model, 0, 10);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().kind, ErrorKind::kNotFound);
  }
  // A runtime release that adds ops to an existing version: its profiles are recomputed.
  plant.runtimes[1].ops = plant.runtimes.back().ops;
  ASSERT_TRUE(index_->AddRuntime(*ParseRuntimeRelease(plant.RuntimeJson(1))).ok());
  ExpectMatchesPlant(*index_, plant, 5);
}

TEST_F(CompatibilityIndexTest, RebuildIndexesDevicesWrittenWithoutProfiles) {
  Plant plant = Plant::Generate({120, 20, 8});
  for (size_t r = 0; r < plant.runtimes.size(); ++r) {
    ASSERT_TRUE(graph_->AddRuntime(*ParseRuntimeRelease(plant.RuntimeJson(r))).ok());
  }
  for (size_t m = 0; m < plant.models.size(); ++m) ASSERT_TRUE(graph_->AddModelCard(ParsedModel(plant, m)).ok());
  std::vector<Triple> triples;
  for (const auto& device : plant.devices) {
    auto more = DeviceTriples(ParsedDevice(plant, device));
    triples.insert(triples.end(), more.begin(), more.end());
  }
  ASSERT_TRUE(graph_->LoadTriples(triples).ok());  // e.g. Turtle loaded straight into the store
  auto rebuilt = index_->Rebuild();
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().message;
  EXPECT_EQ(*rebuilt, static_cast<int64_t>(plant.DistinctCapabilityProfiles()));
  ExpectMatchesPlant(*index_, plant, 3);
}

TEST_F(CompatibilityIndexTest, AnswersAgreeWithTheTwoStepQueries) {
  Plant plant = Plant::Generate({150, 8, 21});
  ASSERT_NO_FATAL_FAILURE(Load(*index_, plant));
  CompatibilityQueries two_step(*graph_);
  for (size_t m = 0; m < plant.models.size(); ++m) {
    auto raw = two_step.CompatibleDevices(ModelTerm(plant, m), 0, 1000);
    auto indexed = index_->CompatibleDevices(ModelTerm(plant, m), 0, 1000);
    ASSERT_TRUE(raw.ok() && indexed.ok());
    EXPECT_EQ(raw->total, indexed->total);
    // Same devices; the index lists them by profile, then id; the two-step query by id.
    std::vector<std::string> raw_ids, indexed_ids;
    for (const auto& item : raw->items) raw_ids.push_back(item.id);
    for (const auto& item : indexed->items) indexed_ids.push_back(item.id);
    EXPECT_EQ(indexed_ids, plant.CompatibleDeviceIds(m));
    std::sort(indexed_ids.begin(), indexed_ids.end());
    EXPECT_EQ(raw_ids, indexed_ids);
  }
}

TEST_F(CompatibilityIndexTest, UnknownSubjectsAreNotFound) {
  auto devices = index_->CompatibleDevices(ModelVersionIri("nope", "1.0.0"), 0, 10);
  ASSERT_FALSE(devices.ok());
  EXPECT_EQ(devices.error().kind, ErrorKind::kNotFound);
  auto models = index_->CompatibleModels(DeviceIri("nope"), 0, 10);
  ASSERT_FALSE(models.ok());
  EXPECT_EQ(models.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(index_->CompatibleModels(DeviceIri("nope"), 0, 0).error().kind, ErrorKind::kInvalidArgument);
}

TEST(IdFromIriTest, InvertsThePercentEncodingOfIds) {
  for (std::string id : {"dev-0000001", "we\"ird }id", "a/b c%41", "ü"}) {
    EXPECT_EQ(IdFromIri(DeviceIri(id).value()), id);
  }
}

// The index lives in the store: a restarted store (same data folder) answers the same.
TEST(CompatibilityIndexRestartTest, AnswersSurviveAStoreRestart) {
  if (testing::Store() == nullptr) GTEST_SKIP() << "Virtuoso is not available";
  namespace fs = std::filesystem;
  VirtuosoOptions options;
  options.data_dir = fs::path(TINYFORGE_BINARY_DIR) / "kg-test-stores" / (std::to_string(::getpid()) + "-restart");
  options.remove_data_dir_on_stop = false;
  Plant plant = Plant::Generate({80, 16, 4});
  {
    auto store = VirtuosoProcess::Start(options);
    ASSERT_TRUE(store.ok()) << store.error().message;
    SparqlClient client((*store)->endpoints());
    KnowledgeGraph graph(client);
    CompatibilityIndex index(graph);
    ASSERT_NO_FATAL_FAILURE(Load(index, plant));
    ExpectMatchesPlant(index, plant, 4);
  }
  options.remove_data_dir_on_stop = true;
  auto store = VirtuosoProcess::Start(options);
  ASSERT_TRUE(store.ok()) << store.error().message;
  SparqlClient client((*store)->endpoints());
  KnowledgeGraph graph(client);
  ExpectMatchesPlant(CompatibilityIndex(graph), plant, 4);
}

}  // namespace
}  // namespace tinyforge::server::kg
