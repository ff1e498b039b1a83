// Tests of the portable RNG: the raw engine matches the standard's mt19937 values, and the
// hand-written distributions have the right ranges and moments.
#include "toolchain/train/random.h"

#include <gtest/gtest.h>

#include <numeric>

namespace tinyforge::toolchain {
namespace {

TEST(RngTest, RawOutputIsTheStandardMt19937Sequence) {
  Rng rng(5489u);  // the default seed; the standard fixes the 10000th value
  uint32_t value = 0;
  for (int i = 0; i < 10000; ++i) value = rng.NextU32();
  EXPECT_EQ(value, 4123659995u);
}

TEST(RngTest, SameSeedGivesSameDraws) {
  Rng a(42), b(42), c(43);
  bool any_difference = false;
  for (int i = 0; i < 100; ++i) {
    const double x = a.Normal();
    EXPECT_EQ(x, b.Normal());
    any_difference |= x != c.Normal();
  }
  EXPECT_TRUE(any_difference);
}

TEST(RngTest, UniformAndNormalHaveExpectedMoments) {
  Rng rng(7);
  constexpr int kDraws = 200000;
  double uniform_sum = 0.0, normal_sum = 0.0, normal_squares = 0.0;
  for (int i = 0; i < kDraws; ++i) {
    const double u = rng.Uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    uniform_sum += u;
    const double n = rng.Normal();
    normal_sum += n;
    normal_squares += n * n;
  }
  EXPECT_NEAR(uniform_sum / kDraws, 0.5, 0.005);
  EXPECT_NEAR(normal_sum / kDraws, 0.0, 0.01);
  EXPECT_NEAR(normal_squares / kDraws, 1.0, 0.02);
}

TEST(RngTest, BelowCoversRangeUniformly) {
  Rng rng(3);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 60000; ++i) {
    const uint32_t value = rng.Below(6);
    ASSERT_LT(value, 6u);
    ++counts[value];
  }
  for (int count : counts) EXPECT_NEAR(count, 10000, 400);
}

TEST(RngTest, ShuffleIsAPermutation) {
  Rng rng(11);
  std::vector<int> values(50);
  std::iota(values.begin(), values.end(), 0);
  auto shuffled = values;
  rng.Shuffle(shuffled);
  EXPECT_NE(shuffled, values);
  std::sort(shuffled.begin(), shuffled.end());
  EXPECT_EQ(shuffled, values);
}

}  // namespace
}  // namespace tinyforge::toolchain
