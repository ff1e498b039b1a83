// Optimized int8 kernels for Cortex-M4 (DSP extension): same names and argument structs as
// kernels::reference, bit-identical outputs. The same source builds on the host through the C
// emulation in dsp_intrinsics.h, so the host sweep test checks exactly the code the M4 runs.
//
// Preconditions (the op adapters' Prepare checks them; otherwise the kernels quietly fall back to
// kernels::reference, still bit-exact): input_offset in [-127, 128] (an int8 zero point), and for
// Conv2DS8 args.scratch 4-byte aligned with args.scratch_bytes >= Conv2DS8ScratchBytes(args).
// folded_bias is accepted but not needed: the offset is added while the input is widened to
// 16 bits (SXTAB16, the same one instruction as a plain SXTB16), which also makes padding exact.
#ifndef TINYFORGE_KERNELS_OPTIMIZED_CORTEX_M_INT8_KERNELS_CORTEX_M_H_
#define TINYFORGE_KERNELS_OPTIMIZED_CORTEX_M_INT8_KERNELS_CORTEX_M_H_

#include <stdint.h>

#include "kernels/reference/int8_kernels.h"

namespace tinyforge::kernels::cortex_m {

// Uses a stack buffer of 2 * min(input_depth, kFullyConnectedStackInputs) bytes; no scratch.
inline constexpr uint32_t kFullyConnectedStackInputs = 1024;
void FullyConnectedS8(const FullyConnectedS8Args& args);
inline uint32_t FullyConnectedS8ScratchBytes(const FullyConnectedS8Args&) { return 0; }

// Scratch: widened im2col columns for a block of output pixels plus one int8 patch.
void Conv2DS8(const Conv2DS8Args& args);
uint32_t Conv2DS8ScratchBytes(const Conv2DS8Args& args);

// Scratch (depth multiplier 1, >= 4 channels): one channel group's zero-point-padded input plane
// as words plus its widened weights; 0 otherwise (the kernel then runs kernels::reference).
void DepthwiseConv2DS8(const DepthwiseConv2DS8Args& args);
uint32_t DepthwiseConv2DS8ScratchBytes(const DepthwiseConv2DS8Args& args);

}  // namespace tinyforge::kernels::cortex_m

#endif  // TINYFORGE_KERNELS_OPTIMIZED_CORTEX_M_INT8_KERNELS_CORTEX_M_H_
