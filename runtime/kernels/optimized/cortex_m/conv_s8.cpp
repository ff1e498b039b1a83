// Optimized int8 Conv2D for Cortex-M4: im2col of four output pixels at a time into scratch,
// widened to 16 bits with the input offset added (padding becomes exact zeros), then a
// 1-channel x 4-pixel SMLAD GEMM: per weight word LDR + 2 SXTB16 is shared by four pixels, so a
// group of 16 MACs costs about 15 instructions. 1x1 convolutions widen straight from the input.
//
// Scratch layout (all words):
//   columns: [group g][pixel j][2 words]  = kPixels * groups * 2 words
//   tails:   [pixel j][4 int16]            = kPixels * 2 words   (depth % 4 leftovers)
//   patch:   int8[depth] rounded up to a word (gathered receptive field of one pixel)
#include "kernels/optimized/cortex_m/int8_kernels_cortex_m.h"
#include "kernels/optimized/cortex_m/kernel_util.h"

namespace tinyforge::kernels::cortex_m {
namespace {

constexpr uint32_t kPixels = 4;

struct ScratchLayout {
  uint32_t column_words;
  uint32_t tail_words;
  uint32_t patch_words;
  uint32_t Bytes() const { return 4 * (column_words + tail_words + patch_words); }
};

ScratchLayout Layout(const Conv2DS8Args& args) {
  const uint32_t depth = args.filter_height * args.filter_width * args.input_channels;
  const bool pointwise = args.filter_height == 1 && args.filter_width == 1 &&
                         args.pad_top == 0 && args.pad_left == 0;
  return ScratchLayout{kPixels * (depth / 4) * 2, kPixels * 2, pointwise ? 0 : (depth + 3) / 4};
}

// Gathers the receptive field of output pixel (oy, ox) into `patch` (int8, depth bytes), with
// padded positions set to the input zero point so that they widen to exactly 0.
void GatherPatch(const Conv2DS8Args& args, const int8_t* input, uint32_t oy, uint32_t ox,
                 int8_t* patch) {
  const int8_t zero_point = static_cast<int8_t>(-args.input_offset);
  const uint32_t channels = args.input_channels;
  for (uint32_t ky = 0; ky < args.filter_height; ++ky) {
    const int32_t iy = static_cast<int32_t>(oy * args.stride_height + ky * args.dilation_height) -
                       static_cast<int32_t>(args.pad_top);
    const bool row_inside = iy >= 0 && iy < static_cast<int32_t>(args.input_height);
    for (uint32_t kx = 0; kx < args.filter_width; ++kx) {
      const int32_t ix = static_cast<int32_t>(ox * args.stride_width + kx * args.dilation_width) -
                         static_cast<int32_t>(args.pad_left);
      if (row_inside && ix >= 0 && ix < static_cast<int32_t>(args.input_width)) {
        const int8_t* src =
            input + (static_cast<uint32_t>(iy) * args.input_width + static_cast<uint32_t>(ix)) *
                        channels;
        for (uint32_t c = 0; c < channels; ++c) patch[c] = src[c];
      } else {
        for (uint32_t c = 0; c < channels; ++c) patch[c] = zero_point;
      }
      patch += channels;
    }
  }
}

// acc[j] += dot(weights row, column j) for j < pixel_count (1..kPixels), columns interleaved as
// in the scratch layout.
//
// On the M4 the 4-pixel case runs two groups (8 depth) per iteration in assembly: per group one
// LDR of 4 weights + 2 SXTB16, two LDM of four widened words (pixels 0-1, then 2-3) and 8 SMLAD,
// so 32 MACs cost 28 instructions with the loop. GCC alone neither forms the LDMs nor keeps the
// loop this tight. r8-r11 hold the widened inputs.
void DotColumns(const int8_t* weights, const uint32_t* columns, const int16_t* tails,
                uint32_t depth, uint32_t pixel_count, int32_t* acc) {
  const uint32_t groups = depth / 4;
  const uint32_t rest = depth % 4;
  if (pixel_count == kPixels) {
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const uint32_t* x = columns;
    uint32_t g = 0;
#if TINYFORGE_HAS_ARM_DSP
    uint32_t pairs = groups / 2;
    if (pairs != 0) {
      uint32_t w_word;
      uint32_t w_even;
      __asm__ volatile(
          "1:\n"
          "ldr %[w], [%[wp]], #4\n"
          "ldmia %[xp]!, {r8, r9, r10, r11}\n"
          "sxtb16 %[we], %[w]\n"
          "sxtb16 %[w], %[w], ror #8\n"
          "smlad %[a0], %[we], r8, %[a0]\n"
          "smlad %[a0], %[w], r9, %[a0]\n"
          "smlad %[a1], %[we], r10, %[a1]\n"
          "smlad %[a1], %[w], r11, %[a1]\n"
          "ldmia %[xp]!, {r8, r9, r10, r11}\n"
          "smlad %[a2], %[we], r8, %[a2]\n"
          "smlad %[a2], %[w], r9, %[a2]\n"
          "smlad %[a3], %[we], r10, %[a3]\n"
          "smlad %[a3], %[w], r11, %[a3]\n"
          "ldr %[w], [%[wp]], #4\n"
          "ldmia %[xp]!, {r8, r9, r10, r11}\n"
          "sxtb16 %[we], %[w]\n"
          "sxtb16 %[w], %[w], ror #8\n"
          "smlad %[a0], %[we], r8, %[a0]\n"
          "smlad %[a0], %[w], r9, %[a0]\n"
          "smlad %[a1], %[we], r10, %[a1]\n"
          "smlad %[a1], %[w], r11, %[a1]\n"
          "ldmia %[xp]!, {r8, r9, r10, r11}\n"
          "smlad %[a2], %[we], r8, %[a2]\n"
          "smlad %[a2], %[w], r9, %[a2]\n"
          "smlad %[a3], %[we], r10, %[a3]\n"
          "smlad %[a3], %[w], r11, %[a3]\n"
          "subs %[n], %[n], #1\n"
          "bne 1b\n"
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [wp] "+r"(weights),
            [xp] "+r"(x), [n] "+r"(pairs), [w] "=&r"(w_word), [we] "=&r"(w_even)
          :
          : "r8", "r9", "r10", "r11", "cc", "memory");
      g = 2 * (groups / 2);
    }
#endif
    for (; g < groups; ++g) {
      const uint32_t word = Load32(weights);
      weights += 4;
      const uint32_t even = dsp::Sxtb16(word);
      const uint32_t odd = dsp::Sxtb16Ror8(word);
      a0 = dsp::Smlad(even, x[0], a0);
      a0 = dsp::Smlad(odd, x[1], a0);
      a1 = dsp::Smlad(even, x[2], a1);
      a1 = dsp::Smlad(odd, x[3], a1);
      a2 = dsp::Smlad(even, x[4], a2);
      a2 = dsp::Smlad(odd, x[5], a2);
      a3 = dsp::Smlad(even, x[6], a3);
      a3 = dsp::Smlad(odd, x[7], a3);
      x += 2 * kPixels;
    }
    for (uint32_t t = 0; t < rest; ++t) {
      const int32_t w = weights[t];
      a0 += tails[t] * w;
      a1 += tails[4 + t] * w;
      a2 += tails[8 + t] * w;
      a3 += tails[12 + t] * w;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    return;
  }
  for (uint32_t j = 0; j < pixel_count; ++j) {
    const int8_t* w = weights;
    const uint32_t* x = columns + 2 * j;
    int32_t a = acc[j];
    for (uint32_t g = 0; g < groups; ++g) {
      const uint32_t word = Load32(w);
      w += 4;
      a = dsp::Smlad(dsp::Sxtb16(word), x[0], a);
      a = dsp::Smlad(dsp::Sxtb16Ror8(word), x[1], a);
      x += 2 * kPixels;
    }
    for (uint32_t t = 0; t < rest; ++t) a += tails[4 * j + t] * w[t];
    acc[j] = a;
  }
}

}  // namespace

uint32_t Conv2DS8ScratchBytes(const Conv2DS8Args& args) { return Layout(args).Bytes(); }

void Conv2DS8(const Conv2DS8Args& args) {
  const ScratchLayout layout = Layout(args);
  if (!InputOffsetSupported(args.input_offset) || args.scratch == nullptr ||
      (reinterpret_cast<uintptr_t>(args.scratch) & 3u) != 0 ||
      args.scratch_bytes < layout.Bytes()) {
    reference::Conv2DS8(args);
    return;
  }
  uint32_t* columns = static_cast<uint32_t*>(args.scratch);
  int16_t* tails = reinterpret_cast<int16_t*>(columns + layout.column_words);
  int8_t* patch = reinterpret_cast<int8_t*>(columns + layout.column_words + layout.tail_words);
  const bool pointwise = layout.patch_words == 0;
  const uint32_t depth = args.filter_height * args.filter_width * args.input_channels;
  const uint32_t offset_pair = dsp::Dup16(args.input_offset);
  const uint32_t pixels = args.output_height * args.output_width;
  const uint32_t out_channels = args.output_channels;
  // Locals, so the output stores cannot make the compiler reload them from args.
  const int8_t* const weights = args.weights;
  const int32_t* const bias_values = args.bias;
  const RequantArgs requant = args.requant;
  const int32_t output_offset = requant.output_offset;
  const int32_t activation_min = requant.activation_min;
  const int32_t activation_max = requant.activation_max;
  // Decided once per call: every channel on the fast requantizer, and whether the activation
  // bounds are narrower than int8 (otherwise SSAT alone clamps).
  bool all_fast = true;
  for (uint32_t oc = 0; oc < out_channels && all_fast; ++oc) {
    all_fast = MakeChannelRequant(requant, oc).fast;
  }
  const bool clamp = activation_min > -128 || activation_max < 127;

  for (uint32_t b = 0; b < args.batch; ++b) {
    const int8_t* input =
        args.input + b * args.input_height * args.input_width * args.input_channels;
    int8_t* output = args.output + b * pixels * out_channels;
    uint32_t oy = 0, ox = 0;  // position of the first pixel of the block
    for (uint32_t first = 0; first < pixels; first += kPixels) {
      const uint32_t count = pixels - first < kPixels ? pixels - first : kPixels;
      // im2col + widen the block's pixels.
      uint32_t py = oy, px = ox;
      for (uint32_t j = 0; j < count; ++j) {
        const int8_t* source;
        if (pointwise) {
          source = input + (py * args.stride_height * args.input_width + px * args.stride_width) *
                               args.input_channels;
        } else {
          GatherPatch(args, input, py, px, patch);
          source = patch;
        }
        WidenColumn(source, depth, offset_pair, columns + 2 * j, 2 * kPixels, tails + 4 * j,
                    args.input_offset);
        if (++px == args.output_width) {
          px = 0;
          ++py;
        }
      }
      oy = py;
      ox = px;
      int8_t* out = output + first * out_channels;
      for (uint32_t oc = 0; oc < out_channels; ++oc) {
        const int32_t bias = bias_values != nullptr ? bias_values[oc] : 0;
        int32_t acc[kPixels] = {bias, bias, bias, bias};
        DotColumns(weights + oc * depth, columns, tails, depth, count, acc);
        if (all_fast && count == kPixels) {
          FastRequant fast;
          (void)MakeFastRequant(requant, oc, &fast);
          int32_t v0 = ApplyFastRequant(acc[0], fast);
          int32_t v1 = ApplyFastRequant(acc[1], fast);
          int32_t v2 = ApplyFastRequant(acc[2], fast);
          int32_t v3 = ApplyFastRequant(acc[3], fast);
          if (clamp) {
            v0 = ClampActivation(v0, requant);
            v1 = ClampActivation(v1, requant);
            v2 = ClampActivation(v2, requant);
            v3 = ClampActivation(v3, requant);
          }
          out[oc] = static_cast<int8_t>(v0);
          out[out_channels + oc] = static_cast<int8_t>(v1);
          out[2 * out_channels + oc] = static_cast<int8_t>(v2);
          out[3 * out_channels + oc] = static_cast<int8_t>(v3);
          continue;
        }
        const ChannelRequant rq = MakeChannelRequant(requant, oc);
        for (uint32_t j = 0; j < count; ++j) {
          out[j * out_channels + oc] = ApplyRequant(acc[j], rq, output_offset, activation_min,
                                                    activation_max);
        }
      }
    }
  }
}

}  // namespace tinyforge::kernels::cortex_m
