// Packages: each target's files, the generated resolver, atomic replacement, and the firmware run
// on QEMU giving the same output bytes as the host runtime.
#include "toolchain/emit/package.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "toolchain/format/model_builder.h"
#include "toolchain/verify/firmware_runner.h"
#include "toolchain/verify/host_runner.h"

namespace tinyforge::toolchain {
namespace {
namespace fs = std::filesystem;

std::vector<uint8_t> TinyModel() {
  ModelBuilder builder;
  const uint32_t input = builder.AddTensor(DType::kFloat32, {1, 4}, "input");
  const uint32_t weights = builder.AddConstant<float>(
      DType::kFloat32, {3, 4}, {0.5f, -1.0f, 0.25f, 2.0f, 1.0f, 1.0f, 1.0f, 1.0f, -0.5f, 0.0f, 3.0f, 0.1f});
  const uint32_t bias = builder.AddConstant<float>(DType::kFloat32, {3}, {0.1f, -0.2f, 0.3f});
  const uint32_t hidden = builder.AddTensor(DType::kFloat32, {1, 3}, "hidden");
  const uint32_t output = builder.AddTensor(DType::kFloat32, {1, 3}, "output");
  builder.AddOp(format::OpCode::kFullyConnected, {input, weights, bias}, hidden,
                format::FullyConnectedParams{});
  builder.AddOp(format::OpCode::kSoftmax, {hidden}, output, format::SoftmaxParams{1.0f});
  builder.SetInputs({input});
  builder.SetOutputs({output});
  auto blob = builder.Build();
  EXPECT_TRUE(blob.ok()) << blob.error().message;
  return blob.ok() ? *blob : std::vector<uint8_t>{};
}

std::string ReadText(const fs::path& path) {
  std::ifstream stream(path);
  std::ostringstream text;
  text << stream.rdbuf();
  return text.str();
}

fs::path TestDir(const std::string& name) {
  const fs::path dir = fs::path(TINYFORGE_BINARY_DIR) / "test-packages" / name;
  fs::remove_all(dir);
  return dir;
}

TEST(PackageTest, CLibraryHasModelResolverWithOnlyUsedOpsAndModelCard) {
  PackageRequest request;
  request.blob = TinyModel();
  request.name = "tiny model";
  const fs::path dir = TestDir("c");
  auto report = WritePackage(PackageTarget::kC, request, dir);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->ops, (std::vector<std::string>{"FullyConnected", "Softmax"}));
  const std::string ops = ReadText(dir / "model" / "model_package.cpp");
  EXPECT_NE(ops.find("tinyforge::ops::kFullyConnected"), std::string::npos);
  EXPECT_NE(ops.find("tinyforge::ops::kSoftmax"), std::string::npos);
  EXPECT_EQ(ops.find("tinyforge::ops::kConv2D"), std::string::npos);
  const std::string header = ReadText(dir / "model" / "model_package.h");
  EXPECT_NE(header.find("#define TF_MODEL_ARENA_BYTES " + std::to_string(report->arena_bytes) + "u"),
            std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "runtime" / "core" / "model.cpp"));
  EXPECT_TRUE(fs::exists(dir / "runtime" / "tinyforge" / "format" / "tfm.h"));
  const auto card = nlohmann::json::parse(ReadText(dir / "model-card.jsonld"));
  EXPECT_EQ(card["arena_bytes"], report->arena_bytes);
  EXPECT_EQ(card["tf:modelBytes"], request.blob.size());
}

TEST(PackageTest, CLibraryBuildsAndItsExampleRuns) {
  PackageRequest request;
  request.blob = TinyModel();
  request.name = "tiny";
  const fs::path dir = TestDir("c-build");
  ASSERT_TRUE(WritePackage(PackageTarget::kC, request, dir).ok());
  std::string output;
  const std::string build = (dir / "build").string();
  ASSERT_EQ(RunCommand("cmake -S " + ShellQuote(dir.string()) + " -B " + ShellQuote(build) +
                           " -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build " + ShellQuote(build),
                       &output),
            0)
      << output;
  output.clear();
  ASSERT_EQ(RunCommand(ShellQuote(build + "/tiny_example"), &output), 0) << output;
  EXPECT_NE(output.find("invoke: Ok, output 12 bytes"), std::string::npos) << output;
}

