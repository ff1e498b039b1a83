// Deterministic sin/cos, the radix-2 complex FFT and the one-sided power spectrum (device + host).
#include "dsp/compensated_sum.h"
#include "tinyforge/dsp.h"

namespace tinyforge::dsp {
namespace {

using internal::CompensatedSum;
using internal::IsFinite;

constexpr float kTwoPi = 6.28318530717958647692f;

// Taylor series on [0, pi/4], Horner form, float only. Truncation error below 2e-9 there, so the
// result is within about one float ulp of the true value.
float SinPolynomial(float x) {
  const float x2 = x * x;
  float p = 1.0f / 362880.0f;
  p = p * x2 - 1.0f / 5040.0f;
  p = p * x2 + 1.0f / 120.0f;
  p = p * x2 - 1.0f / 6.0f;
  p = p * x2 + 1.0f;
  return p * x;
}

float CosPolynomial(float x) {
  const float x2 = x * x;
  float p = -1.0f / 3628800.0f;
  p = p * x2 + 1.0f / 40320.0f;
  p = p * x2 - 1.0f / 720.0f;
  p = p * x2 + 1.0f / 24.0f;
  p = p * x2 - 0.5f;
  p = p * x2 + 1.0f;
  return p;
}

bool IsPowerOfTwo(uint32_t n) { return n != 0 && (n & (n - 1)) == 0; }

// sin(2 pi index / n) for any index in [0, n), from the table of sin over the first quadrant
// (table[j] = sin(2 pi j / n), j = 0..n/4).
float TableSin(const float* table, uint32_t index, uint32_t n) {
  const uint32_t quarter = n / 4;
  const uint32_t half = n / 2;
  if (index <= quarter) return table[index];
  if (index <= half) return table[half - index];
  if (index <= half + quarter) return -table[index - half];
  return -table[n - index];
}

float TableCos(const float* table, uint32_t index, uint32_t n) {
  return TableSin(table, (index + n / 4) & (n - 1), n);
}

void FillSineTable(float* table, uint32_t n) {
  float unused = 0.0f;
  for (uint32_t j = 0; j <= n / 4; ++j) SinCosOfFraction(j, n, &table[j], &unused);
}

// The FFT proper; the table is already filled.
void FftWithTable(float* real, float* imag, uint32_t n, const float* table) {
  // Bit-reversal permutation.
  for (uint32_t i = 1, j = 0; i < n; ++i) {
    uint32_t bit = n >> 1;
    for (; (j & bit) != 0; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const float tr = real[i];
      real[i] = real[j];
      real[j] = tr;
      const float ti = imag[i];
      imag[i] = imag[j];
      imag[j] = ti;
    }
  }
  // Butterflies: stage with blocks of `length`, twiddle w^k = e^{-2 pi i k (n/length) / n}.
  for (uint32_t length = 2; length <= n; length <<= 1) {
    const uint32_t half = length / 2;
    const uint32_t step = n / length;
    for (uint32_t start = 0; start < n; start += length) {
      for (uint32_t k = 0; k < half; ++k) {
        const float wr = TableCos(table, k * step, n);
        const float wi = -TableSin(table, k * step, n);
        const uint32_t a = start + k;
        const uint32_t b = a + half;
        const float br = real[b] * wr - imag[b] * wi;
        const float bi = real[b] * wi + imag[b] * wr;
        real[b] = real[a] - br;
        imag[b] = imag[a] - bi;
        real[a] = real[a] + br;
        imag[a] = imag[a] + bi;
      }
    }
  }
}

}  // namespace

bool IsSupportedFftSize(uint32_t n) {
  return IsPowerOfTwo(n) && n >= kMinFftSize && n <= kMaxFftSize;
}

void SinCosOfFraction(uint32_t k, uint32_t n, float* sine, float* cosine) {
  // Exact integer reduction to an octant, so only angles in [0, pi/4] reach the polynomials.
  const uint32_t phase = k & (n - 1);
  const uint32_t quarter = n / 4;
  const uint32_t eighth = n / 8;
  const uint32_t quadrant = phase / quarter;
  uint32_t rest = phase - quadrant * quarter;
  const bool mirrored = rest > eighth;
  if (mirrored) rest = quarter - rest;
  const float x = static_cast<float>(rest) * (kTwoPi / static_cast<float>(n));
  float s = SinPolynomial(x);
  float c = CosPolynomial(x);
  if (mirrored) {  // sin(pi/2 - x) = cos x
    const float t = s;
    s = c;
    c = t;
  }
  switch (quadrant) {  // rotate by quadrant * 90 degrees
    case 0:
      *sine = s;
      *cosine = c;
      break;
    case 1:
      *sine = c;
      *cosine = -s;
      break;
    case 2:
      *sine = -s;
      *cosine = -c;
      break;
    default:
      *sine = -c;
      *cosine = s;
      break;
  }
}

uint32_t FftTableFloats(uint32_t n) { return n / 4 + 1; }

Status ComplexFft(float* real, float* imag, uint32_t n, ScratchBuffer scratch) {
  if (real == nullptr || imag == nullptr || scratch.data == nullptr) return Status::kNullArgument;
  if (!IsSupportedFftSize(n)) return Status::kBadParams;
  if (scratch.capacity_floats < FftTableFloats(n)) return Status::kScratchTooSmall;
  FillSineTable(scratch.data, n);
  FftWithTable(real, imag, n, scratch.data);
  return Status::kOk;
}

uint32_t PowerSpectrumScratchFloats(uint32_t n) { return 2 * n + FftTableFloats(n); }

Status PowerSpectrum(const float* samples, uint32_t n, bool hann_window, float* power,
                     uint32_t power_capacity, ScratchBuffer scratch) {
  if (samples == nullptr || power == nullptr || scratch.data == nullptr) {
    return Status::kNullArgument;
  }
  if (!IsSupportedFftSize(n)) return Status::kBadParams;
  if (power_capacity < n / 2 + 1) return Status::kBufferTooSmall;
  if (scratch.capacity_floats < PowerSpectrumScratchFloats(n)) return Status::kScratchTooSmall;
  // Scratch layout: [ real (n) | imag (n) | sine table (n/4 + 1) ].
  float* real = scratch.data;
  float* imag = scratch.data + n;
  float* table = scratch.data + 2 * n;
  FillSineTable(table, n);
  CompensatedSum window_power;
  for (uint32_t t = 0; t < n; ++t) {
    if (!IsFinite(samples[t])) return Status::kNumericalError;
    // Periodic Hann: w[t] = 0.5 - 0.5 cos(2 pi t / n), exactly what a DFT-based analysis expects.
    const float w = hann_window ? 0.5f - 0.5f * TableCos(table, t, n) : 1.0f;
    real[t] = samples[t] * w;
    imag[t] = 0.0f;
    window_power.Add(w * w);
  }
  FftWithTable(real, imag, n, table);
  const float normalizer = static_cast<float>(n) * window_power.value();
  for (uint32_t k = 0; k <= n / 2; ++k) {
    const float magnitude = real[k] * real[k] + imag[k] * imag[k];
    const float one_sided = (k == 0 || k == n / 2) ? 1.0f : 2.0f;
    power[k] = one_sided * magnitude / normalizer;
  }
  return Status::kOk;
}

}  // namespace tinyforge::dsp
