// Reference MaxPool2D / AveragePool2D / GlobalAveragePool, float32 and int8.
#include "kernels/reference/pooling.h"

#include "kernels/reference/quantization_math.h"

namespace tinyforge::kernels::reference {
namespace {

// The input rows/cols [begin, end) that window (oy, ox) covers, clipped to the input.
struct Window {
  uint32_t y_begin, y_end, x_begin, x_end;
};

Window ClipWindow(const Pool2DGeometry& g, uint32_t oy, uint32_t ox) {
  const int64_t y0 = int64_t{oy} * g.stride_height - g.pad_top;
  const int64_t x0 = int64_t{ox} * g.stride_width - g.pad_left;
  const int64_t y1 = y0 + g.filter_height;
  const int64_t x1 = x0 + g.filter_width;
  Window w;
  w.y_begin = static_cast<uint32_t>(y0 < 0 ? 0 : y0);
  w.x_begin = static_cast<uint32_t>(x0 < 0 ? 0 : x0);
  w.y_end = static_cast<uint32_t>(y1 > g.input_height ? g.input_height : y1);
  w.x_end = static_cast<uint32_t>(x1 > g.input_width ? g.input_width : x1);
  return w;
}

template <typename T>
T ClampTo(T value, T low, T high) {
  return value < low ? low : (value > high ? high : value);
}

uint64_t InputIndex(const Pool2DGeometry& g, uint32_t b, uint32_t y, uint32_t x, uint32_t c) {
  return ((uint64_t{b} * g.input_height + y) * g.input_width + x) * g.channels + c;
}

}  // namespace

void MaxPool2DF32(const Pool2DGeometry& g, const float* input, float* output, float activation_min,
                  float activation_max) {
  for (uint32_t b = 0; b < g.batch; ++b)
    for (uint32_t oy = 0; oy < g.output_height; ++oy)
      for (uint32_t ox = 0; ox < g.output_width; ++ox) {
        const Window w = ClipWindow(g, oy, ox);
        for (uint32_t c = 0; c < g.channels; ++c) {
          float best = input[InputIndex(g, b, w.y_begin, w.x_begin, c)];
          for (uint32_t y = w.y_begin; y < w.y_end; ++y)
            for (uint32_t x = w.x_begin; x < w.x_end; ++x) {
              const float v = input[InputIndex(g, b, y, x, c)];
              if (v > best) best = v;
            }
          *output++ = ClampTo(best, activation_min, activation_max);
        }
      }
}

void AveragePool2DF32(const Pool2DGeometry& g, const float* input, float* output,
                      float activation_min, float activation_max) {
  for (uint32_t b = 0; b < g.batch; ++b)
    for (uint32_t oy = 0; oy < g.output_height; ++oy)
      for (uint32_t ox = 0; ox < g.output_width; ++ox) {
        const Window w = ClipWindow(g, oy, ox);
        const uint32_t count = (w.y_end - w.y_begin) * (w.x_end - w.x_begin);
        for (uint32_t c = 0; c < g.channels; ++c) {
          float sum = 0.0f;
          for (uint32_t y = w.y_begin; y < w.y_end; ++y)
            for (uint32_t x = w.x_begin; x < w.x_end; ++x) sum += input[InputIndex(g, b, y, x, c)];
          *output++ = ClampTo(sum / static_cast<float>(count), activation_min, activation_max);
        }
      }
}

void MaxPool2DS8(const Pool2DGeometry& g, const int8_t* input, int8_t* output,
                 int32_t activation_min, int32_t activation_max) {
  for (uint32_t b = 0; b < g.batch; ++b)
    for (uint32_t oy = 0; oy < g.output_height; ++oy)
      for (uint32_t ox = 0; ox < g.output_width; ++ox) {
        const Window w = ClipWindow(g, oy, ox);
        for (uint32_t c = 0; c < g.channels; ++c) {
          int32_t best = -128;
          for (uint32_t y = w.y_begin; y < w.y_end; ++y)
            for (uint32_t x = w.x_begin; x < w.x_end; ++x) {
              const int32_t v = input[InputIndex(g, b, y, x, c)];
              if (v > best) best = v;
            }
          *output++ = static_cast<int8_t>(ClampTo(best, activation_min, activation_max));
        }
      }
}

void AveragePool2DS8(const Pool2DGeometry& g, const int8_t* input, int8_t* output,
                     int32_t activation_min, int32_t activation_max) {
  for (uint32_t b = 0; b < g.batch; ++b)
    for (uint32_t oy = 0; oy < g.output_height; ++oy)
      for (uint32_t ox = 0; ox < g.output_width; ++ox) {
        const Window w = ClipWindow(g, oy, ox);
        const int64_t count = int64_t{w.y_end - w.y_begin} * (w.x_end - w.x_begin);
        for (uint32_t c = 0; c < g.channels; ++c) {
          int64_t sum = 0;
          for (uint32_t y = w.y_begin; y < w.y_end; ++y)
            for (uint32_t x = w.x_begin; x < w.x_end; ++x) sum += input[InputIndex(g, b, y, x, c)];
          // Round half away from zero, as TFLite's reference does.
          const int64_t average = sum >= 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
          *output++ = static_cast<int8_t>(
              ClampTo(static_cast<int32_t>(average), activation_min, activation_max));
        }
      }
}

void GlobalAveragePoolF32(const float* input, float* output, uint32_t batch, uint32_t spatial,
                          uint32_t channels) {
  for (uint32_t b = 0; b < batch; ++b)
    for (uint32_t c = 0; c < channels; ++c) {
      float sum = 0.0f;
      for (uint32_t s = 0; s < spatial; ++s) sum += input[(uint64_t{b} * spatial + s) * channels + c];
      output[b * channels + c] = sum / static_cast<float>(spatial);
    }
}

void GlobalAveragePoolS8(const int8_t* input, int8_t* output, uint32_t batch, uint32_t spatial,
                         uint32_t channels, int32_t input_zero_point, int32_t multiplier,
                         int32_t shift, int32_t output_zero_point) {
  for (uint32_t b = 0; b < batch; ++b)
    for (uint32_t c = 0; c < channels; ++c) {
      // |q - zp| <= 255 and Prepare bounds spatial below 2^23, so the int32 sum cannot overflow.
      int32_t sum = 0;
      for (uint32_t s = 0; s < spatial; ++s)
        sum += input[(uint64_t{b} * spatial + s) * channels + c] - input_zero_point;
      const int32_t value = MultiplyByQuantizedMultiplier(sum, multiplier, shift) + output_zero_point;
      output[b * channels + c] = static_cast<int8_t>(ClampTo<int32_t>(value, -128, 127));
    }
}

}  // namespace tinyforge::kernels::reference
