// The float kernels of TinyOL (logits, masked softmax, SGD step, Welford) and its CRC-32.
#include <math.h>

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
    probabilities[k] = expf(logits[k] - maximum);
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
