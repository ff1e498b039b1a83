// Optimized int8 depthwise Conv2D for Cortex-M4 (depth multiplier 1). Channels go four at a time
// (one NHWC word). For each group of four, once per call: the group's input plane is copied into
// scratch as words with the padding filled with the input zero point, the group's weights are
// widened to 16 bits into scratch, and the input offset is folded into the bias (padded taps
// then contribute (zp + offset) * w = 0, so every output pixel runs the same full-window loop).
// Per tap: 1/3 LDM of the input word, 2 SXTB16, LDRD of the widened weights, 4 SMLAxy.
// The depth % 4 leftover channels and other depth multipliers run a scalar path / the reference.
//
// Scratch layout (words): padded plane [padded_h][padded_w] | widened weights [taps][2].
#include "kernels/optimized/cortex_m/int8_kernels_cortex_m.h"
#include "kernels/optimized/cortex_m/kernel_util.h"

namespace tinyforge::kernels::cortex_m {
namespace {

struct DwLayout {
  uint32_t padded_h, padded_w;
  uint32_t plane_words, weight_words;
  uint32_t Bytes() const { return 4 * (plane_words + weight_words); }
};

uint32_t PaddedExtent(uint32_t in, uint32_t out, uint32_t stride, uint32_t dilation,
                      uint32_t filter, uint32_t pad) {
  const uint32_t needed = out == 0 ? 0 : (out - 1) * stride + (filter - 1) * dilation + 1;
  return needed > pad + in ? needed : pad + in;
}

DwLayout Layout(const DepthwiseConv2DS8Args& args) {
  DwLayout l{};
  l.padded_h = PaddedExtent(args.input_height, args.output_height, args.stride_height,
                            args.dilation_height, args.filter_height, args.pad_top);
  l.padded_w = PaddedExtent(args.input_width, args.output_width, args.stride_width,
                            args.dilation_width, args.filter_width, args.pad_left);
  l.plane_words = l.padded_h * l.padded_w;
  l.weight_words = 2 * args.filter_height * args.filter_width;
  return l;
}

// acc[0..3] += the taps of one filter row: `count` input words `step` words apart (bytes = the
// four channels), widened weights `wide` (2 words per tap: channels (0,2) then (1,3)).
inline void Row(const uint32_t* in, uint32_t count, uint32_t step, const uint32_t* wide,
                int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3) {
  for (uint32_t k = 0; k < count; ++k) {
    const uint32_t x = in[k * step];
    const uint32_t x_even = dsp::Sxtb16(x);
    const uint32_t x_odd = dsp::Sxtb16Ror8(x);
    a0 = dsp::Smlabb(x_even, wide[0], a0);
    a2 = dsp::Smlatt(x_even, wide[0], a2);
    a1 = dsp::Smlabb(x_odd, wide[1], a1);
    a3 = dsp::Smlatt(x_odd, wide[1], a3);
    wide += 2;
  }
}

// One full output pixel of a group: acc = base + every tap.
inline void Pixel(const uint32_t* in, const uint32_t* wide, uint32_t filter_h, uint32_t filter_w,
                  uint32_t row_step, uint32_t col_step, int32_t& a0, int32_t& a1, int32_t& a2,
                  int32_t& a3) {
#if TINYFORGE_HAS_ARM_DSP
  if (filter_h == 3 && filter_w == 3 && col_step == 1) {
    // The whole 3x3 window in one block: one LDM for the three input words of a row (r8-r10),
    // one LDRD per tap for the widened weights; 22 instructions per row of 12 MACs.
    uint32_t xe;
    uint32_t we;
    uint32_t wo;
    const uint32_t row_bytes = 4 * row_step;
    __asm__ volatile(
          "ldmia %[ip], {r8, r9, r10}\n"
          "add %[ip], %[ip], %[row_bytes]\n"
          "ldrd %[we], %[wo], [%[wp]], #8\n"
          "sxtb16 %[xe], r8\n"
          "sxtb16 r8, r8, ror #8\n"
          "smlabb %[a0], %[xe], %[we], %[a0]\n"
          "smlatt %[a2], %[xe], %[we], %[a2]\n"
          "smlabb %[a1], r8, %[wo], %[a1]\n"
          "smlatt %[a3], r8, %[wo], %[a3]\n"
          "ldrd %[we], %[wo], [%[wp]], #8\n"
          "sxtb16 %[xe], r9\n"
          "sxtb16 r9, r9, ror #8\n"
          "smlabb %[a0], %[xe], %[we], %[a0]\n"
          "smlatt %[a2], %[xe], %[we], %[a2]\n"
          "smlabb %[a1], r9, %[wo], %[a1]\n"
          "smlatt %[a3], r9, %[wo], %[a3]\n"
          "ldrd %[we], %[wo], [%[wp]], #8\n"
          "sxtb16 %[xe], r10\n"
          "sxtb16 r10, r10, ror #8\n"
          "smlabb %[a0], %[xe], %[we], %[a0]\n"
          "smlatt %[a2], %[xe], %[we], %[a2]\n"
          "smlabb %[a1], r10, %[wo], %[a1]\n"
          "smlatt %[a3], r10, %[wo], %[a3]\n"
          "ldmia %[ip], {r8, r9, r10}\n"
          "add %[ip], %[ip], %[row_bytes]\n"
          "ldrd %[we], %[wo], [%[wp]], #8\n"
          "sxtb16 %[xe], r8\n"
          "sxtb16 r8, r8, ror #8\n"
          "smlabb %[a0], %[xe], %[we], %[a0]\n"
          "smlatt %[a2], %[xe], %[we], %[a2]\n"
          "smlabb %[a1], r8, %[wo], %[a1]\n"
          "smlatt %[a3], r8, %[wo], %[a3]\n"
          "ldrd %[we], %[wo], [%[wp]], #8\n"
          "sxtb16 %[xe], r9\n"
          "sxtb16 r9, r9, ror #8\n"
          "smlabb %[a0], %[xe], %[we], %[a0]\n"
          "smlatt %[a2], %[xe], %[we], %[a2]\n"
          "smlabb %[a1], r9, %[wo], %[a1]\n"
          "smlatt %[a3], r9, %[wo], %[a3]\n"
          "ldrd %[we], %[wo], [%[wp]], #8\n"
          "sxtb16 %[xe], r10\n"
          "sxtb16 r10, r10, ror #8\n"
          "smlabb %[a0], %[xe], %[we], %[a0]\n"
          "smlatt %[a2], %[xe], %[we], %[a2]\n"
          "smlabb %[a1], r10, %[wo], %[a1]\n"
          "smlatt %[a3], r10, %[wo], %[a3]\n"
          "ldmia %[ip], {r8, r9, r10}\n"
          "add %[ip], %[ip], %[row_bytes]\n"
          "ldrd %[we], %[wo], [%[wp]], #8\n"
          "sxtb16 %[xe], r8\n"
          "sxtb16 r8, r8, ror #8\n"
          "smlabb %[a0], %[xe], %[we], %[a0]\n"
          "smlatt %[a2], %[xe], %[we], %[a2]\n"
          "smlabb %[a1], r8, %[wo], %[a1]\n"
          "smlatt %[a3], r8, %[wo], %[a3]\n"
          "ldrd %[we], %[wo], [%[wp]], #8\n"
          "sxtb16 %[xe], r9\n"
          "sxtb16 r9, r9, ror #8\n"
          "smlabb %[a0], %[xe], %[we], %[a0]\n"
          "smlatt %[a2], %[xe], %[we], %[a2]\n"
          "smlabb %[a1], r9, %[wo], %[a1]\n"
          "smlatt %[a3], r9, %[wo], %[a3]\n"
          "ldrd %[we], %[wo], [%[wp]], #8\n"
          "sxtb16 %[xe], r10\n"
          "sxtb16 r10, r10, ror #8\n"
          "smlabb %[a0], %[xe], %[we], %[a0]\n"
          "smlatt %[a2], %[xe], %[we], %[a2]\n"
          "smlabb %[a1], r10, %[wo], %[a1]\n"
          "smlatt %[a3], r10, %[wo], %[a3]\n"
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [wp] "+r"(wide),
            [ip] "+r"(in), [xe] "=&r"(xe), [we] "=&r"(we), [wo] "=&r"(wo)
          : [row_bytes] "r"(row_bytes)
          : "r8", "r9", "r10", "memory");
    return;
  }
#endif
  for (uint32_t ky = 0; ky < filter_h; ++ky) {
    Row(in, filter_w, col_step, wide, a0, a1, a2, a3);
    in += row_step;
    wide += 2 * filter_w;
  }
}

// Output channel c over the whole output, scalar (the depth % 4 leftovers).
void ScalarChannel(const DepthwiseConv2DS8Args& args, const int8_t* input, int8_t* output,
                   uint32_t c) {
  const uint32_t channels = args.input_channels;
  for (uint32_t oy = 0; oy < args.output_height; ++oy) {
    for (uint32_t ox = 0; ox < args.output_width; ++ox) {
      int32_t acc = args.bias != nullptr ? args.bias[c] : 0;
      for (uint32_t ky = 0; ky < args.filter_height; ++ky) {
        const int32_t iy = static_cast<int32_t>(oy * args.stride_height + ky * args.dilation_height) -
                           static_cast<int32_t>(args.pad_top);
        if (iy < 0 || iy >= static_cast<int32_t>(args.input_height)) continue;
        for (uint32_t kx = 0; kx < args.filter_width; ++kx) {
          const int32_t ix = static_cast<int32_t>(ox * args.stride_width + kx * args.dilation_width) -
                             static_cast<int32_t>(args.pad_left);
          if (ix < 0 || ix >= static_cast<int32_t>(args.input_width)) continue;
          const int32_t x =
              input[(static_cast<uint32_t>(iy) * args.input_width + static_cast<uint32_t>(ix)) *
                        channels + c];
          acc += (x + args.input_offset) * args.weights[(ky * args.filter_width + kx) * channels + c];
        }
      }
      output[(oy * args.output_width + ox) * channels + c] = RequantizeChannel(acc, args.requant, c);
    }
  }
}

}  // namespace

uint32_t DepthwiseConv2DS8ScratchBytes(const DepthwiseConv2DS8Args& args) {
  if (args.depth_multiplier != 1 || args.input_channels < 4) return 0;
  return Layout(args).Bytes();
}

void DepthwiseConv2DS8(const DepthwiseConv2DS8Args& args) {
  const DwLayout layout = Layout(args);
  const uint32_t channels = args.input_channels;
  if (args.depth_multiplier != 1 || !InputOffsetSupported(args.input_offset) || channels < 4 ||
      args.scratch == nullptr || (reinterpret_cast<uintptr_t>(args.scratch) & 3u) != 0 ||
      args.scratch_bytes < layout.Bytes()) {
    reference::DepthwiseConv2DS8(args);
    return;
  }
  uint32_t* const plane = static_cast<uint32_t*>(args.scratch);
  uint32_t* const wide = plane + layout.plane_words;
  const uint32_t taps = args.filter_height * args.filter_width;
  const uint32_t zero_byte = static_cast<uint8_t>(static_cast<int8_t>(-args.input_offset));
  const uint32_t zero_word = zero_byte * 0x01010101u;
  const uint32_t row_step = args.dilation_height * layout.padded_w;
  const uint32_t col_step = args.dilation_width;
  const uint32_t pixel_row_step = args.stride_height * layout.padded_w;
  const uint32_t out_w = args.output_width;
  const uint32_t in_row_bytes = args.input_width * channels;
  const uint32_t out_h = args.output_height;
  const uint32_t filter_h = args.filter_height;
  const uint32_t filter_w = args.filter_width;
  const uint32_t stride_w = args.stride_width;
  const RequantArgs rq = args.requant;
  const bool clamp = rq.activation_min > -128 || rq.activation_max < 127;

  for (uint32_t b = 0; b < args.batch; ++b) {
    const int8_t* input = args.input + b * args.input_height * args.input_width * channels;
    int8_t* output = args.output + b * out_h * out_w * channels;
    uint32_t c = 0;
    for (; c + 4 <= channels; c += 4) {
      // Padded plane of this group.
      uint32_t* dst = plane;
      for (uint32_t py = 0; py < layout.padded_h; ++py) {
        const uint32_t iy = py - args.pad_top;  // wraps when above: then >= input_height
        uint32_t* const row_end = dst + layout.padded_w;
        if (iy < args.input_height) {
          uint32_t* const left_end = dst + args.pad_left;
          while (dst != left_end) *dst++ = zero_word;
          const int8_t* src = input + iy * in_row_bytes + c;
          uint32_t* const inside_end = dst + args.input_width;
          while (dst != inside_end) {
            *dst++ = Load32(src);
            src += channels;
          }
        }
        while (dst != row_end) *dst++ = zero_word;
      }
      // Widened weights, their sums, and the bias with the input offset folded in.
      int32_t sum[4] = {0, 0, 0, 0};
      for (uint32_t t = 0; t < taps; ++t) {
        const uint32_t word = Load32(args.weights + t * channels + c);
        wide[2 * t] = dsp::Sxtb16(word);
        wide[2 * t + 1] = dsp::Sxtb16Ror8(word);
        for (uint32_t j = 0; j < 4; ++j) sum[j] += static_cast<int8_t>(word >> (8 * j));
      }
      int32_t base[4];
      FastRequant fast[4];
      bool all_fast = true;
      for (uint32_t j = 0; j < 4; ++j) {
        const int32_t bias = args.bias != nullptr ? args.bias[c + j] : 0;
        base[j] = static_cast<int32_t>(static_cast<uint32_t>(bias) +
                                       static_cast<uint32_t>(sum[j] * args.input_offset));
        all_fast = MakeFastRequant(rq, c + j, &fast[j]) && all_fast;
      }
      int8_t* out = output + c;
      const int32_t b0 = base[0], b1 = base[1], b2 = base[2], b3 = base[3];
      for (uint32_t oy = 0; oy < out_h; ++oy) {
        const uint32_t* in = plane + oy * pixel_row_step;
        for (uint32_t ox = 0; ox < out_w; ++ox) {
          int32_t a0 = b0, a1 = b1, a2 = b2, a3 = b3;
          Pixel(in, wide, filter_h, filter_w, row_step, col_step, a0, a1, a2, a3);
          in += stride_w;
#if TINYFORGE_HAS_ARM_DSP
          if (all_fast && !clamp) {
            // Per channel: one LDM of (multiplier, add, shift), then QADD/SMMULR/ADD/ADD/ASR/SSAT
            // and the byte store (ApplyFastRequant, see kernel_util.h).
            const FastRequant* rq_ptr = fast;
            __asm__ volatile(
                "ldmia %[rq]!, {r8, r9, r10}\n"
                "qadd %[a0], %[a0], %[a0]\n"
                "smmulr %[a0], %[a0], r8\n"
                "add r9, r9, %[a0]\n"
                "add r9, r9, %[a0], asr #31\n"
                "asr r9, r9, r10\n"
                "ssat r9, #8, r9\n"
                "strb r9, [%[out], #0]\n"
                "ldmia %[rq]!, {r8, r9, r10}\n"
                "qadd %[a1], %[a1], %[a1]\n"
                "smmulr %[a1], %[a1], r8\n"
                "add r9, r9, %[a1]\n"
                "add r9, r9, %[a1], asr #31\n"
                "asr r9, r9, r10\n"
                "ssat r9, #8, r9\n"
                "strb r9, [%[out], #1]\n"
                "ldmia %[rq]!, {r8, r9, r10}\n"
                "qadd %[a2], %[a2], %[a2]\n"
                "smmulr %[a2], %[a2], r8\n"
                "add r9, r9, %[a2]\n"
                "add r9, r9, %[a2], asr #31\n"
                "asr r9, r9, r10\n"
                "ssat r9, #8, r9\n"
                "strb r9, [%[out], #2]\n"
                "ldmia %[rq]!, {r8, r9, r10}\n"
                "qadd %[a3], %[a3], %[a3]\n"
                "smmulr %[a3], %[a3], r8\n"
                "add r9, r9, %[a3]\n"
                "add r9, r9, %[a3], asr #31\n"
                "asr r9, r9, r10\n"
                "ssat r9, #8, r9\n"
                "strb r9, [%[out], #3]\n"
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [rq] "+r"(rq_ptr)
                : [out] "r"(out)
                : "r8", "r9", "r10", "cc", "memory");
            out += channels;
            continue;
          }
#endif
          if (all_fast) {
            a0 = ApplyFastRequant(a0, fast[0]);
            a1 = ApplyFastRequant(a1, fast[1]);
            a2 = ApplyFastRequant(a2, fast[2]);
            a3 = ApplyFastRequant(a3, fast[3]);
            if (clamp) {
              a0 = ClampActivation(a0, rq);
              a1 = ClampActivation(a1, rq);
              a2 = ClampActivation(a2, rq);
              a3 = ClampActivation(a3, rq);
            }
            out[0] = static_cast<int8_t>(a0);
            out[1] = static_cast<int8_t>(a1);
            out[2] = static_cast<int8_t>(a2);
            out[3] = static_cast<int8_t>(a3);
          } else {
            out[0] = RequantizeChannel(a0, rq, c);
            out[1] = RequantizeChannel(a1, rq, c + 1);
            out[2] = RequantizeChannel(a2, rq, c + 2);
            out[3] = RequantizeChannel(a3, rq, c + 3);
          }
          out += channels;
        }
      }
    }
    for (; c < channels; ++c) ScalarChannel(args, input, output, c);
  }
}

}  // namespace tinyforge::kernels::cortex_m
