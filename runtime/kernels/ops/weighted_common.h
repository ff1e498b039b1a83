// Shared Prepare/Eval plumbing of the ops with weights (FullyConnected, Conv1D, Conv2D,
// DepthwiseConv2D): the optional-input contract of slots 2.. and the choice between the reference
// and the optimized int8 kernels.
//
//   slot: 0 input | 1 weights | 2 bias? | 3 requant (int8: required; float: absent)
//         | 4 folded_bias? (int8 only, not Conv1D)
#ifndef TINYFORGE_KERNELS_OPS_WEIGHTED_COMMON_H_
#define TINYFORGE_KERNELS_OPS_WEIGHTED_COMMON_H_

#include <stdint.h>

#include "kernels/reference/int8_kernels.h"
#include "tinyforge/op_registry.h"
#include "tinyforge/status.h"

// The Cortex-M kernels also build on the host (C emulation of the DSP instructions), so their
// scratch sizes are known to the host planner whenever the header exists; Eval runs them only in
// builds with TINYFORGE_OPTIMIZED_KERNELS (the Cortex-M4 build).
#if defined(__has_include)
#if __has_include("kernels/optimized/cortex_m/int8_kernels_cortex_m.h")
#include "kernels/optimized/cortex_m/int8_kernels_cortex_m.h"
#define TINYFORGE_HAVE_CORTEX_M_KERNELS 1
#if defined(TINYFORGE_OPTIMIZED_KERNELS)
#define TINYFORGE_USE_CORTEX_M_KERNELS 1
#endif
#endif
#endif

namespace tinyforge::ops::internal {

inline constexpr uint32_t kBiasSlot = 2;
inline constexpr uint32_t kRequantSlot = 3;
inline constexpr uint32_t kFoldedBiasSlot = 4;

// Where weight (channel c, tap t) lives: weights[c * channel_stride + t * tap_stride], with
// `taps` weights per output channel (for depthwise: filter_h * filter_w).
struct WeightLayout {
  uint32_t channels;
  uint32_t taps;
  uint32_t channel_stride;
  uint32_t tap_stride;
  uint32_t quant_axis;  // the weights dimension that per-channel scales follow
};

// Validates slots 2.. and, for int8, the quantization of input, weights and output:
//   float32: bias float32 [channels] or absent; requant and folded_bias absent (kBadOpArity).
//   int8:    input/output per-tensor, weights symmetric per tensor/channel; bias int32 [channels]
//            or absent; requant present and equal to the derived multipliers; folded_bias absent
//            or constant and equal to bias + input_offset * sum(weights of the channel).
Status CheckWeightedExtras(const OpContext& context, const WeightLayout& layout,
                           bool allow_folded_bias);

// Which int8 kernel set an Eval uses.
enum class KernelSet : uint8_t { kReference, kOptimized };

inline const int32_t* OptionalInt32(const OpContext& context, uint32_t slot) {
  return slot < context.input_count ? static_cast<const int32_t*>(context.inputs[slot].data)
                                    : nullptr;
}
inline const float* OptionalFloat(const OpContext& context, uint32_t slot) {
  return slot < context.input_count ? static_cast<const float*>(context.inputs[slot].data)
                                    : nullptr;
}

// Requantization arguments of an int8 weighted op whose Prepare succeeded.
kernels::RequantArgs MakeRequantArgs(const OpContext& context, uint8_t activation);

// The kernel set is a template argument so that each registration links only its own kernels:
// k<Op>Reference never references kernels::cortex_m, and k<Op> calls kernels::reference only
// through the Cortex-M kernels' own fallbacks (shapes or scratch they do not handle).
template <KernelSet kSet>
inline void RunFullyConnectedS8(const kernels::FullyConnectedS8Args& args) {
#ifdef TINYFORGE_USE_CORTEX_M_KERNELS
  if constexpr (kSet == KernelSet::kOptimized) return kernels::cortex_m::FullyConnectedS8(args);
#endif
  kernels::reference::FullyConnectedS8(args);
}
template <KernelSet kSet>
inline void RunConv2DS8(const kernels::Conv2DS8Args& args) {
#ifdef TINYFORGE_USE_CORTEX_M_KERNELS
  if constexpr (kSet == KernelSet::kOptimized) return kernels::cortex_m::Conv2DS8(args);
#endif
  kernels::reference::Conv2DS8(args);
}
template <KernelSet kSet>
inline void RunDepthwiseConv2DS8(const kernels::DepthwiseConv2DS8Args& args) {
#ifdef TINYFORGE_USE_CORTEX_M_KERNELS
  if constexpr (kSet == KernelSet::kOptimized) return kernels::cortex_m::DepthwiseConv2DS8(args);
#endif
  kernels::reference::DepthwiseConv2DS8(args);
}

}  // namespace tinyforge::ops::internal

#endif  // TINYFORGE_KERNELS_OPS_WEIGHTED_COMMON_H_
