// Tests of Inspect (rates, gaps, ranges, missing counts, class balance), Clean and the data checks.
#include <cmath>
#include <limits>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "toolchain/data/csv_reader.h"
#include "toolchain/data/inspect.h"

namespace tinyforge::toolchain {
namespace {

using ::testing::HasSubstr;

TimeSeries Fixture() {
  CsvOptions options;
  options.timestamp_column = "time";
  options.label_column = "state";
  Result<TimeSeries> result =
      ReadCsv(std::string(TINYFORGE_SOURCE_DIR) + "/tests/data/sensor_small.csv", options);
  EXPECT_TRUE(result.ok()) << result.error().message;
  return *result;
}

TEST(InspectTest, ReportsRateGapsRangesMissingAndClasses) {
  const InspectionReport report = Inspect(Fixture());
  EXPECT_EQ(report.sample_count, 6u);
  EXPECT_TRUE(report.rate_from_timestamps);
  EXPECT_NEAR(report.sample_rate_hz, 100.0, 1e-9);  // median step 0.01 s
  EXPECT_EQ(report.timestamp_gaps, 1u);             // 0.03 -> 0.05
  EXPECT_NEAR(report.largest_step, 0.02, 1e-12);
  ASSERT_EQ(report.channels.size(), 2u);
  EXPECT_EQ(report.channels[0].name, "accel_x");
  EXPECT_EQ(report.channels[0].missing_count, 1u);
  EXPECT_FLOAT_EQ(report.channels[0].min, 0.10f);
  EXPECT_FLOAT_EQ(report.channels[0].max, 0.60f);
  EXPECT_NEAR(report.channels[0].mean, (0.1 + 0.2 + 0.4 + 0.5 + 0.6) / 5, 1e-6);
  EXPECT_EQ(report.channels[1].missing_count, 2u);
  EXPECT_EQ(report.channels[1].longest_gap, 1u);
  EXPECT_EQ(report.class_counts.at("idle"), 3u);
  EXPECT_EQ(report.class_counts.at("run"), 3u);
  EXPECT_THAT(report.ToText(), HasSubstr("class run: 3"));
  EXPECT_TRUE(CheckClassBalance(report).ok());
}

TEST(InspectTest, SingleClassIsRejectedByName) {
  TimeSeries d = Fixture();
  for (auto& label : d.labels) label = "idle";
  const Result<void> check = CheckClassBalance(Inspect(d));
  ASSERT_FALSE(check.ok());
  EXPECT_THAT(check.error().message,
              HasSubstr("sensor_small.csv: single class 'idle': a classifier needs at least two"));
}

TEST(InspectTest, WindowLongerThanDataIsRejected) {
  const TimeSeries d = Fixture();
  EXPECT_TRUE(CheckWindowFits(d, 6).ok());
  const Result<void> check = CheckWindowFits(d, 7);
  ASSERT_FALSE(check.ok());
  EXPECT_THAT(check.error().message,
              HasSubstr("sensor_small.csv: window of 7 samples is longer than the 6 samples of data"));
}

TEST(CleanTest, InterpolatesEveryChannelWithTheDeviceCode) {
  TimeSeries d = Fixture();
  CleanOptions options;
  options.max_gap = 1;
  Result<CleanReport> report = Clean(d, options);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->filled_samples, 3u);
  EXPECT_FLOAT_EQ(d.channels[0][2], 0.30f);  // between 0.20 and 0.40
  EXPECT_FLOAT_EQ(d.channels[1][1], 1.1f);
  EXPECT_FLOAT_EQ(d.channels[1][3], 1.3f);
  for (const auto& channel : d.channels) {
    for (float v : channel) EXPECT_TRUE(std::isfinite(v));
  }
}

TEST(CleanTest, RejectsAGapLongerThanMaxGapNamingFileLineAndColumn) {
  Result<TimeSeries> parsed = ParseCsv("a,b\n1,2\n,3\n,4\n5,6\n", "gaps.csv", {});
  ASSERT_TRUE(parsed.ok());
  CleanOptions options;
  options.max_gap = 1;
  Result<CleanReport> report = Clean(*parsed, options);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().message,
            "gaps.csv:3: column 'a': gap of 2 missing samples exceeds max_gap 1");
}

TEST(CleanTest, RejectsAllMissingChannel) {
  Result<TimeSeries> parsed = ParseCsv("a,b\n1,\n2,NA\n", "empty.csv", {});
  ASSERT_TRUE(parsed.ok());
  CleanOptions options;
  options.max_gap = 10;
  Result<CleanReport> report = Clean(*parsed, options);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().message, "empty.csv: channel 'b' has no valid sample to interpolate from");
}

}  // namespace
}  // namespace tinyforge::toolchain
