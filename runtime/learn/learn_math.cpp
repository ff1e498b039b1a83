// The float kernels of TinyOL (logits, masked softmax, SGD step, Welford) and its CRC-32.
#include <string.h>

#include "learn/learn_internal.h"

namespace tinyforge::learn::internal {

void Logits(const float* weights, const float* bias, const float* x, uint32_t features,
            uint32_t classes, float* logits) {
  for (uint32_t k = 0; k < classes; ++k) {
    const float* row = weights + k * features;
    float sum = bias[k];
    for (uint32_t j = 0; j < features; ++j) sum += row[j] * x[j];
    logits[k] = sum;
  }
}

int32_t MaskedSoftmax(const float* logits, const uint32_t* trained, uint32_t classes,
                      float* probabilities) {
  int32_t best = -1;
  for (uint32_t k = 0; k < classes; ++k) {
    probabilities[k] = 0.0f;
    if (trained[k] == 0) continue;
    if (best < 0 || logits[k] > logits[best]) best = static_cast<int32_t>(k);
  }
  if (best < 0) return best;
  // Subtracting the maximum keeps every exponent ≤ 0: no overflow, the best class gets e^0 = 1.
  const float maximum = logits[best];
  float sum = 0.0f;
  for (uint32_t k = 0; k < classes; ++k) {
    if (trained[k] == 0) continue;
    probabilities[k] = ExpF(logits[k] - maximum);
    sum += probabilities[k];
  }
  for (uint32_t k = 0; k < classes; ++k) probabilities[k] /= sum;
  return best;
}

void SgdStep(float* weights, float* bias, float* velocity, const float* x, uint32_t features,
             float gradient, float rate, float momentum, float l2) {
  for (uint32_t j = 0; j < features; ++j) {
    float g = gradient * x[j] + l2 * weights[j];
    if (velocity != nullptr) {
      velocity[j] = momentum * velocity[j] + g;
      g = velocity[j];
    }
    weights[j] -= rate * g;
  }
  float g = gradient;
  if (velocity != nullptr) {
    velocity[features] = momentum * velocity[features] + g;
    g = velocity[features];
  }
  *bias -= rate * g;
}

float WelfordUpdate(const float* x, uint32_t features, float count, float max_count, float* mean,
                    float* m2) {
  float forget = 1.0f;
  if (count < max_count) {
    count += 1.0f;
  } else {
    forget = (count - 1.0f) / count;
  }
  const float inverse_count = 1.0f / count;
  for (uint32_t j = 0; j < features; ++j) {
    const float delta = x[j] - mean[j];
    mean[j] += delta * inverse_count;
    m2[j] = m2[j] * forget + delta * (x[j] - mean[j]);
  }
  return count;
}

// exp(x) = 2^n · exp(r), n = round(x / ln 2), r = x − n·ln 2 (ln 2 split in a high part exact in
// float and a low part, so n·ln2_hi is exact), |r| ≤ ln2/2; exp(r) by its Taylor series to r^7.
float ExpF(float x) {
  if (x < -87.3f) return 0.0f;
  if (x > 88.0f) x = 88.0f;
  const float scaled = x * 1.44269504f;
  const int32_t n = static_cast<int32_t>(scaled >= 0.0f ? scaled + 0.5f : scaled - 0.5f);
  const float r = (x - static_cast<float>(n) * 0.693145752f) - static_cast<float>(n) * 1.42860677e-6f;
  float p = 1.0f + r * (1.0f / 7.0f);
  p = 1.0f + r * (1.0f / 6.0f) * p;
  p = 1.0f + r * (1.0f / 5.0f) * p;
  p = 1.0f + r * (1.0f / 4.0f) * p;
  p = 1.0f + r * (1.0f / 3.0f) * p;
  p = 1.0f + r * (1.0f / 2.0f) * p;
  p = 1.0f + r * p;
  // 2^n: n in [-126, 127] here except the clamped ends, which take two steps.
  const int32_t half = n / 2;
  const auto power = [](int32_t e) {
    const uint32_t bits = static_cast<uint32_t>(e + 127) << 23;
    float f = 0.0f;
    memcpy(&f, &bits, sizeof(f));
    return f;
  };
  return p * power(half) * power(n - half);
}

// ln(x) = e·ln 2 + ln(m), m in [√½, √2); ln(m) = 2·atanh(s), s = (m − 1)/(m + 1), |s| < 0.172,
// by its series to s^11.
float LogF(float x) {
  uint32_t bits = 0;
  memcpy(&bits, &x, sizeof(bits));
  if (!(x > 0.0f) || (bits & 0x7F800000u) == 0 || (bits & 0x7F800000u) == 0x7F800000u)
    return -88.0f;
  int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xFFu) - 127;
  bits = (bits & 0x007FFFFFu) | 0x3F800000u;  // m in [1, 2)
  float m = 0.0f;
  memcpy(&m, &bits, sizeof(m));
  if (m > 1.41421356f) {
    m *= 0.5f;
    ++exponent;
  }
  const float s = (m - 1.0f) / (m + 1.0f);
  const float s2 = s * s;
  float series = 1.0f / 11.0f;
  series = 1.0f / 9.0f + s2 * series;
  series = 1.0f / 7.0f + s2 * series;
  series = 1.0f / 5.0f + s2 * series;
  series = 1.0f / 3.0f + s2 * series;
  series = 1.0f + s2 * series;
  return static_cast<float>(exponent) * 0.693147181f + 2.0f * s * series;
}

// Bitwise (no 1 KB table): the state is a few hundred bytes and saved rarely, flash matters more.
uint32_t Crc32(uint32_t crc, const void* data, uint32_t bytes) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (uint32_t i = 0; i < bytes; ++i) {
    crc ^= p[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

}  // namespace tinyforge::learn::internal
