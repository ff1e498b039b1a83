// Tests of missing-value interpolation, normalization and windowing in runtime/dsp.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/dsp/dsp_reference.h"
#include "tinyforge/dsp.h"

namespace tinyforge::dsp {
namespace {

const float kNan = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

TEST(InterpolateMissingTest, FillsInteriorGapWithAStraightLine) {
  std::vector<float> x = {1.0f, kNan, kNan, kNan, 5.0f, 6.0f};
  InterpolationReport report;
  ASSERT_EQ(InterpolateMissing(x.data(), 6, InterpolationMethod::kLinear, 3, &report), Status::kOk);
  EXPECT_EQ(x, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(report.missing_count, 3u);
  EXPECT_EQ(report.longest_gap, 3u);
  EXPECT_TRUE(report.usable);
}

TEST(InterpolateMissingTest, HoldLastRepeatsThePreviousValueAndTreatsInfAsMissing) {
  std::vector<float> x = {1.0f, kInf, -kInf, 5.0f, kNan};
  InterpolationReport report;
  ASSERT_EQ(InterpolateMissing(x.data(), 5, InterpolationMethod::kHoldLast, 2, &report),
            Status::kOk);
  EXPECT_EQ(x, (std::vector<float>{1, 1, 1, 5, 5}));
  EXPECT_EQ(report.missing_count, 3u);
  EXPECT_EQ(report.longest_gap, 2u);
  EXPECT_TRUE(report.usable);
}

TEST(InterpolateMissingTest, BackFillsALeadingGapAndHoldsATrailingOne) {
  std::vector<float> x = {kNan, kNan, 3.0f, 4.0f, kNan};
  InterpolationReport report;
  ASSERT_EQ(InterpolateMissing(x.data(), 5, InterpolationMethod::kLinear, 5, &report), Status::kOk);
  EXPECT_EQ(x, (std::vector<float>{3, 3, 3, 4, 4}));
}

TEST(InterpolateMissingTest, ReportsWindowUnusableWhenAGapExceedsTheMaximum) {
  std::vector<float> x = {0.0f, kNan, kNan, kNan, 4.0f};
  InterpolationReport report;
  ASSERT_EQ(InterpolateMissing(x.data(), 5, InterpolationMethod::kLinear, 2, &report), Status::kOk);
  EXPECT_FALSE(report.usable);
  EXPECT_EQ(report.longest_gap, 3u);
  EXPECT_EQ(x[2], 2.0f);  // still filled, so the buffer stays finite
}

TEST(InterpolateMissingTest, ReportsAllMissingWindowUnusableAndLeavesItAlone) {
  std::vector<float> x = {kNan, kNan};
  InterpolationReport report;
  ASSERT_EQ(InterpolateMissing(x.data(), 2, InterpolationMethod::kLinear, 10, &report), Status::kOk);
  EXPECT_FALSE(report.usable);
  EXPECT_EQ(report.missing_count, 2u);
  EXPECT_TRUE(std::isnan(x[0]));
}

TEST(InterpolateMissingTest, RejectsNullAndUnknownMethod) {
  float x[2] = {1, 2};
  InterpolationReport report;
  EXPECT_EQ(InterpolateMissing(nullptr, 2, InterpolationMethod::kLinear, 1, &report),
            Status::kNullArgument);
  EXPECT_EQ(InterpolateMissing(x, 2, InterpolationMethod::kLinear, 1, nullptr),
            Status::kNullArgument);
  EXPECT_EQ(InterpolateMissing(x, 2, static_cast<InterpolationMethod>(9), 1, &report),
            Status::kBadParams);
}

TEST(NormalizationTest, ZScoreFitMatchesDoubleMomentsAndApplyCentersTheData) {
  reference::Random random{5u};
  std::vector<float> x(3000);
  for (float& v : x) v = 100.0f + 3.0f * random.Uniform();
  NormalizationParams params;
  ASSERT_EQ(FitNormalization(x.data(), uint32_t(x.size()), NormalizationKind::kZScore, &params),
            Status::kOk);
  const reference::TimeStats stats = reference::Moments(x.data(), uint32_t(x.size()));
  EXPECT_TRUE(reference::Agrees(params.center, stats.mean, 0.0));
  EXPECT_TRUE(reference::Agrees(params.scale, stats.std, 0.0)) << params.scale << " " << stats.std;
  ASSERT_EQ(ApplyNormalization(params, x.data(), uint32_t(x.size())), Status::kOk);
  const reference::TimeStats after = reference::Moments(x.data(), uint32_t(x.size()));
  EXPECT_NEAR(after.mean, 0.0, 1e-4);
  EXPECT_NEAR(after.std, 1.0, 1e-4);
}

TEST(NormalizationTest, MinMaxMapsTheFitRangeOntoZeroToOne) {
  std::vector<float> x = {2.0f, 6.0f, 4.0f, 10.0f};
  NormalizationParams params;
  ASSERT_EQ(FitNormalization(x.data(), 4, NormalizationKind::kMinMax, &params), Status::kOk);
  EXPECT_EQ(params.center, 2.0f);
  EXPECT_EQ(params.scale, 8.0f);
  ASSERT_EQ(ApplyNormalization(params, x.data(), 4), Status::kOk);
  EXPECT_EQ(x, (std::vector<float>{0.0f, 0.5f, 0.25f, 1.0f}));
}

TEST(NormalizationTest, ConstantDataGetsUnitScale) {
  std::vector<float> x(10, 7.0f);
  NormalizationParams params;
  ASSERT_EQ(FitNormalization(x.data(), 10, NormalizationKind::kZScore, &params), Status::kOk);
  EXPECT_EQ(params.scale, 1.0f);
  ASSERT_EQ(FitNormalization(x.data(), 10, NormalizationKind::kMinMax, &params), Status::kOk);
  EXPECT_EQ(params.scale, 1.0f);
}

TEST(NormalizationTest, RejectsNonFiniteSamplesEmptyInputAndBadParams) {
  std::vector<float> x = {1.0f, kNan};
  NormalizationParams params;
  EXPECT_EQ(FitNormalization(x.data(), 2, NormalizationKind::kZScore, &params),
            Status::kNumericalError);
  EXPECT_EQ(FitNormalization(x.data(), 0, NormalizationKind::kZScore, &params), Status::kBadParams);
  EXPECT_EQ(FitNormalization(x.data(), 1, static_cast<NormalizationKind>(7), &params),
            Status::kBadParams);
  NormalizationParams zero_scale{NormalizationKind::kZScore, 0.0f, 0.0f};
  EXPECT_EQ(ApplyNormalization(zero_scale, x.data(), 1), Status::kBadParams);
  NormalizationParams nan_center{NormalizationKind::kMinMax, kNan, 1.0f};
  EXPECT_EQ(ApplyNormalization(nan_center, x.data(), 1), Status::kBadParams);
}

TEST(WindowTest, CountsOnlyCompleteWindows) {
  EXPECT_EQ(WindowCount(10, 4, 2), 4u);  // starts 0, 2, 4, 6
  EXPECT_EQ(WindowCount(10, 10, 3), 1u);
  EXPECT_EQ(WindowCount(9, 10, 3), 0u);
  EXPECT_EQ(WindowCount(10, 0, 3), 0u);
  EXPECT_EQ(WindowCount(10, 3, 0), 0u);
}

TEST(WindowTest, IteratorVisitsEveryStartInOrder) {
  std::vector<float> x(11);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i);
  WindowIterator it;
  ASSERT_EQ(it.Init(x.data(), 11, 4, 3), Status::kOk);
  EXPECT_EQ(it.window_count(), 3u);
  std::vector<float> starts;
  const float* window = nullptr;
  while (it.Next(&window)) starts.push_back(window[0]);
  EXPECT_EQ(starts, (std::vector<float>{0, 3, 6}));
  EXPECT_FALSE(it.Next(&window));
}

TEST(WindowTest, IteratorHandlesHugeStrideAndShortData) {
  std::vector<float> x(5);
  WindowIterator it;
  ASSERT_EQ(it.Init(x.data(), 5, 2, 0xFFFFFFFFu), Status::kOk);
  const float* window = nullptr;
  EXPECT_TRUE(it.Next(&window));
  EXPECT_FALSE(it.Next(&window));
  ASSERT_EQ(it.Init(x.data(), 5, 6, 1), Status::kOk);
  EXPECT_FALSE(it.Next(&window));
  EXPECT_EQ(it.Init(x.data(), 5, 0, 1), Status::kBadParams);
  EXPECT_EQ(it.Init(nullptr, 5, 2, 1), Status::kNullArgument);
}

}  // namespace
}  // namespace tinyforge::dsp
