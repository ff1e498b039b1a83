// ONNX import against PyTorch: the committed fixtures (tests/data/onnx, made by make_fixtures.py)
// carry PyTorch outputs; the imported float graph must match them within 1e-4 and the int8 .tfm,
// run by the real runtime, within a quantization tolerance. Plus every rejection path.
#include "toolchain/importers/onnx_importer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "tinyforge/interpreter.h"
#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/format/blob_reader.h"
#include "toolchain/importers/onnx_convert.h"
#include "toolchain/ir/float_executor.h"
#include "toolchain/passes/quantize.h"

namespace tinyforge::toolchain {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(TINYFORGE_SOURCE_DIR) + "/tests/data/onnx/" + name;
}

struct Reference {
  std::vector<std::vector<float>> inputs;   // ONNX layout
  std::vector<std::vector<float>> outputs;  // ONNX layout
};

Reference LoadReference(const std::string& model) {
  std::ifstream file(Fixture(model + ".expected.json"));
  const auto json = nlohmann::json::parse(file);
  Reference reference;
  for (const auto& row : json.at("inputs"))
    reference.inputs.push_back(row.get<std::vector<float>>());
  for (const auto& row : json.at("outputs"))
    reference.outputs.push_back(row.get<std::vector<float>>());
  return reference;
}

// Loads a blob into 16-aligned storage and runs one float sample at a time with the runtime.
class ImportedDeviceModel {
 public:
  explicit ImportedDeviceModel(const std::vector<uint8_t>& blob)
      : blob_(new (std::align_val_t{16}) uint8_t[blob.size()]), interpreter_(AllOpsResolver()) {
    std::memcpy(blob_.get(), blob.data(), blob.size());
    status_ = interpreter_.Load(blob_.get(), blob.size());
    if (status_ != Status::kOk) return;
    arena_.reset(new (std::align_val_t{16}) uint8_t[interpreter_.ArenaBytesRequired() + 16]);
    status_ = interpreter_.Prepare(arena_.get(), interpreter_.ArenaBytesRequired());
  }
  Status status() const { return status_; }
  std::vector<float> Run(const std::vector<float>& sample) {
    Tensor input, output;
    EXPECT_EQ(interpreter_.Input(0, &input), Status::kOk);
    EXPECT_EQ(input.dtype, DType::kFloat32);
    EXPECT_EQ(input.ElementCount(), sample.size());
    std::memcpy(input.data, sample.data(), sample.size() * sizeof(float));
    EXPECT_EQ(interpreter_.Invoke(), Status::kOk);
    EXPECT_EQ(interpreter_.Output(0, &output), Status::kOk);
    const float* values = output.As<const float>();
    return {values, values + output.ElementCount()};
  }

 private:
  struct AlignedDelete {
    void operator()(uint8_t* p) const { operator delete[](p, std::align_val_t{16}); }
  };
  std::unique_ptr<uint8_t[], AlignedDelete> blob_;
  std::unique_ptr<uint8_t[], AlignedDelete> arena_;
  Interpreter interpreter_;
  Status status_ = Status::kNotLoaded;
};

class OnnxFixtureTest : public ::testing::TestWithParam<const char*> {};

TEST_P(OnnxFixtureTest, FloatGraphMatchesPyTorch) {
  const std::string name = GetParam();
  auto imported = ImportOnnxFile(Fixture(name + ".onnx"));
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  const Reference reference = LoadReference(name);
  ASSERT_FALSE(reference.inputs.empty());
  for (size_t s = 0; s < reference.inputs.size(); ++s) {
    const auto input = OnnxToIrLayout(imported->inputs[0], reference.inputs[s]);
    auto trace = RunFloatGraph(imported->graph, 1, {input});
    ASSERT_TRUE(trace.ok()) << trace.error().message;
    const auto& ir_output = trace->values[size_t(imported->graph.outputs[0])];
    const auto output = IrToOnnxLayout(imported->outputs[0], ir_output);
    ASSERT_EQ(output.size(), reference.outputs[s].size());
    for (size_t i = 0; i < output.size(); ++i)
      EXPECT_NEAR(output[i], reference.outputs[s][i], 1e-4f)
          << name << " sample " << s << " #" << i;
  }
}

