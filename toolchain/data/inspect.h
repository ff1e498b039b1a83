// Data-quality report (rates, gaps, ranges, missing counts, class balance) and cleaning
// (missing-value interpolation with the same runtime/dsp code the device runs).
#ifndef TINYFORGE_TOOLCHAIN_DATA_INSPECT_H_
#define TINYFORGE_TOOLCHAIN_DATA_INSPECT_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "toolchain/data/time_series.h"
#include "tinyforge/dsp.h"

namespace tinyforge::toolchain {

struct ChannelSummary {
  std::string name;
  size_t missing_count = 0;
  size_t longest_gap = 0;  // longest run of missing samples
  float min = 0.0f;        // over present samples (0 when none)
  float max = 0.0f;
  double mean = 0.0;
};

struct InspectionReport {
  std::string source;
  size_t sample_count = 0;
  double sample_rate_hz = 0.0;       // declared, or 1 / median timestamp step
  bool rate_from_timestamps = false;
  size_t timestamp_gaps = 0;         // steps longer than 1.5 x the median step
  double largest_step = 0.0;         // in timestamp units, 0 without timestamps
  std::vector<ChannelSummary> channels;
  std::map<std::string, size_t> class_counts;  // per-sample labels, or the recording label

  std::string ToText() const;  // human-readable, one line per item
};

InspectionReport Inspect(const TimeSeries& dataset);

struct CleanOptions {
  dsp::InterpolationMethod method = dsp::InterpolationMethod::kLinear;
  uint32_t max_gap = 0;  // longest run of missing samples that may be filled
};

struct CleanReport {
  size_t filled_samples = 0;
};

// Interpolates every channel in place (dsp::InterpolateMissing). Errors name the location of the
// first gap longer than max_gap ("path:LINE: column 'x': gap of N ...") and all-missing channels.
Result<CleanReport> Clean(TimeSeries& dataset, const CleanOptions& options);

// Refuses data a classifier cannot learn from: fewer than two classes (names the one class).
Result<void> CheckClassBalance(const InspectionReport& report);
// Refuses a window longer than the data ("window of N samples is longer than the M samples").
Result<void> CheckWindowFits(const TimeSeries& dataset, size_t window_size);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_DATA_INSPECT_H_
