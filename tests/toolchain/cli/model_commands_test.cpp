// `tinyforge train|quantize|prune|eval` run as the real executable on small generated tables:
// exit codes, outputs checked against independent computations, and bad input named precisely.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/toolchain/cli/tinyforge_tool.h"
#include "toolchain/format/blob_reader.h"
#include "toolchain/importers/tfm_reader.h"
#include "toolchain/ir/float_executor.h"
#include "toolchain/train/random.h"
#include "toolchain/verify/firmware_runner.h"

namespace tinyforge::toolchain {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

using cli_test::RunTool;

fs::path Dir() {
  const fs::path dir = fs::path(TINYFORGE_BINARY_DIR) / "test-cli-models";
  fs::create_directories(dir);
  return dir;
}

fs::path WriteFile(const std::string& name, const std::string& text) {
  const fs::path path = Dir() / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string Q(const fs::path& path) { return ShellQuote(path.string()); }

// Three Gaussian blobs in 4 features with very different scales (so standardization matters),
// labels "a", "b", "c". Rows of class k centre on k * offsets.
struct Table {
  std::vector<std::vector<float>> rows;
  std::vector<std::string> labels;
};
Table Blobs(size_t per_class, uint32_t seed) {
  Rng rng(seed);
  const float scales[4] = {1.0f, 100.0f, 0.01f, 10.0f};
  Table table;
  for (size_t i = 0; i < per_class * 3; ++i) {
    const int k = static_cast<int>(i % 3);
    std::vector<float> row;
    for (int f = 0; f < 4; ++f)
      row.push_back(scales[f] * (static_cast<float>(k * ((f % 2) ? 2 : -2)) + static_cast<float>(rng.Normal()) * 0.6f));
    table.rows.push_back(row);
    table.labels.push_back(std::string(1, static_cast<char>('a' + k)));
  }
  return table;
}
fs::path WriteTable(const std::string& name, const Table& table) {
  std::ostringstream text;
  text << "f0,f1,f2,f3,y\n";
  text.precision(9);
  for (size_t r = 0; r < table.rows.size(); ++r) {
    for (float v : table.rows[r]) text << v << ",";
    text << table.labels[r] << "\n";
  }
  return WriteFile(name, text.str());
}

// Accuracy of a float .tfm computed here with the float executor on the IR read back.
double FloatAccuracy(const fs::path& model, const Table& table) {
  auto graph = ReadTfmFile(model.string());
  EXPECT_TRUE(graph.ok()) << graph.error().message;
  std::vector<float> values;
  for (const auto& row : table.rows) values.insert(values.end(), row.begin(), row.end());
  auto scores = PredictFloat(*graph, values, table.rows.size());
  EXPECT_TRUE(scores.ok());
  size_t correct = 0;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const size_t predicted = ArgMax(scores->data() + r * 3, 3);
    correct += static_cast<char>('a' + predicted) == table.labels[r][0] ? 1 : 0;
  }
  return static_cast<double>(correct) / static_cast<double>(table.rows.size());
}

json LastJson(const std::string& output) {
  const size_t start = output.find("\n{");
  return json::parse(start == std::string::npos ? output : output.substr(start + 1));
}

// The JSON report after the progress lines (stderr is captured too); discarded if it does not parse.
json JsonAfterProgress(const std::string& output) {
  const size_t start = output.find("\n{");
  return json::parse(start == std::string::npos ? output : output.substr(start + 1), nullptr, false);
}

class ModelCommandsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    train_ = new Table(Blobs(60, 1));
    test_ = new Table(Blobs(30, 2));
    train_csv_ = new fs::path(WriteTable("train.csv", *train_));
    test_csv_ = new fs::path(WriteTable("test.csv", *test_));
    model_ = new fs::path(Dir() / "mlp.tfm");
    std::string output;
    train_status_ = RunTool("train --data " + Q(*train_csv_) + " --label-column y --kind mlp --hidden 16,8 "
                            "--epochs 60 --seed 3 --out " + Q(*model_), &output);
    train_output_ = new std::string(output);
  }
  static inline Table* train_ = nullptr;
  static inline Table* test_ = nullptr;
  static inline fs::path* train_csv_ = nullptr;
  static inline fs::path* test_csv_ = nullptr;
  static inline fs::path* model_ = nullptr;
  static inline int train_status_ = -1;
  static inline std::string* train_output_ = nullptr;
};

