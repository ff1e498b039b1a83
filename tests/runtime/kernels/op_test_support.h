// Test support for op adapters: builds an OpContext by hand (owning every buffer), runs an op's
// prepare/eval, and offers the independent helpers the op tests compare against.
#ifndef TINYFORGE_TESTS_RUNTIME_KERNELS_OP_TEST_SUPPORT_H_
#define TINYFORGE_TESTS_RUNTIME_KERNELS_OP_TEST_SUPPORT_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <ostream>
#include <random>
#include <vector>

#include "kernels/reference/quantization_math.h"
#include "tinyforge/op_registry.h"
#include "tinyforge/ops.h"
#include "tinyforge/status.h"
#include "tinyforge/tensor.h"

namespace tinyforge {
// gtest prints a Status by name.
inline void PrintTo(Status status, std::ostream* os) { *os << StatusName(status); }
}  // namespace tinyforge

namespace tinyforge::testing {

template <typename T>
constexpr DType DTypeOf() {
  if constexpr (std::is_same_v<T, float>) return DType::kFloat32;
  if constexpr (std::is_same_v<T, int8_t>) return DType::kInt8;
  if constexpr (std::is_same_v<T, int16_t>) return DType::kInt16;
  return DType::kInt32;
}

// One op invocation's tensors and params. Not copyable: tensors point into its own storage.
class OpHarness {
 public:
  OpHarness() = default;
  OpHarness(const OpHarness&) = delete;
  OpHarness& operator=(const OpHarness&) = delete;

  // Appends an input; returns its Tensor (stable while the harness lives).
  template <typename T>
  Tensor& Input(const std::vector<uint32_t>& dims, const std::vector<T>& values,
                bool constant = false) {
    Tensor& tensor = context.inputs[context.input_count++];
    Fill(tensor, dims, values);
    tensor.is_constant = constant;
    return tensor;
  }
  // Appends an absent optional input (data == nullptr).
  void AbsentInput() { context.inputs[context.input_count++] = Tensor{}; }

  template <typename T>
  Tensor& Output(const std::vector<uint32_t>& dims) {
    uint64_t count = 1;
    for (uint32_t d : dims) count *= d;
    Fill(context.output, dims, std::vector<T>(count, T{}));
    return context.output;
  }

  void Quantize(Tensor& tensor, float scale, int32_t zero_point) {
    PerChannel(tensor, {scale}, {zero_point}, 0);
  }
  void PerChannel(Tensor& tensor, const std::vector<float>& scales,
                  const std::vector<int32_t>& zero_points, uint32_t axis) {
    scales_.push_back(scales);
    zero_points_.push_back(zero_points);
    tensor.quant.scales = scales_.back().data();
    tensor.quant.zero_points = zero_points_.back().data();
    tensor.quant.channel_count = static_cast<uint32_t>(scales.size());
    tensor.quant.axis = axis;
  }

  template <typename Params>
  void SetParams(const Params& params) {
    static_assert(sizeof(Params) <= sizeof(params_storage_));
    std::memcpy(params_storage_, &params, sizeof(Params));
    context.params = params_storage_;
    context.params_bytes = sizeof(Params);
  }

  Status Prepare(const OpRegistration& registration) const {
    return registration.prepare(context);
  }
  // Prepare, and Eval when Prepare succeeded.
  Status Run(const OpRegistration& registration) const {
    const Status status = registration.prepare(context);
    if (status != Status::kOk) return status;
    return registration.eval(context);
  }

  template <typename T>
  std::vector<T> OutputValues() const {
    const T* data = context.output.As<const T>();
    return std::vector<T>(data, data + context.output.ElementCount());
  }

  OpContext context;

 private:
  template <typename T>
  void Fill(Tensor& tensor, const std::vector<uint32_t>& dims, const std::vector<T>& values) {
    buffers_.emplace_back(values.size() * sizeof(T) + 16);
    std::memcpy(buffers_.back().data(), values.data(), values.size() * sizeof(T));
    tensor.data = buffers_.back().data();
    tensor.dtype = DTypeOf<T>();
    tensor.rank = static_cast<uint8_t>(dims.size());
    for (size_t i = 0; i < format::kMaxRank; ++i) tensor.dims[i] = i < dims.size() ? dims[i] : 0;
  }

  std::deque<std::vector<uint8_t>> buffers_;
  std::deque<std::vector<float>> scales_;
  std::deque<std::vector<int32_t>> zero_points_;
  alignas(16) uint8_t params_storage_[64] = {};
};

// The requant table a writer produces: row c = QuantizeMultiplier(EffectiveScale(...)).
inline std::vector<int32_t> RequantTable(float input_scale, const std::vector<float>& weight_scales,
                                         float output_scale, uint32_t channels) {
  std::vector<int32_t> table;
  for (uint32_t c = 0; c < channels; ++c) {
    const float w = weight_scales.size() == 1 ? weight_scales[0] : weight_scales[c];
    int32_t multiplier = 0;
    int32_t shift = 0;
    kernels::QuantizeMultiplier(kernels::EffectiveScale(input_scale, w, output_scale), &multiplier,
                                &shift);
    table.push_back(multiplier);
    table.push_back(shift);
  }
  return table;
}

// Independent int8 expectation: round(real / scale) + zero point, clamped, in double.
inline int32_t QuantizeExpected(double real, double scale, int32_t zero_point, int32_t low = -128,
                                int32_t high = 127) {
  const double q = std::round(real / scale) + zero_point;
  return static_cast<int32_t>(std::fmin(std::fmax(q, low), high));
}

// std::mt19937 with a uint32_t result, so rng() % n needs no cast under -Wconversion.
using Rng = std::mersenne_twister_engine<uint32_t, 32, 624, 397, 31, 0x9908b0dfu, 11, 0xffffffffu,
                                         7, 0x9d2c5680u, 15, 0xefc60000u, 18, 1812433253u>;

template <typename T>
std::vector<T> RandomValues(Rng& rng, size_t count, T low, T high) {
  std::vector<T> values(count);
  if constexpr (std::is_floating_point_v<T>) {
    std::uniform_real_distribution<T> distribution(low, high);
    for (T& v : values) v = distribution(rng);
  } else {
    std::uniform_int_distribution<int32_t> distribution(low, high);
    for (T& v : values) v = static_cast<T>(distribution(rng));
  }
  return values;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_RUNTIME_KERNELS_OP_TEST_SUPPORT_H_
