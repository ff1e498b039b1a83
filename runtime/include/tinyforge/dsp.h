// Signal preprocessing and feature extraction that runs identically on the device and on the host
// (the toolchain links this same code to build training features): missing-value interpolation,
// normalization, windowing, time-domain statistics, a fixed-size real FFT and spectral features.
//
// Freestanding C++17: no heap, no libm, no exceptions. Every buffer belongs to the caller. Float
// results are bit-identical on x86-64 (SSE) and Cortex-M4F because the code uses only IEEE
// single-precision +,-,*,/ and sqrt (correctly rounded everywhere), a fixed operation order, and
// is compiled with -ffp-contract=off. sin/cos for the FFT twiddles come from our own polynomial.
#ifndef TINYFORGE_DSP_H_
#define TINYFORGE_DSP_H_

#include <stdint.h>

#include "tinyforge/status.h"

namespace tinyforge::dsp {

// ---- Caller-owned scratch -----------------------------------------------------------------------
// A float buffer the caller lends for the duration of one call. Sizes come from *ScratchFloats().
struct ScratchBuffer {
  float* data = nullptr;
  uint32_t capacity_floats = 0;
};

// ---- Missing values -----------------------------------------------------------------------------
// A sample is missing when it is NaN or +-Inf (the readers store empty/"NA" cells as NaN).
enum class InterpolationMethod : uint8_t {
  kLinear = 0,    // straight line between the valid neighbours of a gap
  kHoldLast = 1,  // repeat the last valid value
};

struct InterpolationReport {
  uint32_t missing_count = 0;  // samples that were missing before filling
  uint32_t longest_gap = 0;    // longest run of consecutive missing samples
  bool usable = false;         // false when longest_gap > max_gap or no sample was valid
};

// Fills missing samples in place. Gaps at the start take the first valid value, gaps at the end
// the last valid value (both methods; a line cannot be extrapolated safely). Gaps are filled even
// when the window is reported unusable, so the buffer is always finite unless every sample was
// missing (then it is left untouched). Errors: kNullArgument, kBadParams (unknown method).
Status InterpolateMissing(float* samples, uint32_t count, InterpolationMethod method,
                          uint32_t max_gap, InterpolationReport* report);

// ---- Normalization ------------------------------------------------------------------------------
enum class NormalizationKind : uint8_t {
  kNone = 0,
  kZScore = 1,  // center = mean, scale = population std
  kMinMax = 2,  // center = min, scale = max - min   (result in [0, 1] on the fit data)
};

// y = (x - center) / scale. Fitted on training data by the host, stored in the model metadata and
// applied unchanged on the device. A zero spread is stored as scale 1 so constant data maps to 0.
struct NormalizationParams {
  NormalizationKind kind = NormalizationKind::kNone;
  float center = 0.0f;
  float scale = 1.0f;
};

// Errors: kNullArgument, kBadParams (count 0 or unknown kind), kNumericalError (non-finite sample).
Status FitNormalization(const float* samples, uint32_t count, NormalizationKind kind,
                        NormalizationParams* params);
// In place. Errors: kNullArgument, kBadParams (unknown kind, scale not finite or 0).
Status ApplyNormalization(const NormalizationParams& params, float* samples, uint32_t count);

// ---- Windowing ----------------------------------------------------------------------------------
// Number of complete windows of `size` samples taken every `stride` samples: 0 when count < size.
uint32_t WindowCount(uint32_t count, uint32_t size, uint32_t stride);

// Walks complete windows over a borrowed buffer; the tail shorter than `size` is not visited.
//   WindowIterator it;  if (it.Init(data, count, 1024, 512) != Status::kOk) ...
//   const float* window;  while (it.Next(&window)) { ... window[0..1024) ... }
class WindowIterator {
 public:
  // Errors: kNullArgument (data null with count > 0), kBadParams (size 0 or stride 0).
  Status Init(const float* data, uint32_t count, uint32_t size, uint32_t stride);
  bool Next(const float** window);
  uint32_t window_count() const { return WindowCount(count_, size_, stride_); }
  uint32_t next_index() const { return next_; }

