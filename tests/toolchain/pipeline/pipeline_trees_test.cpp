// pipeline run with the tree kinds: [classifier] kind = "forest" and [anomaly] kind =
// "isolation-forest" on the CWRU subset (tests/data/pipeline/cwru_small.toml) train, export one
// TreeEnsemble each, evaluate the exported blobs on the host runtime and write both .tfm files
// (no device run here: the firmware path is the MLP's, covered by PipelineRunnerTest).
#include <gtest/gtest.h>

#include <filesystem>

#include "toolchain/format/blob_reader.h"
#include "toolchain/pipeline/pipeline_runner.h"
#include "toolchain/pipeline/pipeline_spec.h"

namespace tinyforge::toolchain {
namespace {
namespace fs = std::filesystem;

TEST(PipelineTreesTest, ForestAndIsolationForestRunOnCwru) {
  const fs::path shared = TINYFORGE_SHARED_DIR;
  if (!fs::exists(shared / "datasets" / "cwru_bearing" / "manifest.csv")) {
    GTEST_FAIL() << "CWRU data not found under " << shared;
  }
  auto spec = LoadPipelineSpec(fs::path(TINYFORGE_SOURCE_DIR) / "tests/data/pipeline/cwru_small.toml", shared);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  spec->classifier.kind = "forest";
  spec->classifier.trees = 20;
  spec->anomaly.kind = "isolation-forest";
  spec->anomaly.trees = 50;
  spec->package.targets.clear();
  spec->output_dir = fs::path(TINYFORGE_BINARY_DIR) / "test-pipeline" / "cwru_trees";
  fs::remove_all(spec->output_dir);
  auto report = RunPipeline(*spec, nullptr);
  ASSERT_TRUE(report.ok()) << report.error().message;
  const auto& json = report->json;
  EXPECT_EQ(json["classifier"]["kind"], "forest");
  EXPECT_EQ(json["classifier"]["deployed"], "float32");
  EXPECT_GT(json["classifier"]["float"]["accuracy"].get<double>(), 0.9);
  EXPECT_EQ(json["anomaly"]["kind"], "isolation-forest");
  EXPECT_GT(json["anomaly"]["float"]["roc_auc"].get<double>(), 0.9);
  EXPECT_NE(report->text.find("random forest (20 trees"), std::string::npos) << report->text;
  for (const char* name : {"classifier.tfm", "anomaly.tfm"}) {
    auto bytes = ReadFileBytes((spec->output_dir / name).string());
    ASSERT_TRUE(bytes.ok()) << name;
    auto blob = LoadBlob(*bytes);
    ASSERT_TRUE(blob.ok()) << name << ": " << blob.error().message;
    EXPECT_EQ(blob->model().op(0).opcode, static_cast<uint16_t>(format::OpCode::kTreeEnsemble)) << name;
  }
}

}  // namespace
}  // namespace tinyforge::toolchain
