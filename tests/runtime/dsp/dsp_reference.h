// Straightforward double-precision re-implementations of the DSP features, written independently
// of runtime/dsp (direct DFT, textbook moments), for host gtests and the QEMU device test.
// No heap and no std containers so the device test can use it; callers pass the buffers.
#ifndef TINYFORGE_TESTS_RUNTIME_DSP_DSP_REFERENCE_H_
#define TINYFORGE_TESTS_RUNTIME_DSP_DSP_REFERENCE_H_

#include <math.h>
#include <stdint.h>

#include "tinyforge/dsp.h"

namespace tinyforge::dsp::reference {

inline constexpr double kPi = 3.14159265358979323846;

struct TimeStats {
  double mean, std, rms, peak, crest, kurtosis, skewness;
};

inline TimeStats Moments(const float* x, uint32_t count) {
  double sum = 0.0, sum_squares = 0.0, peak = 0.0;
  for (uint32_t i = 0; i < count; ++i) {
    sum += x[i];
    sum_squares += static_cast<double>(x[i]) * x[i];
    peak = fabs(x[i]) > peak ? fabs(x[i]) : peak;
  }
  const double mean = sum / count;
  double m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (uint32_t i = 0; i < count; ++i) {
    const double d = x[i] - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= count;
  m3 /= count;
  m4 /= count;
  TimeStats s;
  s.mean = mean;
  s.std = sqrt(m2);
  s.rms = sqrt(sum_squares / count);
  s.peak = peak;
  s.crest = s.rms > 0 ? peak / s.rms : 0.0;
  s.kurtosis = m2 > 0 ? m4 / (m2 * m2) : 0.0;
  s.skewness = m2 > 0 ? m3 / pow(m2, 1.5) : 0.0;
  return s;
}

// One-sided power spectrum by direct DFT: power[0..n/2]. cos_table must hold n doubles.
inline void PowerSpectrum(const float* x, uint32_t n, bool hann, double* cos_table, double* power) {
  for (uint32_t t = 0; t < n; ++t) cos_table[t] = cos(2.0 * kPi * t / n);
  double window_power = 0.0;
  for (uint32_t t = 0; t < n; ++t) {
    const double w = hann ? 0.5 - 0.5 * cos_table[t] : 1.0;
    window_power += w * w;
  }
  for (uint32_t k = 0; k <= n / 2; ++k) {
    double re = 0.0, im = 0.0;
    for (uint32_t t = 0; t < n; ++t) {
      const double w = hann ? 0.5 - 0.5 * cos_table[t] : 1.0;
      const uint32_t phase = static_cast<uint32_t>((static_cast<uint64_t>(k) * t) % n);
      // e^{-i theta}: cos(theta) - i sin(theta), sin(theta) = cos(theta - pi/2).
      const double c = cos_table[phase];
      const double s = cos_table[(phase + 3 * n / 4) % n];
      re += x[t] * w * c;
      im -= x[t] * w * s;
    }
    const double one_sided = (k == 0 || k == n / 2) ? 1.0 : 2.0;
    power[k] = one_sided * (re * re + im * im) / (n * window_power);
  }
}

// The whole feature vector in FeatureBit order. Scratch: cos_table n doubles, power n/2+1 doubles.
inline uint32_t Features(const FeatureConfig& config, const float* x, double* cos_table,
                         double* power, double* out) {
  const TimeStats s = Moments(x, config.window_size);
  const double time_values[7] = {s.mean, s.std, s.rms, s.peak, s.crest, s.kurtosis, s.skewness};
  uint32_t next = 0;
  for (uint32_t bit = 0; bit < 7; ++bit) {
    if ((config.feature_mask & (1u << bit)) != 0) out[next++] = time_values[bit];
  }
  if ((config.feature_mask & kSpectralFeatureMask) == 0) return next;
  const uint32_t n = config.window_size;
  PowerSpectrum(x, n, config.hann_window != 0, cos_table, power);
  const double bin_hz = static_cast<double>(config.sample_rate_hz) / n;
  if ((config.feature_mask & kFeatureBandEnergies) != 0) {
    const double low = config.band_low_hz;
    const double width = (static_cast<double>(config.band_high_hz) - low) / config.band_count;
    for (uint32_t b = 0; b < config.band_count; ++b) {
      double energy = 0.0;
      for (uint32_t k = 0; k <= n / 2; ++k) {
        const double f = k * bin_hz;
        if (f >= low + b * width && f < low + (b + 1) * width) energy += power[k];
      }
      out[next++] = energy;
    }
  }
  if ((config.feature_mask & kFeatureSpectralCentroid) != 0) {
    double weighted = 0.0, total = 0.0;
    for (uint32_t k = 0; k <= n / 2; ++k) {
      weighted += k * bin_hz * power[k];
      total += power[k];
    }
    out[next++] = total > 0 ? weighted / total : 0.0;
  }
  return next;
}

// 1e-5 relative agreement; `floor` is the magnitude below which a value counts as "about zero"
// for this quantity (e.g. the signal RMS for a mean that happens to be near 0).
inline bool Agrees(double actual, double expected, double floor) {
  const double magnitude = fabs(expected) > floor ? fabs(expected) : floor;
  return fabs(actual - expected) <= 1e-5 * magnitude;
}

// Deterministic pseudo-random numbers (xorshift32), identical on host and device.
struct Random {
  uint32_t state;
  float Uniform() {  // [-1, 1)
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
  }
};

}  // namespace tinyforge::dsp::reference

#endif  // TINYFORGE_TESTS_RUNTIME_DSP_DSP_REFERENCE_H_
