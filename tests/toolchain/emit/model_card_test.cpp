// Issue 5: the model-card.jsonld a package carries is registered by the server as it is. The card
// written by the real package writer is checked with the server's own parser and SHACL shapes.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/toolchain/emit/server_card_check.h"
#include "toolchain/emit/package.h"
#include "toolchain/format/model_builder.h"

namespace tinyforge::toolchain {
namespace {
namespace fs = std::filesystem;

// An int8 model (Quantize -> FullyConnected -> Dequantize), float in and out as packages need.
std::vector<uint8_t> QuantizedModel() {
  using format::DType;
  ModelBuilder builder;
  const uint32_t input = builder.AddTensor(DType::kFloat32, {1, 4}, "input");
  const uint32_t input_q = builder.AddTensor(DType::kInt8, {1, 4}, "input_q");
  builder.SetQuantization(input_q, Quantization{{0.05f}, {0}, 0});
  const uint32_t weights = builder.AddConstant<int8_t>(DType::kInt8, {2, 4}, {1, -2, 3, -4, 5, 6, -7, 8},
                                                       Quantization{{0.1f, 0.2f}, {0, 0}, 0});
  const uint32_t bias = builder.AddConstant<int32_t>(DType::kInt32, {2}, {10, -10},
                                                     Quantization{{0.005f, 0.01f}, {0, 0}, 0});
  const uint32_t hidden_q = builder.AddTensor(DType::kInt8, {1, 2}, "hidden_q");
  builder.SetQuantization(hidden_q, Quantization{{0.1f}, {0}, 0});
  const uint32_t output = builder.AddTensor(DType::kFloat32, {1, 2}, "output");
  builder.AddOp(format::OpCode::kQuantize, {input}, input_q);
  builder.AddOp(format::OpCode::kFullyConnected, {input_q, weights, bias}, hidden_q,
                format::FullyConnectedParams{});
  builder.AddOp(format::OpCode::kDequantize, {hidden_q}, output);
  builder.SetInputs({input});
  builder.SetOutputs({output});
  auto blob = builder.Build();
  EXPECT_TRUE(blob.ok()) << blob.error().message;
  return blob.ok() ? *blob : std::vector<uint8_t>{};
}

// What the pipeline runner adds about the data (toolchain/pipeline/pipeline_runner.cpp ModelCard).
nlohmann::json PipelineFields() {
  return {{"id", "bearing_faults"},
          {"version", "1.0.0"},
          {"required_sensors", {{{"type", "VibrationSensor"}, {"min_sampling_rate_hz", 12000.0}}}},
          {"accuracy", 0.97},
          {"dataset_hash", "sha256:" + std::string(64, 'a')},
          {"tf:features", {"mean", "rms"}},
          {"tf:classes", {"normal", "ball"}},
          {"tf:macroF1", 0.96}};
}

nlohmann::json WrittenCard(const PackageRequest& request, const std::string& dir_name) {
  const fs::path dir = fs::path(TINYFORGE_BINARY_DIR) / "test-packages" / dir_name;
  fs::remove_all(dir);
  auto report = WritePackage(PackageTarget::kC, request, dir);
  EXPECT_TRUE(report.ok()) << report.error().message;
  std::ifstream stream(dir / "model-card.jsonld");
  std::ostringstream text;
  text << stream.rdbuf();
  return nlohmann::json::parse(text.str(), nullptr, false);
}

TEST(ModelCardTest, PackagedCardIsRegisteredByTheServerAsItIs) {
  PackageRequest request;
  request.blob = QuantizedModel();
  request.name = "bearing faults";
  request.model_card = PipelineFields();
  const nlohmann::json card = WrittenCard(request, "card-server");
  ASSERT_TRUE(card.is_object());
  EXPECT_EQ(testing::ServerRefusal(card), "") << card.dump(2);

  // The blob's facts, in the server's keys and the names the server reads from .tfm blobs.
  EXPECT_EQ(card["ops"], (std::vector<std::string>{"FullyConnected", "Quantize", "Dequantize"}));
  EXPECT_EQ(card["flash_bytes"], request.blob.size());
  EXPECT_GT(card["arena_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(card["runtime_version"], TINYFORGE_TEST_PROJECT_VERSION);
  EXPECT_EQ(card["inputs"][0]["dtype"], format::DTypeName(static_cast<uint8_t>(format::DType::kFloat32)));
  EXPECT_EQ(card["inputs"][0]["shape"], (std::vector<int>{1, 4}));
  EXPECT_EQ(card["outputs"][0]["shape"], (std::vector<int>{1, 2}));
  EXPECT_EQ(card["quantization"]["weight_bits"], 8);
  // The extra detail rides along.
  EXPECT_EQ(card["tf:classes"], (std::vector<std::string>{"normal", "ball"}));
}

TEST(ModelCardTest, ServerRefusesACardWithTheOldFnvHashOrAnUnknownSensor) {
  PackageRequest request;
  request.blob = QuantizedModel();
  request.name = "bearing faults";
  request.model_card = PipelineFields();
  request.model_card["dataset_hash"] = "fnv1a64:efaab60c6a9a4656";
  EXPECT_NE(testing::ServerRefusal(WrittenCard(request, "card-fnv")).find("dataset hash"),
            std::string::npos);
  request.model_card = PipelineFields();
  request.model_card["required_sensors"][0]["type"] = "Vibrometer";
  EXPECT_NE(testing::ServerRefusal(WrittenCard(request, "card-sensor")).find("sensor type"),
            std::string::npos);
}

// ontology/examples/cwru_model_card.json is a card `tinyforge pipeline run` wrote (tests/data
// cwru_small, trimmed of the long tf: detail); it stays registrable.
TEST(ModelCardTest, ToolchainExampleCardIsRegisteredByTheServer) {
  std::ifstream stream(fs::path(TINYFORGE_SOURCE_DIR) / "ontology" / "examples" / "cwru_model_card.json");
  ASSERT_TRUE(stream.good());
  const auto card = nlohmann::json::parse(stream, nullptr, false);
  EXPECT_EQ(testing::ServerRefusal(card), "");
}

}  // namespace
}  // namespace tinyforge::toolchain
