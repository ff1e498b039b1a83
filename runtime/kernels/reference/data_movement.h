// Reference kernels that move or convert data without arithmetic on it: Reshape (a copy),
// Concat, Quantize (float32 -> int8) and Dequantize (int8 -> float32).
#ifndef TINYFORGE_KERNELS_REFERENCE_DATA_MOVEMENT_H_
#define TINYFORGE_KERNELS_REFERENCE_DATA_MOVEMENT_H_

#include <stdint.h>

namespace tinyforge::kernels::reference {

// Copies `bytes` bytes; nothing to do when source == destination (a Reshape whose output aliases
// its input). Partially overlapping ranges are not supported (the planner never makes them).
void CopyBytes(const void* source, void* destination, uint32_t bytes);

// Concatenation along one axis, viewed as `outer` blocks: for each block o, input k contributes
// input_block_bytes[k] contiguous bytes (its axis extent times the inner size times the element
// size) taken from inputs[k] + o * input_block_bytes[k].
void Concat(const uint8_t* const* inputs, const uint32_t* input_block_bytes, uint32_t input_count,
            uint32_t outer, uint8_t* output);

// q = clamp(round_half_away(x / scale) + zero_point, -128, 127); NaN maps to the zero point.
void QuantizeF32ToS8(const float* input, int8_t* output, uint32_t count, float scale,
                     int32_t zero_point);
// x = scale * (q - zero_point)
void DequantizeS8ToF32(const int8_t* input, float* output, uint32_t count, float scale,
                       int32_t zero_point);

}  // namespace tinyforge::kernels::reference

#endif  // TINYFORGE_KERNELS_REFERENCE_DATA_MOVEMENT_H_
