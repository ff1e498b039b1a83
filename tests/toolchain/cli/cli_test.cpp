// The `tinyforge` executable: exit codes and messages on good and bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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

}  // namespace
}  // namespace tinyforge::toolchain
