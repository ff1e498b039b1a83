// Seeded mutation fuzzing of the data readers (toolchain/data): CSV, raw float32 + JSON sidecar,
// WAV. Thousands of mutated seeds per reader; each must parse or be refused with an error naming
// the file and the place (parser_harness.h), and the seeds parse exactly as the file readers do.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "tests/fuzz/parser_harness.h"
#include "tests/fuzz/parser_mutator.h"

namespace tinyforge::fuzz {
namespace {

// Mutates `seeds` round-robin `iterations` times through `check`; returns how many parsed.
template <typename Check>
int RunMutations(const std::vector<std::string>& seeds, uint32_t seed, int iterations,
                 std::vector<std::string> tokens, Check check) {
  ByteMutator mutator(seed, std::move(tokens));
  int parsed = 0;
  for (int i = 0; i < iterations; ++i) {
    const std::string& base = seeds[size_t(i) % seeds.size()];
    const std::string input = mutator.Mutate(base, seeds[mutator.Pick(seeds.size())]);
    const ParserVerdict verdict = check(input);
    EXPECT_TRUE(verdict.violation.empty()) << "iteration " << i << ": " << verdict.violation;
    if (!verdict.violation.empty()) break;  // one report is enough; the input is reproducible
    parsed += verdict.parsed ? 1 : 0;
  }
  return parsed;
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("tf_fuzz_" + std::to_string(::getpid()) + "_" + name)).string();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

bool SameSeries(const toolchain::TimeSeries& a, const toolchain::TimeSeries& b) {
  if (a.channels.size() != b.channels.size() || a.channel_names != b.channel_names ||
      a.labels != b.labels || a.label != b.label || a.sample_rate_hz != b.sample_rate_hz ||
      a.timestamps != b.timestamps || a.source_lines != b.source_lines)
    return false;
  for (size_t c = 0; c < a.channels.size(); ++c) {
    if (a.channels[c].size() != b.channels[c].size()) return false;
    // Bitwise: NaN marks a missing sample and must stay NaN.
    if (std::memcmp(a.channels[c].data(), b.channels[c].data(), a.channels[c].size() * 4) != 0)
      return false;
  }
  return true;
}

toolchain::CsvOptions LabelledOptions() {
  toolchain::CsvOptions options;
  options.timestamp_column = "time";
  options.label_column = "state";
  return options;
}

const std::vector<std::string> kCsvTokens = {",", "\n", "\r\n", "\"", "\"\"", "NaN", "NA", "-nan",
                                             "inf", "-inf", "1e39", "1e-50", "+", "-", "0x1p3",
                                             "time", "state", " ", "\t", ",,", "99999999999999999999"};

TEST(ParserMutationTest, CsvReaderRefusesMutatedFilesWithFileLineColumn) {
  const std::vector<std::string> seeds = {ReadFixture("tests/data/sensor_small.csv"),
                                          ReadFixture("tests/data/ragged.csv"),
                                          "time,a,state\n0,1,x\n1,\"2\",y\n2,,z\n"};
  ASSERT_FALSE(seeds[0].empty());
  const int plain = RunMutations(seeds, 3101, 6000, kCsvTokens, [](const std::string& input) {
    return CheckCsv(input, toolchain::CsvOptions{});
  });
  const int labelled = RunMutations(seeds, 3102, 6000, kCsvTokens, [](const std::string& input) {
    return CheckCsv(input, LabelledOptions());
  });
  // Both outcomes are reached: the mutations are neither all fatal nor all harmless.
  EXPECT_GT(plain, 20);
  EXPECT_GT(labelled, 20);
  EXPECT_LT(labelled, 6000);
}

TEST(ParserMutationTest, CsvSeedParsesTheSameFromMemoryAndFromTheFile) {
  const std::string path = (std::filesystem::path(TINYFORGE_SOURCE_DIR) / "tests/data/sensor_small.csv").string();
  auto from_file = toolchain::ReadCsv(path, LabelledOptions());
  ASSERT_TRUE(from_file.ok()) << from_file.error().message;
  auto from_memory = toolchain::ParseCsv(ReadFixture("tests/data/sensor_small.csv"), path, LabelledOptions());
  ASSERT_TRUE(from_memory.ok()) << from_memory.error().message;
  EXPECT_TRUE(SameSeries(*from_file, *from_memory));
  EXPECT_EQ(from_file->sample_count(), 6u);
}

const std::vector<std::string> kRawTokens = {"\"shape\"", "[", "]", "{", "}", ",", ":", "0", "-1",
                                             "4294967296", "18446744073709551615", "1e308", "null",
                                             "\"channels\"", "\"dtype\"", "\"float32\"", "true",
                                             std::string("\0", 1), std::string("\x00\x00\xC0\x7F", 4),
                                             std::string("\x00\x00\x80\x7F", 4)};

TEST(ParserMutationTest, RawReaderRefusesMutatedSidecarsAndDataWithTheByteOrField) {
  const std::vector<std::string> seeds = {MakeRawInput(32, 1, false), MakeRawInput(16, 3, true),
                                          MakeRawInput(1, 2, true)};
  const int strict = RunMutations(seeds, 3201, 4000, kRawTokens, [](const std::string& input) {
    return CheckRawF32(input, false);
  });
  const int lenient = RunMutations(seeds, 3202, 2000, kRawTokens, [](const std::string& input) {
    return CheckRawF32(input, true);
  });
  EXPECT_GT(strict + lenient, 50);
}

// Regression (found by the mutation test): "shape": [4294967296, 4294967296] made samples x
// channels x 4 wrap to 0, so an EMPTY data file matched and the reader allocated 2^32 channels;
// and [1, 4294967296] without "channels" named 2^32 channels before looking at the data.
TEST(ParserMutationTest, RawReaderRefusesShapesLargerThanTheDataWithoutAllocating) {
  const std::string big = "{\"dtype\": \"float32\", \"shape\": [4294967296, 4294967296], "
                          "\"sample_rate_hz\": 1.0}";
  auto wrapped = toolchain::ParseRawF32(big, "big.json", "", "big.f32");
  ASSERT_FALSE(wrapped.ok());
  EXPECT_EQ(wrapped.error().message,
            "big.f32: byte 0: file has 0 bytes, the sidecar shape needs more than 2^64");
  const std::string wide = "{\"dtype\": \"float32\", \"shape\": [1, 4294967296], \"sample_rate_hz\": 1.0}";
  auto many_channels = toolchain::ParseRawF32(wide, "wide.json", std::string(8, '\0'), "wide.f32");
  ASSERT_FALSE(many_channels.ok());
  EXPECT_EQ(many_channels.error().message,
            "wide.f32: byte 8: file has 8 bytes, the sidecar shape needs 17179869184");
}

// Regression (found by the mutation test): a number that overflows a double made nlohmann throw
// out_of_range, which the reader did not catch: `tinyforge data inspect` died on the exception.
TEST(ParserMutationTest, RawReaderRefusesANumberThatOverflowsADoubleWithItsByteOffset) {
  const std::string sidecar = "{\"dtype\": \"float32\", \"shape\": [1], \"sample_rate_hz\": 1e400}";
  auto parsed = toolchain::ParseRawF32(sidecar, "big.json", std::string(4, '\0'), "big.f32");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message.rfind("big.json: byte 58: invalid JSON: ", 0), 0u)
      << parsed.error().message;
}

TEST(ParserMutationTest, RawSeedParsesTheSameFromMemoryAndFromTheFiles) {
  const std::string input = MakeRawInput(16, 3, true);
  const size_t split = input.find('\0');
  const std::string base = TempPath("raw");
  WriteFile(base + ".json", input.substr(0, split));
  WriteFile(base + ".f32", input.substr(split + 1));
  auto from_file = toolchain::ReadRawF32(base + ".f32");
  auto from_memory = toolchain::ParseRawF32(input.substr(0, split), base + ".json",
                                            input.substr(split + 1), base + ".f32");
  std::filesystem::remove(base + ".json");
  std::filesystem::remove(base + ".f32");
  ASSERT_TRUE(from_file.ok()) << from_file.error().message;
  ASSERT_TRUE(from_memory.ok()) << from_memory.error().message;
  EXPECT_TRUE(SameSeries(*from_file, *from_memory));
  EXPECT_EQ(from_file->sample_count(), 16u);
  EXPECT_EQ(from_file->channel_names, (std::vector<std::string>{"ch0", "ch1", "ch2"}));
}

const std::vector<std::string> kWavTokens = {"RIFF", "WAVE", "fmt ", "data", "LIST", "fact",
                                             std::string("\xFE\xFF", 2), std::string("\x03\x00", 2),
                                             std::string("\x00\x00\x00\x00", 4),
                                             std::string("\xFF\xFF\xFF\xFF", 4),
                                             std::string("\x00\x00\xC0\x7F", 4)};

std::vector<std::string> WavSeeds() {
  return {MakeWav(1, 16, 2, 64), MakeWav(1, 32, 1, 32), MakeWav(3, 32, 3, 16),
          MakeWav(3, 32, 1, 16, /*extensible=*/true), MakeWav(1, 16, 1, 5, true)};
}

TEST(ParserMutationTest, WavReaderRefusesMutatedFilesWithTheByteOffset) {
  const auto seeds = WavSeeds();
  const int parsed = RunMutations(seeds, 3301, 10000, kWavTokens, [](const std::string& input) {
    return CheckWav(input);
  });
  EXPECT_GT(parsed, 100);
  EXPECT_LT(parsed, 10000);
}

TEST(ParserMutationTest, WavSeedsParseTheSameFromMemoryAndFromTheFile) {
  const auto seeds = WavSeeds();
  for (size_t i = 0; i < seeds.size(); ++i) {
    const std::string path = TempPath("seed" + std::to_string(i) + ".wav");
    WriteFile(path, seeds[i]);
    auto from_file = toolchain::ReadWav(path);
    auto from_memory = toolchain::ParseWav(seeds[i], path);
    std::filesystem::remove(path);
    ASSERT_TRUE(from_file.ok()) << i << ": " << from_file.error().message;
    ASSERT_TRUE(from_memory.ok()) << i << ": " << from_memory.error().message;
    EXPECT_TRUE(SameSeries(*from_file, *from_memory)) << i;
    EXPECT_GT(from_file->sample_count(), 0u);
  }
}

}  // namespace
}  // namespace tinyforge::fuzz
