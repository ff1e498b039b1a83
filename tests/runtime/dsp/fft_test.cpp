// Tests of the deterministic sin/cos, the radix-2 FFT and the power spectrum against double math.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/dsp/dsp_reference.h"
#include "tinyforge/dsp.h"

namespace tinyforge::dsp {
namespace {

TEST(SinCosTest, MatchesLibmWithinTwoTenthsOfAMillionthForEveryAngle) {
  for (uint32_t n = 8; n <= 4096; n *= 2) {
    for (uint32_t k = 0; k < n; ++k) {
      float s = 0.0f, c = 0.0f;
      SinCosOfFraction(k, n, &s, &c);
      const double angle = 2.0 * reference::kPi * k / n;
      ASSERT_NEAR(s, std::sin(angle), 2e-7) << "k=" << k << " n=" << n;
      ASSERT_NEAR(c, std::cos(angle), 2e-7) << "k=" << k << " n=" << n;
    }
  }
}

TEST(SinCosTest, IsExactAtQuadrantBoundaries) {
  float s = 1.0f, c = 0.0f;
  SinCosOfFraction(0, 64, &s, &c);
  EXPECT_EQ(s, 0.0f);
  EXPECT_EQ(c, 1.0f);
  SinCosOfFraction(16, 64, &s, &c);
  EXPECT_EQ(s, 1.0f);
  EXPECT_EQ(c, 0.0f);
}

class FftSizeTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(FftSizeTest, ComplexFftMatchesDirectDoubleDft) {
  const uint32_t n = GetParam();
  reference::Random random{12345u + n};
  std::vector<float> real(n), imag(n);
  for (uint32_t t = 0; t < n; ++t) {
    real[t] = random.Uniform();
    imag[t] = random.Uniform();
  }
  const std::vector<float> input_real = real, input_imag = imag;
  std::vector<float> table(FftTableFloats(n));
  ASSERT_EQ(ComplexFft(real.data(), imag.data(), n, {table.data(), uint32_t(table.size())}),
            Status::kOk);
  // Error bound for a float FFT: a few eps * log2(n) * ||x||; compare to the input's norm.
  double norm = 0.0;
  for (uint32_t t = 0; t < n; ++t) norm += double(input_real[t]) * input_real[t] + double(input_imag[t]) * input_imag[t];
  norm = std::sqrt(norm);
  for (uint32_t k = 0; k < n; k += (n > 512 ? 7 : 1)) {
    double re = 0.0, im = 0.0;
    for (uint32_t t = 0; t < n; ++t) {
      const double angle = -2.0 * reference::kPi * double((uint64_t(k) * t) % n) / n;
      re += input_real[t] * std::cos(angle) - input_imag[t] * std::sin(angle);
      im += input_real[t] * std::sin(angle) + input_imag[t] * std::cos(angle);
    }
    ASSERT_NEAR(real[k], re, 1e-5 * norm) << "bin " << k;
    ASSERT_NEAR(imag[k], im, 1e-5 * norm) << "bin " << k;
  }
}

TEST_P(FftSizeTest, PowerSpectrumObeysParsevalWithRectangularWindow) {
  const uint32_t n = GetParam();
  reference::Random random{777u + n};
  std::vector<float> x(n);
  double mean_square = 0.0;
  for (uint32_t t = 0; t < n; ++t) {
    x[t] = 0.3f + random.Uniform();
    mean_square += double(x[t]) * x[t] / n;
  }
  std::vector<float> power(n / 2 + 1), scratch(PowerSpectrumScratchFloats(n));
  ASSERT_EQ(PowerSpectrum(x.data(), n, false, power.data(), uint32_t(power.size()),
                          {scratch.data(), uint32_t(scratch.size())}),
            Status::kOk);
  double total = 0.0;
  for (float p : power) total += p;
  EXPECT_TRUE(reference::Agrees(total, mean_square, 0.0)) << total << " vs " << mean_square;
}

INSTANTIATE_TEST_SUITE_P(AllSizes, FftSizeTest,
                         ::testing::Values(64u, 128u, 256u, 512u, 1024u, 2048u, 4096u));

TEST(PowerSpectrumTest, MatchesDirectDftWithHannWindow) {
  const uint32_t n = 256;
  reference::Random random{99u};
  std::vector<float> x(n);
  for (uint32_t t = 0; t < n; ++t) {
    x[t] = float(std::sin(2.0 * reference::kPi * 10.3 * t / n)) + 0.1f * random.Uniform();
  }
  std::vector<float> power(n / 2 + 1), scratch(PowerSpectrumScratchFloats(n));
  ASSERT_EQ(PowerSpectrum(x.data(), n, true, power.data(), uint32_t(power.size()),
                          {scratch.data(), uint32_t(scratch.size())}),
            Status::kOk);
  std::vector<double> cos_table(n), expected(n / 2 + 1);
  reference::PowerSpectrum(x.data(), n, true, cos_table.data(), expected.data());
  double total = 0.0;
  for (double p : expected) total += p;
  for (uint32_t k = 0; k <= n / 2; ++k) {
    EXPECT_TRUE(reference::Agrees(power[k], expected[k], 1e-3 * total))
        << "bin " << k << ": " << power[k] << " vs " << expected[k];
  }
}

TEST(PowerSpectrumTest, PutsASineOnItsBinWithHalfTheSquaredAmplitude) {
  const uint32_t n = 128;
  std::vector<float> x(n);
  for (uint32_t t = 0; t < n; ++t) x[t] = float(2.0 * std::cos(2.0 * reference::kPi * 5 * t / n));
  std::vector<float> power(n / 2 + 1), scratch(PowerSpectrumScratchFloats(n));
  ASSERT_EQ(PowerSpectrum(x.data(), n, false, power.data(), uint32_t(power.size()),
                          {scratch.data(), uint32_t(scratch.size())}),
            Status::kOk);
  EXPECT_NEAR(power[5], 2.0, 1e-5);
  EXPECT_NEAR(power[4], 0.0, 1e-9);
  EXPECT_NEAR(power[0], 0.0, 1e-9);
}

TEST(PowerSpectrumTest, RejectsUnsupportedSizesAndSmallBuffers) {
  std::vector<float> x(8192, 1.0f), power(8192), scratch(3 * 8192);
  const ScratchBuffer big{scratch.data(), uint32_t(scratch.size())};
  EXPECT_EQ(PowerSpectrum(x.data(), 32, false, power.data(), 8192, big), Status::kBadParams);
  EXPECT_EQ(PowerSpectrum(x.data(), 100, false, power.data(), 8192, big), Status::kBadParams);
  EXPECT_EQ(PowerSpectrum(x.data(), 8192, false, power.data(), 8192, big), Status::kBadParams);
  EXPECT_EQ(PowerSpectrum(x.data(), 64, false, power.data(), 32, big), Status::kBufferTooSmall);
  EXPECT_EQ(PowerSpectrum(x.data(), 64, false, power.data(), 33,
                          {scratch.data(), PowerSpectrumScratchFloats(64) - 1}),
            Status::kScratchTooSmall);
  EXPECT_EQ(PowerSpectrum(nullptr, 64, false, power.data(), 33, big), Status::kNullArgument);
  x[3] = std::nanf("");
  EXPECT_EQ(PowerSpectrum(x.data(), 64, false, power.data(), 33, big), Status::kNumericalError);
}

TEST(ComplexFftTest, RejectsMissingScratch) {
  std::vector<float> re(64), im(64), table(FftTableFloats(64) - 1);
  EXPECT_EQ(ComplexFft(re.data(), im.data(), 64, {table.data(), uint32_t(table.size())}),
            Status::kScratchTooSmall);
  EXPECT_EQ(ComplexFft(re.data(), im.data(), 64, {nullptr, 100}), Status::kNullArgument);
}

}  // namespace
}  // namespace tinyforge::dsp