// Issue 3: the C package is for microcontrollers, so it must also build with arm-none-eabi-gcc for
// a Cortex-M4 (the test above builds it with the host compiler). The library and the example link
// (newlib's nosys stubs), the objects are Thumb code for the M4, and the model array and the
// generated resolver are in the library.
TEST(PackageTest, CLibraryCrossCompilesForCortexM4WithArmNoneEabiGcc) {
  PackageRequest request;
  request.blob = TinyModel();
  request.name = "tiny";
  const fs::path dir = TestDir("c-cortex-m4");
  ASSERT_TRUE(WritePackage(PackageTarget::kC, request, dir).ok());
  std::string output;
  const std::string build = (dir / "build-m4").string();
  ASSERT_EQ(RunCommand("cmake -S " + ShellQuote(dir.string()) + " -B " + ShellQuote(build) +
                           " -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel -DCMAKE_SYSTEM_NAME=Generic"
                           " -DCMAKE_SYSTEM_PROCESSOR=cortex-m4 -DCMAKE_CXX_COMPILER=arm-none-eabi-g++"
                           " -DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY"
                           " '-DCMAKE_CXX_FLAGS=-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16'"
                           " -DCMAKE_EXE_LINKER_FLAGS=--specs=nosys.specs && cmake --build " + ShellQuote(build),
                       &output),
            0)
      << output;
  output.clear();
  ASSERT_EQ(RunCommand("arm-none-eabi-readelf -h -A " + ShellQuote(build + "/tiny_example"), &output), 0) << output;
  EXPECT_NE(output.find("Machine:                           ARM"), std::string::npos) << output;
  EXPECT_NE(output.find("Tag_CPU_arch: v7E-M"), std::string::npos) << output;
  EXPECT_NE(output.find("Tag_FP_arch: VFPv4-D16"), std::string::npos) << output;
  output.clear();
  ASSERT_EQ(RunCommand("arm-none-eabi-nm -C " + ShellQuote(build + "/libtiny_model.a"), &output), 0) << output;
  EXPECT_NE(output.find("kModelBlob"), std::string::npos);
  EXPECT_NE(output.find("ModelOpResolver()"), std::string::npos);
}

TEST(PackageTest, ArduinoLibraryHasPropertiesSourcesAndSketch) {
  PackageRequest request;
  request.blob = TinyModel();
  request.name = "vibration";
  const fs::path dir = TestDir("arduino");
  ASSERT_TRUE(WritePackage(PackageTarget::kArduino, request, dir).ok());
  const std::string properties = ReadText(dir / "library.properties");
  EXPECT_NE(properties.find("name=vibration"), std::string::npos);
  EXPECT_NE(properties.find("includes=vibration.h"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "src" / "vibration.h"));
  EXPECT_TRUE(fs::exists(dir / "src" / "model_package.cpp"));
  EXPECT_TRUE(fs::exists(dir / "src" / "core" / "interpreter.cpp"));
  EXPECT_TRUE(fs::exists(dir / "examples" / "vibration_inference" / "vibration_inference.ino"));
  // Arduino library specification 1.5 (rev. 2.2): every field Library Manager requires, and a
  // category from its list.
  for (const char* field : {"name=", "version=", "author=", "maintainer=", "sentence=", "paragraph=",
                            "category=", "url=", "architectures="}) {
    const bool at_line_start =
        properties.rfind(field, 0) == 0 || properties.find(std::string("\n") + field) != std::string::npos;
    EXPECT_TRUE(at_line_start) << field << " missing in:\n" << properties;
  }
  const std::vector<std::string> categories = {"Display", "Communication", "Signal Input/Output", "Sensors",
                                                "Device Control", "Timing", "Data Storage", "Data Processing", "Other"};
  const size_t category = properties.find("category=");
  ASSERT_NE(category, std::string::npos);
  const std::string value = properties.substr(category + 9, properties.find('\n', category) - category - 9);
  EXPECT_NE(std::find(categories.begin(), categories.end(), value), categories.end()) << value;
}

