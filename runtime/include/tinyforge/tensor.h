// A tensor as kernels see it: a typed pointer, a shape and its quantization, all borrowed.
#ifndef TINYFORGE_TENSOR_H_
#define TINYFORGE_TENSOR_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/format/tfm.h"

namespace tinyforge {

using format::DType;

// Quantization of one tensor: real = scales[c] * (q - zero_points[c]). channel_count is 1 for
// per-tensor quantization. Pointers borrow from the model blob (constants section).
struct QuantParams {
  const float* scales = nullptr;
  const int32_t* zero_points = nullptr;
  uint32_t channel_count = 0;  // 0 = not quantized
  uint32_t axis = 0;
};

// A view; owns nothing. `data` points into the arena (activations) or the blob (constants).
// Layout is row-major, last dimension fastest (NHWC for images, [batch, width, channels] for 1D).
struct Tensor {
  void* data = nullptr;
  DType dtype = DType::kFloat32;
  uint8_t rank = 0;
  bool is_constant = false;
  uint32_t dims[format::kMaxRank] = {0, 0, 0, 0};
  QuantParams quant;

  uint32_t ElementCount() const {
    uint32_t count = 1;
    for (uint8_t i = 0; i < rank; ++i) count *= dims[i];
    return count;
  }
  uint32_t Bytes() const { return ElementCount() * format::DTypeBytes(static_cast<uint8_t>(dtype)); }
  template <typename T>
  T* As() const {
    return static_cast<T*>(data);
  }
  bool IsPresent() const { return data != nullptr; }
};

}  // namespace tinyforge

#endif  // TINYFORGE_TENSOR_H_
