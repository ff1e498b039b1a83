// Tests of the CWRU manifest listing, selection and loading against the staged dataset.
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "toolchain/data/cwru.h"

namespace tinyforge::toolchain {
namespace {

using ::testing::HasSubstr;

const std::string kCwruDir = std::string(TINYFORGE_SHARED_DIR) + "/datasets/cwru_bearing";

TEST(CwruTest, ListsAllTwentySixSignalsFromTheManifest) {
  Result<std::vector<CwruEntry>> entries = ListCwru(kCwruDir);
  ASSERT_TRUE(entries.ok()) << entries.error().message;
  ASSERT_EQ(entries->size(), 26u);
  const CwruEntry& first = entries->front();
  EXPECT_EQ(first.file, "normal_0hp_12k.f32");
  EXPECT_EQ(first.label, "normal");
  EXPECT_TRUE(first.derived);
  EXPECT_EQ(first.sample_count, 60985u);
  EXPECT_EQ(first.manifest_line, 2u);
}

TEST(CwruTest, SelectsByLabelLoadAndRate) {
  Result<std::vector<CwruEntry>> entries = ListCwru(kCwruDir);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(SelectCwru(*entries, "inner_race", -1, 0).size(), 8u);
  EXPECT_EQ(SelectCwru(*entries, "", 0, 12000).size(), 7u);   // normal 12k + 6 faults
  EXPECT_EQ(SelectCwru(*entries, "normal", 0, 0).size(), 2u);  // 12k and 48k
  EXPECT_EQ(SelectCwru(*entries, "normal", 2, 0).size(), 0u);
}

TEST(CwruTest, LoadsARecordingConsistentWithTheManifest) {
  Result<std::vector<CwruEntry>> entries = ListCwru(kCwruDir);
  ASSERT_TRUE(entries.ok());
  const std::vector<CwruEntry> ir = SelectCwru(*entries, "inner_race", 3, 12000);
  ASSERT_EQ(ir.size(), 2u);
  Result<TimeSeries> dataset = LoadCwru(kCwruDir, ir[0]);
  ASSERT_TRUE(dataset.ok()) << dataset.error().message;
  EXPECT_EQ(dataset->sample_count(), ir[0].sample_count);
  EXPECT_EQ(dataset->label, "inner_race");
}

TEST(CwruTest, RejectsABrokenManifestNamingLineAndColumn) {
  const auto dir = std::filesystem::temp_directory_path() / "tf_cwru_manifest_test";
  std::filesystem::create_directories(dir);
  const std::string header =
      "file,label,fault_diameter_in,load_hp,rpm_nominal,sample_rate_hz,n_samples,cwru_file,"
      "cwru_key,derived\n";
  std::ofstream(dir / "manifest.csv") << header << "a.f32,ball,0.007,x,1797,12000,10,1,k,0\n";
  Result<std::vector<CwruEntry>> entries = ListCwru(dir.string());
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.error().message, (dir / "manifest.csv").string() + ":2:4: bad load_hp 'x'");
  std::ofstream(dir / "manifest.csv") << "file,label\na.f32,ball\n";
  entries = ListCwru(dir.string());
  ASSERT_FALSE(entries.ok());
  EXPECT_THAT(entries.error().message, HasSubstr("manifest.csv:1:1: no column 'fault_diameter_in'"));
  std::filesystem::remove_all(dir);
}

TEST(CwruTest, RejectsASidecarThatDisagreesWithTheManifest) {
  Result<std::vector<CwruEntry>> entries = ListCwru(kCwruDir);
  ASSERT_TRUE(entries.ok());
  CwruEntry entry = SelectCwru(*entries, "ball", 0, 12000).front();
  entry.sample_count += 1;
  Result<TimeSeries> dataset = LoadCwru(kCwruDir, entry);
  ASSERT_FALSE(dataset.ok());
  EXPECT_THAT(dataset.error().message, HasSubstr("sidecar disagrees with"));
  EXPECT_THAT(dataset.error().message, HasSubstr("manifest.csv:" + std::to_string(entry.manifest_line)));
}

}  // namespace
}  // namespace tinyforge::toolchain
