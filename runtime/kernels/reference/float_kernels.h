// Float32 reference kernels for the ops with weights: FullyConnected, Conv2D (Conv1D = height 1)
// and DepthwiseConv2D. Pure math: pointers, shapes and params, no validation (the op adapters in
// kernels/ops/ validate at Prepare), no status.
#ifndef TINYFORGE_KERNELS_REFERENCE_FLOAT_KERNELS_H_
#define TINYFORGE_KERNELS_REFERENCE_FLOAT_KERNELS_H_

#include <stdint.h>

namespace tinyforge::kernels {

// output[b][o] = clamp(bias[o] + sum_i input[b][i] * weights[o][i], activation_min, max).
struct FullyConnectedF32Args {
  const float* input;    // [batch][input_depth]
  const float* weights;  // [output_depth][input_depth]
  const float* bias;     // [output_depth] or nullptr
  float* output;         // [batch][output_depth]
  uint32_t batch;
  uint32_t input_depth;
  uint32_t output_depth;
  float activation_min;  // fused ReLU/ReLU6 folded in; -inf/+inf style bounds for none
  float activation_max;
};

// NHWC input, weights [output_channels][filter_h][filter_w][input_channels], explicit leading
// pads (positions outside the input contribute zero).
struct Conv2DF32Args {
  const float* input;
  const float* weights;
  const float* bias;  // [output_channels] or nullptr
  float* output;
  uint32_t batch;
  uint32_t input_height, input_width, input_channels;
  uint32_t filter_height, filter_width;
  uint32_t output_height, output_width, output_channels;
  uint32_t stride_height, stride_width;
  uint32_t dilation_height, dilation_width;
  uint32_t pad_top, pad_left;
  float activation_min, activation_max;
};

// Weights [1][filter_h][filter_w][output_channels]; output channel c reads input channel
// c / depth_multiplier.
struct DepthwiseConv2DF32Args {
  const float* input;
  const float* weights;
  const float* bias;
  float* output;
  uint32_t batch;
  uint32_t input_height, input_width, input_channels;
  uint32_t filter_height, filter_width;
  uint32_t output_height, output_width, output_channels;
  uint32_t depth_multiplier;
  uint32_t stride_height, stride_width;
  uint32_t dilation_height, dilation_width;
  uint32_t pad_top, pad_left;
  float activation_min, activation_max;
};

namespace reference {
void FullyConnectedF32(const FullyConnectedF32Args& args);
void Conv2DF32(const Conv2DF32Args& args);
void DepthwiseConv2DF32(const DepthwiseConv2DF32Args& args);
}  // namespace reference

}  // namespace tinyforge::kernels

#endif  // TINYFORGE_KERNELS_REFERENCE_FLOAT_KERNELS_H_
