// Optimized int8 fully connected for Cortex-M4: the input row is widened once (offset added) into
// a stack buffer, then three weight rows at a time stream through SMLAD, so each 4-byte weight
// word costs LDR + 2 SXTB16 + 2 SMLAD and each widened input pair is loaded once per 3 rows.
#include "kernels/optimized/cortex_m/int8_kernels_cortex_m.h"
#include "kernels/optimized/cortex_m/kernel_util.h"

namespace tinyforge::kernels::cortex_m {
namespace {

// One weight word (4 int8) against one widened input group (2 words).
inline int32_t Dot4(uint32_t weights, const uint32_t* x, int32_t acc) {
  acc = dsp::Smlad(dsp::Sxtb16(weights), x[0], acc);
  return dsp::Smlad(dsp::Sxtb16Ror8(weights), x[1], acc);
}

#if TINYFORGE_HAS_ARM_DSP
// Two weight rows against the widened input, 8 inputs per iteration: one LDM of four widened
// words (r8-r11) shared by both rows, and per row one LDRD of 8 weights + 4 SXTB16 + 4 SMLAD:
// 21 instructions per 16 MACs with the loop. Needs word-aligned rows (LDRD); `octets` >= 1.
inline void TwoRows(const int8_t*& w0, const int8_t*& w1, const uint32_t*& x, uint32_t octets,
                    int32_t& a0, int32_t& a1) {
  uint32_t lo;
  uint32_t hi;
  uint32_t t;
  __asm__ volatile(
      "1:\n"
      "ldmia %[xp]!, {r8, r9, r10, r11}\n"
      "ldrd %[lo], %[hi], [%[w0]], #8\n"
      "sxtb16 %[t], %[lo]\n"
      "sxtb16 %[lo], %[lo], ror #8\n"
      "smlad %[a0], %[t], r8, %[a0]\n"
      "smlad %[a0], %[lo], r9, %[a0]\n"
      "sxtb16 %[t], %[hi]\n"
      "sxtb16 %[hi], %[hi], ror #8\n"
      "smlad %[a0], %[t], r10, %[a0]\n"
      "smlad %[a0], %[hi], r11, %[a0]\n"
      "ldrd %[lo], %[hi], [%[w1]], #8\n"
      "sxtb16 %[t], %[lo]\n"
      "sxtb16 %[lo], %[lo], ror #8\n"
      "smlad %[a1], %[t], r8, %[a1]\n"
      "smlad %[a1], %[lo], r9, %[a1]\n"
      "sxtb16 %[t], %[hi]\n"
      "sxtb16 %[hi], %[hi], ror #8\n"
      "smlad %[a1], %[t], r10, %[a1]\n"
      "smlad %[a1], %[hi], r11, %[a1]\n"
      "subs %[n], %[n], #1\n"
      "bne 1b\n"
      : [a0] "+r"(a0), [a1] "+r"(a1), [w0] "+r"(w0), [w1] "+r"(w1), [xp] "+r"(x),
        [n] "+r"(octets), [lo] "=&r"(lo), [hi] "=&r"(hi), [t] "=&r"(t)
      :
      : "r8", "r9", "r10", "r11", "cc", "memory");
}
#endif

// output[o] for o in [0, output_depth) from an already widened input (groups + tail).
void RowsFromWidened(const FullyConnectedS8Args& args, const uint32_t* x, const int16_t* tail,
                     int8_t* output) {
  const uint32_t depth = args.input_depth;
  const uint32_t groups = depth / 4;
  const uint32_t rest = depth % 4;
  const int8_t* const weights = args.weights;
  const int32_t* const bias = args.bias;
  const RequantArgs requant = args.requant;
  const uint32_t output_depth = args.output_depth;
  uint32_t o = 0;
#if TINYFORGE_HAS_ARM_DSP
  const uint32_t octets = depth / 8;
  if (octets != 0 && ((reinterpret_cast<uintptr_t>(weights) | depth) & 3u) == 0) {
    for (; o + 2 <= output_depth; o += 2) {
      const int8_t* w0 = weights + o * depth;
      const int8_t* w1 = w0 + depth;
      int32_t a0 = bias != nullptr ? bias[o] : 0;
      int32_t a1 = bias != nullptr ? bias[o + 1] : 0;
      const uint32_t* xp = x;
      TwoRows(w0, w1, xp, octets, a0, a1);
      for (uint32_t g = 2 * octets; g < groups; ++g) {
        const uint32_t word0 = Load32(w0);
        const uint32_t word1 = Load32(w1);
        w0 += 4;
        w1 += 4;
        a0 = Dot4(word0, xp, a0);
        a1 = Dot4(word1, xp, a1);
        xp += 2;
      }
      for (uint32_t t = 0; t < rest; ++t) {
        a0 += tail[t] * w0[t];
        a1 += tail[t] * w1[t];
      }
      output[o] = ApplyRequant(a0, MakeChannelRequant(requant, o), requant.output_offset,
                               requant.activation_min, requant.activation_max);
      output[o + 1] = ApplyRequant(a1, MakeChannelRequant(requant, o + 1), requant.output_offset,
                                   requant.activation_min, requant.activation_max);
    }
  }
#endif
  for (; o + 3 <= output_depth; o += 3) {
    const int8_t* w0 = weights + o * depth;
    const int8_t* w1 = w0 + depth;
    const int8_t* w2 = w1 + depth;
    int32_t a0 = 0, a1 = 0, a2 = 0;
    if (bias != nullptr) {
      a0 = bias[o];
      a1 = bias[o + 1];
      a2 = bias[o + 2];
    }
    // One widened group per iteration: LDRD + 3 x (LDR + 2 SXTB16 + 2 SMLAD) + CMP/BNE.
    const uint32_t* xp = x;
    const uint32_t* const x_end = x + 2 * groups;
    while (xp != x_end) {
      a0 = Dot4(Load32(w0), xp, a0);
      a1 = Dot4(Load32(w1), xp, a1);
      a2 = Dot4(Load32(w2), xp, a2);
      w0 += 4;
      w1 += 4;
      w2 += 4;
      xp += 2;
    }
    for (uint32_t t = 0; t < rest; ++t) {
      a0 += tail[t] * w0[t];
      a1 += tail[t] * w1[t];
      a2 += tail[t] * w2[t];
    }
    output[o] = RequantizeChannel(a0, requant, o);
    output[o + 1] = RequantizeChannel(a1, requant, o + 1);
    output[o + 2] = RequantizeChannel(a2, requant, o + 2);
  }
  for (; o < output_depth; ++o) {
    const int8_t* w0 = weights + o * depth;
    int32_t a0 = bias != nullptr ? bias[o] : 0;
    const uint32_t* xp = x;
    for (uint32_t g = 0; g < groups; ++g) {
      a0 = Dot4(Load32(w0), xp, a0);
      w0 += 4;
      xp += 2;
    }
    for (uint32_t t = 0; t < rest; ++t) a0 += tail[t] * w0[t];
    output[o] = RequantizeChannel(a0, requant, o);
  }
}

// Inputs too deep for the stack buffer: widen each group on the fly, one row at a time.
void RowsOnTheFly(const FullyConnectedS8Args& args, const int8_t* input, int8_t* output) {
  const uint32_t depth = args.input_depth;
  const uint32_t offset_pair = dsp::Dup16(args.input_offset);
  for (uint32_t o = 0; o < args.output_depth; ++o) {
    const int8_t* w0 = args.weights + o * depth;
    const int8_t* in = input;
    int32_t a0 = args.bias != nullptr ? args.bias[o] : 0;
    for (uint32_t g = 0; g < depth / 4; ++g) {
      const uint32_t word = Load32(in);
      const uint32_t x[2] = {dsp::Sxtab16(offset_pair, word), dsp::Sxtab16Ror8(offset_pair, word)};
      a0 = Dot4(Load32(w0), x, a0);
      w0 += 4;
      in += 4;
    }
    for (uint32_t t = 0; t < depth % 4; ++t) a0 += (in[t] + args.input_offset) * w0[t];
    output[o] = RequantizeChannel(a0, args.requant, o);
  }
}

}  // namespace

void FullyConnectedS8(const FullyConnectedS8Args& args) {
  if (!InputOffsetSupported(args.input_offset)) {
    reference::FullyConnectedS8(args);
    return;
  }
  const uint32_t offset_pair = dsp::Dup16(args.input_offset);
  // Widened input: 2 words per group of four, then the (depth % 4) tail as int16.
  uint32_t widened[kFullyConnectedStackInputs / 2];
  int16_t tail[4];
  for (uint32_t b = 0; b < args.batch; ++b) {
    const int8_t* input = args.input + b * args.input_depth;
    int8_t* output = args.output + b * args.output_depth;
    if (args.input_depth > kFullyConnectedStackInputs) {
      RowsOnTheFly(args, input, output);
      continue;
    }
    WidenColumn(input, args.input_depth, offset_pair, widened, 2, tail, args.input_offset);
    RowsFromWidened(args, widened, tail, output);
  }
}

}  // namespace tinyforge::kernels::cortex_m
