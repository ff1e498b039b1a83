// Tests of the raw float32 + JSON sidecar reader and the WAV reader, on files the tests write
// (so every byte is known) and on one real CWRU recording.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "toolchain/data/raw_reader.h"

namespace tinyforge::toolchain {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("tf_data_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string FloatBytes(const std::vector<float>& values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());  // the host is little-endian
  return bytes;
}

const char* kSidecar = R"({"dtype": "float32", "byte_order": "little", "shape": [3, 2],
  "channels": ["x", "y"], "sample_rate_hz": 100, "label": "ok"})";

TEST(RawReaderTest, ReadsInterleavedChannelsWithSidecarMetadata) {
  TempDir dir;
  WriteBytes(dir.File("r.json"), kSidecar);
  WriteBytes(dir.File("r.f32"), FloatBytes({1, 10, 2, 20, 3, 30}));
  for (const std::string& path : {dir.File("r.f32"), dir.File("r.json")}) {
    Result<TimeSeries> result = ReadRawF32(path);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->sample_rate_hz, 100.0);
    EXPECT_EQ(result->label, "ok");
    EXPECT_EQ(result->channel_names, (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(result->channels[0], (std::vector<float>{1, 2, 3}));
    EXPECT_EQ(result->channels[1], (std::vector<float>{10, 20, 30}));
  }
}

TEST(RawReaderTest, RejectsSizeMismatchNamingDataFile) {
  TempDir dir;
  WriteBytes(dir.File("r.json"), kSidecar);
  WriteBytes(dir.File("r.f32"), FloatBytes({1, 10, 2, 20, 3}));
  Result<TimeSeries> result = ReadRawF32(dir.File("r.f32"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            dir.File("r.f32") + ": byte 20: file has 20 bytes, the sidecar shape needs 24");
}

TEST(RawReaderTest, RejectsNanAndInfNamingByteOffsetUnlessMissingAllowed) {
  TempDir dir;
  WriteBytes(dir.File("r.json"), kSidecar);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  WriteBytes(dir.File("r.f32"), FloatBytes({1, 10, 2, nan, 3, 30}));
  Result<TimeSeries> result = ReadRawF32(dir.File("r.f32"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            dir.File("r.f32") + ": byte 12: NaN value at sample 1 of channel 'y'");
  Result<TimeSeries> lenient = ReadRawF32(dir.File("r.f32"), RawOptions{true});
  ASSERT_TRUE(lenient.ok());
  EXPECT_TRUE(std::isnan(lenient->channels[1][1]));
  WriteBytes(dir.File("r.f32"), FloatBytes({1, 10, 2, 20, std::numeric_limits<float>::infinity(), 30}));
  result = ReadRawF32(dir.File("r.f32"), RawOptions{true});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            dir.File("r.f32") + ": byte 16: infinite value at sample 2 of channel 'x'");
}

TEST(RawReaderTest, RejectsBrokenOrIncompleteSidecars) {
  TempDir dir;
  WriteBytes(dir.File("r.f32"), FloatBytes({1, 2}));
  auto error_for = [&](const std::string& sidecar) {
    WriteBytes(dir.File("r.json"), sidecar);
    Result<TimeSeries> result = ReadRawF32(dir.File("r.f32"));
    return result.ok() ? std::string("<ok>") : result.error().message;
  };
  const std::string sidecar_path = dir.File("r.json");
  EXPECT_THAT(error_for("{\"dtype\": \"float32\",, }"), HasSubstr(sidecar_path + ": byte 21: invalid JSON"));
  EXPECT_EQ(error_for(R"({"dtype": "int16", "shape": [2], "sample_rate_hz": 1})"),
            sidecar_path + ": field 'dtype' must be \"float32\"");
  EXPECT_EQ(error_for(R"({"dtype": "float32", "shape": [], "sample_rate_hz": 1})"),
            sidecar_path + ": field 'shape' must be [samples] or [samples, channels]");
  EXPECT_EQ(error_for(R"({"dtype": "float32", "shape": [-2], "sample_rate_hz": 1})"),
            sidecar_path + ": shape[0] must be a positive integer");
  EXPECT_EQ(error_for(R"({"dtype": "float32", "shape": [2], "sample_rate_hz": 0})"),
            sidecar_path + ": field 'sample_rate_hz' must be a positive number");
  EXPECT_EQ(error_for(R"({"dtype": "float32", "byte_order": "big", "shape": [2], "sample_rate_hz": 1})"),
            sidecar_path + ": field 'byte_order' must be \"little\"");
  EXPECT_EQ(error_for(R"({"dtype": "float32", "shape": [2], "sample_rate_hz": 1, "channels": ["a", "b"]})"),
            sidecar_path + ": field 'channels' must list 1 names");
  EXPECT_EQ(error_for(R"({"dtype": "float32", "shape": [2], "sample_rate_hz": 1})"), "<ok>");
}

TEST(RawReaderTest, ReadsARealCwruRecordingMatchingItsSidecarStats) {
  const std::string path =
      std::string(TINYFORGE_SHARED_DIR) + "/datasets/cwru_bearing/de12k_0hp_B007.f32";
  Result<TimeSeries> result = ReadRawF32(path);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->sample_count(), 122571u);
  EXPECT_EQ(result->label, "ball");
  double sum = 0.0;
  float low = result->channels[0][0], high = low;
  for (float v : result->channels[0]) {
    sum += v;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  // Values from the sidecar's "stats" block, computed upstream with numpy.
  EXPECT_NEAR(sum / 122571.0, 0.012607048265635967, 1e-6);
  EXPECT_EQ(low, -0.6070200800895691f);
  EXPECT_EQ(high, 0.6039338111877441f);
}

// ---- WAV ----------------------------------------------------------------------------------------
std::string Le(uint32_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += char((value >> (8 * i)) & 0xFF);
  return out;
}

std::string Wav(uint16_t format, uint16_t channels, uint32_t rate, uint16_t bits,
                const std::string& data, bool extensible = false) {
  std::string fmt = Le(extensible ? 0xFFFE : format, 2) + Le(channels, 2) + Le(rate, 4) +
                    Le(rate * channels * bits / 8, 4) + Le(channels * bits / 8, 2) + Le(bits, 2);
  if (extensible) {
    fmt += Le(22, 2) + Le(bits, 2) + Le(0, 4) + Le(format, 2) +
           std::string("\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71", 14);
  }
  std::string body = "WAVE";
  body += "fmt " + Le(uint32_t(fmt.size()), 4) + fmt;
  body += "LIST" + Le(3, 4) + "abc" + std::string(1, '\0');  // odd chunk, padded
  body += "data" + Le(uint32_t(data.size()), 4) + data;
  return "RIFF" + Le(uint32_t(body.size()), 4) + body;
}

TEST(WavReaderTest, ReadsPcm16StereoDeinterleavedAndScaled) {
  TempDir dir;
  std::string data = Le(uint16_t(16384), 2) + Le(uint16_t(-32768), 2) + Le(uint16_t(-16384), 2) +
                     Le(32767, 2);
  WriteBytes(dir.File("a.wav"), Wav(1, 2, 8000, 16, data));
  Result<TimeSeries> result = ReadWav(dir.File("a.wav"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->sample_rate_hz, 8000.0);
  EXPECT_EQ(result->channels[0], (std::vector<float>{0.5f, -0.5f}));
  EXPECT_EQ(result->channels[1], (std::vector<float>{-1.0f, 32767.0f / 32768.0f}));
}

TEST(WavReaderTest, ReadsPcm32AndFloat32IncludingExtensibleFormat) {
  TempDir dir;
  WriteBytes(dir.File("p.wav"), Wav(1, 1, 16000, 32, Le(0x40000000u, 4) + Le(0xC0000000u, 4)));
  Result<TimeSeries> pcm32 = ReadWav(dir.File("p.wav"));
  ASSERT_TRUE(pcm32.ok()) << pcm32.error().message;
  EXPECT_EQ(pcm32->channels[0], (std::vector<float>{0.5f, -0.5f}));
  WriteBytes(dir.File("f.wav"), Wav(3, 1, 44100, 32, FloatBytes({0.25f, -2.0f}), true));
  Result<TimeSeries> f32 = ReadWav(dir.File("f.wav"));
  ASSERT_TRUE(f32.ok()) << f32.error().message;
  EXPECT_EQ(f32->sample_rate_hz, 44100.0);
  EXPECT_EQ(f32->channels[0], (std::vector<float>{0.25f, -2.0f}));
}

TEST(WavReaderTest, RejectsMalformedFilesNamingTheByteOffset) {
  TempDir dir;
  auto error_for = [&](const std::string& bytes) {
    WriteBytes(dir.File("x.wav"), bytes);
    Result<TimeSeries> result = ReadWav(dir.File("x.wav"));
    return result.ok() ? std::string("<ok>") : result.error().message;
  };
  const std::string p = dir.File("x.wav");
  EXPECT_EQ(error_for("RIFX0000WAVE"), p + ": byte 0: not a RIFF/WAVE file");
  EXPECT_EQ(error_for(""), p + ": byte 0: not a RIFF/WAVE file");
  EXPECT_EQ(error_for(Wav(1, 1, 8000, 8, "ab")),
            p + ": byte 20: unsupported sample format 1 with 8 bits (need PCM16, PCM32 or float32)");
  EXPECT_EQ(error_for(Wav(1, 2, 8000, 16, "abc")),
            p + ": byte 56: data chunk of 3 bytes is not a whole number of 4-byte frames");
  std::string truncated = Wav(1, 1, 8000, 16, "abcd");
  truncated.resize(truncated.size() - 2);
  EXPECT_EQ(error_for(truncated), p + ": byte 48: chunk 'data' of 4 bytes runs past the end of the file");
  EXPECT_EQ(error_for("RIFF" + Le(4, 4) + "WAVE"), p + ": byte 12: no fmt chunk");
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(error_for(Wav(3, 1, 8000, 32, FloatBytes({1.0f, inf}))),
            p + ": byte 60: non-finite float at frame 1 channel 0");
}

}  // namespace
}  // namespace tinyforge::toolchain
