// The pipeline file parser: the bundled demo parses; every kind of mistake names file:line:col.
#include "toolchain/pipeline/pipeline_spec.h"

#include <gtest/gtest.h>

namespace tinyforge::toolchain {
namespace {

const std::filesystem::path kFile = "/tmp/pipeline.toml";

constexpr const char kMinimal[] = R"([pipeline]
name = "p"
[data]
path = "data"
[classifier]
hidden = [8]
)";

Result<PipelineSpec> Parse(const std::string& text) {
  return ParsePipelineSpec(text, kFile, "/shared");
}

TEST(PipelineSpecTest, ParsesTheBundledDemo) {
  const auto demo = std::filesystem::path(TINYFORGE_SOURCE_DIR) / "examples" /
                    "predictive_maintenance" / "cwru_pipeline.toml";
  auto spec = LoadPipelineSpec(demo, "/some/shared");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->name, "cwru_bearing_faults");
  EXPECT_EQ(spec->data.path, "/some/shared/datasets/cwru_bearing");
  EXPECT_EQ(spec->data.classes.size(), 4u);
  EXPECT_EQ(spec->features.band_count, 16u);
  EXPECT_TRUE(spec->classifier.enabled);
  EXPECT_TRUE(spec->anomaly.enabled);
  EXPECT_EQ(spec->package.targets.size(), 3u);
}

TEST(PipelineSpecTest, AppliesDefaultsAndResolvesRelativePaths) {
  auto spec = Parse(kMinimal);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->data.path, "/tmp/data");
  EXPECT_EQ(spec->output_dir, std::filesystem::path("tinyforge-out/p"));
  EXPECT_FALSE(spec->anomaly.enabled);
  EXPECT_EQ(spec->features.window_size, 1024u);
}

TEST(PipelineSpecTest, TreeKindsParseAndUnknownKindsNameTheKey) {
  auto spec = Parse("[pipeline]\nname = \"p\"\n[data]\npath = \"d\"\n[classifier]\nkind = \"forest\"\n"
                    "trees = 30\nmax_depth = 8\n[anomaly]\nkind = \"isolation-forest\"\ntrees = 64\n");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->classifier.kind, "forest");
  EXPECT_EQ(spec->classifier.trees, 30);
  EXPECT_EQ(spec->classifier.max_depth, 8);
  EXPECT_EQ(spec->anomaly.kind, "isolation-forest");
  EXPECT_EQ(spec->anomaly.trees, 64);
  auto bad = Parse(std::string(kMinimal) + "kind = \"svm\"\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("kind"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("forest"), std::string::npos) << bad.error().message;
  auto zero = Parse(std::string(kMinimal) + "trees = 0\n");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("trees"), std::string::npos) << zero.error().message;
}

TEST(PipelineSpecTest, RejectsUnknownKeyWithLineAndColumn) {
  auto spec = Parse(std::string(kMinimal) + "epochz = 3\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.error().message.find("/tmp/pipeline.toml:7:1"), std::string::npos)
      << spec.error().message;
  EXPECT_NE(spec.error().message.find("unknown key 'epochz' in [classifier]"), std::string::npos)
      << spec.error().message;
}

TEST(PipelineSpecTest, RejectsUnknownSection) {
  auto spec = Parse(std::string(kMinimal) + "[modle]\nx = 1\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.error().message.find("unknown section 'modle'"), std::string::npos);
}

TEST(PipelineSpecTest, RejectsWrongTypeNamingTheKey) {
  auto spec = Parse("[pipeline]\nname = 3\n[data]\npath = \"d\"\n[classifier]\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.error().message.find(":2:8: [pipeline] name must be a string"), std::string::npos)
      << spec.error().message;
}

TEST(PipelineSpecTest, RejectsSyntaxErrorsWithPosition) {
  auto spec = Parse("[pipeline\nname = \"x\"\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().message.rfind("/tmp/pipeline.toml:1:", 0), 0u) << spec.error().message;
}

TEST(PipelineSpecTest, RejectsUnknownFeatureAndTarget) {
  auto feature = Parse(std::string(kMinimal) + "[features]\nfeatures = [\"rms\", \"entropy\"]\n");
  ASSERT_FALSE(feature.ok());
  EXPECT_NE(feature.error().message.find("unknown feature 'entropy'"), std::string::npos);
  auto target = Parse(std::string(kMinimal) + "[package]\ntargets = [\"zephyr\"]\n");
  ASSERT_FALSE(target.ok());
  EXPECT_NE(target.error().message.find("unknown target 'zephyr'"), std::string::npos);
}

TEST(PipelineSpecTest, RejectsOutOfRangeValues) {
  EXPECT_FALSE(Parse(std::string(kMinimal) + "[data]\n").ok());  // duplicate table: syntax error
  auto holdout = Parse("[pipeline]\nname=\"p\"\n[data]\npath=\"d\"\nholdout_fraction=1.5\n[classifier]\n");
  ASSERT_FALSE(holdout.ok());
  EXPECT_NE(holdout.error().message.find("holdout_fraction"), std::string::npos);
  auto negative = Parse("[pipeline]\nname=\"p\"\nseed=-1\n[data]\npath=\"d\"\n[classifier]\n");
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().message.find("out of range"), std::string::npos);
  auto nothing = Parse("[pipeline]\nname=\"p\"\n[data]\npath=\"d\"\n");
  ASSERT_FALSE(nothing.ok());
  EXPECT_NE(nothing.error().message.find("nothing to train"), std::string::npos);
}

}  // namespace
}  // namespace tinyforge::toolchain
