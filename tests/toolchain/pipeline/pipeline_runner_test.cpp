// The main job end to end on real CWRU data (shared/datasets): features, training, int8, the
// firmware on QEMU; checks the properties the demo promises rather than fixed numbers.
#include "toolchain/pipeline/pipeline_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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

// A user's own recordings, listed in a manifest: CSV with a timestamp column and a missing cell,
// and raw float32 with a JSON sidecar; two classes told apart by frequency (50 vs 200 Hz at 1 kHz).
fs::path WriteOwnRecordings(const std::string& name, const std::string& manifest) {
  const fs::path dir = fs::path(TINYFORGE_BINARY_DIR) / "test-pipeline" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  const double rate = 1000.0;
  auto signal = [&](double frequency, size_t count, uint32_t seed) {
    std::vector<float> samples(count);
    uint32_t state = seed * 2654435761u + 1u;
    for (size_t i = 0; i < count; ++i) {
      state = state * 1664525u + 1013904223u;
      const double noise = (static_cast<double>(state >> 8) / 16777216.0 - 0.5) * 0.4;
      samples[i] = static_cast<float>(0.8 * std::sin(6.283185307179586 * frequency * static_cast<double>(i) / rate + seed) + noise);
    }
    return samples;
  };
  auto write_csv = [&](const std::string& file, double frequency, size_t count, uint32_t seed) {
    std::ofstream out(dir / file);
    out << "t,other,accel\n";
    const auto samples = signal(frequency, count, seed);
    for (size_t i = 0; i < count; ++i) {
      out << static_cast<double>(i) / rate << ",1.0,";
      if (i != 100) out << samples[i];  // one missing sample, filled by the interpolation
      out << "\n";
    }
  };
  write_csv("low_a.csv", 50.0, 6000, 1);
  write_csv("low_b.csv", 50.0, 3000, 2);
  write_csv("high_a.csv", 200.0, 6000, 3);
  const auto raw = signal(200.0, 4000, 4);
  std::ofstream(dir / "high_b.f32", std::ios::binary)
      .write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size() * sizeof(float)));
  std::ofstream(dir / "high_b.json") << R"({"file": "high_b.f32", "dtype": "float32", "byte_order": "little",
    "shape": [4000], "channels": ["accel"], "sample_rate_hz": 1000})";
  std::ofstream(dir / "recordings.csv") << manifest;
  std::ofstream(dir / "own.toml") << R"([pipeline]
name = "own"
seed = 3
[data]
kind = "recordings"
path = "recordings.csv"
channel = "accel"
timestamp_column = "t"
sensor_type = "CurrentSensor"
[features]
window_size = 256
window_stride = 128
max_gap = 4
features = ["rms", "band_energies", "spectral_centroid"]
band_count = 4
band_high_hz = 500.0
[classifier]
hidden = [8]
epochs = 30
[package]
targets = ["c"]
)";
  return dir;
}

// Issue 3: "the whole chain from one declarative file (data source, ...)" for data that is not
// the bundled CWRU set.
TEST(PipelineRunnerTest, RecordingsManifestRunsTheChainOnTheUsersOwnFiles) {
  const fs::path dir = WriteOwnRecordings(
      "own", "file,label,split\nlow_a.csv,low,train\nlow_b.csv,low,test\nhigh_a.csv,high,train\nhigh_b.f32,high,test\n");
  auto spec = LoadPipelineSpec(dir / "own.toml", "/shared");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  spec->output_dir = dir / "out";
  auto report = RunPipeline(*spec, nullptr);
  ASSERT_TRUE(report.ok()) << report.error().message;
  const auto& json = report->json;
  EXPECT_EQ(json["data"]["kind"], "recordings");
  EXPECT_EQ(json["data"]["classes"], (nlohmann::json{"high", "low"}));
  // (6000 - 256) / 128 + 1 = 45 windows per training file; 22 + 30 test windows.
  EXPECT_EQ(json["data"]["train_windows"], 90);
  EXPECT_EQ(json["data"]["test_windows"], 52);
  EXPECT_TRUE(json["data"]["notes"].empty());
  EXPECT_GE(json["classifier"]["int8"]["accuracy"].get<double>(), 0.95);
  EXPECT_NE(report->text.find("recordings manifest splits"), std::string::npos) << report->text;
  // The card names the user's sensor (not CWRU's vibration sensor) and the server registers it.
  std::ifstream card_file(spec->output_dir / "package" / "c" / "model-card.jsonld");
  const auto card = nlohmann::json::parse(card_file, nullptr, false);
  ASSERT_FALSE(card.is_discarded());
  EXPECT_EQ(card["required_sensors"][0]["type"], "CurrentSensor");
  EXPECT_EQ(card["required_sensors"][0]["min_sampling_rate_hz"], 1000.0);
  EXPECT_EQ(testing::ServerRefusal(card), "") << card.dump(2);

  std::ofstream(dir / "bad_sensor.toml") << "[pipeline]\nname = \"x\"\n[data]\nkind = \"recordings\"\n"
                                            "path = \"recordings.csv\"\nsensor_type = \"Seismometer\"\n"
                                            "[classifier]\n";
  auto bad = LoadPipelineSpec(dir / "bad_sensor.toml", "/shared");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bad_sensor.toml:6:15: [data] sensor_type: 'Seismometer' is not a known sensor class"),
            std::string::npos)
      << bad.error().message;
}

TEST(PipelineRunnerTest, RecordingsManifestErrorsNameTheManifestLineAndWriteNothing) {
  const fs::path dir = WriteOwnRecordings("own-bad", "file,label,split\nlow_a.csv,low,train\nmissing.csv,high,test\n");
  auto spec = LoadPipelineSpec(dir / "own.toml", "/shared");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  spec->output_dir = dir / "out";
  auto report = RunPipeline(*spec, nullptr);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("recordings.csv:3: "), std::string::npos) << report.error().message;
  EXPECT_NE(report.error().message.find("missing.csv"), std::string::npos) << report.error().message;
  EXPECT_FALSE(fs::exists(spec->output_dir));

  std::ofstream(dir / "recordings.csv") << "file,label,split\nlow_a.csv,low,later\n";
  report = RunPipeline(*spec, nullptr);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("recordings.csv:2: split 'later'"), std::string::npos) << report.error().message;

  std::ofstream(dir / "recordings.csv") << "file,label,split\nlow_a.csv,low,train\nhigh_a.csv,high,train\n";
  spec->data.channel = "gyro";
  report = RunPipeline(*spec, nullptr);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("has no channel 'gyro' (it has: other, accel)"), std::string::npos)
      << report.error().message;
}

}  // namespace
}  // namespace tinyforge::toolchain
