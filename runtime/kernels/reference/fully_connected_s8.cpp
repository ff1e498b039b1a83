// Reference int8 fully connected kernel: the plainest correct loop, the contract that the
// optimized kernels (kernels/optimized/cortex_m) must match byte for byte.
#include "kernels/reference/int8_kernels.h"
#include "kernels/reference/quantization_math.h"

namespace tinyforge::kernels::reference {

void FullyConnectedS8(const FullyConnectedS8Args& args) {
  for (uint32_t b = 0; b < args.batch; ++b) {
    const int8_t* input = args.input + b * args.input_depth;
    int8_t* output = args.output + b * args.output_depth;
    for (uint32_t o = 0; o < args.output_depth; ++o) {
      const int8_t* weights = args.weights + o * args.input_depth;
      int32_t acc = args.bias != nullptr ? args.bias[o] : 0;
      for (uint32_t i = 0; i < args.input_depth; ++i) {
        acc += (static_cast<int32_t>(input[i]) + args.input_offset) * weights[i];
      }
      int32_t value = MultiplyByQuantizedMultiplier(acc, args.requant.requant[2 * o],
                                                    args.requant.requant[2 * o + 1]);
      value += args.requant.output_offset;
      if (value < args.requant.activation_min) value = args.requant.activation_min;
      if (value > args.requant.activation_max) value = args.requant.activation_max;
      output[o] = static_cast<int8_t>(value);
    }
  }
}

}  // namespace tinyforge::kernels::reference
