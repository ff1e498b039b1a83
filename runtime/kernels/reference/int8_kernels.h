// Signatures of the int8 kernels that have optimized variants. kernels::reference holds the
// contract; kernels::cortex_m (optimized/cortex_m/) has functions of the same names and argument
// structs, which must produce bit-identical outputs.
#ifndef TINYFORGE_KERNELS_REFERENCE_INT8_KERNELS_H_
#define TINYFORGE_KERNELS_REFERENCE_INT8_KERNELS_H_

#include <stdint.h>

namespace tinyforge::kernels {

// Requantization of one output channel c: out = clamp(MultiplyByQuantizedMultiplier(acc,
// requant[2c], requant[2c+1]) + output_offset, activation_min, activation_max).
struct RequantArgs {
  const int32_t* requant;  // [channels][2] = (multiplier, shift)
  int32_t output_offset;   // = output zero point
  int32_t activation_min;  // in the int8 output domain, fused ReLU/ReLU6 folded in
  int32_t activation_max;
};

// output[b][o] = requant(bias[o] + sum_i (input[b][i] + input_offset) * weights[o][i])
struct FullyConnectedS8Args {
  const int8_t* input;         // [batch][input_depth]
  const int8_t* weights;       // [output_depth][input_depth], symmetric (zero point 0)
  const int32_t* bias;         // [output_depth] or nullptr
  const int32_t* folded_bias;  // [output_depth] = bias + input_offset * sum_i weights[o][i], or
                               // nullptr; optimized kernels use it when present
  int8_t* output;              // [batch][output_depth]
  uint32_t batch;
  uint32_t input_depth;
  uint32_t output_depth;
  int32_t input_offset;  // = -input zero point
  RequantArgs requant;
};

// NHWC input, weights [out_channels][filter_h][filter_w][in_channels], explicit leading pads.
// Conv1D is this with height 1.
struct Conv2DS8Args {
  const int8_t* input;
  const int8_t* weights;
  const int32_t* bias;         // [out_channels] or nullptr
  const int32_t* folded_bias;  // like FullyConnectedS8Args::folded_bias, or nullptr
  int8_t* output;
  uint32_t batch;
  uint32_t input_height, input_width, input_channels;
  uint32_t filter_height, filter_width;
  uint32_t output_height, output_width, output_channels;
  uint32_t stride_height, stride_width;
  uint32_t dilation_height, dilation_width;
  uint32_t pad_top, pad_left;
  int32_t input_offset;
  RequantArgs requant;
  void* scratch;  // optimized kernels only (size from their ScratchBytes); reference ignores it
  uint32_t scratch_bytes;
};

// Weights [1][filter_h][filter_w][output_channels], output_channels = in_channels * multiplier.
struct DepthwiseConv2DS8Args {
  const int8_t* input;
  const int8_t* weights;
  const int32_t* bias;
  const int32_t* folded_bias;  // per output channel, or nullptr (padding makes it inexact for
                               // border pixels; optimized kernels must handle that)
  int8_t* output;
  uint32_t batch;
  uint32_t input_height, input_width, input_channels;
  uint32_t filter_height, filter_width;
  uint32_t output_height, output_width, output_channels;
  uint32_t depth_multiplier;
  uint32_t stride_height, stride_width;
  uint32_t dilation_height, dilation_width;
  uint32_t pad_top, pad_left;
  int32_t input_offset;
  RequantArgs requant;
  void* scratch;
  uint32_t scratch_bytes;
};

namespace reference {
void FullyConnectedS8(const FullyConnectedS8Args& args);
void Conv2DS8(const Conv2DS8Args& args);
void DepthwiseConv2DS8(const DepthwiseConv2DS8Args& args);
}  // namespace reference

}  // namespace tinyforge::kernels

#endif  // TINYFORGE_KERNELS_REFERENCE_INT8_KERNELS_H_