TEST_P(OnnxFixtureTest, Int8BlobThroughRuntimeMatchesPyTorchWithinQuantizationError) {
  const std::string name = GetParam();
  auto imported = ImportOnnxFile(Fixture(name + ".onnx"));
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  const Reference reference = LoadReference(name);
  // Calibration: N(0, 1) samples like the fixtures' inputs (drawn here, not the test inputs).
  const size_t sample = reference.inputs[0].size();
  const size_t rows = 200;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> calibration(rows * sample);
  for (float& value : calibration) value = normal(rng);
  auto quantized = QuantizeGraph(imported->graph, calibration, rows);
  ASSERT_TRUE(quantized.ok()) << quantized.error().message;
  auto blob = EmitTfm(*quantized);
  ASSERT_TRUE(blob.ok()) << blob.error().message;
  ImportedDeviceModel device(*blob);
  ASSERT_EQ(device.status(), Status::kOk) << StatusName(device.status());
  float low = INFINITY, high = -INFINITY, worst = 0.0f;
  for (const auto& row : reference.outputs) {
    for (float v : row) low = std::min(low, v), high = std::max(high, v);
  }
  const float range = std::max(high - low, 1e-3f);
  for (size_t s = 0; s < reference.inputs.size(); ++s) {
    const auto ir_output = device.Run(OnnxToIrLayout(imported->inputs[0], reference.inputs[s]));
    const auto output = IrToOnnxLayout(imported->outputs[0], ir_output);
    ASSERT_EQ(output.size(), reference.outputs[s].size());
    for (size_t i = 0; i < output.size(); ++i)
      worst = std::max(worst, std::fabs(output[i] - reference.outputs[s][i]));
  }
  // int8 activations carry ~1/255 of their range per layer; a few layers compound it.
  EXPECT_LE(worst, 0.05f * range) << name << ": output range " << range;
  std::printf(
      "[ metric ] %s: int8 runtime max |err| vs PyTorch %.5f (output range %.4f, %.2f%%), "
      "blob %zu B\n",
      name.c_str(), static_cast<double>(worst), static_cast<double>(range),
      100.0 * static_cast<double>(worst / range), blob->size());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, OnnxFixtureTest,
                         ::testing::Values("mlp", "cnn1d_bn", "cnn2d_depthwise", "nhwc_transpose",
                                           "gap_cnn1d"));

TEST(OnnxImporterTest, ConvertsNchwInputToChannelsLastAndFoldsBatchNorm) {
  auto imported = ImportOnnxFile(Fixture("cnn2d_depthwise.onnx"));
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->inputs[0].onnx_shape, (std::vector<uint32_t>{1, 3, 16, 16}));
  EXPECT_EQ(imported->inputs[0].ir_shape, (std::vector<uint32_t>{1, 16, 16, 3}));
  bool has_depthwise = false;
  for (const auto& node : imported->graph.nodes) {
    has_depthwise = has_depthwise || node.op == OpCode::kDepthwiseConv2D;
  }
  EXPECT_TRUE(has_depthwise);
  size_t folded = 0;
  for (const auto& note : imported->notes)
    folded += note.find("BatchNormalization") != std::string::npos;
  EXPECT_EQ(folded, 2u);
}

TEST(OnnxImporterTest, KeepsNhwcInputAsFedWhenItsOnlyReaderIsATranspose) {
  auto imported = ImportOnnxFile(Fixture("nhwc_transpose.onnx"));
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_TRUE(imported->inputs[0].IsIdentity());
  EXPECT_EQ(imported->inputs[0].ir_shape, (std::vector<uint32_t>{1, 8, 8, 2}));
  // The second Transpose restores NHWC, which is the IR order already: Flatten needs no
  // column permutation in the Gemm.
  for (const auto& note : imported->notes)
    EXPECT_EQ(note.find("permuted"), std::string::npos) << note;
}

TEST(OnnxImporterTest, AcceptsSymbolicBatchDimension) {
  auto imported = ImportOnnxFile(Fixture("mlp.onnx"));
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->inputs[0].ir_shape, (std::vector<uint32_t>{1, 8}));
}

TEST(OnnxImporterTest, RejectsTruncatedFile) {
  auto imported = ImportOnnxFile(Fixture("truncated.onnx"));
  ASSERT_FALSE(imported.ok());
  EXPECT_NE(imported.error().message.find("truncated.onnx"), std::string::npos);
  EXPECT_NE(imported.error().message.find("truncated"), std::string::npos);
}

