// Group planning: percentages and counts, rounding, at least one device per group, bad plans.
#include <gtest/gtest.h>

#include "server/fleet/rollout_plan.h"

namespace tinyforge::server::fleet {
namespace {

std::vector<GroupSpec> Parse(const std::vector<std::string>& texts) {
  std::vector<GroupSpec> out;
  for (const auto& text : texts) {
    auto spec = ParseGroupSpec(text);
    EXPECT_TRUE(spec.ok()) << text << ": " << spec.error().message;
    if (spec.ok()) out.push_back(spec.value());
  }
  return out;
}

std::vector<int64_t> Sizes(int64_t devices, const std::vector<std::string>& groups) {
  auto sizes = PlanGroupSizes(devices, Parse(groups));
  EXPECT_TRUE(sizes.ok()) << sizes.error().message;
  return sizes.ok() ? sizes.value() : std::vector<int64_t>{};
}

TEST(RolloutPlanTest, DefaultIsOneTenHundredPercentCumulative) {
  auto sizes = PlanGroupSizes(10000, DefaultGroups());
  ASSERT_TRUE(sizes.ok());
  EXPECT_EQ(sizes.value(), (std::vector<int64_t>{100, 900, 9000}));
  EXPECT_EQ(Sizes(1000, {"1%", "10%", "100%"}), (std::vector<int64_t>{10, 90, 900}));
}

TEST(RolloutPlanTest, PercentagesRoundUpAndEveryGroupHasADevice) {
  // 1% of 50 = 0.5 -> 1; 10% of 50 = 5 -> 4 more.
  EXPECT_EQ(Sizes(50, {"1%", "10%", "100%"}), (std::vector<int64_t>{1, 4, 45}));
  // 1% and 10% of 7 both round to 1: the second group still gets one device of its own.
  EXPECT_EQ(Sizes(7, {"1%", "10%", "100%"}), (std::vector<int64_t>{1, 1, 5}));
  // More groups than devices: the empty ones are dropped, nobody is skipped.
  EXPECT_EQ(Sizes(2, {"1%", "10%", "100%"}), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(Sizes(1, {"1%", "10%", "100%"}), (std::vector<int64_t>{1}));
  // Exact multiples are not pushed up by floating-point noise (10% of 100 is 10, not 11).
  EXPECT_EQ(Sizes(100, {"10%", "30%", "100%"}), (std::vector<int64_t>{10, 20, 70}));
  EXPECT_EQ(Sizes(8, {"12.5%", "100%"}), (std::vector<int64_t>{1, 7}));
  EXPECT_EQ(Sizes(1000, {"0.5%", "100%"}), (std::vector<int64_t>{5, 995}));
}

TEST(RolloutPlanTest, CountsAreCumulativeAndTheLastMayExceedTheTarget) {
  EXPECT_EQ(Sizes(100, {"5", "20", "100"}), (std::vector<int64_t>{5, 15, 80}));
  EXPECT_EQ(Sizes(30, {"5", "1000"}), (std::vector<int64_t>{5, 25}));
  EXPECT_EQ(Sizes(3, {"5", "1000"}), (std::vector<int64_t>{3}));
  EXPECT_EQ(Sizes(100, {"1", "50%", "100%"}), (std::vector<int64_t>{1, 49, 50}));
  auto sizes = Sizes(12345, {"1%", "10%", "100%"});
  int64_t sum = 0;
  for (int64_t size : sizes) sum += size;
  EXPECT_EQ(sum, 12345);
}

TEST(RolloutPlanTest, BadPlansAreRefusedNamingTheGroup) {
  for (const char* text : {"", "%", "0%", "101%", "-5%", "abc", "10%%", "0", "1.5", "-3", "nan%", "1e400"}) {
    EXPECT_FALSE(ParseGroupSpec(text).ok()) << text;
  }
  auto short_plan = PlanGroupSizes(100, Parse({"1%", "50%"}));
  ASSERT_FALSE(short_plan.ok());
  EXPECT_NE(short_plan.error().message.find("must reach every device"), std::string::npos) << short_plan.error().message;
  auto decreasing = PlanGroupSizes(100, Parse({"10%", "5%", "100%"}));
  ASSERT_FALSE(decreasing.ok());
  EXPECT_NE(decreasing.error().message.find("group 2"), std::string::npos) << decreasing.error().message;
  auto counts_short = PlanGroupSizes(100, Parse({"5", "50"}));
  EXPECT_FALSE(counts_short.ok());
  EXPECT_FALSE(PlanGroupSizes(100, {}).ok());
  EXPECT_FALSE(PlanGroupSizes(0, DefaultGroups()).ok());
}

}  // namespace
}  // namespace tinyforge::server::fleet
