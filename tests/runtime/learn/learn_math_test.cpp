// Tests of TinyOL's libm-free ExpF / LogF against the C library, over the ranges the learner uses.
#include <cmath>

#include <gtest/gtest.h>

#include "learn/learn_internal.h"

namespace tinyforge::learn::internal {
namespace {

TEST(LearnMathTest, ExpFMatchesLibmWithinHalfAMicroRelative) {
  for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
    const double expected = std::exp(static_cast<double>(x));
    EXPECT_NEAR(ExpF(x) / expected, 1.0, 4e-7) << "x = " << x;
  }
  EXPECT_EQ(ExpF(0.0f), 1.0f);
  EXPECT_EQ(ExpF(-200.0f), 0.0f);
  EXPECT_TRUE(std::isfinite(ExpF(1000.0f)));
}

TEST(LearnMathTest, LogFMatchesLibmOverPositiveNormals) {
  for (float x = 1.2e-38f; x < 3e38f; x *= 1.37f) {
    const double expected = std::log(static_cast<double>(x));
    EXPECT_NEAR(LogF(x), expected, 4e-7 * std::max(1.0, std::fabs(expected))) << "x = " << x;
  }
  EXPECT_EQ(LogF(1.0f), 0.0f);
  EXPECT_EQ(LogF(0.0f), -88.0f);
  EXPECT_EQ(LogF(-1.0f), -88.0f);
}

}  // namespace
}  // namespace tinyforge::learn::internal