TEST(OnnxImporterTest, RejectsEveryTruncationOfAValidModel) {
  std::ifstream file(Fixture("cnn1d_bn.onnx"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 100u);
  for (size_t length = 0; length < bytes.size(); length += 7) {
    auto imported = ImportOnnxBytes(bytes.substr(0, length), "cut.onnx");
    EXPECT_FALSE(imported.ok()) << "a " << length << "-byte prefix imported";
  }
}

TEST(OnnxImporterTest, ListsEveryUnsupportedOpWithItsNodeName) {
  auto imported = ImportOnnxFile(Fixture("unsupported_ops.onnx"));
  ASSERT_FALSE(imported.ok());
  const std::string& message = imported.error().message;
  EXPECT_NE(message.find("LeakyRelu (node '/LeakyRelu')"), std::string::npos) << message;
  EXPECT_NE(message.find("Exp (node '/Exp')"), std::string::npos) << message;
}

TEST(OnnxImporterTest, RejectsDynamicNonBatchDimension) {
  auto imported = ImportOnnxFile(Fixture("dynamic_dim.onnx"));
  ASSERT_FALSE(imported.ok());
  EXPECT_NE(imported.error().message.find("'features'"), std::string::npos)
      << imported.error().message;
  EXPECT_NE(imported.error().message.find("dynamic"), std::string::npos);
}

TEST(OnnxImporterTest, RejectsCeilModePoolNamingTheNode) {
  auto imported = ImportOnnxFile(Fixture("ceil_mode_pool.onnx"));
  ASSERT_FALSE(imported.ok());
  EXPECT_NE(imported.error().message.find("'/pool/MaxPool'"), std::string::npos)
      << imported.error().message;
  EXPECT_NE(imported.error().message.find("ceil_mode"), std::string::npos);
}

class OnnxConvertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tf-onnx-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(OnnxConvertTest, WritesLoadableInt8ModelWithRandomCalibration) {
  OnnxConvertOptions options;
  options.input_path = Fixture("cnn1d_bn.onnx");
  options.output_path = (dir_ / "model.tfm").string();
  options.calibration_random = 64;
  auto report = ConvertOnnxToTfm(options);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->quantized);
  auto bytes = ReadFileBytes(options.output_path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), report->blob_bytes);
  auto loaded = LoadBlob(*bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->model().arena_bytes(), report->arena_bytes);
  EXPECT_EQ(report->ops.front(), "Quantize");
  EXPECT_EQ(report->ops.back(), "Dequantize");
}

TEST_F(OnnxConvertTest, CalibrationCsvInOnnxLayoutIsReordered) {
  auto imported = ImportOnnxFile(Fixture("cnn1d_bn.onnx"));
  ASSERT_TRUE(imported.ok());
  const OnnxIoLayout& layout = imported->inputs[0];  // [1, 3, 32] → [1, 32, 3]
  std::ofstream csv(dir_ / "calib.csv");
  for (size_t c = 0; c < 96; ++c) csv << (c ? "," : "") << "x" << c;
  csv << "\n";
  for (int row = 0; row < 2; ++row) {
    for (size_t c = 0; c < 96; ++c) csv << (c ? "," : "") << row * 1000 + static_cast<int>(c);
    csv << "\n";
  }
  csv.close();
  size_t rows = 0;
  auto data = ReadCalibrationCsv((dir_ / "calib.csv").string(), layout, &rows);
  ASSERT_TRUE(data.ok()) << data.error().message;
  ASSERT_EQ(rows, 2u);
  // IR element (w, c) of row 1 is ONNX element (c, w) = 1000 + c * 32 + w.
  for (uint32_t w = 0; w < 32; ++w)
    for (uint32_t c = 0; c < 3; ++c)
      EXPECT_EQ((*data)[96 + w * 3 + c], static_cast<float>(1000 + c * 32 + w));
}

TEST_F(OnnxConvertTest, FailedImportWritesNothing) {
  for (const char* fixture : {"unsupported_ops.onnx", "truncated.onnx", "dynamic_dim.onnx"}) {
    OnnxConvertOptions options;
    options.input_path = Fixture(fixture);
    options.output_path = (dir_ / "model.tfm").string();
    options.calibration_random = 8;
    EXPECT_FALSE(ConvertOnnxToTfm(options).ok()) << fixture;
    EXPECT_TRUE(std::filesystem::is_empty(dir_)) << fixture;
  }
}

TEST_F(OnnxConvertTest, Int8WithoutCalibrationIsAnError) {
  OnnxConvertOptions options;
  options.input_path = Fixture("mlp.onnx");
  options.output_path = (dir_ / "model.tfm").string();
  auto report = ConvertOnnxToTfm(options);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("calibration"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
}

}  // namespace
}  // namespace tinyforge::toolchain
