// The optimized kernels' requantizer (one multiply-accumulate + shift instead of the reference's
// nudge-and-divide) against kernels::MultiplyByQuantizedMultiplier, on edge and random values.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "kernels/optimized/cortex_m/kernel_util.h"
#include "kernels/reference/quantization_math.h"

namespace tinyforge::kernels::cortex_m {
namespace {

int32_t ReferenceRequantize(int32_t acc, int32_t multiplier, int32_t shift) {
  return MultiplyByQuantizedMultiplier(acc, multiplier, shift);
}

// Clamp bounds INT32_MIN..INT32_MAX so the comparison sees the raw requantized value.
TEST(OptimizedRequantizeTest, MatchesReferenceOnEdgeValues) {
  const int32_t accs[] = {INT32_MIN, INT32_MIN + 1, -(1 << 30) - 1, -(1 << 30), -65536, -32769,
                          -3, -2, -1, 0, 1, 2, 3, 32767, 65536, (1 << 30), INT32_MAX - 1,
                          INT32_MAX};
  const int32_t multipliers[] = {1 << 30, (1 << 30) + 1, 1518500250, INT32_MAX, INT32_MIN};
  int checked = 0;
  for (int32_t shift = -31; shift <= 31; ++shift) {
    for (int32_t multiplier : multipliers) {
      for (int32_t acc : accs) {
        ASSERT_EQ(Requantize(acc, multiplier, shift, 0, INT32_MIN, INT32_MAX),
                  ReferenceRequantize(acc, multiplier, shift))
            << "acc " << acc << " multiplier " << multiplier << " shift " << shift;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 63 * 5 * 18);
}

TEST(OptimizedRequantizeTest, MatchesReferenceOnRandomValues) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> any(INT32_MIN, INT32_MAX);
  std::uniform_int_distribution<int32_t> small(-(1 << 20), 1 << 20);
  std::uniform_int_distribution<int32_t> multiplier(1 << 30, INT32_MAX);
  std::uniform_int_distribution<int32_t> shift(-31, 31);
  for (int i = 0; i < 200000; ++i) {
    const int32_t acc = (i % 2 == 0) ? any(rng) : small(rng);
    const int32_t m = multiplier(rng);
    const int32_t s = shift(rng);
    ASSERT_EQ(Requantize(acc, m, s, 0, INT32_MIN, INT32_MAX), ReferenceRequantize(acc, m, s))
        << "acc " << acc << " multiplier " << m << " shift " << s;
  }
}

TEST(OptimizedRequantizeTest, AddsOffsetThenClamps) {
  // 1000 * 0.5 = 500, + 3 -> clamped to 127; -1000 * 0.5 + 3 = -497 -> -128.
  EXPECT_EQ(Requantize(1000, 1 << 30, 0, 3, -128, 127), 127);
  EXPECT_EQ(Requantize(-1000, 1 << 30, 0, 3, -128, 127), -128);
  EXPECT_EQ(Requantize(100, 1 << 30, 0, 3, -128, 127), 53);
  EXPECT_EQ(Requantize(100, 1 << 30, 0, 3, 60, 127), 60);
}

}  // namespace
}  // namespace tinyforge::kernels::cortex_m

namespace tinyforge::kernels::cortex_m {
namespace {

// The per-channel fast form (SMMULR/QADD/SSAT on the M4, emulated here) against the int8 result
// of the reference arithmetic, over the accumulators where its saturation argument is tight.
TEST(OptimizedRequantizeTest, ChannelFastFormMatchesReferenceInt8) {
  const int32_t accs[] = {0, 1, -1, 127, -128, 1 << 20, -(1 << 20), (1 << 30) - 1, -(1 << 30),
                          (1 << 30), -(1 << 30) - 1, INT32_MAX, INT32_MIN, 123456789, -987654321};
  const int32_t multipliers[] = {1 << 30, (1 << 30) + 12345, INT32_MAX, 1518500250};
  const int32_t offsets[] = {-128, 0, 5, 127};
  uint32_t state = 7;
  for (int32_t shift = -31; shift <= 30; ++shift) {
    for (int32_t multiplier : multipliers) {
      const int32_t table[2] = {multiplier, shift};
      const RequantArgs args{table, 0, -128, 127};
      const ChannelRequant channel = MakeChannelRequant(args, 0);
      EXPECT_EQ(channel.fast, shift >= -20 && shift <= -1);
      for (int32_t offset : offsets) {
        for (int i = 0; i < 200; ++i) {
          state = state * 1664525u + 1013904223u;
          const int32_t acc = i < 15 ? accs[i] : static_cast<int32_t>(state) >> (state % 24);
          for (int32_t low : {-128, offset}) {
            int32_t expected = ReferenceRequantize(acc, multiplier, shift);
            const int64_t wide = int64_t{expected} + offset;
            // The reference adds the zero point in int32 too; skip where that overflows.
            if (wide > INT32_MAX || wide < INT32_MIN) continue;
            expected = static_cast<int32_t>(wide < low ? low : wide > 127 ? 127 : wide);
            ASSERT_EQ(ApplyRequant(acc, channel, offset, low, 127), expected)
                << "acc " << acc << " multiplier " << multiplier << " shift " << shift
                << " offset " << offset;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace tinyforge::kernels::cortex_m
