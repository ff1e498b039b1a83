// Float32 reference FullyConnected, Conv2D and DepthwiseConv2D: plain loops, fixed summation
// order (bias first, then inputs in memory order) so every build gives the same bits.
#include "kernels/reference/float_kernels.h"

namespace tinyforge::kernels::reference {
namespace {

float Clamp(float value, float low, float high) {
  return value < low ? low : (value > high ? high : value);
}

}  // namespace

void FullyConnectedF32(const FullyConnectedF32Args& args) {
  for (uint32_t b = 0; b < args.batch; ++b) {
    const float* input = args.input + b * args.input_depth;
    for (uint32_t o = 0; o < args.output_depth; ++o) {
      const float* weights = args.weights + o * args.input_depth;
      float sum = args.bias != nullptr ? args.bias[o] : 0.0f;
      for (uint32_t i = 0; i < args.input_depth; ++i) sum += input[i] * weights[i];
      args.output[b * args.output_depth + o] = Clamp(sum, args.activation_min, args.activation_max);
    }
  }
}

// Input row/column of filter tap k for output position o: o*stride + k*dilation - pad. Computed in
// int64 so a large pad cannot wrap; taps outside [0, size) are zero padding.
void Conv2DF32(const Conv2DF32Args& args) {
  float* output = args.output;
  for (uint32_t b = 0; b < args.batch; ++b) {
    for (uint32_t oy = 0; oy < args.output_height; ++oy) {
      for (uint32_t ox = 0; ox < args.output_width; ++ox) {
        for (uint32_t oc = 0; oc < args.output_channels; ++oc) {
          float sum = args.bias != nullptr ? args.bias[oc] : 0.0f;
          for (uint32_t ky = 0; ky < args.filter_height; ++ky) {
            const int64_t iy = int64_t{oy} * args.stride_height + int64_t{ky} * args.dilation_height -
                               args.pad_top;
            if (iy < 0 || iy >= args.input_height) continue;
            for (uint32_t kx = 0; kx < args.filter_width; ++kx) {
              const int64_t ix = int64_t{ox} * args.stride_width +
                                 int64_t{kx} * args.dilation_width - args.pad_left;
              if (ix < 0 || ix >= args.input_width) continue;
              const float* in = args.input + ((int64_t{b} * args.input_height + iy) *
                                                  args.input_width + ix) * args.input_channels;
              const float* w = args.weights + ((uint64_t{oc} * args.filter_height + ky) *
                                                   args.filter_width + kx) * args.input_channels;
              for (uint32_t ic = 0; ic < args.input_channels; ++ic) sum += in[ic] * w[ic];
            }
          }
          *output++ = Clamp(sum, args.activation_min, args.activation_max);
        }
      }
    }
  }
}

void DepthwiseConv2DF32(const DepthwiseConv2DF32Args& args) {
  float* output = args.output;
  for (uint32_t b = 0; b < args.batch; ++b) {
    for (uint32_t oy = 0; oy < args.output_height; ++oy) {
      for (uint32_t ox = 0; ox < args.output_width; ++ox) {
        for (uint32_t oc = 0; oc < args.output_channels; ++oc) {
          const uint32_t ic = oc / args.depth_multiplier;
          float sum = args.bias != nullptr ? args.bias[oc] : 0.0f;
          for (uint32_t ky = 0; ky < args.filter_height; ++ky) {
            const int64_t iy = int64_t{oy} * args.stride_height + int64_t{ky} * args.dilation_height -
                               args.pad_top;
            if (iy < 0 || iy >= args.input_height) continue;
            for (uint32_t kx = 0; kx < args.filter_width; ++kx) {
              const int64_t ix = int64_t{ox} * args.stride_width +
                                 int64_t{kx} * args.dilation_width - args.pad_left;
              if (ix < 0 || ix >= args.input_width) continue;
              const float in = args.input[((int64_t{b} * args.input_height + iy) * args.input_width +
                                           ix) * args.input_channels + ic];
              const float w = args.weights[(uint64_t{ky} * args.filter_width + kx) *
                                               args.output_channels + oc];
              sum += in * w;
            }
          }
          *output++ = Clamp(sum, args.activation_min, args.activation_max);
        }
      }
    }
  }
}

}  // namespace tinyforge::kernels::reference
