// End-to-end tests of the shipped artifact: train → (quantize) → EmitTfm → the real runtime
// (Interpreter + AllOpsResolver), compared against the float IR executor.
#include "toolchain/emit/tfm_emitter.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "tinyforge/interpreter.h"
#include "toolchain/ir/float_executor.h"
#include "toolchain/passes/quantize.h"
#include "toolchain/train/autoencoder.h"
#include "toolchain/train/cnn1d_classifier.h"
#include "toolchain/train/metrics.h"
#include "toolchain/train/mlp_classifier.h"
#include "toolchain/train/synthetic.h"

namespace tinyforge::toolchain {
namespace {

// Loads a blob into 16-aligned storage and runs it row by row with the runtime.
class DeviceModel {
 public:
  explicit DeviceModel(const std::vector<uint8_t>& blob)
      : blob_(new (std::align_val_t{16}) uint8_t[blob.size()]), interpreter_(AllOpsResolver()) {
    std::memcpy(blob_.get(), blob.data(), blob.size());
    load_ = interpreter_.Load(blob_.get(), blob.size());
    if (load_ != Status::kOk) return;
    arena_.reset(new (std::align_val_t{16}) uint8_t[interpreter_.ArenaBytesRequired() + 16]);
    load_ = interpreter_.Prepare(arena_.get(), interpreter_.ArenaBytesRequired());
  }
  Status status() const { return load_; }
  const Interpreter& interpreter() const { return interpreter_; }

  // Float in, float out (the graph's interface must be float).
  std::vector<float> Run(const std::vector<float>& data, size_t rows) {
    Tensor input, output;
    EXPECT_EQ(interpreter_.Input(0, &input), Status::kOk);
    EXPECT_EQ(input.dtype, DType::kFloat32);
    const size_t sample = input.ElementCount();
    std::vector<float> result;
    for (size_t row = 0; row < rows; ++row) {
      std::memcpy(input.data, data.data() + row * sample, sample * sizeof(float));
      EXPECT_EQ(interpreter_.Invoke(), Status::kOk);
      EXPECT_EQ(interpreter_.Output(0, &output), Status::kOk);
      const float* values = output.As<const float>();
      result.insert(result.end(), values, values + output.ElementCount());
    }
    return result;
  }

