// Seeded mutation fuzzing of the pipeline file parser (toolchain/pipeline/pipeline_spec.cpp): the
// committed pipeline files, mutated byte-wise and with TOML tokens, must parse into a sane spec or
// be refused with file:line:column.
#include <gtest/gtest.h>

#include "tests/fuzz/parser_harness.h"
#include "tests/fuzz/parser_mutator.h"

namespace tinyforge::fuzz {
namespace {

std::vector<std::string> PipelineSeeds() {
  return {ReadFixture("tests/data/pipeline/cwru_small.toml"),
          ReadFixture("examples/predictive_maintenance/cwru_pipeline.toml"),
          ReadFixture("examples/predictive_maintenance/pm_anomaly_v1.toml"),
          ReadFixture("examples/predictive_maintenance/pm_anomaly_v2.toml")};
}

const std::vector<std::string> kTomlTokens = {
    "[", "]", "[[", "]]", "=", "\"", "'", "'''", "\"\"\"", "\n", "#", ",", "{", "}", ".", "nan",
    "inf", "-inf", "+nan", "-1", "0", "1e308", "9223372036854775807", "-9223372036854775808",
    "4294967296", "true", "false", "1979-05-27T07:32:00Z", "[classifier]", "[anomaly]",
    "[features]", "[quantize]", "[package]", "learning_rate = ", "epochs = ", "window_size = ",
    "window_stride = ", "band_low_hz = ", "batch_size = ", "hidden = [", "classes = [\"a\"]",
    "\\u0000", "\\"};

TEST(ParserMutationTest, PipelineSpecRefusesMutatedFilesWithFileLineColumn) {
  const auto seeds = PipelineSeeds();
  for (const auto& seed : seeds) {
    ASSERT_FALSE(seed.empty());
    const ParserVerdict verdict = CheckPipelineSpec(seed);
    ASSERT_TRUE(verdict.parsed) << verdict.error;
    ASSERT_TRUE(verdict.violation.empty()) << verdict.violation;
  }
  ByteMutator mutator(3401, kTomlTokens);
  int parsed = 0;
  constexpr int kIterations = 6000;
  for (int i = 0; i < kIterations; ++i) {
    const std::string input =
        mutator.Mutate(seeds[size_t(i) % seeds.size()], seeds[mutator.Pick(seeds.size())]);
    const ParserVerdict verdict = CheckPipelineSpec(input);
    ASSERT_TRUE(verdict.violation.empty()) << "iteration " << i << ": " << verdict.violation
                                           << "\n--- input ---\n" << input;
    parsed += verdict.parsed ? 1 : 0;
  }
  EXPECT_GT(parsed, 100);
  EXPECT_LT(parsed, kIterations);
}

TEST(ParserMutationTest, PipelineSeedParsesTheSameFromTextAndFromTheFile) {
  const std::filesystem::path file =
      std::filesystem::path(TINYFORGE_SOURCE_DIR) / "tests/data/pipeline/cwru_small.toml";
  auto from_file = toolchain::LoadPipelineSpec(file, "/shared");
  auto from_text = toolchain::ParsePipelineSpec(ReadFixture("tests/data/pipeline/cwru_small.toml"),
                                                file, "/shared");
  ASSERT_TRUE(from_file.ok()) << from_file.error().message;
  ASSERT_TRUE(from_text.ok()) << from_text.error().message;
  EXPECT_EQ(from_file->name, from_text->name);
  EXPECT_EQ(from_file->data.path, from_text->data.path);
  EXPECT_EQ(from_file->data.classes, from_text->data.classes);
  EXPECT_EQ(from_file->classifier.hidden, from_text->classifier.hidden);
  EXPECT_EQ(from_file->anomaly.hidden, from_text->anomaly.hidden);
  EXPECT_EQ(from_file->features.window_size, 1024u);
  EXPECT_EQ(from_file->seed, 7u);
}

}  // namespace
}  // namespace tinyforge::fuzz