TEST(PackageTest, InvalidBlobLeavesNoPackageAndKeepsThePreviousOne) {
  const fs::path dir = TestDir("atomic");
  PackageRequest good;
  good.blob = TinyModel();
  good.name = "first";
  ASSERT_TRUE(WritePackage(PackageTarget::kC, good, dir).ok());
  PackageRequest bad = good;
  bad.blob[40] ^= 0xFF;  // the CRC no longer matches
  auto report = WritePackage(PackageTarget::kC, bad, dir);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("CrcMismatch"), std::string::npos) << report.error().message;
  EXPECT_TRUE(fs::exists(dir / "model" / "model_package.cpp"));  // the earlier package is intact
  for (const auto& entry : fs::directory_iterator(dir.parent_path())) {
    EXPECT_EQ(entry.path().filename().string().find(".atomic.tmp-"), std::string::npos);
  }
}

TEST(PackageTest, RejectsSamplesOfTheWrongLength) {
  PackageRequest request;
  request.blob = TinyModel();
  request.name = "tiny";
  request.samples = {{1.0f, 2.0f, 3.0f}};
  auto report = WritePackage(PackageTarget::kFirmware, request, TestDir("bad-samples"));
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("sample 0 has 3 values, expected 4"), std::string::npos);
}

TEST(PackageTest, FirmwareOnQemuMatchesTheHostByteForByte) {
  PackageRequest request;
  request.blob = TinyModel();
  request.name = "tiny";
  request.samples = {{0.0f, 0.0f, 0.0f, 0.0f}, {1.0f, -2.0f, 0.5f, 3.0f}, {-7.0f, 0.25f, 9.0f, 1.0f}};
  const fs::path dir = TestDir("firmware");
  ASSERT_TRUE(WritePackage(PackageTarget::kFirmware, request, dir).ok());
  auto device = BuildAndRunFirmware(dir, dir / "build");
  ASSERT_TRUE(device.ok()) << device.error().message;
  std::vector<float> rows;
  for (const auto& sample : request.samples) rows.insert(rows.end(), sample.begin(), sample.end());
  auto host = RunBlobOnHost(request.blob, rows, request.samples.size());
  ASSERT_TRUE(host.ok()) << host.error().message;
  ASSERT_EQ(device->outputs.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(device->outputs[i], host->outputs[i]) << "sample " << i;
  EXPECT_GT(device->flash_bytes, 0u);
  EXPECT_GT(device->stack_used_bytes, 0u);
  EXPECT_TRUE(device->predictions.empty());  // no class names in the card: no prediction lines
}

// Issue 3: the firmware "runs under QEMU, printing predictions": with class names in the model
// card it prints the predicted class of every sample, the largest of the host's outputs.
TEST(PackageTest, FirmwarePrintsTheClassifierPredictionsOnQemu) {
  PackageRequest request;
  request.blob = TinyModel();
  request.name = "tiny_classes";
  request.model_card = {{"tf:classes", {"idle", "run \"fast\"", "fault"}}};
  request.samples = {{0.0f, 0.0f, 0.0f, 0.0f}, {1.0f, -2.0f, 0.5f, 3.0f}, {-7.0f, 0.25f, 9.0f, 1.0f}};
  const fs::path dir = TestDir("firmware-classes");
  ASSERT_TRUE(WritePackage(PackageTarget::kFirmware, request, dir).ok());
  EXPECT_NE(ReadText(dir / "model" / "model_package.cpp").find(R"("idle", "run \"fast\"", "fault")"),
            std::string::npos);
  auto device = BuildAndRunFirmware(dir, dir / "build");
  ASSERT_TRUE(device.ok()) << device.error().message;
  std::vector<float> rows;
  for (const auto& sample : request.samples) rows.insert(rows.end(), sample.begin(), sample.end());
  auto host = RunBlobOnHost(request.blob, rows, request.samples.size());
  ASSERT_TRUE(host.ok()) << host.error().message;
  ASSERT_EQ(device->predictions.size(), 3u);
  std::set<uint32_t> distinct;
  for (uint32_t i = 0; i < 3; ++i) {
    std::vector<float> scores(3);
    std::memcpy(scores.data(), host->outputs[i].data(), sizeof(float) * 3);
    const auto expected = static_cast<uint32_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
    EXPECT_EQ(device->predictions[i], expected) << "sample " << i;
    distinct.insert(expected);
  }
  EXPECT_GT(distinct.size(), 1u);  // the samples do not all land in one class (the check can fail)
}

}  // namespace
}  // namespace tinyforge::toolchain
