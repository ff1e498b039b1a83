// Reference Relu/Relu6/Softmax/Sigmoid/Tanh, float32 and int8.
#include "kernels/reference/activations.h"

#include "core/math.h"

namespace tinyforge::kernels::reference {
namespace {

template <typename T>
T ClampTo(T value, T low, T high) {
  return value < low ? low : (value > high ? high : value);
}

// real -> int8 with round half away from zero and saturation.
int8_t QuantizeToS8(float real, QuantS8 quant) {
  const int32_t q = math::RoundToInt32(real / quant.scale);
  // Saturate before adding the zero point so the sum cannot overflow.
  const int32_t bounded = ClampTo<int32_t>(q, -1024, 1024) + quant.zero_point;
  return static_cast<int8_t>(ClampTo<int32_t>(bounded, -128, 127));
}

float DequantizeS8(int8_t q, QuantS8 quant) {
  return quant.scale * static_cast<float>(static_cast<int32_t>(q) - quant.zero_point);
}

}  // namespace

void ClampF32(const float* input, float* output, uint32_t count, float low, float high) {
  for (uint32_t i = 0; i < count; ++i) output[i] = ClampTo(input[i], low, high);
}

void ClampS8(const int8_t* input, int8_t* output, uint32_t count, int32_t low, int32_t high) {
  for (uint32_t i = 0; i < count; ++i)
    output[i] = static_cast<int8_t>(ClampTo(static_cast<int32_t>(input[i]), low, high));
}

void SoftmaxF32(const float* input, float* output, uint32_t rows, uint32_t depth, float beta) {
  for (uint32_t r = 0; r < rows; ++r) {
    const float* in = input + uint64_t{r} * depth;
    float* out = output + uint64_t{r} * depth;
    float max_value = in[0];
    for (uint32_t i = 1; i < depth; ++i) max_value = in[i] > max_value ? in[i] : max_value;
    float sum = 0.0f;
    for (uint32_t i = 0; i < depth; ++i) {
      out[i] = math::Exp(beta * (in[i] - max_value));
      sum += out[i];
    }
    // sum >= 1 (the max element contributes e^0) unless the input holds NaN/inf.
    for (uint32_t i = 0; i < depth; ++i) out[i] = out[i] / sum;
  }
}

void SoftmaxS8(const int8_t* input, int8_t* output, uint32_t rows, uint32_t depth, float beta,
               QuantS8 input_quant) {
  const QuantS8 output_quant{kSoftmaxS8OutputScale, kSoftmaxS8OutputZeroPoint};
  for (uint32_t r = 0; r < rows; ++r) {
    const int8_t* in = input + uint64_t{r} * depth;
    int8_t* out = output + uint64_t{r} * depth;
    int32_t max_q = in[0];
    for (uint32_t i = 1; i < depth; ++i) max_q = in[i] > max_q ? in[i] : max_q;
    float sum = 0.0f;
    for (uint32_t i = 0; i < depth; ++i)
      sum += math::Exp(beta * (static_cast<float>(in[i] - max_q) * input_quant.scale));
    // A second exp pass instead of a float buffer: the reference kernel has no scratch.
    for (uint32_t i = 0; i < depth; ++i) {
      const float e = math::Exp(beta * (static_cast<float>(in[i] - max_q) * input_quant.scale));
      out[i] = QuantizeToS8(e / sum, output_quant);
    }
  }
}

void SigmoidF32(const float* input, float* output, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) output[i] = math::Sigmoid(input[i]);
}

void TanhF32(const float* input, float* output, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) output[i] = math::Tanh(input[i]);
}

void SigmoidS8(const int8_t* input, int8_t* output, uint32_t count, QuantS8 input_quant,
               QuantS8 output_quant) {
  for (uint32_t i = 0; i < count; ++i)
    output[i] = QuantizeToS8(math::Sigmoid(DequantizeS8(input[i], input_quant)), output_quant);
}

void TanhS8(const int8_t* input, int8_t* output, uint32_t count, QuantS8 input_quant,
            QuantS8 output_quant) {
  for (uint32_t i = 0; i < count; ++i)
    output[i] = QuantizeToS8(math::Tanh(DequantizeS8(input[i], input_quant)), output_quant);
}

}  // namespace tinyforge::kernels::reference