 private:
  struct AlignedDelete {
    void operator()(uint8_t* p) const { operator delete[](p, std::align_val_t{16}); }
  };
  std::unique_ptr<uint8_t[], AlignedDelete> blob_;
  std::unique_ptr<uint8_t[], AlignedDelete> arena_;
  Interpreter interpreter_;
  Status load_ = Status::kNotLoaded;
};

MlpConfig QuickMlp() {
  MlpConfig config;
  config.hidden = {24, 12};
  config.fit.epochs = 60;
  config.fit.adam.learning_rate = 0.01f;
  return config;
}

TEST(TfmEmitterTest, FloatMlpBlobMatchesFloatExecutor) {
  const Dataset data = MakeGaussianBlobs(100, 3, 6, 3.0f, 1);
  auto trained = TrainMlpClassifier(data, QuickMlp());
  ASSERT_TRUE(trained.ok()) << trained.error().message;
  auto blob = EmitTfm(trained->graph);
  ASSERT_TRUE(blob.ok()) << blob.error().message;
  DeviceModel device(*blob);
  ASSERT_EQ(device.status(), Status::kOk) << StatusName(device.status());
  const Dataset test = MakeGaussianBlobs(20, 3, 6, 3.0f, 2);
  auto expected = PredictFloat(trained->graph, test.features, test.rows);
  ASSERT_TRUE(expected.ok());
  const auto actual = device.Run(test.features, test.rows);
  ASSERT_EQ(actual.size(), expected->size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], (*expected)[i], 1e-5f) << i;
}

TEST(TfmEmitterTest, QuantizedMlpAccuracyWithinOnePointOfFloat) {
  // Overlapping blobs so accuracy is below 100% and quantization errors could show.
  // One draw (the centres depend on the seed), split into training and test rows.
  const Dataset all = MakeGaussianBlobs(900, 4, 8, 1.5f, 3);
  std::vector<size_t> train_rows, test_rows;
  for (size_t r = 0; r < all.rows; ++r) (r < 1600 ? train_rows : test_rows).push_back(r);
  const Dataset data = all.Subset(train_rows);
  const Dataset test = all.Subset(test_rows);
  auto trained = TrainMlpClassifier(data, QuickMlp());
  ASSERT_TRUE(trained.ok());
  auto quantized = QuantizeGraph(trained->graph, data.features, data.rows);
  ASSERT_TRUE(quantized.ok()) << quantized.error().message;
  auto blob = EmitTfm(*quantized);
  ASSERT_TRUE(blob.ok()) << blob.error().message;
  DeviceModel device(*blob);
  ASSERT_EQ(device.status(), Status::kOk) << StatusName(device.status());

  auto float_accuracy = GraphAccuracy(trained->graph, test);
  ASSERT_TRUE(float_accuracy.ok());
  const float int8_accuracy = Accuracy(device.Run(test.features, test.rows), 4, test.labels);
  EXPECT_GT(*float_accuracy, 0.6f);
  EXPECT_NEAR(int8_accuracy, *float_accuracy, 0.01f)
      << "float " << *float_accuracy << " int8 " << int8_accuracy;
  std::printf("[ metric ] quantized MLP: float accuracy %.4f, int8 (runtime) accuracy %.4f, "
              "blob %zu bytes (float blob %zu)\n",
              static_cast<double>(*float_accuracy), static_cast<double>(int8_accuracy),
              blob->size(), EmitTfm(trained->graph)->size());
}

TEST(TfmEmitterTest, QuantizedCnnAccuracyWithinOnePointOfFloat) {
  const Dataset data = MakeSineWindows(200, 3, 32, 2, 0.6f, 5);
  Cnn1dConfig config;
  config.channels = 2;
  config.filters = 6;
  config.fit.epochs = 40;
  config.fit.adam.learning_rate = 0.01f;
  auto trained = TrainCnn1dClassifier(data, config);
  ASSERT_TRUE(trained.ok()) << trained.error().message;
  QuantizeOptions options;
  options.range_method = RangeMethod::kPercentile;
  options.percentile = 99.9;
  auto quantized = QuantizeGraph(trained->graph, data.features, data.rows, options);
  ASSERT_TRUE(quantized.ok()) << quantized.error().message;
  auto blob = EmitTfm(*quantized);
  ASSERT_TRUE(blob.ok()) << blob.error().message;
  DeviceModel device(*blob);
  ASSERT_EQ(device.status(), Status::kOk) << StatusName(device.status());
  const Dataset test = MakeSineWindows(200, 3, 32, 2, 0.6f, 6);
  auto float_accuracy = GraphAccuracy(trained->graph, test);
  ASSERT_TRUE(float_accuracy.ok());
  const float int8_accuracy = Accuracy(device.Run(test.features, test.rows), 3, test.labels);
  EXPECT_NEAR(int8_accuracy, *float_accuracy, 0.01f)
      << "float " << *float_accuracy << " int8 " << int8_accuracy;
  std::printf("[ metric ] quantized 1D-CNN: float accuracy %.4f, int8 (runtime) accuracy %.4f\n",
              static_cast<double>(*float_accuracy), static_cast<double>(int8_accuracy));
}

TEST(TfmEmitterTest, AutoencoderBlobCarriesThresholdAndReconstructs) {
  const Dataset data = MakeGaussianBlobs(200, 1, 6, 1.0f, 7);
  AutoencoderConfig config;
  config.fit.epochs = 20;
  auto trained = TrainAutoencoder(data, config);
  ASSERT_TRUE(trained.ok());
  auto blob = EmitTfm(trained->graph);
  ASSERT_TRUE(blob.ok()) << blob.error().message;
  DeviceModel device(*blob);
  ASSERT_EQ(device.status(), Status::kOk);
  MetadataValue value{};
  ASSERT_EQ(device.interpreter().model().FindMetadata(kAnomalyThresholdKey, &value), Status::kOk);
  ASSERT_EQ(value.type, format::MetadataType::kFloat64);
  double threshold = 0.0;
  std::memcpy(&threshold, value.bytes, sizeof(threshold));
  EXPECT_FLOAT_EQ(static_cast<float>(threshold), trained->threshold);
  std::vector<float> first_rows(data.features.begin(), data.features.begin() + 60);
  auto expected = PredictFloat(trained->graph, first_rows, 10);
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  const auto actual = device.Run(first_rows, 10);
  ASSERT_EQ(actual.size(), expected->size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], (*expected)[i], 1e-5f);
}

}  // namespace
}  // namespace tinyforge::toolchain
