// Reference Reshape copy, Concat, Quantize and Dequantize.
#include "kernels/reference/data_movement.h"

#include "core/math.h"

namespace tinyforge::kernels::reference {

void CopyBytes(const void* source, void* destination, uint32_t bytes) {
  if (source == destination) return;
  const uint8_t* from = static_cast<const uint8_t*>(source);
  uint8_t* to = static_cast<uint8_t*>(destination);
  for (uint32_t i = 0; i < bytes; ++i) to[i] = from[i];
}

void Concat(const uint8_t* const* inputs, const uint32_t* input_block_bytes, uint32_t input_count,
            uint32_t outer, uint8_t* output) {
  for (uint32_t o = 0; o < outer; ++o) {
    for (uint32_t k = 0; k < input_count; ++k) {
      const uint8_t* block = inputs[k] + uint64_t{o} * input_block_bytes[k];
      for (uint32_t i = 0; i < input_block_bytes[k]; ++i) *output++ = block[i];
    }
  }
}

void QuantizeF32ToS8(const float* input, int8_t* output, uint32_t count, float scale,
                     int32_t zero_point) {
  for (uint32_t i = 0; i < count; ++i) {
    int32_t q = math::RoundToInt32(input[i] / scale);  // saturates; NaN -> 0
    q = q < -1024 ? -1024 : (q > 1024 ? 1024 : q);     // keeps q + zero_point from overflowing
    q += zero_point;
    output[i] = static_cast<int8_t>(q < -128 ? -128 : (q > 127 ? 127 : q));
  }
}

void DequantizeS8ToF32(const int8_t* input, float* output, uint32_t count, float scale,
                       int32_t zero_point) {
  for (uint32_t i = 0; i < count; ++i)
    output[i] = scale * static_cast<float>(static_cast<int32_t>(input[i]) - zero_point);
}

}  // namespace tinyforge::kernels::reference
