// ModelBuilder and blob reading: blobs load on the device loader, the CRC matches an independent
// bitwise CRC-32, metadata round-trips, constants are aligned, and errors name the culprit.
#include "toolchain/format/model_builder.h"

#include <gtest/gtest.h>

#include "tests/runtime/core/test_models.h"
#include "toolchain/format/blob_reader.h"

namespace tinyforge::toolchain {
namespace {

using format::DType;
using format::OpCode;

// Bit-at-a-time CRC-32 (IEEE, reflected), written independently of runtime/core/crc32.cpp.
uint32_t BitwiseCrc32(const uint8_t* data, size_t size) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
  }
  return ~crc;
}

TEST(Crc32Test, MatchesTheStandardCheckValue) {
  const char* text = "123456789";
  EXPECT_EQ(Crc32(reinterpret_cast<const uint8_t*>(text), 9), 0xCBF43926u);
  EXPECT_EQ(BitwiseCrc32(reinterpret_cast<const uint8_t*>(text), 9), 0xCBF43926u);
}

TEST(ModelBuilderTest, WritesHeaderWithCrcOfBlobWithCrcFieldZeroed) {
  std::vector<uint8_t> blob = tinyforge::testing::BuildTestModel();
  const auto header = tinyforge::testing::ReadAt<format::FileHeader>(blob, 0);
  EXPECT_EQ(header.magic, format::kMagic);
  EXPECT_EQ(header.blob_bytes, blob.size());
  EXPECT_EQ(header.section_count, 7u);
  tinyforge::testing::WriteAt<uint32_t>(blob, 28, 0);
  EXPECT_EQ(header.crc32, BitwiseCrc32(blob.data(), blob.size()));
}

TEST(ModelBuilderTest, BlobLoadsAndDescribesItself) {
  const std::vector<uint8_t> blob = tinyforge::testing::BuildTestModel();
  auto loaded = LoadBlob(blob);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const std::string text = DescribeModel(loaded->model());
  EXPECT_NE(text.find("FullyConnected(#0, #1, #2) -> #3"), std::string::npos) << text;
  EXPECT_NE(text.find("'input' Float32[2, 8] act 64 B"), std::string::npos) << text;
  EXPECT_NE(text.find("model.id = test-model"), std::string::npos) << text;
  EXPECT_NE(text.find("per-channel axis 0, 3 scales"), std::string::npos) << text;
  EXPECT_NE(text.find("scratch 32 B"), std::string::npos) << text;
}

TEST(ModelBuilderTest, LoadBlobNamesTheLoaderStatus) {
  std::vector<uint8_t> blob = tinyforge::testing::BuildTestModel();
  blob[40] ^= 1;
  auto loaded = LoadBlob(blob);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("CrcMismatch"), std::string::npos);
}

TEST(ModelBuilderTest, RoundTripsEveryMetadataType) {
  ModelBuilder builder = tinyforge::testing::TestModelBuilder();
  builder.AddMetadata("s", std::string("text"));
  builder.AddMetadata("i", int64_t{-7});
  builder.AddMetadata("f", 2.5);
  builder.AddMetadataJson(format::kKeyPreprocessing, R"({"window":128})");
  const auto blob = builder.Build();
  ASSERT_TRUE(blob.ok());
  auto loaded = LoadBlob(*blob);
  ASSERT_TRUE(loaded.ok());
  MetadataValue value{};
  ASSERT_EQ(loaded->model().FindMetadata("i", &value), Status::kOk);
  EXPECT_EQ(value.type, format::MetadataType::kInt64);
  int64_t i = 0;
  std::memcpy(&i, value.bytes, 8);
  EXPECT_EQ(i, -7);
  ASSERT_EQ(loaded->model().FindMetadata("f", &value), Status::kOk);
  double f = 0;
  std::memcpy(&f, value.bytes, 8);
  EXPECT_EQ(f, 2.5);
  ASSERT_EQ(loaded->model().FindMetadata(format::kKeyPreprocessing, &value), Status::kOk);
  EXPECT_EQ(value.type, format::MetadataType::kJson);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(value.bytes), value.byte_count),
            R"({"window":128})");
  ASSERT_EQ(loaded->model().FindMetadata("tensor.0.name", &value), Status::kOk);
}

TEST(ModelBuilderTest, AlignsConstantsTo16Bytes) {
  const std::vector<uint8_t> blob = tinyforge::testing::BuildTestModel();
  auto loaded = LoadBlob(blob);
  ASSERT_TRUE(loaded.ok());
  for (uint32_t t = 0; t < loaded->model().tensor_count(); ++t) {
    const uint8_t* data = loaded->model().constant_data(t);
    if (data != nullptr) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 16, 0u) << t;
    }
  }
}

TEST(ModelBuilderTest, ErrorsNameTheTensorOrOp) {
  {
    ModelBuilder builder = tinyforge::testing::TestModelBuilder();
    builder.AddConstant(DType::kFloat32, {4}, std::vector<float>{1, 2, 3}, {}, "short");
    const auto blob = builder.Build();
    ASSERT_FALSE(blob.ok());
    EXPECT_NE(blob.error().message.find("tensor 9 'short'"), std::string::npos)
        << blob.error().message;
  }
  {
    ModelBuilder builder = tinyforge::testing::TestModelBuilder();
    builder.AddOp(OpCode::kRelu, {77}, 4);
    const auto blob = builder.Build();
    ASSERT_FALSE(blob.ok());
    EXPECT_NE(blob.error().message.find("op 5 (Relu)"), std::string::npos)
        << blob.error().message;
  }
  {
    ModelBuilder builder = tinyforge::testing::TestModelBuilder();
    builder.SetQuantization(8, Quantization{{0.5f, 0.0f, 1.0f}, {0, 0, 0}, 0});
    EXPECT_FALSE(builder.Build().ok());
  }
  {
    ModelBuilder builder = tinyforge::testing::TestModelBuilder();
    builder.AddMetadata(format::kKeyModelId, "again");
    const auto blob = builder.Build();
    ASSERT_FALSE(blob.ok());
    EXPECT_NE(blob.error().message.find("duplicate key"), std::string::npos);
  }
  {
    ModelBuilder builder;
    builder.AddTensor(DType::kFloat32, {1});
    EXPECT_FALSE(builder.Build().ok());
  }
}

TEST(ModelBuilderTest, FileRoundTrip) {
  const std::vector<uint8_t> blob = tinyforge::testing::BuildTestModel();
  const std::string path = std::string(TINYFORGE_BINARY_DIR) + "/model_builder_test.tfm";
  ASSERT_TRUE(WriteFileBytes(path, blob).ok());
  const auto read = ReadFileBytes(path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, blob);
  EXPECT_FALSE(ReadFileBytes(path + ".missing").ok());
}

}  // namespace
}  // namespace tinyforge::toolchain
