// The standardization head: fitted statistics, and the graph with Mul+Add in front computes the
// same values as standardizing first.
#include "toolchain/passes/standardize.h"

#include <gtest/gtest.h>

#include "toolchain/ir/float_executor.h"

namespace tinyforge::toolchain {
namespace {

TEST(StandardizeTest, FitsColumnMeansAndPopulationStd) {
  // columns: {1, 3} → mean 2, std 1; {5, 5} → constant → std stored as 1
  const auto fit = FitStandardization({1.0f, 5.0f, 3.0f, 5.0f}, 2, 2);
  EXPECT_FLOAT_EQ(fit.mean[0], 2.0f);
  EXPECT_FLOAT_EQ(fit.std[0], 1.0f);
  EXPECT_FLOAT_EQ(fit.mean[1], 5.0f);
  EXPECT_FLOAT_EQ(fit.std[1], 1.0f);
  std::vector<float> values = {1.0f, 5.0f, 3.0f, 5.0f};
  ApplyStandardization(fit, values);
  EXPECT_EQ(values, (std::vector<float>{-1.0f, 0.0f, 1.0f, 0.0f}));
}

TEST(StandardizeTest, PrependedHeadEqualsStandardizingFirst) {
  Graph graph;
  const int input = graph.AddActivation("x", {1, 3});
  auto relu = AddInferredNode(graph, OpCode::kRelu, {input});
  ASSERT_TRUE(relu.ok());
  graph.inputs = {input};
  graph.outputs = {*relu};
  const Standardization standardization{{1.0f, -2.0f, 10.0f}, {2.0f, 0.5f, 4.0f}};
  const std::vector<float> raw = {3.0f, -2.5f, 2.0f, -1.0f, 0.0f, 30.0f};

  std::vector<float> standardized = raw;
  ApplyStandardization(standardization, standardized);
  auto expected = PredictFloat(graph, standardized, 2);
  ASSERT_TRUE(expected.ok());

  Graph with_head = graph;
  ASSERT_TRUE(PrependStandardization(with_head, standardization).ok());
  EXPECT_EQ(with_head.nodes.front().op, OpCode::kMul);
  auto actual = PredictFloat(with_head, raw, 2);
  ASSERT_TRUE(actual.ok()) << actual.error().message;
  EXPECT_EQ(*actual, *expected);
}

TEST(StandardizeTest, RejectsAMismatchedInput) {
  Graph graph;
  const int input = graph.AddActivation("x", {1, 3});
  auto relu = AddInferredNode(graph, OpCode::kRelu, {input});
  ASSERT_TRUE(relu.ok());
  graph.inputs = {input};
  graph.outputs = {*relu};
  auto result = PrependStandardization(graph, {{0.0f, 0.0f}, {1.0f, 1.0f}});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("expected float32 [1, 2]"), std::string::npos)
      << result.error().message;
}

}  // namespace
}  // namespace tinyforge::toolchain
