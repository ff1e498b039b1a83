// Accuracy and edge cases of the deterministic float math in runtime/core/math.h, against libm
// in long double.
#include "core/math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

namespace tinyforge::math {
namespace {

// Max relative error of f against reference over `count` evenly spaced points plus random ones.
template <typename F, typename R>
double MaxRelativeError(F f, R reference, float low, float high, int count) {
  double worst = 0.0;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> random(low, high);
  for (int i = 0; i <= 2 * count; ++i) {
    const float x = i <= count ? low + (high - low) * static_cast<float>(i) / static_cast<float>(count) : random(rng);
    const long double expected = reference(static_cast<long double>(x));
    if (expected == 0.0L) continue;
    const double error =
        static_cast<double>(std::fabs((static_cast<long double>(f(x)) - expected) / expected));
    if (error > worst) worst = error;
  }
  return worst;
}

TEST(MathTest, ExpRelativeErrorBelowDocumentedBound) {
  const double error = MaxRelativeError(Exp, [](long double x) { return std::exp(x); }, -87.0f,
                                        88.0f, 200000);
  EXPECT_LT(error, 2e-7);
  std::printf("exp max relative error %.3g\n", error);
}

TEST(MathTest, ExpAccurateNearZero) {
  const double error =
      MaxRelativeError(Exp, [](long double x) { return std::exp(x); }, -1.0f, 1.0f, 100000);
  EXPECT_LT(error, 2e-7);
}

TEST(MathTest, TanhRelativeErrorBelowDocumentedBound) {
  const double wide = MaxRelativeError(Tanh, [](long double x) { return std::tanh(x); }, -20.0f,
                                       20.0f, 200000);
  const double small = MaxRelativeError(Tanh, [](long double x) { return std::tanh(x); }, -1.0f,
                                        1.0f, 200000);
  const double tiny = MaxRelativeError(Tanh, [](long double x) { return std::tanh(x); }, -1e-3f,
                                       1e-3f, 20000);
  std::printf("tanh max relative error %.3g (|x|<=20), %.3g (|x|<=1)\n", wide, small);
  EXPECT_LT(wide, 3e-7);
  EXPECT_LT(small, 3e-7);
  EXPECT_LT(tiny, 3e-7);
}

TEST(MathTest, SigmoidRelativeErrorBelowDocumentedBound) {
  const double error =
      MaxRelativeError(Sigmoid, [](long double x) { return 1.0L / (1.0L + std::exp(-x)); },
                       -80.0f, 80.0f, 200000);
  std::printf("sigmoid max relative error %.3g\n", error);
  EXPECT_LT(error, 3e-7);
}

TEST(MathTest, EdgeCases) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(Exp(0.0f), 1.0f);
  EXPECT_EQ(Exp(100.0f), inf);
  EXPECT_EQ(Exp(inf), inf);
  EXPECT_EQ(Exp(-inf), 0.0f);
  EXPECT_EQ(Exp(-200.0f), 0.0f);
  EXPECT_TRUE(std::isnan(Exp(nan)));
  // Subnormal results: float spacing there is 1.4e-45.
  EXPECT_NEAR(Exp(-100.0f), std::exp(-100.0), 2 * 1.401298464e-45);  // within a subnormal step
  EXPECT_EQ(Tanh(0.0f), 0.0f);
  EXPECT_EQ(Tanh(inf), 1.0f);
  EXPECT_EQ(Tanh(-inf), -1.0f);
  EXPECT_EQ(Tanh(-0.3f), -Tanh(0.3f));
  EXPECT_TRUE(std::isnan(Tanh(nan)));
  EXPECT_EQ(Sigmoid(0.0f), 0.5f);
  EXPECT_EQ(Sigmoid(inf), 1.0f);
  EXPECT_EQ(Sigmoid(-inf), 0.0f);
  EXPECT_TRUE(std::isnan(Sigmoid(nan)));
}

TEST(MathTest, RoundToInt32RoundsHalfAwayFromZeroAndSaturates) {
  EXPECT_EQ(RoundToInt32(0.5f), 1);
  EXPECT_EQ(RoundToInt32(-0.5f), -1);
  EXPECT_EQ(RoundToInt32(1.49999988f), 1);
  EXPECT_EQ(RoundToInt32(2.5f), 3);
  EXPECT_EQ(RoundToInt32(-2.5f), -3);
  EXPECT_EQ(RoundToInt32(-2.4f), -2);
  EXPECT_EQ(RoundToInt32(1e10f), INT32_MAX);
  EXPECT_EQ(RoundToInt32(-1e10f), INT32_MIN);
  EXPECT_EQ(RoundToInt32(std::numeric_limits<float>::quiet_NaN()), 0);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> values(-1e6f, 1e6f);
  for (int i = 0; i < 100000; ++i) {
    const float x = values(rng);
    EXPECT_EQ(RoundToInt32(x), static_cast<int32_t>(std::lround(x))) << x;
  }
}

}  // namespace
}  // namespace tinyforge::math

namespace tinyforge::math {
namespace {

// Same grid and checksum as KernelsDevice.MathChecksum (tests/device/kernels_device_test.cpp);
// the two printed values must be equal: host and Cortex-M4 compute identical bits.
TEST(MathTest, ChecksumMatchesDevice) {
  uint32_t checksum = 0;
  for (int i = -2000; i <= 2000; ++i) {
    const float x = static_cast<float>(i) * 0.01f;
    const float values[] = {Exp(x), Tanh(x), Sigmoid(x)};
    for (float v : values) {
      uint32_t bits;
      __builtin_memcpy(&bits, &v, sizeof(bits));
      checksum = checksum * 31u + bits;
    }
  }
  std::printf("math_checksum %u\n", checksum);
  EXPECT_NE(checksum, 0u);
}

}  // namespace
}  // namespace tinyforge::math
