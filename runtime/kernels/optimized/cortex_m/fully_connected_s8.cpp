// Optimized int8 fully connected for Cortex-M4: the input row is widened once (offset added) into
// a stack buffer, then two weight rows at a time stream through an SMLAD assembly loop unrolled to
// 64 inputs (19 instructions per 16 MACs + SUBS/BNE per 128 MACs), and each output takes the fast
// requantizer (zero point folded into the rounding term) when its channel allows it.
#include "kernels/optimized/cortex_m/int8_kernels_cortex_m.h"
#include "kernels/optimized/cortex_m/kernel_util.h"

namespace tinyforge::kernels::cortex_m {
namespace {

// One weight word (4 int8) against one widened input group (2 words).
inline int32_t Dot4(uint32_t weights, const uint32_t* x, int32_t acc) {
  acc = dsp::Smlad(dsp::Sxtb16(weights), x[0], acc);
  return dsp::Smlad(dsp::Sxtb16Ror8(weights), x[1], acc);
}

// Per-call constants of the output stage (see OutputS8).
struct OutputStage {
  const int32_t* requant;    // [channels][2] = (multiplier, shift)
  uint32_t zero_point_term;  // 2 * output_offset + 1, as bits: half + zp * 2^e == term << (e - 1)
  int32_t output_offset;
  int32_t activation_min;
  int32_t activation_max;
};

OutputStage MakeOutputStage(const RequantArgs& requant) {
  OutputStage stage{};
  stage.requant = requant.requant;
  stage.zero_point_term = static_cast<uint32_t>(2 * requant.output_offset + 1);
  stage.output_offset = requant.output_offset;
  stage.activation_min = requant.activation_min;
  stage.activation_max = requant.activation_max;
  return stage;
}

// Out of line so that the rare general form does not cost the fast one registers.
[[gnu::noinline]] int8_t OutputGeneral(int32_t acc, int32_t multiplier, int32_t shift,
                                       const OutputStage& stage) {
  return static_cast<int8_t>(Requantize(acc, multiplier, shift, stage.output_offset,
                                        stage.activation_min, stage.activation_max));
}

// One output: the fast requantizer (kernel_util.h, FastRequant: SMMULR/QADD, the zero point folded
// into the rounding term, SSAT) decided per channel from its two requant words with three
// compares, so no per-call table is needed; other channels take the exact general Requantize.
// Activation bounds narrower than int8 are not applied here (ClampOutputs does, once per call).
inline int8_t OutputS8(int32_t acc, const OutputStage& stage, uint32_t channel) {
  const int32_t multiplier = stage.requant[2 * channel];
  const int32_t shift = stage.requant[2 * channel + 1];
  if (__builtin_expect(
          multiplier >= (int32_t{1} << 30) && static_cast<uint32_t>(shift + 20) < 20u, 1)) {
    // shift in [-20, -1]: e = -shift, and ~shift = e - 1.
    const int32_t high = dsp::Smmulr(dsp::Qadd(acc, acc), multiplier);
    const int32_t add = static_cast<int32_t>(stage.zero_point_term << static_cast<uint32_t>(~shift));
    return static_cast<int8_t>(dsp::Ssat8((high + add + (high >> 31)) >> (-shift)));
  }
  return OutputGeneral(acc, multiplier, shift, stage);
}

// The activation bounds when they are narrower than int8 (ReLU6, or ReLU with a zero point above
// -128), after OutputS8: clamping the SSAT result equals the reference's clamp of the unsaturated
// value since the bounds lie inside int8, and it is a no-op on OutputGeneral's already clamped
// values. One pass per call keeps the per-output code free of it.
void ClampOutputs(const RequantArgs& requant, int8_t* output, uint32_t count) {
  if (requant.activation_min <= -128 && requant.activation_max >= 127) return;
  for (uint32_t i = 0; i < count; ++i) {
    output[i] = static_cast<int8_t>(ClampActivation(output[i], requant));
  }
}

#if TINYFORGE_HAS_ARM_DSP
// One octet (8 inputs) of two weight rows: one LDM of four widened input words (r8-r11) shared by
// both rows, and per row one LDRD of 8 weights + 4 SXTB16 + 4 SMLAD (19 instructions, 16 MACs).
#define TINYFORGE_FC_TWO_ROWS_OCTET            \
  "ldmia %[xp]!, {r8, r9, r10, r11}\n"         \
  "ldrd %[lo], %[hi], [%[w0]], #8\n"           \
  "sxtb16 %[t], %[lo]\n"                       \
  "sxtb16 %[lo], %[lo], ror #8\n"              \
  "smlad %[a0], %[t], r8, %[a0]\n"             \
  "smlad %[a0], %[lo], r9, %[a0]\n"            \
  "sxtb16 %[t], %[hi]\n"                       \
  "sxtb16 %[hi], %[hi], ror #8\n"              \
  "smlad %[a0], %[t], r10, %[a0]\n"            \
  "smlad %[a0], %[hi], r11, %[a0]\n"           \
  "ldrd %[lo], %[hi], [%[w1]], #8\n"           \
  "sxtb16 %[t], %[lo]\n"                       \
  "sxtb16 %[lo], %[lo], ror #8\n"              \
  "smlad %[a1], %[t], r8, %[a1]\n"             \
  "smlad %[a1], %[lo], r9, %[a1]\n"            \
  "sxtb16 %[t], %[hi]\n"                       \
  "sxtb16 %[hi], %[hi], ror #8\n"              \
  "smlad %[a1], %[t], r10, %[a1]\n"            \
  "smlad %[a1], %[hi], r11, %[a1]\n"

// Two weight rows against the widened input, `count` loop iterations of `kOctets` octets each
// (the loop's SUBS/BNE is paid once per kOctets * 16 MACs; the 8-octet body is 608 bytes of
// code). Needs word-aligned rows (LDRD); `count` >= 1.
template <int kOctets>
[[gnu::always_inline]] inline void TwoRows(const int8_t*& w0, const int8_t*& w1, const uint32_t*& x, uint32_t count,
                    int32_t& a0, int32_t& a1) {
  static_assert(kOctets == 1 || kOctets == 8, "octets per iteration");
  uint32_t lo;
  uint32_t hi;
  uint32_t t;
  if constexpr (kOctets == 1) {
    __asm__ volatile("1:\n" TINYFORGE_FC_TWO_ROWS_OCTET
                     "subs %[n], %[n], #1\n"
                     "bne 1b\n"
                     : [a0] "+r"(a0), [a1] "+r"(a1), [w0] "+r"(w0), [w1] "+r"(w1), [xp] "+r"(x),
                       [n] "+r"(count), [lo] "=&r"(lo), [hi] "=&r"(hi), [t] "=&r"(t)
                     :
                     : "r8", "r9", "r10", "r11", "cc", "memory");
  } else {
    __asm__ volatile("1:\n" TINYFORGE_FC_TWO_ROWS_OCTET TINYFORGE_FC_TWO_ROWS_OCTET
                         TINYFORGE_FC_TWO_ROWS_OCTET TINYFORGE_FC_TWO_ROWS_OCTET
                             TINYFORGE_FC_TWO_ROWS_OCTET TINYFORGE_FC_TWO_ROWS_OCTET
                                 TINYFORGE_FC_TWO_ROWS_OCTET TINYFORGE_FC_TWO_ROWS_OCTET
                     "subs %[n], %[n], #1\n"
                     "bne 1b\n"
                     : [a0] "+r"(a0), [a1] "+r"(a1), [w0] "+r"(w0), [w1] "+r"(w1), [xp] "+r"(x),
                       [n] "+r"(count), [lo] "=&r"(lo), [hi] "=&r"(hi), [t] "=&r"(t)
                     :
                     : "r8", "r9", "r10", "r11", "cc", "memory");
  }
}
#undef TINYFORGE_FC_TWO_ROWS_OCTET
#endif

// output[o] for o in [0, output_depth) from an already widened input (groups + tail).
void RowsFromWidened(const FullyConnectedS8Args& args, const uint32_t* x, const int16_t* tail,
                     int8_t* output) {
  const uint32_t depth = args.input_depth;
  const uint32_t groups = depth / 4;
  const uint32_t rest = depth % 4;
  const int8_t* const weights = args.weights;
  const int32_t* const bias = args.bias;
  const OutputStage stage = MakeOutputStage(args.requant);
  const uint32_t output_depth = args.output_depth;
  uint32_t o = 0;
#if TINYFORGE_HAS_ARM_DSP
  const uint32_t octets = depth / 8;
  if (octets != 0 && ((reinterpret_cast<uintptr_t>(weights) | depth) & 3u) == 0) {
    // Rows are consecutive: after a pair, w1 has walked to the start of the next pair.
    const int8_t* w1 = weights;
    const uint32_t single_octets = octets % 8;
    const uint32_t eight_octets = octets / 8;
    const uint32_t* const x_groups_end = x + 2 * groups;
    for (; o + 2 <= output_depth; o += 2) {
      const int8_t* w0 = w1;
      w1 = w0 + depth;
      int32_t a0 = 0;
      int32_t a1 = 0;
      if (bias != nullptr) {
        a0 = bias[o];
        a1 = bias[o + 1];
      }
      const uint32_t* xp = x;
      if (single_octets != 0) TwoRows<1>(w0, w1, xp, single_octets, a0, a1);
      if (eight_octets != 0) TwoRows<8>(w0, w1, xp, eight_octets, a0, a1);
      for (; xp != x_groups_end; xp += 2) {  // a leftover group of four (groups is odd)
        a0 = Dot4(Load32(w0), xp, a0);
        a1 = Dot4(Load32(w1), xp, a1);
        w0 += 4;
        w1 += 4;
      }
      for (uint32_t t = 0; t < rest; ++t) {
        a0 += tail[t] * w0[t];
        a1 += tail[t] * w1[t];
      }
      w1 += rest;
      output[o] = OutputS8(a0, stage, o);
      output[o + 1] = OutputS8(a1, stage, o + 1);
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
    output[o] = OutputS8(a0, stage, o);
    output[o + 1] = OutputS8(a1, stage, o + 1);
    output[o + 2] = OutputS8(a2, stage, o + 2);
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
    output[o] = OutputS8(a0, stage, o);
  }
}

// Inputs too deep for the stack buffer: widen each group on the fly, one row at a time.
void RowsOnTheFly(const FullyConnectedS8Args& args, const int8_t* input, int8_t* output) {
  const uint32_t depth = args.input_depth;
  const uint32_t offset_pair = dsp::Dup16(args.input_offset);
  const OutputStage stage = MakeOutputStage(args.requant);
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
    output[o] = OutputS8(a0, stage, o);
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
    } else {
      WidenColumn(input, args.input_depth, offset_pair, widened, 2, tail, args.input_offset);
      RowsFromWidened(args, widened, tail, output);
    }
    ClampOutputs(args.requant, output, args.output_depth);
  }
}

}  // namespace tinyforge::kernels::cortex_m
