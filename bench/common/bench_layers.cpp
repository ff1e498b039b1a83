// Runs a benchmark layer chain through the reference or the optimized int8 kernels (see
// bench_layers.h for the arena plan). Freestanding: builds for the host and the Cortex-M4.
#include "bench/common/bench_layers.h"

#include "kernels/optimized/cortex_m/int8_kernels_cortex_m.h"
#include "core/math.h"
#include "kernels/reference/int8_kernels.h"
#include "kernels/reference/quantization_math.h"

namespace tinyforge::bench {
namespace {

using kernels::Conv2DS8Args;
using kernels::DepthwiseConv2DS8Args;
using kernels::FullyConnectedS8Args;
using kernels::RequantArgs;

// A device image builds with TINYFORGE_BENCH_OPTIMIZED fixed, so only one kernel set is linked
// (and counted in its flash figure); the host build keeps both.
constexpr bool UseOptimized(Kernels kernels) {
#if defined(TINYFORGE_BENCH_OPTIMIZED)
  (void)kernels;
  return TINYFORGE_BENCH_OPTIMIZED != 0;
#else
  return kernels == Kernels::kOptimized;
#endif
}

constexpr uint32_t Align16(uint32_t bytes) { return (bytes + 15u) & ~15u; }

uint32_t InputBytes(const BenchLayer& layer) { return layer.in_h * layer.in_w * layer.in_c; }

RequantArgs Requant(const BenchLayer& layer) {
  return RequantArgs{layer.requant, layer.output_zero_point, layer.activation_min,
                     layer.activation_max};
}

Conv2DS8Args ConvArgs(const BenchLayer& layer, const int8_t* input, int8_t* output) {
  Conv2DS8Args args{};
  args.input = input;
  args.weights = layer.weights;
  args.bias = layer.bias;
  args.output = output;
  args.batch = 1;
  args.input_height = layer.in_h;
  args.input_width = layer.in_w;
  args.input_channels = layer.in_c;
  args.filter_height = layer.filter_h;
  args.filter_width = layer.filter_w;
  args.output_height = layer.out_h;
  args.output_width = layer.out_w;
  args.output_channels = layer.out_c;
  args.stride_height = layer.stride;
  args.stride_width = layer.stride;
  args.dilation_height = 1;
  args.dilation_width = 1;
  args.pad_top = layer.pad_top;
  args.pad_left = layer.pad_left;
  args.input_offset = layer.input_offset;
  args.requant = Requant(layer);
  return args;
}

uint32_t ScratchBytes(const BenchLayer& layer, Kernels kernels) {
  if (!UseOptimized(kernels) || layer.kind != LayerKind::kConv2D) return 0;
  return kernels::cortex_m::Conv2DS8ScratchBytes(ConvArgs(layer, nullptr, nullptr));
}

// The two small tail ops of KWS, written here because the reference pooling/activation sources
// do not build for the Cortex-M4 yet (int32_t is long there). Same semantics as TFLite int8:
// mean of (q - zero point) requantized; softmax of (q * 1/16) to scale 1/256, zero point -128.
void GlobalAveragePool(const BenchLayer& layer, const int8_t* input, int8_t* output) {
  const uint32_t spatial = layer.in_h * layer.in_w;
  for (uint32_t c = 0; c < layer.in_c; ++c) {
    int32_t sum = 0;
    for (uint32_t s = 0; s < spatial; ++s) sum += input[s * layer.in_c + c] + layer.input_offset;
    int32_t value = kernels::MultiplyByQuantizedMultiplier(sum, layer.param_a, layer.param_b) +
                    layer.output_zero_point;
    value = value < -128 ? -128 : (value > 127 ? 127 : value);
    output[c] = static_cast<int8_t>(value);
  }
}

void Softmax(const BenchLayer& layer, const int8_t* input, int8_t* output) {
  int32_t max_q = -128;
  for (uint32_t i = 0; i < layer.in_c; ++i) max_q = input[i] > max_q ? input[i] : max_q;
  float sum = 0.0f;
  float exps[16];
  for (uint32_t i = 0; i < layer.in_c && i < 16; ++i) {
    exps[i] = math::Exp(static_cast<float>(input[i] - max_q) * 0.0625f);
    sum += exps[i];
  }
  for (uint32_t i = 0; i < layer.in_c && i < 16; ++i) {
    int32_t q = math::RoundToInt32(exps[i] / sum * 256.0f) - 128;
    q = q > 127 ? 127 : q;
    output[i] = static_cast<int8_t>(q);
  }
}

void RunLayer(const BenchLayer& layer, Kernels kernels, const int8_t* input, int8_t* output,
              void* scratch, uint32_t scratch_bytes) {
  switch (layer.kind) {
    case LayerKind::kFullyConnected: {
      FullyConnectedS8Args args{};
      args.input = input;
      args.weights = layer.weights;
      args.bias = layer.bias;
      args.output = output;
      args.batch = 1;
      args.input_depth = layer.in_c;
      args.output_depth = layer.out_c;
      args.input_offset = layer.input_offset;
      args.requant = Requant(layer);
      if (UseOptimized(kernels)) {
        kernels::cortex_m::FullyConnectedS8(args);
      } else {
        kernels::reference::FullyConnectedS8(args);
      }
      return;
    }
    case LayerKind::kConv2D: {
      Conv2DS8Args args = ConvArgs(layer, input, output);
      args.scratch = scratch;
      args.scratch_bytes = scratch_bytes;
      if (UseOptimized(kernels)) {
        kernels::cortex_m::Conv2DS8(args);
      } else {
        kernels::reference::Conv2DS8(args);
      }
      return;
    }
    case LayerKind::kDepthwiseConv2D: {
      const Conv2DS8Args conv = ConvArgs(layer, input, output);
      DepthwiseConv2DS8Args args{};
      args.input = input;
      args.weights = layer.weights;
      args.bias = layer.bias;
      args.output = output;
      args.batch = 1;
      args.input_height = conv.input_height;
      args.input_width = conv.input_width;
      args.input_channels = conv.input_channels;
      args.filter_height = conv.filter_height;
      args.filter_width = conv.filter_width;
      args.output_height = conv.output_height;
      args.output_width = conv.output_width;
      args.output_channels = conv.output_channels;
      args.depth_multiplier = 1;
      args.stride_height = conv.stride_height;
      args.stride_width = conv.stride_width;
      args.dilation_height = 1;
      args.dilation_width = 1;
      args.pad_top = conv.pad_top;
      args.pad_left = conv.pad_left;
      args.input_offset = conv.input_offset;
      args.requant = conv.requant;
      if (UseOptimized(kernels)) {
        kernels::cortex_m::DepthwiseConv2DS8(args);
      } else {
        kernels::reference::DepthwiseConv2DS8(args);
      }
      return;
    }
    case LayerKind::kGlobalAveragePool:
      GlobalAveragePool(layer, input, output);
      return;
    case LayerKind::kSoftmax:
      Softmax(layer, input, output);
      return;
  }
}

}  // namespace

uint32_t ChainArenaBytes(const BenchLayer* layers, uint32_t layer_count, Kernels kernels) {
  uint32_t need = 0;
  for (uint32_t i = 0; i < layer_count; ++i) {
    const uint32_t bytes = Align16(InputBytes(layers[i])) +
                           Align16(ScratchBytes(layers[i], kernels)) +
                           Align16(OutputBytes(layers[i]));
    if (bytes > need) need = bytes;
  }
  return need;
}

void LoadChainInput(const BenchLayer* layers, const int8_t* input, uint8_t* arena) {
  const uint32_t bytes = InputBytes(layers[0]);
  for (uint32_t i = 0; i < bytes; ++i) arena[i] = static_cast<uint8_t>(input[i]);
}

const int8_t* RunChain(const BenchLayer* layers, uint32_t layer_count, Kernels kernels,
                       uint8_t* arena, uint32_t arena_bytes) {
  int8_t* base = reinterpret_cast<int8_t*>(arena);
  bool input_at_start = true;
  const int8_t* current = base;
  for (uint32_t i = 0; i < layer_count; ++i) {
    const BenchLayer& layer = layers[i];
    const uint32_t out_bytes = OutputBytes(layer);
    int8_t* output;
    void* scratch;
    if (input_at_start) {
      output = base + arena_bytes - Align16(out_bytes);
      scratch = base + Align16(InputBytes(layer));
    } else {
      output = base;
      scratch = base + Align16(out_bytes);
    }
    RunLayer(layer, kernels, current, output, scratch, ScratchBytes(layer, kernels));
    current = output;
    input_at_start = !input_at_start;
  }
  return current;
}

}  // namespace tinyforge::bench
