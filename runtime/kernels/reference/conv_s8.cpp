// Reference int8 2-D convolution (NHWC, explicit leading pads, strides, dilations): the contract
// that kernels::cortex_m::Conv2DS8 must match byte for byte. Padded positions contribute nothing,
// as if they held the input zero point.
#include "kernels/reference/int8_kernels.h"
#include "kernels/reference/quantization_math.h"

namespace tinyforge::kernels::reference {

void Conv2DS8(const Conv2DS8Args& args) {
  const uint32_t in_h = args.input_height, in_w = args.input_width, in_c = args.input_channels;
  for (uint32_t b = 0; b < args.batch; ++b) {
    const int8_t* input = args.input + b * in_h * in_w * in_c;
    int8_t* output = args.output + b * args.output_height * args.output_width * args.output_channels;
    for (uint32_t oy = 0; oy < args.output_height; ++oy) {
      for (uint32_t ox = 0; ox < args.output_width; ++ox) {
        for (uint32_t oc = 0; oc < args.output_channels; ++oc) {
          int32_t acc = args.bias != nullptr ? args.bias[oc] : 0;
          for (uint32_t ky = 0; ky < args.filter_height; ++ky) {
            const int64_t iy = static_cast<int64_t>(oy * args.stride_height) +
                               static_cast<int64_t>(ky * args.dilation_height) - args.pad_top;
            if (iy < 0 || iy >= static_cast<int64_t>(in_h)) continue;
            for (uint32_t kx = 0; kx < args.filter_width; ++kx) {
              const int64_t ix = static_cast<int64_t>(ox * args.stride_width) +
                                 static_cast<int64_t>(kx * args.dilation_width) - args.pad_left;
              if (ix < 0 || ix >= static_cast<int64_t>(in_w)) continue;
              const int8_t* in_px =
                  input + (static_cast<uint32_t>(iy) * in_w + static_cast<uint32_t>(ix)) * in_c;
              const int8_t* w_px =
                  args.weights + ((oc * args.filter_height + ky) * args.filter_width + kx) * in_c;
              for (uint32_t ic = 0; ic < in_c; ++ic) {
                acc += (static_cast<int32_t>(in_px[ic]) + args.input_offset) * w_px[ic];
              }
            }
          }
          int32_t value = MultiplyByQuantizedMultiplier(acc, args.requant.requant[2 * oc],
                                                        args.requant.requant[2 * oc + 1]);
          value += args.requant.output_offset;
          if (value < args.requant.activation_min) value = args.requant.activation_min;
          if (value > args.requant.activation_max) value = args.requant.activation_max;
          output[(oy * args.output_width + ox) * args.output_channels + oc] =
              static_cast<int8_t>(value);
        }
      }
    }
  }
}

}  // namespace tinyforge::kernels::reference
