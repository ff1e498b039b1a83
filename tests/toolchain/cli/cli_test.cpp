// The `tinyforge` executable: exit codes and messages on good and bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/toolchain/cli/tinyforge_tool.h"
#include "toolchain/verify/firmware_runner.h"

namespace tinyforge::toolchain {
namespace {
namespace fs = std::filesystem;

using cli_test::RunTool;

fs::path WriteCliInput(const std::string& name, const std::string& text) {
  const fs::path path = fs::path(TINYFORGE_BINARY_DIR) / "test-cli" / name;
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(CliTest, HelpListsTheSubcommands) {
  std::string output;
  EXPECT_EQ(RunTool("--help", &output), 0);
  for (const char* command : {"inspect", "package", "pipeline", "demo", "data"}) {
    EXPECT_NE(output.find(command), std::string::npos) << command;
  }
}

TEST(CliTest, UnknownFlagIsAUsageError) {
  std::string output;
  EXPECT_EQ(RunTool("inspect --frobnicate x.tfm", &output), 2);
}

TEST(CliTest, InspectRejectsGarbageWithTheReason) {
  const fs::path garbage = WriteCliInput("garbage.tfm", "this is not a model, not even close....");
  std::string output;
  EXPECT_EQ(RunTool("inspect " + ShellQuote(garbage.string()), &output), 1);
  EXPECT_NE(output.find("invalid model"), std::string::npos) << output;
  EXPECT_NE(output.find("BadMagic"), std::string::npos) << output;
}

TEST(CliTest, InspectMissingFileNamesIt) {
  std::string output;
  EXPECT_EQ(RunTool("inspect /nonexistent/model.tfm", &output), 1);
  EXPECT_NE(output.find("/nonexistent/model.tfm"), std::string::npos) << output;
}

TEST(CliTest, PipelineWithUnknownKeyNamesFileAndLine) {
  const fs::path file = WriteCliInput("bad.toml", "[pipeline]\nname = \"x\"\nnmae = \"y\"\n");
  std::string output;
  EXPECT_EQ(RunTool("pipeline run " + ShellQuote(file.string()), &output), 1);
  EXPECT_NE(output.find(file.string() + ":3:1: unknown key 'nmae' in [pipeline]"), std::string::npos)
      << output;
}

TEST(CliTest, PackageWithUnknownTargetFails) {
  std::string output;
  EXPECT_EQ(RunTool("package x.tfm --target zephyr --out /tmp/nowhere", &output), 1);
  EXPECT_NE(output.find("unknown package target 'zephyr'"), std::string::npos) << output;
}

TEST(CliTest, DataInspectReportsACsv) {
  const fs::path csv = WriteCliInput("signal.csv", "t,x,label\n0,1.0,a\n1,,a\n2,3.0,b\n3,4.0,b\n");
  std::string output;
  EXPECT_EQ(RunTool("data inspect " + ShellQuote(csv.string()) +
                    " --timestamp-column t --label-column label",
                &output),
            0)
      << output;
  EXPECT_NE(output.find("missing"), std::string::npos) << output;
}

TEST(CliTest, DataCleanFillsGapsAndWritesTheCleanedCsv) {
  const fs::path csv = WriteCliInput("gappy.csv", "t,x\n0,1.0\n1,\n2,3.0\n");
  const fs::path out = fs::path(TINYFORGE_BINARY_DIR) / "test-cli" / "clean.csv";
  fs::remove(out);
  std::string output;
  EXPECT_EQ(RunTool("data clean " + ShellQuote(csv.string()) + " --timestamp-column t --max-gap 2 --out " +
                        ShellQuote(out.string()),
                    &output),
            0)
      << output;
  std::ifstream stream(out);
  std::stringstream text;
  text << stream.rdbuf();
  EXPECT_EQ(text.str(), "timestamp,x\n0,1\n1,2\n2,3\n");  // the gap is the mean of its neighbours
}

TEST(CliTest, DataInspectRejectsARaggedCsvNamingTheLine) {
  const fs::path csv = WriteCliInput("ragged.csv", "x,y\n1,2\n3\n");
  std::string output;
  EXPECT_EQ(RunTool("data inspect " + ShellQuote(csv.string()), &output), 1);
  EXPECT_NE(output.find("ragged.csv:3"), std::string::npos) << output;
}

// Issue 3: `--json` where a command reports results; data inspect gives every fact of its text report.
TEST(CliTest, DataInspectJsonIsValidAndComplete) {
  const fs::path csv = WriteCliInput("signal_json.csv", "t,x,y,label\n0,1.0,5,a\n0.5,,6,a\n1.0,3.0,7,b\n2.0,4.0,8,b\n");
  std::string output;
  ASSERT_EQ(RunTool("data inspect " + ShellQuote(csv.string()) +
                        " --timestamp-column t --label-column label --json",
                    &output),
            0)
      << output;
  const auto report = nlohmann::json::parse(output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << output;
  EXPECT_EQ(report["samples"], 4);
  EXPECT_DOUBLE_EQ(report["sample_rate_hz"].get<double>(), 2.0);  // median step 0.5
  EXPECT_EQ(report["timestamp_gaps"], 1);                            // the 1.0 -> 2.0 step
  ASSERT_EQ(report["channels"].size(), 2u);
  EXPECT_EQ(report["channels"][0]["name"], "x");
  EXPECT_EQ(report["channels"][0]["missing"], 1);
  EXPECT_EQ(report["channels"][0]["min"], 1.0);
  EXPECT_EQ(report["channels"][0]["max"], 4.0);
  EXPECT_EQ(report["channels"][1]["missing"], 0);
  EXPECT_EQ(report["class_counts"], (nlohmann::json{{"a", 2}, {"b", 2}}));
}

TEST(CliTest, DataCleanHoldLastRepeatsTheLastValueAndReportsJson) {
  const fs::path csv = WriteCliInput("gappy_hold.csv", "t,x\n0,1.0\n1,\n2,\n3,4.0\n");
  const fs::path out = fs::path(TINYFORGE_BINARY_DIR) / "test-cli" / "clean_hold.csv";
  fs::remove(out);
  std::string output;
  ASSERT_EQ(RunTool("data clean " + ShellQuote(csv.string()) + " --timestamp-column t --max-gap 2 --method hold-last --json --out " +
                        ShellQuote(out.string()),
                    &output),
            0)
      << output;
  const auto report = nlohmann::json::parse(output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << output;
  EXPECT_EQ(report["method"], "hold-last");
  EXPECT_EQ(report["filled_samples"], 2);
  EXPECT_EQ(report["after"]["channels"][0]["missing"], 0);
  std::ifstream stream(out);
  std::stringstream text;
  text << stream.rdbuf();
  EXPECT_EQ(text.str(), "timestamp,x\n0,1\n1,1\n2,1\n3,4\n");
  EXPECT_EQ(RunTool("data clean " + ShellQuote(csv.string()) + " --method cubic", &output), 2);
}

TEST(CliTest, DataCleanGapLongerThanMaxGapFailsNamingTheLineAndWritesNothing) {
  const fs::path csv = WriteCliInput("gappy_long.csv", "t,x\n0,1.0\n1,\n2,\n3,\n4,4.0\n");
  const fs::path out = fs::path(TINYFORGE_BINARY_DIR) / "test-cli" / "clean_long.csv";
  fs::remove(out);
  std::string output;
  EXPECT_EQ(RunTool("data clean " + ShellQuote(csv.string()) + " --timestamp-column t --max-gap 2 --out " +
                        ShellQuote(out.string()),
                    &output),
            1);
  EXPECT_NE(output.find("gappy_long.csv:3"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace tinyforge::toolchain
