// Tests of the host preprocessing pipeline: fit on train only, windowing, features identical to a
// direct runtime/dsp call, errors naming the signal, and the JSON form of FeatureConfig.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/runtime/dsp/dsp_reference.h"
#include "toolchain/preprocess/pipeline.h"

namespace tinyforge::toolchain {
namespace {

using ::testing::HasSubstr;

std::vector<float> Tone(size_t n, double hz, float offset, uint32_t seed) {
  dsp::reference::Random random{seed};
  std::vector<float> x(n);
  for (size_t t = 0; t < n; ++t) {
    x[t] = offset + float(std::sin(2.0 * dsp::reference::kPi * hz * double(t) / 8000.0)) +
           0.1f * random.Uniform();
  }
  return x;
}

PreprocessOptions Options() {
  PreprocessOptions options;
  options.features.feature_mask = dsp::kAllFeaturesMask;
  options.features.window_size = 256;
  options.features.window_stride = 128;
  options.features.sample_rate_hz = 8000.0f;
  options.features.band_count = 4;
  options.features.band_low_hz = 0.0f;
  options.features.band_high_hz = 4000.0f;
  options.features.max_gap = 2;
  return options;
}

std::vector<LabeledSignal> TwoClasses() {
  return {{"a.csv", "low", Tone(1000, 200.0, 0.5f, 1u)},
          {"b.csv", "high", Tone(800, 1800.0, -0.2f, 2u)}};
}

TEST(PreprocessTest, FitsZScoreOnThePooledTrainingSamplesOnly) {
  const std::vector<LabeledSignal> train = TwoClasses();
  Result<dsp::FeatureConfig> config = FitPreprocessing(train, Options());
  ASSERT_TRUE(config.ok()) << config.error().message;
  double sum = 0.0, squares = 0.0;
  size_t count = 0;
  for (const auto& s : train) {
    for (float v : s.samples) sum += v, ++count;
  }
  const double mean = sum / double(count);
  for (const auto& s : train) {
    for (float v : s.samples) squares += (v - mean) * (v - mean);
  }
  EXPECT_EQ(config->normalization.kind, dsp::NormalizationKind::kZScore);
  EXPECT_NEAR(config->normalization.center, mean, 1e-5 * std::sqrt(squares / double(count)));
  EXPECT_NEAR(config->normalization.scale, std::sqrt(squares / double(count)),
              1e-5 * std::sqrt(squares / double(count)));
}

TEST(PreprocessTest, EveryRowEqualsADirectDeviceCallOnTheNormalizedWindow) {
  const std::vector<LabeledSignal> train = TwoClasses();
  Result<dsp::FeatureConfig> config = FitPreprocessing(train, Options());
  ASSERT_TRUE(config.ok());
  Result<FeatureMatrix> matrix = BuildFeatureMatrix(train, *config);
  ASSERT_TRUE(matrix.ok()) << matrix.error().message;
  EXPECT_EQ(matrix->rows, dsp::WindowCount(1000, 256, 128) + dsp::WindowCount(800, 256, 128));
  EXPECT_EQ(matrix->cols, 7u + 4u + 1u);
  EXPECT_EQ(matrix->values.size(), matrix->rows * matrix->cols);
  EXPECT_EQ(matrix->class_names, (std::vector<std::string>{"high", "low"}));
  EXPECT_EQ(matrix->feature_names.size(), matrix->cols);
  EXPECT_EQ(matrix->feature_names[7], "band_0_hz_0_1000");
  EXPECT_EQ(matrix->row_sources[1], "a.csv@128");
  // Row 1 = second window of a.csv, recomputed by hand: normalize, then ComputeFeatures.
  std::vector<float> window(train[0].samples.begin() + 128, train[0].samples.begin() + 384);
  for (float& v : window) v = (v - config->normalization.center) / config->normalization.scale;
  std::vector<float> expected(matrix->cols), scratch(dsp::FeatureScratchFloats(*config));
  ASSERT_EQ(dsp::ComputeFeatures(*config, window.data(), 256, expected.data(),
                                 uint32_t(expected.size()),
                                 {scratch.data(), uint32_t(scratch.size())}),
            Status::kOk);
  for (size_t c = 0; c < matrix->cols; ++c) {
    EXPECT_EQ(matrix->at(1, c), expected[c]) << matrix->feature_names[c];
  }
  EXPECT_EQ(matrix->labels[1], 1);  // "low"
  // And the double reference agrees with the time features of that row within 1e-5.
  const dsp::reference::TimeStats s = dsp::reference::Moments(window.data(), 256);
  EXPECT_TRUE(dsp::reference::Agrees(matrix->at(1, 2), s.rms, 0.0));
  EXPECT_TRUE(dsp::reference::Agrees(matrix->at(1, 5), s.kurtosis, 0.0));
}

TEST(PreprocessTest, DropsAndCountsWindowsWithTooLongGaps) {
  std::vector<LabeledSignal> signals = TwoClasses();
  Result<dsp::FeatureConfig> config = FitPreprocessing(signals, Options());
  ASSERT_TRUE(config.ok());
  for (size_t i = 300; i < 305; ++i) signals[0].samples[i] = std::nanf("");
  Result<FeatureMatrix> matrix = BuildFeatureMatrix(signals, *config);
  ASSERT_TRUE(matrix.ok()) << matrix.error().message;
  // a.csv has windows at 0, 128, ..., 640; the gap at 300..304 lies in those at 128 and 256.
  EXPECT_EQ(matrix->dropped_windows, 2u);
  EXPECT_EQ(matrix->rows, 6u + 5u - 2u);
  EXPECT_EQ(matrix->row_sources[1], "a.csv@384");
}

TEST(PreprocessTest, RejectsSingleClassWindowLongerThanDataAndGapsWhenFitting) {
  std::vector<LabeledSignal> one = {{"a.csv", "low", Tone(1000, 200.0, 0, 1u)},
                                    {"b.csv", "low", Tone(1000, 300.0, 0, 2u)}};
  Result<dsp::FeatureConfig> config = FitPreprocessing(one, Options());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message,
            "preprocess: single class 'low' in the training signals: a classifier needs at least two");
  PreprocessOptions anomaly = Options();
  anomaly.require_two_classes = false;
  EXPECT_TRUE(FitPreprocessing(one, anomaly).ok());