namespace tinyforge::fuzz {
namespace {

std::string ErrorOf(const std::string& text) {
  auto parsed = toolchain::ParsePipelineSpec(text, "p.toml", "/shared");
  return parsed.ok() ? std::string("<ok>") : parsed.error().message;
}

// Regressions (found by the mutation test): TOML's nan/inf and zeros were accepted where no
// trainer or window can use them; a float beyond the float range was narrowed (UB) to inf.
TEST(ParserMutationTest, PipelineSpecRefusesNanZeroAndOutOfRangeTrainingSettings) {
  const std::string head = "[pipeline]\nname = \"p\"\n[data]\npath = \"d\"\n";
  EXPECT_EQ(ErrorOf(head + "[classifier]\nlearning_rate = nan\n"),
            "p.toml:6:17: [classifier] learning_rate: must be a positive finite number");
  EXPECT_EQ(ErrorOf(head + "[anomaly]\nlearning_rate = -0.1\n"),
            "p.toml:6:17: [anomaly] learning_rate: must be a positive finite number");
  EXPECT_EQ(ErrorOf(head + "[classifier]\nlearning_rate = 1e300\n"),
            "p.toml:6:17: [classifier] learning_rate = " + std::to_string(1e300) + " is out of range");
  EXPECT_EQ(ErrorOf(head + "[classifier]\nepochs = 0\n"),
            "p.toml:6:10: [classifier] epochs: must be at least 1");
  EXPECT_EQ(ErrorOf(head + "[anomaly]\nbatch_size = 0\n"),
            "p.toml:6:14: [anomaly] batch_size: must be at least 1");
  EXPECT_EQ(ErrorOf(head + "[features]\nwindow_stride = 0\n[classifier]\n"),
            "p.toml:6:17: [features] window_stride: must be at least 1");
  EXPECT_EQ(ErrorOf(head + "[features]\nband_high_hz = inf\n[classifier]\n"),
            "p.toml:6:16: [features] band_high_hz: must be a finite number >= 0");
  EXPECT_EQ(ErrorOf("[pipeline]\nname = \"p\"\n[data]\npath = \"d\"\nclasses = [\"only\"]\n[classifier]\n"),
            "p.toml:5:11: [data] classes: a classifier needs at least two classes");
  EXPECT_EQ(ErrorOf(head + "[classifier]\nlearning_rate = 0.01\n"), "<ok>");
}

}  // namespace
}  // namespace tinyforge::fuzz

namespace tinyforge::fuzz {
namespace {

// Regression (found by the libFuzzer pipeline target): a control character in a table header
// ("[\x02...]") reached an assertion inside toml++ (an optimizer assumption in its release build).
// TOML forbids raw control characters other than tab anywhere; they are refused by position.
TEST(ParserMutationTest, PipelineSpecRefusesRawControlCharactersWithTheirPosition) {
  EXPECT_EQ(ErrorOf(std::string("# header\n[\x02\0\0\0line]\n", 19)),
            "p.toml:2:2: control character 2 (TOML allows only tab; write it escaped inside a string)");
  EXPECT_EQ(ErrorOf("[pipeline]\nname = \"a\x7f\"\n"),
            "p.toml:2:10: control character 127 (TOML allows only tab; write it escaped inside a string)");
  EXPECT_EQ(ErrorOf("[pipeline]\r\nname = \"p\"\t# tab and CRLF are fine\r\n[data]\r\npath = \"d\"\r\n"
                    "[classifier]\r\n"),
            "<ok>");
}

}  // namespace
}  // namespace tinyforge::fuzz

namespace tinyforge::fuzz {
namespace {

// Regression (found by the libFuzzer pipeline target under UBSan): an integer key holding a float
// beyond int64 (epochs = 1e24) went through toml++'s value<int64_t>(), which casts the double
// with static_cast (undefined behaviour). Exact integral floats stay accepted.
TEST(ParserMutationTest, PipelineSpecRefusesAFloatBeyondInt64WhereAnIntegerBelongs) {
  const std::string head = "[pipeline]\nname = \"p\"\n[data]\npath = \"d\"\n";
  EXPECT_EQ(ErrorOf(head + "[classifier]\nepochs = 1e24\n"),
            "p.toml:6:10: [classifier] epochs must be an integer");
  EXPECT_EQ(ErrorOf(head + "[classifier]\nhidden = [8, -1e300]\n"),
            "p.toml:6:14: [classifier] hidden must be an array of integers in 0..100000");
  auto spec = toolchain::ParsePipelineSpec(head + "[classifier]\nepochs = 80.0\n", "p.toml", "/shared");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->classifier.epochs, 80);
}

}  // namespace
}  // namespace tinyforge::fuzz
