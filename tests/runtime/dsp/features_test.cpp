// Tests of time-domain and spectral features and FeatureConfig handling against double math.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/dsp/dsp_reference.h"
#include "tinyforge/dsp.h"

namespace tinyforge::dsp {
namespace {

FeatureConfig SpectralConfig(uint32_t n) {
  FeatureConfig config;
  config.feature_mask = kAllFeaturesMask;
  config.window_size = n;
  config.window_stride = n / 2;
  config.sample_rate_hz = 12000.0f;
  config.band_count = 7;
  config.band_low_hz = 100.0f;
  config.band_high_hz = 5000.0f;
  config.hann_window = 1;
  return config;
}

// A vibration-like test signal: two tones, a DC offset, noise and a few impulses.
std::vector<float> Signal(uint32_t n, uint32_t seed, float offset) {
  reference::Random random{seed};
  std::vector<float> x(n);
  for (uint32_t t = 0; t < n; ++t) {
    const double time = t / 12000.0;
    x[t] = offset + float(0.8 * std::sin(2.0 * reference::kPi * 437.0 * time) +
                          0.3 * std::sin(2.0 * reference::kPi * 3120.0 * time)) +
           0.2f * random.Uniform();
    if (t % 97 == 5) x[t] += 2.5f;
  }
  return x;
}

// Compares ComputeFeatures to the double reference: 1e-5 relative, with "about zero" judged
// against the signal RMS for the mean, 1 for dimensionless skewness, 1e-3 of the total power for
// band energies and the Nyquist frequency / 1000 for the centroid.
void ExpectFeaturesAgree(const FeatureConfig& config, const std::vector<float>& x) {
  const uint32_t count = FeatureCount(config);
  ASSERT_GT(count, 0u);
  std::vector<float> out(count);
  std::vector<float> scratch(FeatureScratchFloats(config));
  ASSERT_EQ(ComputeFeatures(config, x.data(), uint32_t(x.size()), out.data(), count,
                            {scratch.data(), uint32_t(scratch.size())}),
            Status::kOk);
  std::vector<double> cos_table(config.window_size), power(config.window_size / 2 + 1);
  std::vector<double> expected(count);
  ASSERT_EQ(reference::Features(config, x.data(), cos_table.data(), power.data(), expected.data()),
            count);
  const reference::TimeStats stats = reference::Moments(x.data(), uint32_t(x.size()));
  double total_power = 0.0;
  for (double p : power) total_power += p;
  uint32_t index = 0;
  auto floor_for = [&](uint32_t bit) -> double {
    switch (bit) {
      case 0: return stats.rms;
      case 6: return 1.0;
      case 7: return 1e-3 * total_power;
      case 8: return config.sample_rate_hz / 2000.0;
      default: return 0.0;
    }
  };
  for (uint32_t bit = 0; bit < 9; ++bit) {
    if ((config.feature_mask & (1u << bit)) == 0) continue;
    const uint32_t slots = bit == 7 ? config.band_count : 1;
    for (uint32_t s = 0; s < slots; ++s, ++index) {
      EXPECT_TRUE(reference::Agrees(out[index], expected[index], floor_for(bit)))
          << "feature bit " << bit << " slot " << s << ": " << out[index] << " vs "
          << expected[index];
    }
  }
  EXPECT_EQ(index, count);
}

class FeatureSizeTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(FeatureSizeTest, AllFeaturesAgreeWithDoubleReferenceWithHann) {
  const uint32_t n = GetParam();
  ExpectFeaturesAgree(SpectralConfig(n), Signal(n, 42u, 0.05f));
}

TEST_P(FeatureSizeTest, AllFeaturesAgreeWithDoubleReferenceWithoutWindow) {
  FeatureConfig config = SpectralConfig(GetParam());
  config.hann_window = 0;
  config.band_low_hz = 0.0f;
  config.band_high_hz = 6000.0f;
  config.band_count = 5;
  ExpectFeaturesAgree(config, Signal(GetParam(), 7u, -1.5f));
}

INSTANTIATE_TEST_SUITE_P(Sizes, FeatureSizeTest, ::testing::Values(64u, 256u, 1024u, 4096u));

TEST(TimeFeaturesTest, LargeOffsetDoesNotDestroyTheHigherMoments) {
  // A naive E[x^2] - E[x]^2 in float would lose every digit of the variance here.
  std::vector<float> x = Signal(2048, 3u, 1000.0f);
  TimeFeatures f;
  ASSERT_EQ(ComputeTimeFeatures(x.data(), uint32_t(x.size()), &f), Status::kOk);
  const reference::TimeStats s = reference::Moments(x.data(), uint32_t(x.size()));
  EXPECT_TRUE(reference::Agrees(f.mean, s.mean, 0.0));
  EXPECT_TRUE(reference::Agrees(f.std, s.std, 0.0)) << f.std << " vs " << s.std;
  EXPECT_TRUE(reference::Agrees(f.kurtosis, s.kurtosis, 0.0)) << f.kurtosis << " vs " << s.kurtosis;
  EXPECT_TRUE(reference::Agrees(f.skewness, s.skewness, 1.0)) << f.skewness << " vs " << s.skewness;
}

TEST(TimeFeaturesTest, OnlyTimeFeaturesNeedNoScratchAndAnySize) {
  FeatureConfig config;
  config.feature_mask = kTimeFeatureMask;
  config.window_size = 1000;
  EXPECT_EQ(FeatureScratchFloats(config), 0u);
  EXPECT_EQ(FeatureCount(config), 7u);
  ExpectFeaturesAgree(config, Signal(1000, 11u, 0.5f));
}

TEST(TimeFeaturesTest, ConstantWindowGivesZeroStdCrestKurtosisNotNan) {
  std::vector<float> x(64, 0.0f);
  TimeFeatures f;
  ASSERT_EQ(ComputeTimeFeatures(x.data(), 64, &f), Status::kOk);
  EXPECT_EQ(f.std, 0.0f);
  EXPECT_EQ(f.crest_factor, 0.0f);
  EXPECT_EQ(f.kurtosis, 0.0f);
  EXPECT_EQ(f.skewness, 0.0f);
  FeatureConfig config = SpectralConfig(64);
  std::vector<float> out(FeatureCount(config)), scratch(FeatureScratchFloats(config));
  ASSERT_EQ(ComputeFeatures(config, x.data(), 64, out.data(), uint32_t(out.size()),
                            {scratch.data(), uint32_t(scratch.size())}),
            Status::kOk);
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

TEST(FeatureConfigTest, SelectedFeaturesComeOutInBitOrder) {
  FeatureConfig config = SpectralConfig(256);
  config.feature_mask = kFeatureRms | kFeatureKurtosis | kFeatureSpectralCentroid;
  EXPECT_EQ(FeatureCount(config), 3u);
  ExpectFeaturesAgree(config, Signal(256, 9u, 0.0f));
  config.feature_mask = kFeatureBandEnergies;
  EXPECT_EQ(FeatureCount(config), 7u);
  ExpectFeaturesAgree(config, Signal(256, 9u, 0.0f));
}

TEST(FeatureConfigTest, RejectsEveryInvalidField) {
  const FeatureConfig good = SpectralConfig(1024);
  ASSERT_EQ(ValidateFeatureConfig(good), Status::kOk);
  auto expect_bad = [&](auto mutate, const char* what) {
    FeatureConfig config = good;
    mutate(config);
    EXPECT_EQ(ValidateFeatureConfig(config), Status::kBadParams) << what;
    EXPECT_EQ(FeatureCount(config), 0u) << what;
  };
  expect_bad([](FeatureConfig& c) { c.feature_mask = 0; }, "empty mask");
  expect_bad([](FeatureConfig& c) { c.feature_mask = 1u << 20; }, "unknown bit");
  expect_bad([](FeatureConfig& c) { c.window_size = 1000; }, "not a power of two");
  expect_bad([](FeatureConfig& c) { c.window_size = 8192; }, "too large");
  expect_bad([](FeatureConfig& c) { c.window_size = 32; }, "too small");
  expect_bad([](FeatureConfig& c) { c.window_stride = 0; }, "zero stride");
  expect_bad([](FeatureConfig& c) { c.sample_rate_hz = 0.0f; }, "zero rate");
  expect_bad([](FeatureConfig& c) { c.sample_rate_hz = std::nanf(""); }, "nan rate");
  expect_bad([](FeatureConfig& c) { c.band_count = 0; }, "no bands");
  expect_bad([](FeatureConfig& c) { c.band_count = kMaxBands + 1; }, "too many bands");
  expect_bad([](FeatureConfig& c) { c.band_high_hz = 7000.0f; }, "above Nyquist");
  expect_bad([](FeatureConfig& c) { c.band_low_hz = 6000.0f; }, "low above high");
  expect_bad([](FeatureConfig& c) { c.band_low_hz = -1.0f; }, "negative low");
  expect_bad([](FeatureConfig& c) { c.hann_window = 2; }, "hann flag");
  expect_bad([](FeatureConfig& c) { c.interpolation = static_cast<InterpolationMethod>(5); },
             "interpolation");
  expect_bad([](FeatureConfig& c) { c.normalization = {NormalizationKind::kZScore, 0.0f, 0.0f}; },
             "zero scale");
}

TEST(ComputeFeaturesTest, ReportsShapeBufferScratchAndNumericalErrors) {
  const FeatureConfig config = SpectralConfig(64);
  std::vector<float> x = Signal(64, 1u, 0.0f);
  std::vector<float> out(FeatureCount(config)), scratch(FeatureScratchFloats(config));
  const ScratchBuffer ok_scratch{scratch.data(), uint32_t(scratch.size())};
  EXPECT_EQ(ComputeFeatures(config, x.data(), 63, out.data(), uint32_t(out.size()), ok_scratch),
            Status::kShapeMismatch);
  EXPECT_EQ(ComputeFeatures(config, x.data(), 64, out.data(), uint32_t(out.size()) - 1, ok_scratch),
            Status::kBufferTooSmall);
  EXPECT_EQ(ComputeFeatures(config, x.data(), 64, out.data(), uint32_t(out.size()),
                            {scratch.data(), uint32_t(scratch.size()) - 1}),
            Status::kScratchTooSmall);
  EXPECT_EQ(ComputeFeatures(config, x.data(), 64, out.data(), uint32_t(out.size()), {}),
            Status::kNullArgument);
  x[10] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(ComputeFeatures(config, x.data(), 64, out.data(), uint32_t(out.size()), ok_scratch),
            Status::kNumericalError);
}

TEST(ProcessWindowTest, InterpolatesNormalizesThenComputesFeatures) {
  FeatureConfig config = SpectralConfig(256);
  config.max_gap = 4;
  config.normalization = {NormalizationKind::kZScore, 0.1f, 2.0f};
  std::vector<float> raw = Signal(256, 21u, 0.2f);
  std::vector<float> expected_input = raw;
  raw[30] = raw[31] = std::nanf("");
  expected_input[30] = raw[29] + (raw[32] - raw[29]) * (1.0f / 3.0f);
  expected_input[31] = raw[29] + (raw[32] - raw[29]) * (2.0f / 3.0f);
  for (float& v : expected_input) v = (v - 0.1f) / 2.0f;
  std::vector<float> out(FeatureCount(config)), scratch(FeatureScratchFloats(config));
  bool usable = false;
  ASSERT_EQ(ProcessWindow(config, raw.data(), 256, out.data(), uint32_t(out.size()),
                          {scratch.data(), uint32_t(scratch.size())}, &usable),
            Status::kOk);
  EXPECT_TRUE(usable);
  for (size_t i = 0; i < raw.size(); ++i) ASSERT_FLOAT_EQ(raw[i], expected_input[i]) << i;
  ExpectFeaturesAgree(config, expected_input);
}

TEST(ProcessWindowTest, FlagsAWindowWithATooLongGapAsUnusable) {
  FeatureConfig config = SpectralConfig(64);
  config.max_gap = 2;
  std::vector<float> raw = Signal(64, 2u, 0.0f);
  for (int i = 10; i < 13; ++i) raw[i] = std::nanf("");
  std::vector<float> out(FeatureCount(config), -1.0f), scratch(FeatureScratchFloats(config));
  bool usable = true;
  ASSERT_EQ(ProcessWindow(config, raw.data(), 64, out.data(), uint32_t(out.size()),
                          {scratch.data(), uint32_t(scratch.size())}, &usable),
            Status::kOk);
  EXPECT_FALSE(usable);
  EXPECT_EQ(out[0], -1.0f);
}

}  // namespace
}  // namespace tinyforge::dsp
