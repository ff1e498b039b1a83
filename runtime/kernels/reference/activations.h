// Reference activation kernels: Relu/Relu6 (as clamps), Softmax, Sigmoid, Tanh in float32 and
// int8. The transcendental ones use core/math.h so host and Cortex-M4 produce the same bits; the
// int8 variants dequantize, compute in float and requantize rounding half away from zero.
#ifndef TINYFORGE_KERNELS_REFERENCE_ACTIVATIONS_H_
#define TINYFORGE_KERNELS_REFERENCE_ACTIVATIONS_H_

#include <stdint.h>

namespace tinyforge::kernels {

// Per-tensor quantization of one int8 tensor: real = scale * (q - zero_point).
struct QuantS8 {
  float scale;
  int32_t zero_point;
};

// int8 Softmax output quantization (fixed, as in TFLite): scale 1/256, zero point -128.
inline constexpr float kSoftmaxS8OutputScale = 1.0f / 256.0f;
inline constexpr int32_t kSoftmaxS8OutputZeroPoint = -128;

namespace reference {
void ClampF32(const float* input, float* output, uint32_t count, float low, float high);
void ClampS8(const int8_t* input, int8_t* output, uint32_t count, int32_t low, int32_t high);

// Softmax over the last axis: rows of `depth` elements, `rows` of them.
//   out_i = e^(beta (x_i - max)) / sum_j e^(beta (x_j - max)), summed in index order.
void SoftmaxF32(const float* input, float* output, uint32_t rows, uint32_t depth, float beta);
// x_i - max is formed exactly as (q_i - q_max) * scale; output uses kSoftmaxS8Output*.
void SoftmaxS8(const int8_t* input, int8_t* output, uint32_t rows, uint32_t depth, float beta,
               QuantS8 input_quant);

void SigmoidF32(const float* input, float* output, uint32_t count);
void TanhF32(const float* input, float* output, uint32_t count);
void SigmoidS8(const int8_t* input, int8_t* output, uint32_t count, QuantS8 input_quant,
               QuantS8 output_quant);
void TanhS8(const int8_t* input, int8_t* output, uint32_t count, QuantS8 input_quant,
            QuantS8 output_quant);
}  // namespace reference

}  // namespace tinyforge::kernels

#endif  // TINYFORGE_KERNELS_REFERENCE_ACTIVATIONS_H_
