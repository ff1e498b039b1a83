// A store that silently cuts result sets (Virtuoso's ResultSetMaxRows answers HTTP 200 with fewer
// rows) must never produce an answer that looks complete: pages are checked against COUNT queries.
#include <gtest/gtest.h>
#include <unistd.h>

#include "server/kg/compatibility.h"
#include "server/kg/virtuoso_process.h"

namespace tinyforge::server::kg {
namespace {

TEST(TruncationTest, DetectsAStoreThatCutsResultSetsSilently) {
  VirtuosoOptions options;
  options.data_dir = std::filesystem::path(TINYFORGE_BINARY_DIR) / "kg-test-stores" /
                     (std::to_string(::getpid()) + "-truncating");
  options.remove_data_dir_on_stop = true;
  options.result_set_max_rows = 5;  // a deliberately tiny limit
  auto store = VirtuosoProcess::Start(options);
  if (!store.ok()) GTEST_SKIP() << "Virtuoso is not available: " << store.error().message;
  SparqlClient client((*store)->endpoints());
  KnowledgeGraph graph(client, "urn:tinyforge:test:truncation");

  ModelCard card;
  card.id = "m";
  card.version = "1.0.0";
  card.ops = {"ADD"};
  card.inputs = card.outputs = {{"t", "int8", {1}}};
  card.arena_bytes = 1000;
  card.flash_bytes = 1000;
  card.runtime_version = "1.0.0";
  card.dataset_hash = "sha256:" + std::string(64, '1');
  std::vector<Triple> triples = ModelCardTriples(card);
  auto runtime = RuntimeTriples({"1.0.0", {"ADD"}});
  triples.insert(triples.end(), runtime.begin(), runtime.end());
  const int kDevices = 12;
  for (int i = 0; i < kDevices; ++i) {
    DeviceDescription device;
    device.id = "d" + std::to_string(100 + i);
    device.title = device.id;
    device.mcu_core = "cortex-m4";
    device.clock_hz = 1;
    device.ram_bytes = 4096;
    device.flash_bytes = 4096;
    device.firmware_id = "fw";
    device.firmware_version = "1.0.0";
    device.runtime_version = "1.0.0";
    auto more = DeviceTriples(device);
    triples.insert(triples.end(), more.begin(), more.end());
  }
  ASSERT_TRUE(graph.LoadTriples(triples).ok());

  // The store itself cuts silently: 5 rows, no error, although 12 match.
  auto raw = client.Select("SELECT ?d FROM <urn:tinyforge:test:truncation> WHERE { ?d a "
                           "<https://w3id.org/tinyforge/ontology#Device> } LIMIT 10");
  ASSERT_TRUE(raw.ok()) << raw.error().message;
  EXPECT_EQ(raw->rows.size(), 5u);

  CompatibilityQueries queries(graph);
  Term model = ModelVersionIri("m", "1.0.0");
  auto page = queries.CompatibleDevices(model, 0, 10);
  ASSERT_FALSE(page.ok()) << "a cut page was accepted as complete";
  EXPECT_EQ(page.error().kind, ErrorKind::kTruncated) << page.error().message;
  auto reasons = queries.DevicesWithReasons(model, 0, 10);
  ASSERT_FALSE(reasons.ok());
  EXPECT_EQ(reasons.error().kind, ErrorKind::kTruncated) << reasons.error().message;
  // Pages within the limit are complete and accepted.
  auto small = queries.CompatibleDevices(model, 10, 5);
  ASSERT_TRUE(small.ok()) << small.error().message;
  EXPECT_EQ(small->total, kDevices);
  EXPECT_EQ(small->items.size(), 2u);
}

TEST(TruncationTest, StoreDataFolderIsRemovedOnStop) {
  VirtuosoOptions options;
  options.data_dir = std::filesystem::path(TINYFORGE_BINARY_DIR) / "kg-test-stores" /
                     (std::to_string(::getpid()) + "-lifecycle");
  options.remove_data_dir_on_stop = true;
  auto store = VirtuosoProcess::Start(options);
  if (!store.ok()) GTEST_SKIP() << "Virtuoso is not available: " << store.error().message;
  pid_t pid = (*store)->pid();
  EXPECT_TRUE(std::filesystem::exists(options.data_dir / "virtuoso.db"));
  EXPECT_EQ(::kill(pid, 0), 0);
  (*store)->Stop();
  EXPECT_NE(::kill(pid, 0), 0) << "virtuoso-t still running";
  EXPECT_FALSE(std::filesystem::exists(options.data_dir));
}

}  // namespace
}  // namespace tinyforge::server::kg
