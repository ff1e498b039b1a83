// Forests exported as a TreeEnsemble .tfm and run by the host runtime give the host trainer's
// predictions on the CWRU features (the make-demo feature pipeline, tests/data/pipeline/
// cwru_small.toml): classifier probabilities and Isolation Forest scores bit-identical, so labels
// and alert decisions are identical. The int8-input forest takes the float forest's decisions on
// the dequantized inputs (every row), which is the agreement its thresholds are built for.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/crc32.h"
#include "core/math.h"
#include "toolchain/format/blob_reader.h"
#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/ir/float_executor.h"
#include "toolchain/passes/standardize.h"
#include "toolchain/pipeline/pipeline_data.h"
#include "toolchain/pipeline/pipeline_spec.h"
#include "toolchain/train/autoencoder.h"
#include "toolchain/train/tree_export.h"
#include "toolchain/train/tree_models.h"
#include "toolchain/verify/host_runner.h"

namespace tinyforge::toolchain {
namespace {

namespace fs = std::filesystem;

struct CwruFeatures {
  Dataset train, test;
  size_t normal_class = 0;
};

// Loaded once: the data stage takes a few seconds.
const CwruFeatures& Cwru() {
  static const CwruFeatures data = [] {
    CwruFeatures out;
    auto spec = LoadPipelineSpec(fs::path(TINYFORGE_SOURCE_DIR) / "tests/data/pipeline/cwru_small.toml",
                                 TINYFORGE_SHARED_DIR);
    if (!spec.ok()) throw std::runtime_error(spec.error().message);
    auto loaded = LoadPipelineData(*spec, 0);
    if (!loaded.ok()) throw std::runtime_error(loaded.error().message);
    auto to_dataset = [&](const FeatureRows& rows) {
      Dataset d;
      d.features = rows.values;
      d.rows = rows.rows;
      d.cols = loaded->cols;
      d.labels = rows.labels;
      return d;
    };
    out.train = to_dataset(loaded->train);
    out.test = to_dataset(loaded->test);
    const auto& names = loaded->class_names;
    out.normal_class = static_cast<size_t>(std::find(names.begin(), names.end(), "normal") - names.begin());
    return out;
  }();
  return data;
}

std::vector<float> RunOnHost(const Graph& graph, const Dataset& data) {
  auto blob = EmitTfm(graph);
  EXPECT_TRUE(blob.ok()) << blob.error().message;
  auto run = RunBlobOnHost(*blob, data.features, data.rows);
  EXPECT_TRUE(run.ok()) << run.error().message;
  std::vector<float> values;
  for (const auto& row : run->outputs) {
    const auto floats = OutputFloats(row);
    values.insert(values.end(), floats.begin(), floats.end());
  }
  return values;
}

bool BitIdentical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(TreeExportTest, RandomForestOnCwruMatchesTheTrainerBitForBit) {
  const CwruFeatures& data = Cwru();
  ASSERT_GT(data.test.rows, 100u);
  RandomForestConfig config;
  config.trees = 30;
  auto forest = TrainRandomForest(data.train, config);
  ASSERT_TRUE(forest.ok()) << forest.error().message;
  auto graph = RandomForestGraph(*forest, {data.train.cols, std::nullopt});
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  const auto device = RunOnHost(*graph, data.test);
  const auto host = forest->PredictProbabilities(data.test);
  EXPECT_TRUE(BitIdentical(device, host));
  const auto classes = static_cast<size_t>(forest->classes);
  size_t same = 0, correct = 0;
  for (size_t r = 0; r < data.test.rows; ++r) {
    const size_t d = ArgMax(device.data() + r * classes, classes);
    same += d == ArgMax(host.data() + r * classes, classes) ? 1 : 0;
    correct += static_cast<int>(d) == data.test.labels[r] ? 1 : 0;
  }
  EXPECT_EQ(same, data.test.rows);
  EXPECT_GT(static_cast<double>(correct) / static_cast<double>(data.test.rows), 0.8);  // unseen loads
}

TEST(TreeExportTest, IsolationForestOnCwruMatchesScoresAndDecisions) {
  const CwruFeatures& data = Cwru();
  std::vector<size_t> normal_rows;
  for (size_t r = 0; r < data.train.rows; ++r)
    if (data.train.labels[r] == static_cast<int>(data.normal_class)) normal_rows.push_back(r);
  Dataset normal = data.train.Subset(normal_rows);
  normal.labels.clear();
  IsolationForestConfig config;
  config.trees = 100;
  auto forest = TrainIsolationForest(normal, config);
  ASSERT_TRUE(forest.ok()) << forest.error().message;
  auto graph = IsolationForestGraph(*forest, {data.train.cols, std::nullopt});
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  bool has_threshold = false;
  for (const auto& [key, value] : graph->metadata.numbers)
    if (key == kAnomalyThresholdKey) has_threshold = value == static_cast<double>(forest->threshold);
  EXPECT_TRUE(has_threshold);
  Dataset all = data.test;
  const auto device = RunOnHost(*graph, all);
  const auto host = forest->Score(all);
  ASSERT_EQ(device.size(), host.size());
  size_t same_decision = 0, flagged_faults = 0, faults = 0;
  for (size_t r = 0; r < host.size(); ++r) {
    EXPECT_NEAR(device[r], host[r], 1e-6f) << r;
    same_decision += (device[r] > forest->threshold) == (host[r] > forest->threshold) ? 1 : 0;
    if (all.labels[r] != static_cast<int>(data.normal_class)) {
      ++faults;
      flagged_faults += device[r] > forest->threshold ? 1 : 0;
    }
  }
  EXPECT_TRUE(BitIdentical(device, host));
  EXPECT_EQ(same_decision, host.size());
  EXPECT_GT(flagged_faults, faults / 2);  // the forest does detect the faults
}

TEST(TreeExportTest, Int8InputForestTakesTheFloatDecisionOnDequantizedRows) {
  // One int8 scale serves every feature, so the features are z-scored first (as the pipeline's
  // normalization does on the device); raw CWRU features span Hz to unit-less ratios.
  CwruFeatures data = Cwru();
  const auto standardization = FitStandardization(data.train.features, data.train.rows, data.train.cols);
  ApplyStandardization(standardization, data.train.features);
  ApplyStandardization(standardization, data.test.features);
  RandomForestConfig config;
  config.trees = 20;
  auto forest = TrainRandomForest(data.train, config);
  ASSERT_TRUE(forest.ok());
  const auto [low, high] = std::minmax_element(data.train.features.begin(), data.train.features.end());
  Int8Input quant;
  quant.scale = (*high - *low) / 255.0f;
  quant.zero_point = static_cast<int32_t>(std::lround(-128.0f - *low / quant.scale));
  quant.zero_point = std::clamp(quant.zero_point, -128, 127);
  auto graph = RandomForestGraph(*forest, {data.train.cols, quant});
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  const auto int8_out = RunOnHost(*graph, data.test);
  // What the int8 model sees: the runtime's Quantize, then dequantized for the float forest.
  Dataset dequantized = data.test;
  for (float& x : dequantized.features) {
    const int32_t q = std::clamp(math::RoundToInt32(x / quant.scale) + quant.zero_point, -128, 127);
    x = quant.scale * static_cast<float>(q - quant.zero_point);
  }
  EXPECT_TRUE(BitIdentical(int8_out, forest->PredictProbabilities(dequantized)));
  // Against the unquantized rows the labels mostly agree (the int8 grid moves some inputs).
  const auto float_out = forest->PredictProbabilities(data.test);
  const auto classes = static_cast<size_t>(forest->classes);
  size_t agree = 0;
  for (size_t r = 0; r < data.test.rows; ++r)
    agree += ArgMax(int8_out.data() + r * classes, classes) == ArgMax(float_out.data() + r * classes, classes);
  RecordProperty("int8_vs_float_label_agreement_permille", static_cast<int>(1000 * agree / data.test.rows));
  EXPECT_GT(static_cast<double>(agree) / static_cast<double>(data.test.rows), 0.9);
}

// Host readers (inspect, eval, package) refuse a forest the device's Prepare would refuse.
TEST(TreeExportTest, HostReadersRejectAForestWithACycleNamingTheStatus) {
  RandomForest forest;
  forest.classes = 2;
  Tree tree(3);
  tree[0].feature = 0;
  tree[0].threshold = 0.5f;
  tree[0].left = 1;
  tree[0].right = 2;
  tree[1].class_votes = {1.0f, 0.0f};
  tree[2].class_votes = {0.0f, 1.0f};
  forest.trees = {tree};
  auto graph = RandomForestGraph(forest, {1, std::nullopt});
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  auto blob = EmitTfm(*graph);
  ASSERT_TRUE(blob.ok());
  {
    auto valid = LoadBlob(*blob);
    ASSERT_TRUE(valid.ok()) << valid.error().message;
    // The root's left child (node_children row 0) points back at the root itself.
    const Model& model = valid->model();
    const uint8_t* children = model.constant_data(model.op_tensor_list(0)[4]);
    const auto offset = static_cast<size_t>(children - valid->bytes().data());
    ASSERT_EQ((*blob)[offset], 1);
    (*blob)[offset] = 0;
  }
  format::FileHeader header;
  std::memcpy(&header, blob->data(), sizeof(header));
  header.crc32 = 0;
  std::memcpy(blob->data(), &header, sizeof(header));
  header.crc32 = BlobCrc32(blob->data(), header.blob_bytes);
  std::memcpy(blob->data(), &header, sizeof(header));
  auto loaded = LoadBlob(*blob);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("TreeChildOutOfRange"), std::string::npos) << loaded.error().message;
}

TEST(TreeExportTest, QuantizedThresholdGivesTheRealComparison) {
  const Int8Input quant{0.1f, 3};
  const double scale = static_cast<double>(quant.scale);
  for (float t : {-20.0f, -12.8f, -1.05f, 0.0f, 0.04f, 0.05f, 1.0f, 12.4f, 12.5f, 30.0f}) {
    const int32_t tq = QuantizedTreeThreshold(t, quant);
    for (int q = -128; q <= 127; ++q)
      EXPECT_EQ(q < tq, scale * (q - quant.zero_point) < static_cast<double>(t)) << "t " << t << " q " << q;
  }
}

}  // namespace
}  // namespace tinyforge::toolchain
