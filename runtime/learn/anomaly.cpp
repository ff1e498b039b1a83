// TinyOL anomaly task: the reconstruction-error score, the threshold (normal labels only: mean +
// k·std of the normal scores, raw or in ln; with fault labels: between the normal and the fault
// score distributions) and the k-of-n debounce of the alarm. The statistics are updated in
// learner.cpp (Resolve, ExpireSlot); the rules are documented in docs/tinyol.md, "Anomaly".
#include <math.h>

#include "learn/learn_internal.h"
#include "tinyforge/learn.h"

namespace tinyforge::learn {

float Learner::AnomalyScore(const float* features) const {
  float sum = 0.0f;
  for (uint32_t j = 0; j < config_.feature_count; ++j) sum += features[j] * features[j];
  return sum / static_cast<float>(config_.feature_count);
}

// ln through the bit-exact LogF (same bits on host and device). A zero or subnormal score maps to
// LogF's floor (-88): as normal as a score gets.
float Learner::AnomalyDomain(float score) const {
  if (config_.anomaly_threshold_rule == AnomalyThresholdRule::kMeanSigma) return score;
  return score >= 1.17549435e-38f ? internal::LogF(score) : -88.0f;
}

// Normal labels only: mean + k·std of the normal scores. With fault labels (anomaly_learn_faults)
// and at least one fault score: the point t between the normal mean μn and the fault mean μf with
// (t − μn)/σn = (μf − t)/σf, i.e. the same z-distance from both distributions, so neither tail
// is favoured (with Gaussian scores in this domain, both error rates are then Φ(−z)). σf is at
// least σn: one or two fault scores give no spread estimate, and a fault distribution narrower
// than the normal one is not a safe assumption. If the faults do not score above normal
// (μf ≤ μn), the labels carry no usable threshold and the normal rule stays.
float Learner::AnomalyDomainThreshold() const {
  if (anomaly_stat_.count < static_cast<float>(config_.anomaly_warmup) ||
      anomaly_stat_.count < 2.0f)
    return HUGE_VALF;
  const float normal_std = sqrtf(anomaly_stat_.Variance());
  if (config_.anomaly_learn_faults && fault_stat_.count >= 1.0f &&
      fault_stat_.mean > anomaly_stat_.mean) {
    float fault_std = sqrtf(fault_stat_.Variance());
    if (fault_std < normal_std) fault_std = normal_std;
    const float spread = normal_std + fault_std;
    if (spread > 0.0f) {
      return (anomaly_stat_.mean * fault_std + fault_stat_.mean * normal_std) / spread;
    }
    return 0.5f * (anomaly_stat_.mean + fault_stat_.mean);
  }
  return anomaly_stat_.mean + config_.anomaly_sigmas * normal_std;
}

float Learner::anomaly_threshold() const {
  const float threshold = AnomalyDomainThreshold();
  if (config_.anomaly_threshold_rule == AnomalyThresholdRule::kMeanSigma ||
      !internal::IsFinite(threshold))
    return threshold;
  return internal::ExpF(threshold);
}

// A score that overflowed (huge but finite features) is an anomaly and never enters statistics.
bool Learner::AnomalyExceeds(float score) const {
  if (!internal::IsFinite(score)) return true;
  return AnomalyDomain(score) > AnomalyDomainThreshold();
}

// Debounce: the current window must exceed (an alarm never outlives its evidence, so it does not
// spill into the normal windows after a fault), and at least k of the last n windows, the current
// one included, must have exceeded (an isolated spike does not alarm).
int32_t Learner::AnomalyAlarm(bool exceeds) const {
  if (!exceeds) return 0;
  const uint32_t n = config_.anomaly_alarm_n;
  const uint32_t window = ((alarm_history_ << 1) | 1u) & (n >= 32 ? 0xFFFFFFFFu : (1u << n) - 1u);
  uint32_t count = 0;
  for (uint32_t bits = window; bits != 0; bits &= bits - 1) ++count;
  return count >= config_.anomaly_alarm_k ? 1 : 0;
}

}  // namespace tinyforge::learn