TEST_F(ModelCommandsTest, TrainWritesAFloatModelThatLearnedTheBlobs) {
  ASSERT_EQ(train_status_, 0) << *train_output_;
  EXPECT_NE(train_output_->find("[train]"), std::string::npos) << "progress output";
  auto bytes = ReadFileBytes(model_->string());
  ASSERT_TRUE(bytes.ok());
  auto loaded = LoadBlob(*bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_GE(FloatAccuracy(*model_, *test_), 0.9);
  EXPECT_FALSE(fs::exists(model_->string() + ".tmp"));
}

TEST_F(ModelCommandsTest, EvalOnHostMatchesAnIndependentFloatRun) {
  ASSERT_EQ(train_status_, 0) << *train_output_;
  std::string output;
  ASSERT_EQ(RunTool("eval " + Q(*model_) + " --data " + Q(*test_csv_) + " --json", &output), 0) << output;
  const json report = LastJson(output);
  EXPECT_NEAR(report["host"]["accuracy"].get<double>(), FloatAccuracy(*model_, *test_), 1e-9);
  // The confusion matrix sums to the row count and its diagonal is the accuracy.
  size_t total = 0, diagonal = 0;
  const auto& confusion = report["host"]["confusion"];
  for (size_t t = 0; t < confusion.size(); ++t)
    for (size_t p = 0; p < confusion[t].size(); ++p) {
      total += confusion[t][p].get<size_t>();
      if (t == p) diagonal += confusion[t][p].get<size_t>();
    }
  EXPECT_EQ(total, test_->rows.size());
  EXPECT_NEAR(report["host"]["accuracy"].get<double>(), static_cast<double>(diagonal) / static_cast<double>(total), 1e-12);
}

// Issue 3: progress output on long steps: training reports epochs as it goes (about ten lines).
TEST_F(ModelCommandsTest, TrainReportsProgressPerEpoch) {
  ASSERT_EQ(train_status_, 0) << *train_output_;
  EXPECT_NE(train_output_->find("[train] epoch 6/60, validation loss "), std::string::npos) << *train_output_;
  EXPECT_EQ(train_output_->find("[train] epoch 7/60"), std::string::npos) << *train_output_;
}

// Issue 3: "deterministic for a seed" as a user checks it: the same command twice gives the same
// .tfm bytes (same file name, so the model id in the metadata is the same too).
TEST_F(ModelCommandsTest, TrainTwiceWithTheSameSeedWritesIdenticalBytes) {
  ASSERT_EQ(train_status_, 0) << *train_output_;
  const fs::path again_dir = Dir() / "again";
  fs::create_directories(again_dir);
  const fs::path again = again_dir / "mlp.tfm";
  std::string output;
  ASSERT_EQ(RunTool("train --data " + Q(*train_csv_) + " --label-column y --kind mlp --hidden 16,8 "
                    "--epochs 60 --seed 3 --out " + Q(again), &output), 0) << output;
  auto first = ReadFileBytes(model_->string());
  auto second = ReadFileBytes(again.string());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(*first == *second);
  const fs::path other_seed = again_dir / "mlp_seed4.tfm";
  ASSERT_EQ(RunTool("train --data " + Q(*train_csv_) + " --label-column y --kind mlp --hidden 16,8 "
                    "--epochs 60 --seed 4 --out " + Q(other_seed), &output), 0) << output;
  auto third = ReadFileBytes(other_seed.string());
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(*first == *third);  // the seed matters (the check above can fail)
}

TEST_F(ModelCommandsTest, PackageJsonNamesWhatItWrote) {
  ASSERT_EQ(train_status_, 0) << *train_output_;
  const fs::path out = Dir() / "package_c";
  std::string output;
  ASSERT_EQ(RunTool("package " + Q(*model_) + " --target c --out " + Q(out) + " --json", &output), 0)
      << output;
  const json report = json::parse(output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << output;
  EXPECT_EQ(report["target"], "c");
  EXPECT_EQ(fs::path(report["directory"].get<std::string>()), fs::absolute(out));
  EXPECT_TRUE(fs::exists(report["model_card"].get<std::string>()));
  EXPECT_EQ(report["model_bytes"].get<uint64_t>(), fs::file_size(*model_));
  EXPECT_GT(report["arena_bytes"].get<uint32_t>(), 0u);
  EXPECT_NE(std::find(report["ops"].begin(), report["ops"].end(), "FullyConnected"), report["ops"].end());
}

// Issue 3: every package has a model card with "accuracy ... training parameters": a model from
// `train` + `quantize --holdout` carries them into `package`'s card.
TEST_F(ModelCommandsTest, PackagedModelCardCarriesTrainingParametersAndHeldOutAccuracy) {
  ASSERT_EQ(train_status_, 0) << *train_output_;
  const fs::path int8 = Dir() / "mlp_int8_card.tfm";
  std::string output;
  ASSERT_EQ(RunTool("quantize " + Q(*model_) + " --calibration " + Q(*train_csv_) + " --out " + Q(int8) +
                    " --holdout " + Q(*test_csv_) + " --json", &output), 0) << output;
  const json quantized = JsonAfterProgress(output);
  ASSERT_FALSE(quantized.is_discarded()) << output;
  // The held-out figures stored in the model are those of the blob as written: evaluate it again.
  output.clear();  // RunTool appends
  ASSERT_EQ(RunTool("eval " + Q(int8) + " --data " + Q(*test_csv_) + " --json", &output), 0) << output;
  const json evaluated = JsonAfterProgress(output);
  ASSERT_FALSE(evaluated.is_discarded()) << output;
  EXPECT_EQ(evaluated["host"]["accuracy"], quantized["int8"]["accuracy"]);

  const fs::path out = Dir() / "package_card";
  ASSERT_EQ(RunTool("package " + Q(int8) + " --target c --out " + Q(out), &output), 0) << output;
  std::ifstream stream(out / "model-card.jsonld");
  const json card = json::parse(stream, nullptr, false);
  ASSERT_FALSE(card.is_discarded());
  EXPECT_EQ(card["accuracy"], quantized["int8"]["accuracy"]);
  EXPECT_EQ(card["tf:floatAccuracy"], quantized["float"]["accuracy"]);
  EXPECT_EQ(card["tf:macroF1"], quantized["int8"]["macro_f1"]);
  EXPECT_EQ(card["tf:evaluation"]["data"], "test.csv");
  EXPECT_EQ(card["tf:training"]["trainer"], "mlp");
  EXPECT_EQ(card["tf:training"]["hidden"], json({16, 8}));
  EXPECT_EQ(card["tf:training"]["max_epochs"], 60);
  EXPECT_EQ(card["tf:training"]["seed"], 3);
  EXPECT_EQ(card["tf:training"]["data"], "train.csv");
  EXPECT_EQ(card["tf:training"]["rows"], train_->rows.size());
  EXPECT_EQ(card["tf:classes"], json({"a", "b", "c"}));
  EXPECT_EQ(card["tf:task"], "classification");
  // (Whether the server registers it is checked where the card gets its dataset_hash: a bare .tfm
  // card has none yet, which the registry shapes require.)

  // A float model straight from train has its training parameters but no held-out accuracy.
  const fs::path float_out = Dir() / "package_card_float";
  ASSERT_EQ(RunTool("package " + Q(*model_) + " --target c --out " + Q(float_out), &output), 0) << output;
  std::ifstream float_stream(float_out / "model-card.jsonld");
  const json float_card = json::parse(float_stream, nullptr, false);
  EXPECT_EQ(float_card["tf:training"]["seed"], 3);
  EXPECT_FALSE(float_card.contains("accuracy"));
}

TEST_F(ModelCommandsTest, QuantizeKeepsAccuracyAndReportsBoth) {
  ASSERT_EQ(train_status_, 0) << *train_output_;
  const fs::path int8 = Dir() / "mlp_int8.tfm";
  std::string output;
  ASSERT_EQ(RunTool("quantize " + Q(*model_) + " --calibration " + Q(*train_csv_) + " --out " + Q(int8) +
                    " --holdout " + Q(*test_csv_) + " --label-column y --json", &output), 0) << output;
  const json report = LastJson(output);
  const double float_accuracy = report["float"]["accuracy"].get<double>();
  EXPECT_NEAR(float_accuracy, FloatAccuracy(*model_, *test_), 1e-9);
  EXPECT_GE(report["int8"]["accuracy"].get<double>(), float_accuracy - 0.05);
  auto graph = ReadTfmFile(int8.string());
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  bool has_int8 = false;
  for (const auto& tensor : graph->tensors) has_int8 |= tensor.dtype == DType::kInt8;
  EXPECT_TRUE(has_int8);
  // Quantizing an int8 model again is refused.
  EXPECT_EQ(RunTool("quantize " + Q(int8) + " --calibration " + Q(*train_csv_) + " --out " + Q(Dir() / "x.tfm"), &output), 1);
  EXPECT_NE(output.find("already quantized"), std::string::npos) << output;
}

TEST_F(ModelCommandsTest, PruneReachesTheSparsityAndFineTunes) {
  ASSERT_EQ(train_status_, 0) << *train_output_;
  const fs::path pruned = Dir() / "mlp_pruned.tfm";
  std::string output;
  ASSERT_EQ(RunTool("prune " + Q(*model_) + " --data " + Q(*train_csv_) + " --sparsity 0.5 --epochs 20 --out " +
                    Q(pruned) + " --holdout " + Q(*test_csv_) + " --json", &output), 0) << output;
  const json report = LastJson(output);
  // Count zeros in the written weights ourselves.
  auto graph = ReadTfmFile(pruned.string());
  ASSERT_TRUE(graph.ok());
  size_t zeros = 0, total = 0;
  for (const auto& node : graph->nodes) {
    if (node.op != OpCode::kFullyConnected) continue;
    size_t layer_zeros = 0;
    const auto& weights = graph->tensors[static_cast<size_t>(node.inputs[1])].float_data;
    for (float w : weights) layer_zeros += w == 0.0f ? 1 : 0;
    EXPECT_GE(layer_zeros, weights.size() / 2) << node.name;
    zeros += layer_zeros;
    total += weights.size();
  }
  EXPECT_EQ(report["nonzero_weights_after"].get<size_t>(), total - zeros);
  EXPECT_EQ(report["total_weights"].get<size_t>(), total);
  EXPECT_TRUE(report["fine_tune"]["fine_tuned"].get<bool>());
  EXPECT_GE(FloatAccuracy(pruned, *test_), 0.85);
  EXPECT_EQ(report["tfm_bytes_after"].get<size_t>(), fs::file_size(pruned));
  // Its package's model card says it was pruned; its flash bytes are the (dense) blob's.
  const fs::path package = Dir() / "package_pruned";
  std::string packaged;
  ASSERT_EQ(RunTool("package " + Q(pruned) + " --target c --out " + Q(package), &packaged), 0) << packaged;
  std::ifstream stream(package / "model-card.jsonld");
  const json card = json::parse(stream, nullptr, false);
  ASSERT_FALSE(card.is_discarded());
  EXPECT_FLOAT_EQ(card["tf:training"]["pruning"]["target_sparsity"].get<float>(), 0.5f);
  EXPECT_TRUE(card["tf:training"]["pruning"]["fine_tune"]["fine_tuned"].get<bool>());
  EXPECT_EQ(card["tf:training"]["seed"], 3);  // the original training's parameters stay
  EXPECT_EQ(card["flash_bytes"].get<size_t>(), fs::file_size(pruned));
}

TEST_F(ModelCommandsTest, AutoencoderEvalGivesAnAucAboveChance) {
  const fs::path model = Dir() / "ae.tfm";
  std::string output;
  ASSERT_EQ(RunTool("train --data " + Q(*train_csv_) + " --label-column y --kind autoencoder --normal-label a "
                    "--hidden 8,2,8 --epochs 80 --out " + Q(model), &output), 0) << output;
  ASSERT_EQ(RunTool("eval " + Q(model) + " --data " + Q(*test_csv_) + " --json", &output), 0) << output;
  const json report = LastJson(output);
  EXPECT_GT(report["host"]["roc_auc"].get<double>(), 0.8) << output;
  EXPECT_EQ(report["host"]["normal_label"], "a");
}

// Tree models export one TreeEnsemble op; eval runs the .tfm on the host runtime and must report
// exactly what the trainer measured on the same rows (same float32 arithmetic, same threshold).
TEST_F(ModelCommandsTest, TreeModelsExportToTfmAndEvalAgreesWithTheTrainer) {
  std::string output;  // RunTool appends: cleared before each run
  const fs::path forest = Dir() / "forest.tfm";
  ASSERT_EQ(RunTool("train --data " + Q(*train_csv_) + " --label-column y --kind forest --trees 15 --test " +
                    Q(*test_csv_) + " --out " + Q(forest) + " --json", &output), 0) << output;
  const json trained = JsonAfterProgress(output);
  ASSERT_FALSE(trained.is_discarded()) << output;
  EXPECT_TRUE(trained["exported"].get<bool>());
  EXPECT_GE(trained["metrics"]["accuracy"].get<double>(), 0.9);
  ASSERT_TRUE(fs::exists(forest));
  {  // Deterministic for a seed: the same command writes the same bytes.
    const fs::path again = Dir() / "again_forest";
    fs::create_directories(again);
    output.clear();
    ASSERT_EQ(RunTool("train --data " + Q(*train_csv_) + " --label-column y --kind forest --trees 15 --test " +
                      Q(*test_csv_) + " --out " + Q(again / "forest.tfm"), &output), 0) << output;
    auto first = ReadFileBytes(forest.string());
    auto second = ReadFileBytes((again / "forest.tfm").string());
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_TRUE(*first == *second);
  }
  output.clear();
  ASSERT_EQ(RunTool("eval " + Q(forest) + " --data " + Q(*test_csv_) + " --json", &output), 0) << output;
  ASSERT_FALSE(JsonAfterProgress(output).is_discarded()) << output;
  EXPECT_EQ(JsonAfterProgress(output)["host"]["accuracy"], trained["metrics"]["accuracy"]) << output;
  EXPECT_EQ(JsonAfterProgress(output)["host"]["confusion"], trained["metrics"]["confusion"]) << output;

  const fs::path isolation = Dir() / "isolation.tfm";
  output.clear();
  ASSERT_EQ(RunTool("train --data " + Q(*train_csv_) + " --label-column y --kind isolation-forest --normal-label a "
                    "--test " + Q(*test_csv_) + " --out " + Q(isolation) + " --json", &output), 0) << output;
  const json iso = JsonAfterProgress(output);
  output.clear();
  ASSERT_EQ(RunTool("eval " + Q(isolation) + " --data " + Q(*test_csv_) + " --json", &output), 0) << output;
  const json evaluated = JsonAfterProgress(output)["host"];
  EXPECT_EQ(evaluated["roc_auc"], iso["metrics"]["roc_auc"]) << output;
  EXPECT_EQ(evaluated["f1"], iso["metrics"]["f1"]) << output;
  EXPECT_FLOAT_EQ(evaluated["threshold"].get<float>(), iso["threshold"].get<float>());
  // Nothing to quantize or prune in a forest: a clear refusal, nothing written.
  output.clear();
  EXPECT_EQ(RunTool("quantize " + Q(forest) + " --calibration " + Q(*train_csv_) + " --out " + Q(Dir() / "fq.tfm"),
                    &output), 1);
  EXPECT_NE(output.find("TreeEnsemble"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(Dir() / "fq.tfm"));

  output.clear();
  EXPECT_EQ(RunTool("train --data " + Q(*train_csv_) + " --label-column y --kind forest --out " + Q(Dir() / "f.bin"),
                    &output), 1);
  EXPECT_NE(output.find("must be a .tfm"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(Dir() / "f.bin"));
}

// The forest on the Cortex-M4 (firmware package with a TreeEnsemble-only registry, QEMU).
TEST_F(ModelCommandsTest, ForestEvalOnQemuMatchesTheHostByteForByte) {
  const fs::path forest = Dir() / "forest_device.tfm";
  std::string output;
  ASSERT_EQ(RunTool("train --data " + Q(*train_csv_) + " --label-column y --kind forest --trees 10 --out " + Q(forest),
                    &output), 0) << output;
  output.clear();
  ASSERT_EQ(RunTool("eval " + Q(forest) + " --data " + Q(*test_csv_) + " --target qemu-m4 --device-rows 8 --json",
                    &output), 0) << output;
  const json report = JsonAfterProgress(output);
  ASSERT_FALSE(report.is_discarded()) << output;
  EXPECT_EQ(report["device"]["outputs_identical"].get<size_t>(), 8u);
  EXPECT_TRUE(report["device"]["byte_identical"].get<bool>());
}

TEST_F(ModelCommandsTest, EvalOnQemuMatchesTheHostByteForByte) {
  ASSERT_EQ(train_status_, 0) << *train_output_;
  const fs::path int8 = Dir() / "mlp_int8_device.tfm";
  std::string output;
  ASSERT_EQ(RunTool("quantize " + Q(*model_) + " --calibration " + Q(*train_csv_) + " --out " + Q(int8), &output), 0)
      << output;
  ASSERT_EQ(RunTool("eval " + Q(int8) + " --data " + Q(*test_csv_) + " --target qemu-m4 --device-rows 12 --json",
                    &output), 0) << output;
  const json report = LastJson(output);
  EXPECT_EQ(report["device"]["outputs_identical"].get<size_t>(), 12u);
  EXPECT_TRUE(report["device"]["byte_identical"].get<bool>());
  EXPECT_GT(report["device"]["flash_bytes"].get<size_t>(), 0u);
}

TEST(ModelCommandsBadInputTest, RaggedCsvNamesFileAndLineAndWritesNothing) {
  const fs::path csv = WriteFile("ragged_train.csv", "a,b,y\n1,2,x\n3,y\n5,6,z\n");
  const fs::path out = Dir() / "ragged.tfm";
  fs::remove(out);
  std::string output;
  EXPECT_EQ(RunTool("train --data " + Q(csv) + " --label-column y --kind mlp --out " + Q(out), &output), 1);
  EXPECT_NE(output.find("ragged_train.csv:3"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(out));
}

TEST(ModelCommandsBadInputTest, SingleClassIsRefusedNamingIt) {
  const fs::path csv = WriteFile("one_class.csv", "a,b,y\n1,2,only\n3,4,only\n5,6,only\n");
  std::string output;
  EXPECT_EQ(RunTool("train --data " + Q(csv) + " --label-column y --kind mlp --out " + Q(Dir() / "one.tfm"), &output), 1);
  EXPECT_NE(output.find("at least 2 classes"), std::string::npos) << output;
  EXPECT_NE(output.find("'only'"), std::string::npos) << output;
}

TEST(ModelCommandsBadInputTest, MissingLabelColumnNamesIt) {
  const fs::path csv = WriteFile("no_label.csv", "a,b\n1,2\n3,4\n");
  std::string output;
  EXPECT_EQ(RunTool("train --data " + Q(csv) + " --label-column target --kind mlp --out " + Q(Dir() / "nl.tfm"), &output), 1);
  EXPECT_NE(output.find("no_label.csv:1"), std::string::npos) << output;
  EXPECT_NE(output.find("'target'"), std::string::npos) << output;
}

TEST(ModelCommandsBadInputTest, UnknownFlagsAreUsageErrors) {
  std::string output;
  for (const char* command : {"train --data x.csv --kind mlp --frobnicate", "quantize m.tfm --calibration c.csv --out o.tfm --bogus",
                              "prune m.tfm --data d.csv --sparsity 0.5 --out o.tfm --bogus", "eval m.tfm --data d.csv --bogus"}) {
    EXPECT_EQ(RunTool(command, &output), 2) << command << "\n" << output;
  }
}

TEST(ModelCommandsBadInputTest, UnknownKindAndTargetAreUsageErrors) {
  std::string output;
  EXPECT_EQ(RunTool("train --data x.csv --kind transformer --out m.tfm", &output), 2);
  EXPECT_EQ(RunTool("eval m.tfm --data x.csv --target esp32", &output), 2);
}

TEST(ModelCommandsBadInputTest, HelpListsTheModelCommands) {
  std::string output;
  ASSERT_EQ(RunTool("--help", &output), 0);
  for (const char* command : {"train", "quantize", "prune", "eval"}) EXPECT_NE(output.find(command), std::string::npos) << command;
  ASSERT_EQ(RunTool("train --help", &output), 0);
  EXPECT_NE(output.find("TreeEnsemble"), std::string::npos) << output;
}

TEST(ModelCommandsBadInputTest, EvalRejectsAFeatureCountMismatch) {
  const Table table = Blobs(10, 5);
  const fs::path csv = WriteTable("small.csv", table);
  const fs::path model = Dir() / "small.tfm";
  std::string output;
  ASSERT_EQ(RunTool("train --data " + Q(csv) + " --label-column y --kind mlp --epochs 2 --out " + Q(model), &output), 0) << output;
  const fs::path narrow = WriteFile("narrow.csv", "f0,f1,y\n1,2,a\n3,4,b\n");
  EXPECT_EQ(RunTool("eval " + Q(model) + " --data " + Q(narrow), &output), 1);
  EXPECT_NE(output.find("2 feature columns, the model takes 4"), std::string::npos) << output;
}

}  // namespace
}  // namespace tinyforge::toolchain
