// Kahan-compensated float accumulation shared by the DSP statistics (internal to runtime/dsp).
#ifndef TINYFORGE_DSP_COMPENSATED_SUM_H_
#define TINYFORGE_DSP_COMPENSATED_SUM_H_

namespace tinyforge::dsp::internal {

// Keeps the rounding error of each addition in `compensation_` so a float sum of thousands of
// terms stays within a few ulps of the exact sum. Works only because -ffp-contract=off and no
// -ffast-math let the compiler keep (t - sum) - y as written.
class CompensatedSum {
 public:
  void Add(float value) {
    const float y = value - compensation_;
    const float t = sum_ + y;
    compensation_ = (t - sum_) - y;
    sum_ = t;
  }
  float value() const { return sum_; }

 private:
  float sum_ = 0.0f;
  float compensation_ = 0.0f;
};

// NaN compares unequal to itself; |x| > FLT_MAX catches +-Inf. No <cmath> on the device.
inline bool IsFinite(float value) {
  return value == value && value <= 3.40282347e38f && value >= -3.40282347e38f;
}

inline float SquareRoot(float value) { return __builtin_sqrtf(value); }

}  // namespace tinyforge::dsp::internal

#endif  // TINYFORGE_DSP_COMPENSATED_SUM_H_
