// Inspect / Clean / data checks (see inspect.h).
#include "toolchain/data/inspect.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace tinyforge::toolchain {

InspectionReport Inspect(const TimeSeries& dataset) {
  InspectionReport report;
  report.source = dataset.source;
  report.sample_count = dataset.sample_count();
  report.sample_rate_hz = dataset.sample_rate_hz;
  if (dataset.timestamps.size() >= 2) {
    std::vector<double> steps;
    for (size_t i = 1; i < dataset.timestamps.size(); ++i) {
      steps.push_back(dataset.timestamps[i] - dataset.timestamps[i - 1]);
    }
    std::vector<double> sorted = steps;
    std::nth_element(sorted.begin(), sorted.begin() + long(sorted.size() / 2), sorted.end());
    const double median = sorted[sorted.size() / 2];
    if (report.sample_rate_hz == 0.0 && median > 0.0) {
      report.sample_rate_hz = 1.0 / median;
      report.rate_from_timestamps = true;
    }
    for (double step : steps) {
      if (step > 1.5 * median) ++report.timestamp_gaps;
      report.largest_step = std::max(report.largest_step, step);
    }
  }
  for (size_t c = 0; c < dataset.channels.size(); ++c) {
    ChannelSummary summary;
    summary.name = c < dataset.channel_names.size() ? dataset.channel_names[c] : "";
    size_t run = 0, present = 0;
    double sum = 0.0;
    bool first = true;
    for (float value : dataset.channels[c]) {
      if (!std::isfinite(value)) {
        ++summary.missing_count;
        summary.longest_gap = std::max(summary.longest_gap, ++run);
        continue;
      }
      run = 0;
      ++present;
      sum += value;
      summary.min = first ? value : std::min(summary.min, value);
      summary.max = first ? value : std::max(summary.max, value);
      first = false;
    }
    summary.mean = present > 0 ? sum / double(present) : 0.0;
    report.channels.push_back(summary);
  }
  for (const std::string& label : dataset.labels) ++report.class_counts[label];
  if (dataset.labels.empty() && !dataset.label.empty()) {
    report.class_counts[dataset.label] = dataset.sample_count();
  }
  return report;
}

std::string InspectionReport::ToText() const {
  std::ostringstream out;
  out << "source: " << source << "\n";
  out << "samples: " << sample_count << "\n";
  out << "sample_rate_hz: " << sample_rate_hz
      << (rate_from_timestamps ? " (from median timestamp step)" : "") << "\n";
  out << "timestamp_gaps: " << timestamp_gaps << " (largest step " << largest_step << ")\n";
  for (const ChannelSummary& c : channels) {
    out << "channel " << c.name << ": min " << c.min << " max " << c.max << " mean " << c.mean
        << " missing " << c.missing_count << " longest_gap " << c.longest_gap << "\n";
  }
  for (const auto& [label, count] : class_counts) {
    out << "class " << label << ": " << count << "\n";
  }
  return out.str();
}

Result<CleanReport> Clean(TimeSeries& dataset, const CleanOptions& options) {
  CleanReport clean;
  for (size_t c = 0; c < dataset.channels.size(); ++c) {
    std::vector<float>& channel = dataset.channels[c];
    // Find the first over-long gap first, so the message can name where it starts.
    size_t run = 0;
    for (size_t i = 0; i < channel.size(); ++i) {
      run = std::isfinite(channel[i]) ? 0 : run + 1;
      if (run == size_t(options.max_gap) + 1) {
        const size_t start = i + 1 - run;
        size_t end = i;
        while (end < channel.size() && !std::isfinite(channel[end])) ++end;
        return MakeError(SampleLocation(dataset, start, c) + ": gap of " +
                         std::to_string(end - start) + " missing samples exceeds max_gap " +
                         std::to_string(options.max_gap));
      }
    }
    dsp::InterpolationReport report;
    const Status status = dsp::InterpolateMissing(channel.data(), uint32_t(channel.size()),
                                                  options.method, options.max_gap, &report);
    if (status != Status::kOk) {
      return FileError(dataset.source, "interpolation failed for channel '" +
                                           dataset.channel_names[c] + "'");
    }
    if (!report.usable) {
      return FileError(dataset.source, "channel '" + dataset.channel_names[c] +
                                           "' has no valid sample to interpolate from");
    }
    clean.filled_samples += report.missing_count;
  }
  return clean;
}

Result<void> CheckClassBalance(const InspectionReport& report) {
  if (report.class_counts.empty()) return FileError(report.source, "no class labels");
  if (report.class_counts.size() < 2) {
    return FileError(report.source, "single class '" + report.class_counts.begin()->first +
                                        "': a classifier needs at least two");
  }
  return {};
}

Result<void> CheckWindowFits(const TimeSeries& dataset, size_t window_size) {
  if (window_size > dataset.sample_count()) {
    return FileError(dataset.source, "window of " + std::to_string(window_size) +
                                         " samples is longer than the " +
                                         std::to_string(dataset.sample_count()) + " samples of data");
  }
  return {};
}

}  // namespace tinyforge::toolchain
