// Optimized int8 depthwise Conv2D for Cortex-M4 (depth multiplier 1): NHWC keeps four channels
// in one word, so each tap loads 4 inputs and 4 weights, widens both with SXTAB16/SXTB16 (the
// input offset rides along for free) and does four 16x16 MACs (SMLABB/SMLATT). The valid tap
// range of each output pixel is computed once, so padding costs no per-tap test. Other depth
// multipliers run kernels::reference (bit-exact by definition; not yet optimized).
#include "kernels/optimized/cortex_m/int8_kernels_cortex_m.h"
#include "kernels/optimized/cortex_m/kernel_util.h"

namespace tinyforge::kernels::cortex_m {
namespace {

// [first, last) of the filter taps along one axis that land inside the input.
void ValidTaps(uint32_t out_pos, uint32_t stride, uint32_t dilation, uint32_t pad,
               uint32_t filter, uint32_t in_size, uint32_t* first, uint32_t* last) {
  const int32_t origin = static_cast<int32_t>(out_pos * stride) - static_cast<int32_t>(pad);
  uint32_t begin = 0;
  while (begin < filter && origin + static_cast<int32_t>(begin * dilation) < 0) ++begin;
  uint32_t end = filter;
  while (end > begin &&
         origin + static_cast<int32_t>((end - 1) * dilation) >= static_cast<int32_t>(in_size)) {
    --end;
  }
  *first = begin;
  *last = end;
}

}  // namespace

void DepthwiseConv2DS8(const DepthwiseConv2DS8Args& args) {
  if (args.depth_multiplier != 1 || !InputOffsetSupported(args.input_offset)) {
    reference::DepthwiseConv2DS8(args);
    return;
  }
  const uint32_t channels = args.input_channels;
  const uint32_t vector_channels = channels & ~3u;
  const uint32_t offset_pair = dsp::Dup16(args.input_offset);
  const uint32_t in_row_bytes = args.input_width * channels;
  const uint32_t tap_x_step = args.dilation_width * channels;
  const uint32_t tap_y_step = args.dilation_height * in_row_bytes;
  const uint32_t weight_row_bytes = args.filter_width * channels;
  // Locals, so the output stores cannot make the compiler reload them from args.
  const RequantArgs rq = args.requant;
  const int32_t output_offset = rq.output_offset;
  const int32_t activation_min = rq.activation_min;
  const int32_t activation_max = rq.activation_max;
  const int32_t* const bias = args.bias;
  const int8_t* const weights = args.weights;

  for (uint32_t b = 0; b < args.batch; ++b) {
    const int8_t* input = args.input + b * args.input_height * in_row_bytes;
    int8_t* out = args.output + b * args.output_height * args.output_width * channels;
    for (uint32_t oy = 0; oy < args.output_height; ++oy) {
      uint32_t ky0, ky1;
      ValidTaps(oy, args.stride_height, args.dilation_height, args.pad_top, args.filter_height,
                args.input_height, &ky0, &ky1);
      const uint32_t iy0 = oy * args.stride_height + ky0 * args.dilation_height - args.pad_top;
      for (uint32_t ox = 0; ox < args.output_width; ++ox) {
        uint32_t kx0, kx1;
        ValidTaps(ox, args.stride_width, args.dilation_width, args.pad_left, args.filter_width,
                  args.input_width, &kx0, &kx1);
        const uint32_t ix0 = ox * args.stride_width + kx0 * args.dilation_width - args.pad_left;
        const int8_t* in_origin = input + iy0 * in_row_bytes + ix0 * channels;
        const int8_t* w_origin = weights + ky0 * weight_row_bytes + kx0 * channels;
        uint32_t c = 0;
        for (; c < vector_channels; c += 4) {
          int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
          if (bias != nullptr) {
            a0 = bias[c];
            a1 = bias[c + 1];
            a2 = bias[c + 2];
            a3 = bias[c + 3];
          }
          const int8_t* in_row = in_origin + c;
          const int8_t* w_row = w_origin + c;
          for (uint32_t ky = ky0; ky < ky1; ++ky) {
            const int8_t* in_tap = in_row;
            const int8_t* w_tap = w_row;
            for (uint32_t kx = kx0; kx < kx1; ++kx) {
              const uint32_t x = Load32(in_tap);
              const uint32_t w = Load32(w_tap);
              in_tap += tap_x_step;
              w_tap += channels;
              const uint32_t x_even = dsp::Sxtab16(offset_pair, x);  // channels c, c+2
              const uint32_t x_odd = dsp::Sxtab16Ror8(offset_pair, x);  // channels c+1, c+3
              const uint32_t w_even = dsp::Sxtb16(w);
              const uint32_t w_odd = dsp::Sxtb16Ror8(w);
              a0 = dsp::Smlabb(x_even, w_even, a0);
              a2 = dsp::Smlatt(x_even, w_even, a2);
              a1 = dsp::Smlabb(x_odd, w_odd, a1);
              a3 = dsp::Smlatt(x_odd, w_odd, a3);
            }
            in_row += tap_y_step;
            w_row += weight_row_bytes;
          }
          out[c] = ApplyRequant(a0, MakeChannelRequant(rq, c), output_offset, activation_min,
                                activation_max);
          out[c + 1] = ApplyRequant(a1, MakeChannelRequant(rq, c + 1), output_offset,
                                    activation_min, activation_max);
          out[c + 2] = ApplyRequant(a2, MakeChannelRequant(rq, c + 2), output_offset,
                                    activation_min, activation_max);
          out[c + 3] = ApplyRequant(a3, MakeChannelRequant(rq, c + 3), output_offset,
                                    activation_min, activation_max);
        }
        for (; c < channels; ++c) {
          int32_t acc = args.bias != nullptr ? args.bias[c] : 0;
          const int8_t* in_row = in_origin + c;
          const int8_t* w_row = w_origin + c;
          for (uint32_t ky = ky0; ky < ky1; ++ky) {
            for (uint32_t kx = 0; kx < kx1 - kx0; ++kx) {
              acc += (in_row[kx * tap_x_step] + args.input_offset) * w_row[kx * channels];
            }
            in_row += tap_y_step;
            w_row += weight_row_bytes;
          }
          out[c] = RequantizeChannel(acc, rq, c);
        }
        out += channels;
      }
    }
  }
}

}  // namespace tinyforge::kernels::cortex_m
