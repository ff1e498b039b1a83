// Reference pooling kernels: MaxPool2D, AveragePool2D (NHWC, explicit leading pads, padding
// excluded from averages as in TFLite SAME) and GlobalAveragePool, float32 and int8.
#ifndef TINYFORGE_KERNELS_REFERENCE_POOLING_H_
#define TINYFORGE_KERNELS_REFERENCE_POOLING_H_

#include <stdint.h>

namespace tinyforge::kernels {

struct Pool2DGeometry {
  uint32_t batch;
  uint32_t input_height, input_width, channels;
  uint32_t filter_height, filter_width;
  uint32_t stride_height, stride_width;
  uint32_t pad_top, pad_left;
  uint32_t output_height, output_width;
};

namespace reference {
// Every window must overlap the input in at least one element (Prepare guarantees it).
void MaxPool2DF32(const Pool2DGeometry& geometry, const float* input, float* output,
                  float activation_min, float activation_max);
void AveragePool2DF32(const Pool2DGeometry& geometry, const float* input, float* output,
                      float activation_min, float activation_max);
// Input and output share scale and zero point; clamps are in the int8 domain.
void MaxPool2DS8(const Pool2DGeometry& geometry, const int8_t* input, int8_t* output,
                 int32_t activation_min, int32_t activation_max);
// Average of the valid elements, rounded half away from zero (exact integer math).
void AveragePool2DS8(const Pool2DGeometry& geometry, const int8_t* input, int8_t* output,
                     int32_t activation_min, int32_t activation_max);

// input [batch][spatial][channels] -> output [batch][channels], mean over spatial.
void GlobalAveragePoolF32(const float* input, float* output, uint32_t batch, uint32_t spatial,
                          uint32_t channels);
// out = clamp(MultiplyByQuantizedMultiplier(sum(q - input_zero_point), multiplier, shift) +
// output_zero_point), with multiplier/shift = QuantizeMultiplier(in_scale / (out_scale * spatial)).
void GlobalAveragePoolS8(const int8_t* input, int8_t* output, uint32_t batch, uint32_t spatial,
                         uint32_t channels, int32_t input_zero_point, int32_t multiplier,
                         int32_t shift, int32_t output_zero_point);
}  // namespace reference

}  // namespace tinyforge::kernels

#endif  // TINYFORGE_KERNELS_REFERENCE_POOLING_H_
