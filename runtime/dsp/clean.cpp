// Missing-value interpolation and normalization of raw sample buffers (device and host).
#include "dsp/compensated_sum.h"
#include "tinyforge/dsp.h"

namespace tinyforge::dsp {

using internal::CompensatedSum;
using internal::IsFinite;

Status InterpolateMissing(float* samples, uint32_t count, InterpolationMethod method,
                          uint32_t max_gap, InterpolationReport* report) {
  if (report == nullptr || (samples == nullptr && count > 0)) return Status::kNullArgument;
  if (method != InterpolationMethod::kLinear && method != InterpolationMethod::kHoldLast) {
    return Status::kBadParams;
  }
  *report = InterpolationReport{};
  // One pass over the runs of missing samples: [gap_start, i) is missing, `previous` is the index
  // of the last valid sample before it (count means "none yet").
  uint32_t previous = count;
  uint32_t i = 0;
  while (i < count) {
    if (IsFinite(samples[i])) {
      previous = i;
      ++i;
      continue;
    }
    const uint32_t gap_start = i;
    while (i < count && !IsFinite(samples[i])) ++i;
    const uint32_t gap = i - gap_start;
    report->missing_count += gap;
    if (gap > report->longest_gap) report->longest_gap = gap;
    if (previous == count && i == count) return Status::kOk;  // nothing valid: leave untouched
    if (previous == count) {                                  // leading gap: back-fill
      for (uint32_t j = gap_start; j < i; ++j) samples[j] = samples[i];
    } else if (i == count || method == InterpolationMethod::kHoldLast) {
      for (uint32_t j = gap_start; j < i; ++j) samples[j] = samples[previous];
    } else {
      const float left = samples[previous];
      const float right = samples[i];
      const float span = static_cast<float>(i - previous);
      for (uint32_t j = gap_start; j < i; ++j) {
        const float t = static_cast<float>(j - previous) / span;
        samples[j] = left + (right - left) * t;
      }
    }
  }
  report->usable = count > 0 && report->longest_gap <= max_gap;
  return Status::kOk;
}

Status FitNormalization(const float* samples, uint32_t count, NormalizationKind kind,
                        NormalizationParams* params) {
  if (params == nullptr || samples == nullptr) return Status::kNullArgument;
  if (count == 0) return Status::kBadParams;
  for (uint32_t i = 0; i < count; ++i) {
    if (!IsFinite(samples[i])) return Status::kNumericalError;
  }
  NormalizationParams fitted;
  fitted.kind = kind;
  switch (kind) {
    case NormalizationKind::kNone:
      break;
    case NormalizationKind::kZScore: {
      CompensatedSum sum;
      for (uint32_t i = 0; i < count; ++i) sum.Add(samples[i]);
      const float mean = sum.value() / static_cast<float>(count);
      CompensatedSum squares;
      for (uint32_t i = 0; i < count; ++i) {
        const float d = samples[i] - mean;
        squares.Add(d * d);
      }
      const float std = internal::SquareRoot(squares.value() / static_cast<float>(count));
      fitted.center = mean;
      fitted.scale = std > 0.0f ? std : 1.0f;
      break;
    }
    case NormalizationKind::kMinMax: {
      float low = samples[0];
      float high = samples[0];
      for (uint32_t i = 1; i < count; ++i) {
        if (samples[i] < low) low = samples[i];
        if (samples[i] > high) high = samples[i];
      }
      const float spread = high - low;
      fitted.center = low;
      fitted.scale = (spread > 0.0f && IsFinite(spread)) ? spread : 1.0f;
      break;
    }
    default:
      return Status::kBadParams;
  }
  *params = fitted;
  return Status::kOk;
}

Status ApplyNormalization(const NormalizationParams& params, float* samples, uint32_t count) {
  if (samples == nullptr && count > 0) return Status::kNullArgument;
  if (params.kind == NormalizationKind::kNone) return Status::kOk;
  if (params.kind != NormalizationKind::kZScore && params.kind != NormalizationKind::kMinMax) {
    return Status::kBadParams;
  }
  if (!IsFinite(params.center) || !IsFinite(params.scale) || params.scale == 0.0f) {
    return Status::kBadParams;
  }
  for (uint32_t i = 0; i < count; ++i) samples[i] = (samples[i] - params.center) / params.scale;
  return Status::kOk;
}

uint32_t WindowCount(uint32_t count, uint32_t size, uint32_t stride) {
  if (size == 0 || stride == 0 || count < size) return 0;
  return (count - size) / stride + 1;
}

Status WindowIterator::Init(const float* data, uint32_t count, uint32_t size, uint32_t stride) {
  if (data == nullptr && count > 0) return Status::kNullArgument;
  if (size == 0 || stride == 0) return Status::kBadParams;
  data_ = data;
  count_ = count;
  size_ = size;
  stride_ = stride;
  next_ = 0;
  return Status::kOk;
}

bool WindowIterator::Next(const float** window) {
  if (window == nullptr || size_ == 0 || count_ < size_ || next_ > count_ - size_) return false;
  *window = data_ + next_;
  // Saturate instead of wrapping so a huge stride ends the walk.
  next_ = (stride_ > count_ - next_) ? count_ : next_ + stride_;
  return true;
}

}  // namespace tinyforge::dsp