  std::vector<LabeledSignal> short_signal = TwoClasses();
  short_signal[1].samples.resize(100);
  config = FitPreprocessing(short_signal, Options());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message,
            "b.csv: window of 256 samples is longer than the 100 samples of data");

  std::vector<LabeledSignal> gappy = TwoClasses();
  for (size_t i = 10; i < 13; ++i) gappy[0].samples[i] = std::nanf("");
  config = FitPreprocessing(gappy, Options());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message, "a.csv: gap of 3 missing samples exceeds max_gap 2");
}

TEST(PreprocessTest, RejectsInvalidConfigNamingTheField) {
  PreprocessOptions options = Options();
  options.features.window_size = 300;
  Result<dsp::FeatureConfig> config = FitPreprocessing(TwoClasses(), options);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message,
            "feature config: window_size 300 must be a power of two in [64, 4096] for spectral "
            "features");
  options = Options();
  options.features.band_high_hz = 5000.0f;
  config = FitPreprocessing(TwoClasses(), options);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("band_high_hz <= sample_rate_hz / 2"));
}

TEST(PreprocessTest, RejectsALabelOutsideTheGivenClasses) {
  Result<dsp::FeatureConfig> config = FitPreprocessing(TwoClasses(), Options());
  ASSERT_TRUE(config.ok());
  Result<FeatureMatrix> matrix = BuildFeatureMatrix(TwoClasses(), *config, {"low"});
  ASSERT_FALSE(matrix.ok());
  EXPECT_EQ(matrix.error().message, "b.csv: label 'high' is not a known class");
}