 private:
  const float* data_ = nullptr;
  uint32_t count_ = 0;
  uint32_t size_ = 0;
  uint32_t stride_ = 1;
  uint32_t next_ = 0;
};

// ---- Time-domain statistics ---------------------------------------------------------------------
// Population moments, corrected two-pass with compensated (Kahan) float sums:
//   mean, std = sqrt(m2), rms = sqrt(mean(x^2)), peak = max|x|, crest = peak / rms,
//   kurtosis = m4 / m2^2 (Pearson, 3 for a Gaussian), skewness = m3 / m2^1.5.
// Degenerate inputs give 0 instead of a division by zero: crest when rms == 0, kurtosis and
// skewness when m2 == 0.
struct TimeFeatures {
  float mean = 0.0f;
  float std = 0.0f;
  float rms = 0.0f;
  float peak = 0.0f;
  float crest_factor = 0.0f;
  float kurtosis = 0.0f;
  float skewness = 0.0f;
};
// Errors: kNullArgument, kBadParams (count 0), kNumericalError (a non-finite sample).
Status ComputeTimeFeatures(const float* samples, uint32_t count, TimeFeatures* out);

// ---- FFT and spectrum ---------------------------------------------------------------------------
inline constexpr uint32_t kMinFftSize = 64;
inline constexpr uint32_t kMaxFftSize = 4096;

bool IsSupportedFftSize(uint32_t n);  // a power of two in [kMinFftSize, kMaxFftSize]

// sin and cos of 2*pi*k/n for n a power of two >= 8, from octant reduction and float Taylor
// polynomials (|error| < 2e-7). Deterministic: no libm.
void SinCosOfFraction(uint32_t k, uint32_t n, float* sine, float* cosine);

// Floats of scratch the FFT needs: the quarter-wave sine table, n/4 + 1.
uint32_t FftTableFloats(uint32_t n);
// In-place forward complex FFT, X[k] = sum_t x[t] e^{-2 pi i k t / n}, iterative radix-2
// decimation in time. Errors: kNullArgument, kBadParams (n unsupported), kScratchTooSmall.
Status ComplexFft(float* real, float* imag, uint32_t n, ScratchBuffer scratch);

// Scratch for PowerSpectrum: real + imag parts (2n) and the sine table.
uint32_t PowerSpectrumScratchFloats(uint32_t n);
// One-sided power spectrum of a real window, n/2 + 1 bins, bin k at k * sample_rate / n Hz:
//   P[k] = c_k |X[k]|^2 / (n * sum(w^2)),  c_k = 1 for k = 0 and n/2, else 2,
// with w the periodic Hann window (or all ones). With w = 1 the bins sum to mean(x^2)
// (Parseval), so a band's energy is the mean-square signal power in that band.
// Errors: kNullArgument, kBadParams (n unsupported), kBufferTooSmall (power_capacity < n/2 + 1),
// kScratchTooSmall, kNumericalError (non-finite sample).
Status PowerSpectrum(const float* samples, uint32_t n, bool hann_window, float* power,
                     uint32_t power_capacity, ScratchBuffer scratch);

// ---- Feature vectors ----------------------------------------------------------------------------
// Bits of FeatureConfig::feature_mask. Features are written in this order; band energies take
// band_count slots.
enum FeatureBit : uint32_t {
  kFeatureMean = 1u << 0,
  kFeatureStd = 1u << 1,
  kFeatureRms = 1u << 2,
  kFeaturePeak = 1u << 3,
  kFeatureCrestFactor = 1u << 4,
  kFeatureKurtosis = 1u << 5,
  kFeatureSkewness = 1u << 6,
  kFeatureBandEnergies = 1u << 7,
  kFeatureSpectralCentroid = 1u << 8,
};
inline constexpr uint32_t kTimeFeatureMask = 0x7Fu;
inline constexpr uint32_t kSpectralFeatureMask = kFeatureBandEnergies | kFeatureSpectralCentroid;
inline constexpr uint32_t kAllFeaturesMask = kTimeFeatureMask | kSpectralFeatureMask;
inline constexpr uint32_t kMaxBands = 64;

// Everything the device needs to turn raw samples into the model's input, as plain values. The
// toolchain writes it into the model metadata (key "preprocessing", JSON) so that the device
// computes the features the model was trained on.
struct FeatureConfig {
  uint32_t feature_mask = kAllFeaturesMask;
  uint32_t window_size = 1024;      // samples per window; a supported FFT size if spectral
  uint32_t window_stride = 512;     // hop between windows, >= 1
  float sample_rate_hz = 0.0f;      // > 0 when spectral features are on
  uint32_t band_count = 0;          // 1..kMaxBands when kFeatureBandEnergies is set
  float band_low_hz = 0.0f;         // bands split [band_low_hz, band_high_hz) evenly
  float band_high_hz = 0.0f;        // <= sample_rate_hz / 2
  uint8_t hann_window = 1;          // 1 = periodic Hann before the FFT, 0 = rectangular
  InterpolationMethod interpolation = InterpolationMethod::kLinear;
  uint32_t max_gap = 0;             // longest fillable run of missing samples
  NormalizationParams normalization;  // applied before the features (ProcessWindow)
};

// Errors: kBadParams naming nothing; callers on the host turn it into a message.
Status ValidateFeatureConfig(const FeatureConfig& config);
// Length of the feature vector; 0 when the config is invalid.
uint32_t FeatureCount(const FeatureConfig& config);
// Floats of scratch ComputeFeatures needs (0 without spectral features).
uint32_t FeatureScratchFloats(const FeatureConfig& config);

// Features of exactly one window (count == window_size) in FeatureBit order. Spectral centroid is
// sum(f_k P_k) / sum(P_k) over the whole one-sided spectrum, 0 for a silent window.
// Errors: kNullArgument, kBadParams (invalid config), kShapeMismatch (count != window_size),
// kBufferTooSmall (out_capacity < FeatureCount), kScratchTooSmall, kNumericalError (non-finite).
Status ComputeFeatures(const FeatureConfig& config, const float* samples, uint32_t count,
                       float* out, uint32_t out_capacity, ScratchBuffer scratch);

// The device pipeline for one raw window, in place: interpolate missing samples, normalize, then
// ComputeFeatures. *usable is false (and out is untouched) when the interpolation report says so.
Status ProcessWindow(const FeatureConfig& config, float* samples, uint32_t count, float* out,
                     uint32_t out_capacity, ScratchBuffer scratch, bool* usable);

}  // namespace tinyforge::dsp

#endif  // TINYFORGE_DSP_H_
