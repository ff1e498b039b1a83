// Reference int8 depthwise 2-D convolution (NHWC, depth multiplier, explicit leading pads): the
// contract that kernels::cortex_m::DepthwiseConv2DS8 must match byte for byte. Output channel
// oc = ic * depth_multiplier + m reads input channel ic only.
#include "kernels/reference/int8_kernels.h"
#include "kernels/reference/quantization_math.h"

namespace tinyforge::kernels::reference {

void DepthwiseConv2DS8(const DepthwiseConv2DS8Args& args) {
  const uint32_t in_h = args.input_height, in_w = args.input_width, in_c = args.input_channels;
  const uint32_t out_c = args.output_channels;
  for (uint32_t b = 0; b < args.batch; ++b) {
    const int8_t* input = args.input + b * in_h * in_w * in_c;
    int8_t* output = args.output + b * args.output_height * args.output_width * out_c;
    for (uint32_t oy = 0; oy < args.output_height; ++oy) {
      for (uint32_t ox = 0; ox < args.output_width; ++ox) {
        for (uint32_t ic = 0; ic < in_c; ++ic) {
          for (uint32_t m = 0; m < args.depth_multiplier; ++m) {
            const uint32_t oc = ic * args.depth_multiplier + m;
            int32_t acc = args.bias != nullptr ? args.bias[oc] : 0;
            for (uint32_t ky = 0; ky < args.filter_height; ++ky) {
              const int64_t iy = static_cast<int64_t>(oy * args.stride_height) +
                                 static_cast<int64_t>(ky * args.dilation_height) - args.pad_top;
              if (iy < 0 || iy >= static_cast<int64_t>(in_h)) continue;
              for (uint32_t kx = 0; kx < args.filter_width; ++kx) {
                const int64_t ix = static_cast<int64_t>(ox * args.stride_width) +
                                   static_cast<int64_t>(kx * args.dilation_width) - args.pad_left;
                if (ix < 0 || ix >= static_cast<int64_t>(in_w)) continue;
                const int32_t in_value =
                    input[(static_cast<uint32_t>(iy) * in_w + static_cast<uint32_t>(ix)) * in_c + ic];
                const int32_t weight = args.weights[(ky * args.filter_width + kx) * out_c + oc];
                acc += (in_value + args.input_offset) * weight;
              }
            }
            int32_t value = MultiplyByQuantizedMultiplier(acc, args.requant.requant[2 * oc],
                                                          args.requant.requant[2 * oc + 1]);
            value += args.requant.output_offset;
            if (value < args.requant.activation_min) value = args.requant.activation_min;
            if (value > args.requant.activation_max) value = args.requant.activation_max;
            output[(oy * args.output_width + ox) * out_c + oc] = static_cast<int8_t>(value);
          }
        }
      }
    }
  }
}

}  // namespace tinyforge::kernels::reference