TEST(PreprocessTest, SplitsADatasetIntoOneSignalPerChannelAndLabelRun) {
  TimeSeries series;
  series.source = "s.csv";
  series.channel_names = {"x", "y"};
  series.channels = {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}};
  series.labels = {"a", "a", "b", "b", "a"};
  const std::vector<LabeledSignal> signals = SignalsFromDataset(series);
  ASSERT_EQ(signals.size(), 6u);
  EXPECT_EQ(signals[1].source, "s.csv[x]@2");
  EXPECT_EQ(signals[1].label, "b");
  EXPECT_EQ(signals[1].samples, (std::vector<float>{3, 4}));
  EXPECT_EQ(signals[5].samples, (std::vector<float>{10}));
}

TEST(FeatureConfigJsonTest, RoundTripsEveryFieldExactly) {
  dsp::FeatureConfig config = Options().features;
  config.feature_mask = dsp::kFeatureStd | dsp::kFeatureBandEnergies | dsp::kFeatureSkewness;
  config.normalization = {dsp::NormalizationKind::kMinMax, -0.1234567f, 3.3333333f};
  config.interpolation = dsp::InterpolationMethod::kHoldLast;
  config.hann_window = 0;
  config.band_low_hz = 12.3456789f;
  const std::string text = FeatureConfigToJson(config).dump();
  Result<dsp::FeatureConfig> parsed = FeatureConfigFromJson(nlohmann::json::parse(text));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const dsp::FeatureConfig& p = *parsed;
  EXPECT_EQ(p.feature_mask, config.feature_mask);
  EXPECT_EQ(p.window_size, config.window_size);
  EXPECT_EQ(p.window_stride, config.window_stride);
  EXPECT_EQ(p.sample_rate_hz, config.sample_rate_hz);
  EXPECT_EQ(p.band_count, config.band_count);
  EXPECT_EQ(p.band_low_hz, config.band_low_hz);  // exact: float -> double -> text -> float
  EXPECT_EQ(p.band_high_hz, config.band_high_hz);
  EXPECT_EQ(p.hann_window, config.hann_window);
  EXPECT_EQ(p.interpolation, config.interpolation);
  EXPECT_EQ(p.max_gap, config.max_gap);
  EXPECT_EQ(p.normalization.kind, config.normalization.kind);
  EXPECT_EQ(p.normalization.center, config.normalization.center);
  EXPECT_EQ(p.normalization.scale, config.normalization.scale);
}

TEST(FeatureConfigJsonTest, RejectsBadFieldsByName) {
  const nlohmann::json good = FeatureConfigToJson(Options().features);
  auto error_for = [&](const char* key, nlohmann::json value) {
    nlohmann::json json = good;
    json[key] = value;
    Result<dsp::FeatureConfig> parsed = FeatureConfigFromJson(json);
    return parsed.ok() ? std::string("<ok>") : parsed.error().message;
  };
  EXPECT_EQ(error_for("version", 2), "preprocessing: field 'version' must be 1");
  EXPECT_EQ(error_for("features", {"mean", "loudness"}),
            "preprocessing: unknown feature \"loudness\"");
  EXPECT_EQ(error_for("window_size", -4),
            "preprocessing: field 'window_size' must be an unsigned integer");
  EXPECT_EQ(error_for("sample_rate_hz", "fast"),
            "preprocessing: field 'sample_rate_hz' must be a finite number");
  EXPECT_EQ(error_for("interpolation", "cubic"),
            "preprocessing: field 'interpolation' must be \"linear\" or \"hold_last\"");
  EXPECT_EQ(error_for("window_size", 1000),
            "preprocessing: window_size 1000 must be a power of two in [64, 4096] for spectral "
            "features");
  EXPECT_EQ(error_for("hann_window", 1), "preprocessing: field 'hann_window' must be true or false");
  nlohmann::json missing = good;
  missing.erase("band_count");
  EXPECT_EQ(FeatureConfigFromJson(missing).error().message,
            "preprocessing: missing field 'band_count'");
}

}  // namespace
}  // namespace tinyforge::toolchain
