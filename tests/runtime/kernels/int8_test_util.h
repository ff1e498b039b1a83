// Random int8 kernel problems for the optimized-vs-reference tests: shapes, data, per-channel
// requantization from random scales (through QuantizeMultiplier, as the writer does) and clamps.
#ifndef TINYFORGE_TESTS_RUNTIME_KERNELS_INT8_TEST_UTIL_H_
#define TINYFORGE_TESTS_RUNTIME_KERNELS_INT8_TEST_UTIL_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/reference/int8_kernels.h"
#include "kernels/reference/quantization_math.h"

namespace tinyforge::kernels::testing {

enum class Clamp { kNone, kRelu, kRelu6, kNarrow };

struct Int8Data {
  std::vector<int8_t> input, weights, expected, actual;
  std::vector<int32_t> bias, requant;
  std::vector<uint32_t> scratch;
  RequantArgs requant_args{};
  int32_t input_offset = 0;
};

inline std::vector<int8_t> RandomInt8(std::mt19937& rng, size_t count) {
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<int8_t> values(count);
  for (auto& v : values) v = static_cast<int8_t>(dist(rng));
  return values;
}

// Fills everything but the shapes' buffers sizes: bias, requant (per channel when per_channel,
// else one scale repeated), offsets and the activation clamp.
inline void FillQuantization(std::mt19937& rng, uint32_t channels, bool per_channel, Clamp clamp,
                             Int8Data* data) {
  std::uniform_int_distribution<int32_t> zero_point(-128, 127);
  data->input_offset = -zero_point(rng);
  std::uniform_int_distribution<int32_t> bias(-20000, 20000);
  data->bias.resize(channels);
  for (auto& b : data->bias) b = bias(rng);
  // Mostly the usual < 1 multipliers (right shifts), sometimes > 1 (left shift path).
  std::uniform_real_distribution<float> exponent(-14.0f, 1.5f);
  data->requant.resize(2 * channels);
  const float shared = std::exp2(exponent(rng));
  for (uint32_t c = 0; c < channels; ++c) {
    const float scale = per_channel ? std::exp2(exponent(rng)) : shared;
    int32_t multiplier = 0, shift = 0;
    (void)QuantizeMultiplier(scale, &multiplier, &shift);
    data->requant[2 * c] = multiplier;
    data->requant[2 * c + 1] = shift;
  }
  const int32_t output_zero_point = zero_point(rng);
  int32_t lo = -128, hi = 127;
  switch (clamp) {
    case Clamp::kNone: break;
    case Clamp::kRelu: lo = output_zero_point; break;
    case Clamp::kRelu6:
      lo = output_zero_point;
      hi = std::min(127, output_zero_point + 40);
      break;
    case Clamp::kNarrow:
      lo = -20;
      hi = 30;
      break;
  }
  data->requant_args = RequantArgs{data->requant.data(), output_zero_point, lo, hi};
}

}  // namespace tinyforge::kernels::testing

#endif  // TINYFORGE_TESTS_RUNTIME_KERNELS_INT8_TEST_UTIL_H_
