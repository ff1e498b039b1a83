// Time-domain statistics, spectral features and the FeatureConfig-driven feature vector.
#include "dsp/compensated_sum.h"
#include "tinyforge/dsp.h"

namespace tinyforge::dsp {
namespace {

using internal::CompensatedSum;
using internal::IsFinite;
using internal::SquareRoot;

bool HasSpectral(const FeatureConfig& config) {
  return (config.feature_mask & kSpectralFeatureMask) != 0;
}

uint32_t PopCount(uint32_t bits) {
  uint32_t count = 0;
  for (; bits != 0; bits &= bits - 1) ++count;
  return count;
}

// Band energies (sum of P[k] for bins whose frequency lies in each band) and the centroid, from
// a one-sided power spectrum of bin_count = n/2 + 1 bins.
void SpectralFeatures(const FeatureConfig& config, const float* power, uint32_t n,
                      float* band_energies, float* centroid) {
  const uint32_t bin_count = n / 2 + 1;
  const float bin_hz = config.sample_rate_hz / static_cast<float>(n);
  if (band_energies != nullptr) {
    const float width_hz = (config.band_high_hz - config.band_low_hz) /
                           static_cast<float>(config.band_count);
    // One compensated sum per band would need kMaxBands sums on the stack (512 bytes): fine.
    CompensatedSum sums[kMaxBands];
    for (uint32_t k = 0; k < bin_count; ++k) {
      const float frequency = static_cast<float>(k) * bin_hz;
      if (frequency < config.band_low_hz || frequency >= config.band_high_hz) continue;
      uint32_t band = static_cast<uint32_t>((frequency - config.band_low_hz) / width_hz);
      if (band >= config.band_count) band = config.band_count - 1;  // rounding at the top edge
      sums[band].Add(power[k]);
    }
    for (uint32_t b = 0; b < config.band_count; ++b) band_energies[b] = sums[b].value();
  }
  if (centroid != nullptr) {
    CompensatedSum weighted;
    CompensatedSum total;
    for (uint32_t k = 0; k < bin_count; ++k) {
      weighted.Add(static_cast<float>(k) * bin_hz * power[k]);
      total.Add(power[k]);
    }
    *centroid = total.value() > 0.0f ? weighted.value() / total.value() : 0.0f;
  }
}

}  // namespace

Status ComputeTimeFeatures(const float* samples, uint32_t count, TimeFeatures* out) {
  if (samples == nullptr || out == nullptr) return Status::kNullArgument;
  if (count == 0) return Status::kBadParams;
  // Pass 1: mean, mean square and peak.
  CompensatedSum sum;
  CompensatedSum sum_squares;
  float peak = 0.0f;
  for (uint32_t i = 0; i < count; ++i) {
    const float x = samples[i];
    if (!IsFinite(x)) return Status::kNumericalError;
    sum.Add(x);
    sum_squares.Add(x * x);
    const float magnitude = x < 0.0f ? -x : x;
    if (magnitude > peak) peak = magnitude;
  }
  const float inverse_count = 1.0f / static_cast<float>(count);
  const float rough_mean = sum.value() * inverse_count;
  // Pass 2: the float mean is off by up to half an ulp of its magnitude, which for data riding
  // on a large offset shifts every deviation and skews m3. The mean of x - rough_mean recovers
  // that residual (the corrected two-pass algorithm of Chan, Golub and LeVeque).
  CompensatedSum residual_sum;
  for (uint32_t i = 0; i < count; ++i) residual_sum.Add(samples[i] - rough_mean);
  const float residual = residual_sum.value() * inverse_count;
  const float mean = rough_mean + residual;
  // Pass 3: central moments about the mean (no cancellation as in E[x^2] - E[x]^2).
  CompensatedSum m2_sum;
  CompensatedSum m3_sum;
  CompensatedSum m4_sum;
  for (uint32_t i = 0; i < count; ++i) {
    const float d = (samples[i] - rough_mean) - residual;
    const float d2 = d * d;
    m2_sum.Add(d2);
    m3_sum.Add(d2 * d);
    m4_sum.Add(d2 * d2);
  }
  const float m2 = m2_sum.value() * inverse_count;
  const float m3 = m3_sum.value() * inverse_count;
  const float m4 = m4_sum.value() * inverse_count;
  TimeFeatures features;
  features.mean = mean;
  features.std = SquareRoot(m2);
  features.rms = SquareRoot(sum_squares.value() * inverse_count);
  features.peak = peak;
  features.crest_factor = features.rms > 0.0f ? peak / features.rms : 0.0f;
  if (m2 > 0.0f) {
    features.kurtosis = m4 / (m2 * m2);
    features.skewness = m3 / (m2 * features.std);
  }
  *out = features;
  return Status::kOk;
}

Status ValidateFeatureConfig(const FeatureConfig& config) {
  if ((config.feature_mask & ~kAllFeaturesMask) != 0 || config.feature_mask == 0) {
    return Status::kBadParams;
  }
  if (config.window_size < 2 || config.window_stride == 0) return Status::kBadParams;
  if (config.interpolation != InterpolationMethod::kLinear &&
      config.interpolation != InterpolationMethod::kHoldLast) {
    return Status::kBadParams;
  }
  const NormalizationParams& norm = config.normalization;
  if (norm.kind != NormalizationKind::kNone) {
    if (norm.kind != NormalizationKind::kZScore && norm.kind != NormalizationKind::kMinMax) {
      return Status::kBadParams;
    }
    if (!IsFinite(norm.center) || !IsFinite(norm.scale) || norm.scale == 0.0f) {
      return Status::kBadParams;
    }
  }
  if (config.hann_window > 1) return Status::kBadParams;
  if (!HasSpectral(config)) return Status::kOk;
  if (!IsSupportedFftSize(config.window_size)) return Status::kBadParams;
  if (!IsFinite(config.sample_rate_hz) || !(config.sample_rate_hz > 0.0f)) {
    return Status::kBadParams;
  }
  if ((config.feature_mask & kFeatureBandEnergies) != 0) {
    if (config.band_count == 0 || config.band_count > kMaxBands) return Status::kBadParams;
    if (!IsFinite(config.band_low_hz) || !IsFinite(config.band_high_hz)) {
      return Status::kBadParams;
    }
    if (!(config.band_low_hz >= 0.0f) || !(config.band_high_hz > config.band_low_hz) ||
        config.band_high_hz > config.sample_rate_hz * 0.5f) {
      return Status::kBadParams;
    }
  }
  return Status::kOk;
}

uint32_t FeatureCount(const FeatureConfig& config) {
  if (ValidateFeatureConfig(config) != Status::kOk) return 0;
  uint32_t count = PopCount(config.feature_mask & (kTimeFeatureMask | kFeatureSpectralCentroid));
  if ((config.feature_mask & kFeatureBandEnergies) != 0) count += config.band_count;
  return count;
}

uint32_t FeatureScratchFloats(const FeatureConfig& config) {
  if (ValidateFeatureConfig(config) != Status::kOk || !HasSpectral(config)) return 0;
  // [ power spectrum (n/2 + 1) | PowerSpectrum scratch ]
  return config.window_size / 2 + 1 + PowerSpectrumScratchFloats(config.window_size);
}

Status ComputeFeatures(const FeatureConfig& config, const float* samples, uint32_t count,
                       float* out, uint32_t out_capacity, ScratchBuffer scratch) {
  if (samples == nullptr || out == nullptr) return Status::kNullArgument;
  TINYFORGE_RETURN_IF_ERROR(ValidateFeatureConfig(config));
  if (count != config.window_size) return Status::kShapeMismatch;
  if (out_capacity < FeatureCount(config)) return Status::kBufferTooSmall;
  const bool spectral = HasSpectral(config);
  if (spectral) {
    if (scratch.data == nullptr) return Status::kNullArgument;
    if (scratch.capacity_floats < FeatureScratchFloats(config)) return Status::kScratchTooSmall;
  }
  TimeFeatures time;
  TINYFORGE_RETURN_IF_ERROR(ComputeTimeFeatures(samples, count, &time));
  const uint32_t mask = config.feature_mask;
  uint32_t next = 0;
  const float values[7] = {time.mean,         time.std,      time.rms,     time.peak,
                           time.crest_factor, time.kurtosis, time.skewness};
  for (uint32_t bit = 0; bit < 7; ++bit) {
    if ((mask & (1u << bit)) != 0) out[next++] = values[bit];
  }
  if (!spectral) return Status::kOk;
  const uint32_t n = config.window_size;
  float* power = scratch.data;
  const ScratchBuffer fft_scratch{scratch.data + (n / 2 + 1),
                                  scratch.capacity_floats - (n / 2 + 1)};
  TINYFORGE_RETURN_IF_ERROR(
      PowerSpectrum(samples, n, config.hann_window != 0, power, n / 2 + 1, fft_scratch));
  float* bands = (mask & kFeatureBandEnergies) != 0 ? out + next : nullptr;
  if (bands != nullptr) next += config.band_count;
  float* centroid = (mask & kFeatureSpectralCentroid) != 0 ? out + next : nullptr;
  SpectralFeatures(config, power, n, bands, centroid);
  return Status::kOk;
}

Status ProcessWindow(const FeatureConfig& config, float* samples, uint32_t count, float* out,
                     uint32_t out_capacity, ScratchBuffer scratch, bool* usable) {
  if (samples == nullptr || out == nullptr || usable == nullptr) return Status::kNullArgument;
  *usable = false;
  TINYFORGE_RETURN_IF_ERROR(ValidateFeatureConfig(config));
  if (count != config.window_size) return Status::kShapeMismatch;
  InterpolationReport report;
  TINYFORGE_RETURN_IF_ERROR(
      InterpolateMissing(samples, count, config.interpolation, config.max_gap, &report));
  if (!report.usable) return Status::kOk;
  TINYFORGE_RETURN_IF_ERROR(ApplyNormalization(config.normalization, samples, count));
  TINYFORGE_RETURN_IF_ERROR(ComputeFeatures(config, samples, count, out, out_capacity, scratch));
  *usable = true;
  return Status::kOk;
}

}  // namespace tinyforge::dsp
