// Drift detectors of TinyOL (Page-Hinkley, DDM) and the names of LearnStatus values.
#include <math.h>

#include "tinyforge/learn.h"

namespace tinyforge::learn {

const char* LearnStatusName(LearnStatus status) {
  switch (status) {
#define TINYFORGE_LEARN_STATUS_NAME(upper, camel) \
  case LearnStatus::k##camel:                     \
    return #camel;
    TINYFORGE_LEARN_STATUSES(TINYFORGE_LEARN_STATUS_NAME)
#undef TINYFORGE_LEARN_STATUS_NAME
  }
  return "Unknown";
}

// Page-Hinkley for an increase: m_T = Σ (x_t − x̄_t − δ), M_T = min m_t; alarm when m_T − M_T > λ.
// δ is the change we tolerate, λ trades detection delay against false alarms.
bool PageHinkley::Update(float value) {
  count += 1.0f;
  mean += (value - mean) / count;
  cumulative += value - mean - delta;
  if (cumulative < minimum) minimum = cumulative;
  return cumulative - minimum > lambda;
}

void Ddm::Reset() {
  count = 0.0f;
  error_rate = 1.0f;
  min_p_plus_s = 3.0e38f;
  min_p = min_s = 0.0f;
  warning = false;
}

// DDM: p_i = running error rate, s_i = sqrt(p_i (1 − p_i) / i). Keep the (p, s) where p + s was
// lowest; warn at p + s ≥ p_min + 2 s_min, signal drift at p + s ≥ p_min + 3 s_min.
bool Ddm::Update(bool error) {
  count += 1.0f;
  error_rate += ((error ? 1.0f : 0.0f) - error_rate) / count;
  const float s = sqrtf(error_rate * (1.0f - error_rate) / count);
  if (count < static_cast<float>(min_samples)) return false;
  if (error_rate + s < min_p_plus_s) {
    min_p_plus_s = error_rate + s;
    min_p = error_rate;
    min_s = s;
  }
  warning = error_rate + s >= min_p + 2.0f * min_s;
  return error_rate + s >= min_p + 3.0f * min_s && min_s > 0.0f;
}

}  // namespace tinyforge::learn
