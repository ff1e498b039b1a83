// `tinyforge package` writes a model card the server registers as it is, dataset_hash included
// (ontology/shapes.ttl requires "sha256:<64 hex>"). A model from `tinyforge train` carries the
// SHA-256 of its training file (kept through quantize); a model from elsewhere (ONNX import) needs
// --dataset, and without it package refuses before writing anything. The bug this covers: package
// on a bare .tfm wrote a card without dataset_hash that the server's SHACL gate refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/toolchain/cli/tinyforge_tool.h"
#include "tests/toolchain/emit/server_card_check.h"
#include "toolchain/data/time_series.h"

namespace tinyforge::toolchain::cli_test {
namespace package_dataset_hash_test {
namespace fs = std::filesystem;

fs::path CardTestDir() {
  const fs::path dir = fs::path(TINYFORGE_BINARY_DIR) / "test-package-dataset-hash";
  fs::create_directories(dir);
  return dir;
}

std::string QuotedPath(const fs::path& path) { return ShellQuote(path.string()); }

// Two separable classes in two features.
fs::path WriteTwoClassCsv() {
  std::ostringstream text;
  text << "f0,f1,y\n";
  for (int i = 0; i < 40; ++i) {
    const float jitter = 0.01f * static_cast<float>(i % 7);
    text << (i % 2 ? 1.0f + jitter : -1.0f - jitter) << "," << (i % 2 ? -0.5f : 0.5f) + jitter << ","
         << (i % 2 ? "b" : "a") << "\n";
  }
  const fs::path path = CardTestDir() / "two_class.csv";
  std::ofstream(path, std::ios::binary) << text.str();
  return path;
}

nlohmann::json ReadCard(const fs::path& package_dir) {
  std::ifstream stream(package_dir / "model-card.jsonld");
  return nlohmann::json::parse(stream, nullptr, false);
}

TEST(PackageDatasetHashTest, TrainedModelsCardNamesItsTrainingDataAndRegisters) {
  const fs::path csv = WriteTwoClassCsv();
  const fs::path model = CardTestDir() / "trained.tfm";
  std::string output;
  ASSERT_EQ(RunTool("train --data " + QuotedPath(csv) + " --label-column y --kind mlp --hidden 4 "
                    "--epochs 5 --seed 3 --out " + QuotedPath(model), &output), 0) << output;
  const fs::path package = CardTestDir() / "trained_package";
  ASSERT_EQ(RunTool("package " + QuotedPath(model) + " --target c --out " + QuotedPath(package), &output), 0)
      << output;
  const nlohmann::json card = ReadCard(package);
  ASSERT_TRUE(card.is_object());
  auto expected = FileSha256Hex(csv.string());
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  EXPECT_EQ(card["dataset_hash"], "sha256:" + *expected);
  EXPECT_EQ(testing::ServerRefusal(card), "") << card.dump(2);
}

TEST(PackageDatasetHashTest, ImportedModelNeedsDatasetAndThenRegisters) {
  const std::string onnx = std::string(TINYFORGE_SOURCE_DIR) + "/tests/data/onnx/mlp.onnx";
  const fs::path model = CardTestDir() / "imported.tfm";
  std::string output;
  ASSERT_EQ(RunTool("import " + ShellQuote(onnx) + " --float --out " + QuotedPath(model), &output), 0)
      << output;

  // No dataset known: refused, with the way out, and no package left behind.
  const fs::path refused = CardTestDir() / "imported_refused";
  fs::remove_all(refused);
  EXPECT_EQ(RunTool("package " + QuotedPath(model) + " --target c --out " + QuotedPath(refused) + " 2>&1",
                    &output), 1);
  EXPECT_NE(output.find("needs dataset_hash"), std::string::npos) << output;
  EXPECT_NE(output.find("--dataset"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(refused));

  // --dataset names it; the card registers.
  const fs::path csv = WriteTwoClassCsv();
  const fs::path package = CardTestDir() / "imported_package";
  ASSERT_EQ(RunTool("package " + QuotedPath(model) + " --target c --dataset " + QuotedPath(csv) +
                    " --out " + QuotedPath(package), &output), 0) << output;
  const nlohmann::json card = ReadCard(package);
  auto expected = FileSha256Hex(csv.string());
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(card["dataset_hash"], "sha256:" + *expected);
  EXPECT_EQ(testing::ServerRefusal(card), "") << card.dump(2);

  // A --dataset that does not exist is an error naming it.
  EXPECT_EQ(RunTool("package " + QuotedPath(model) + " --target c --dataset /nonexistent.csv --out " +
                    QuotedPath(refused) + " 2>&1", &output), 1);
  EXPECT_NE(output.find("/nonexistent.csv"), std::string::npos) << output;
}

}  // namespace package_dataset_hash_test
}  // namespace tinyforge::toolchain::cli_test
