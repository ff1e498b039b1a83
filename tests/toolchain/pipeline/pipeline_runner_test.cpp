// The main job end to end on real CWRU data (shared/datasets): features, training, int8, the
// firmware on QEMU; checks the properties the demo promises rather than fixed numbers.
#include "toolchain/pipeline/pipeline_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <fstream>

#include "tests/toolchain/emit/server_card_check.h"
#include "toolchain/format/blob_reader.h"
#include "toolchain/train/autoencoder.h"

namespace tinyforge::toolchain {
namespace {
namespace fs = std::filesystem;

TEST(PipelineRunnerTest, CwruEndToEndInt8MatchesFloatAndDeviceMatchesHost) {
  const fs::path shared = TINYFORGE_SHARED_DIR;
  if (!fs::exists(shared / "datasets" / "cwru_bearing" / "manifest.csv")) {
    GTEST_FAIL() << "CWRU data not found under " << shared;
  }
  auto spec = LoadPipelineSpec(fs::path(TINYFORGE_SOURCE_DIR) / "tests/data/pipeline/cwru_small.toml",
                               shared);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  spec->output_dir = fs::path(TINYFORGE_BINARY_DIR) / "test-pipeline" / "cwru_small";
  fs::remove_all(spec->output_dir);
  auto report = RunPipeline(*spec, nullptr);
  ASSERT_TRUE(report.ok()) << report.error().message;
  const auto& json = report->json;

  EXPECT_GT(json["data"]["train_windows"].get<int>(), 100);
  EXPECT_GT(json["data"]["test_windows"].get<int>(), 100);
  const double float_accuracy = json["classifier"]["float"]["accuracy"];
  const double int8_accuracy = json["classifier"]["int8"]["accuracy"];
  EXPECT_GT(float_accuracy, 0.9);
  EXPECT_LE(float_accuracy - int8_accuracy, 0.01);  // int8 within 1 point of float
  EXPECT_GT(json["anomaly"]["int8"]["roc_auc"].get<double>(), 0.9);

  const auto& device = json["packages"]["device"];
  EXPECT_EQ(device["samples"], 16);
  EXPECT_EQ(device["outputs_identical"], 16);
  EXPECT_EQ(device["predictions_identical"], 16);

  // The written models are valid blobs.
  for (const char* name : {"classifier.tfm", "anomaly.tfm"}) {
    auto bytes = ReadFileBytes((spec->output_dir / name).string());
    ASSERT_TRUE(bytes.ok());
    EXPECT_TRUE(LoadBlob(*bytes).ok()) << name;
  }
  EXPECT_TRUE(fs::exists(spec->output_dir / "report.json"));
  // Published from the staging folder: the report names the final folders, the firmware image is
  // kept (not the build tree, whose CMake cache would name the staging path), nothing is left beside.
  EXPECT_EQ(json["packages"]["firmware"]["directory"].get<std::string>(),
            (fs::absolute(spec->output_dir) / "package" / "firmware").lexically_normal().string());
  size_t images = 0;
  for (const auto& entry : fs::directory_iterator(spec->output_dir / "build" / "firmware")) {
    EXPECT_EQ(entry.path().extension(), ".elf") << entry.path();
    ++images;
  }
  EXPECT_EQ(images, 1u);
  for (const auto& entry : fs::directory_iterator(spec->output_dir.parent_path())) {
    EXPECT_EQ(entry.path().filename().string().find(".cwru_small.tmp-"), std::string::npos) << entry.path();
  }

  // The deployed anomaly model carries the int8 threshold its report scores against (it carried
  // the float model's, which differs by the quantization error: devices alerted at the wrong level).
  auto anomaly_bytes = ReadFileBytes((spec->output_dir / "anomaly.tfm").string());
  ASSERT_TRUE(anomaly_bytes.ok());
  auto anomaly = LoadBlob(*anomaly_bytes);
  ASSERT_TRUE(anomaly.ok());
  MetadataValue threshold_value{};
  ASSERT_EQ(anomaly->model().FindMetadata(kAnomalyThresholdKey, &threshold_value), Status::kOk);
  double threshold = 0.0;
  std::memcpy(&threshold, threshold_value.bytes, sizeof(threshold));
  EXPECT_FLOAT_EQ(static_cast<float>(threshold), json["anomaly"]["int8"]["threshold"].get<float>());
  EXPECT_NE(json["anomaly"]["int8"]["threshold"].get<float>(),
            json["anomaly"]["float"]["threshold"].get<float>());

  // Issue 5: the package's model card is registered by the server as it is (its parser + SHACL).
  std::ifstream card_file(spec->output_dir / "package" / "firmware" / "model-card.jsonld");
  ASSERT_TRUE(card_file.good());
  const auto card = nlohmann::json::parse(card_file, nullptr, false);
  EXPECT_EQ(testing::ServerRefusal(card), "") << card.dump(2);
  EXPECT_EQ(card["required_sensors"][0]["type"], "VibrationSensor");
  EXPECT_EQ(card["accuracy"], int8_accuracy);
}

TEST(PipelineRunnerTest, MissingDataFailsNamingThePath) {
  auto spec = ParsePipelineSpec(
      "[pipeline]\nname=\"x\"\n[data]\npath=\"/nonexistent/cwru\"\n[classifier]\nhidden=[4]\n",
      "/tmp/x.toml", "/shared");
  ASSERT_TRUE(spec.ok());
  spec->output_dir = fs::path(TINYFORGE_BINARY_DIR) / "test-pipeline" / "missing";
  auto report = RunPipeline(*spec, nullptr);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("/nonexistent/cwru"), std::string::npos)
      << report.error().message;
  EXPECT_FALSE(fs::exists(spec->output_dir / "report.json"));
}

// Issue 3, bad input: a run that fails after some stages wrote their outputs leaves nothing behind
// (no model, no package, no staging folder) and the previous run's outputs as they were.
TEST(PipelineRunnerTest, LateFailureLeavesNoPartialOutputAndKeepsThePreviousRun) {
  const fs::path shared = TINYFORGE_SHARED_DIR;
  if (!fs::exists(shared / "datasets" / "cwru_bearing" / "manifest.csv")) {
    GTEST_FAIL() << "CWRU data not found under " << shared;
  }
  auto spec = LoadPipelineSpec(fs::path(TINYFORGE_SOURCE_DIR) / "tests/data/pipeline/cwru_small.toml",
                               shared);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  const fs::path parent = fs::path(TINYFORGE_BINARY_DIR) / "test-pipeline" / "late-failure";
  fs::remove_all(parent);
  spec->output_dir = parent / "out";
  fs::create_directories(spec->output_dir);
  { std::ofstream(spec->output_dir / "report.json") << "{\"previous\": true}\n"; }
  { std::ofstream(spec->output_dir / "notes.txt") << "not the pipeline's\n"; }
  // The classifier stage succeeds (and writes classifier.tfm), then the anomaly stage fails.
  spec->anomaly.normal_class = "no_such_class";
  spec->package.targets = {"c"};

  auto report = RunPipeline(*spec, nullptr);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("no_such_class"), std::string::npos) << report.error().message;
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(spec->output_dir)) left.push_back(entry.path().filename());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"notes.txt", "report.json"}));
  std::ifstream previous(spec->output_dir / "report.json");
  std::string text((std::istreambuf_iterator<char>(previous)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"previous\": true}\n");
  size_t entries_beside = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(parent)) ++entries_beside;
  EXPECT_EQ(entries_beside, 1u) << "a staging folder was left next to the output";
}

}  // namespace
}  // namespace tinyforge::toolchain
