// Arena planner: plans are valid (no live buffers share bytes, checked by brute force here and
// by the loader), Reshape aliases, scratch is planned, and the predicted arena is exactly what a
// run touches.
#include "toolchain/planner/arena_planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <random>

#include "tests/runtime/core/test_models.h"
#include "tests/runtime/core/tree_test_models.h"
#include "tests/toolchain/every_op_model.h"
#include "tinyforge/interpreter.h"
#include "toolchain/format/model_builder.h"

namespace tinyforge::toolchain {
namespace {

using format::OpCode;
// Test helpers are spelled tinyforge::testing:: in full: in a unity batch with a file that opens
// tinyforge::toolchain::testing (tests/toolchain/emit/server_card_check.h), a bare testing:: here
// would name that namespace instead.

// Independent validity check: the live range of every activation/scratch, by brute force.
void ExpectPlanValid(const PlannerProblem& problem, const ArenaPlan& plan) {
  const uint32_t op_count = static_cast<uint32_t>(problem.ops.size());
  struct Live {
    uint32_t offset, bytes, first, last;
    int alias_group;
  };
  std::vector<Live> live;
  for (uint32_t t = 0; t < problem.tensors.size(); ++t) {
    if (problem.tensors[t].is_constant) {
      EXPECT_EQ(plan.tensor_offsets[t], format::kNone32);
      continue;
    }
    EXPECT_EQ(plan.tensor_offsets[t] % 16, 0u);
    EXPECT_LE(uint64_t{plan.tensor_offsets[t]} + problem.tensors[t].bytes, plan.arena_bytes);
    bool is_input = std::count(problem.graph_inputs.begin(), problem.graph_inputs.end(), t) > 0;
    bool is_output = std::count(problem.graph_outputs.begin(), problem.graph_outputs.end(), t) > 0;
    uint32_t first = is_input ? 0 : UINT32_MAX, last = 0;
    for (uint32_t i = 0; i < op_count; ++i) {
      if (problem.ops[i].output == t) first = std::min(first, i);
      for (uint32_t in : problem.ops[i].inputs) {
        if (in == t) last = std::max(last, i);
      }
    }
    if (first == UINT32_MAX) continue;
    last = is_output ? op_count : std::max(last, first);
    live.push_back({plan.tensor_offsets[t], problem.tensors[t].bytes, first, last, -1});
  }
  for (uint32_t i = 0; i < op_count; ++i) {
    if (problem.ops[i].scratch_bytes == 0) continue;
    EXPECT_GE(plan.op_scratch[i].bytes, problem.ops[i].scratch_bytes);
    live.push_back({plan.op_scratch[i].offset, plan.op_scratch[i].bytes, i, i, -1});
  }
  for (size_t a = 0; a < live.size(); ++a) {
    for (size_t b = a + 1; b < live.size(); ++b) {
      const bool time = live[a].first <= live[b].last && live[b].first <= live[a].last;
      const bool space = live[a].offset < live[b].offset + live[b].bytes &&
                         live[b].offset < live[a].offset + live[a].bytes;
      const bool exact_alias = live[a].offset == live[b].offset && live[a].bytes == live[b].bytes;
      if (time && space && !exact_alias) ADD_FAILURE() << "buffers " << a << " and " << b;
    }
  }
}

PlannerProblem Chain(const std::vector<uint32_t>& sizes) {
  PlannerProblem problem;
  for (uint32_t size : sizes) problem.tensors.push_back({size, false});
  for (uint32_t i = 0; i + 1 < sizes.size(); ++i) {
    problem.ops.push_back({static_cast<uint16_t>(OpCode::kRelu), {i}, i + 1, 0});
  }
  problem.graph_inputs = {0};
  problem.graph_outputs = {static_cast<uint32_t>(sizes.size() - 1)};
  return problem;
}

TEST(ArenaPlannerTest, PingPongsAChainOfEqualBuffers) {
  const PlannerProblem problem = Chain({64, 64, 64, 64, 64});
  const auto plan = PlanArena(problem);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->arena_bytes, 128u);  // two buffers alive at any time
  ExpectPlanValid(problem, *plan);
}

TEST(ArenaPlannerTest, ArenaIsAtLeastThePeakLiveBytesAndNoMoreThanTheSum) {
  const PlannerProblem problem = Chain({100, 200, 48, 300});
  const auto plan = PlanArena(problem);
  ASSERT_TRUE(plan.ok());
  ExpectPlanValid(problem, *plan);
  EXPECT_GE(plan->arena_bytes, 348u);  // peak: ops 2 (48 + 300)
  EXPECT_LE(plan->arena_bytes, 100u + 208 + 48 + 304);
}

TEST(ArenaPlannerTest, ReshapeOutputAliasesItsInput) {
  PlannerProblem problem = Chain({64, 64, 64});
  problem.ops[1].opcode = static_cast<uint16_t>(OpCode::kReshape);
  const auto plan = PlanArena(problem);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->tensor_offsets[2], plan->tensor_offsets[1]);
  EXPECT_EQ(plan->arena_bytes, 128u);
  ExpectPlanValid(problem, *plan);
}

TEST(ArenaPlannerTest, PlacesScratchAwayFromTheOpsLiveTensors) {
  PlannerProblem problem = Chain({64, 64, 64});
  problem.ops[0].scratch_bytes = 40;
  const auto plan = PlanArena(problem);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->op_scratch[0].bytes, 40u);
  EXPECT_EQ(plan->op_scratch[1].offset, format::kNone32);
  ExpectPlanValid(problem, *plan);
  EXPECT_EQ(plan->arena_bytes, 128u + 40u);
}

TEST(ArenaPlannerTest, RejectsReadBeforeWriteAndDoubleWrite) {
  PlannerProblem problem = Chain({16, 16, 16});
  std::swap(problem.ops[0], problem.ops[1]);
  const auto swapped = PlanArena(problem);
  ASSERT_FALSE(swapped.ok());
  EXPECT_NE(swapped.error().message.find("op 0 (Relu)"), std::string::npos);
  PlannerProblem twice = Chain({16, 16, 16});
  twice.ops[1].output = 1;
  EXPECT_FALSE(PlanArena(twice).ok());
}

// Random DAGs: every plan is valid by brute force and accepted by the device loader.
TEST(ArenaPlannerTest, RandomGraphsGetValidPlansTheLoaderAccepts) {
  std::mt19937 engine(1234);
  const auto random = [&engine]() { return static_cast<uint32_t>(engine()); };
  for (int trial = 0; trial < 200; ++trial) {
    ModelBuilder builder;
    std::vector<uint32_t> available;
    const uint32_t input = builder.AddTensor(format::DType::kFloat32, {1 + random() % 40});
    available.push_back(input);
    const int ops = 1 + static_cast<int>(random() % 12);
    for (int i = 0; i < ops; ++i) {
      const uint32_t source = available[random() % available.size()];
      const auto shape = builder.tensors()[source].shape;
      const uint32_t kind = random() % 3;
      if (kind == 0) {
        const uint32_t out = builder.AddTensor(format::DType::kFloat32, shape);
        builder.AddOp(OpCode::kRelu, {source}, out);
        available.push_back(out);
      } else if (kind == 1) {
        const uint32_t out = builder.AddTensor(format::DType::kFloat32, shape);
        builder.AddOp(OpCode::kReshape, {source}, out);
        available.push_back(out);
      } else {
        // Add with another tensor of the same shape if any, else with itself.
        uint32_t other = source;
        for (uint32_t t : available) {
          if (builder.tensors()[t].shape == shape && random() % 2 == 0) other = t;
        }
        const uint32_t out = builder.AddTensor(format::DType::kFloat32, shape);
        builder.AddOp(OpCode::kAdd, {source, other}, out, format::ElementwiseParams{});
        available.push_back(out);
      }
    }
    builder.SetInputs({input});
    builder.SetOutputs({available.back()});
    BuildOptions options;
    options.scratch_resolver = &tinyforge::testing::TestOpsResolver();
    const auto blob = builder.Build(options);
    ASSERT_TRUE(blob.ok()) << blob.error().message;
    tinyforge::testing::AlignedBuffer buffer(*blob);
    Model model;
    ASSERT_EQ(model.Load(buffer.data(), blob->size()), Status::kOk) << "trial " << trial;
  }
}

// Predicted arena == used arena: run the test model in a larger arena painted with a canary and
// find the highest byte any run changed; and one byte less must be refused by Prepare.
TEST(ArenaPlannerTest, PredictedArenaIsExactlyTheArenaUsed) {
  const std::vector<uint8_t> blob = tinyforge::testing::BuildTestModel();
  tinyforge::testing::AlignedBuffer blob_buffer(blob);
  size_t highest_touched = 0;
  uint32_t predicted = 0;
  for (uint8_t canary : {uint8_t{0xA5}, uint8_t{0x5A}}) {
    Interpreter interpreter(tinyforge::testing::TestOpsResolver());
    ASSERT_EQ(interpreter.Load(blob_buffer.data(), blob.size()), Status::kOk);
    predicted = interpreter.ArenaBytesRequired();
    tinyforge::testing::AlignedBuffer arena(predicted + 1024, canary);
    EXPECT_EQ(interpreter.Prepare(arena.data(), predicted - 1), Status::kArenaTooSmall);
    ASSERT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kOk);
    for (uint32_t seed = 0; seed < 3; ++seed) {
      const std::vector<float> input = tinyforge::testing::TestInput(seed);
      Tensor in;
      ASSERT_EQ(interpreter.Input(0, &in), Status::kOk);
      std::memcpy(in.data, input.data(), in.Bytes());
      ASSERT_EQ(interpreter.Invoke(), Status::kOk);
    }
    for (size_t i = 0; i < arena.size(); ++i) {
      if (arena.data()[i] != canary) highest_touched = std::max(highest_touched, i + 1);
    }
  }
  EXPECT_EQ(highest_touched, predicted);
}

// The highest arena byte Prepare + Invoke change (two canaries), + 1, with the real kernels.
uint32_t ArenaBytesTouchedByRealKernels(const std::vector<uint8_t>& blob, uint32_t* predicted) {
  tinyforge::testing::AlignedBuffer blob_buffer(blob);
  uint32_t touched = 0;
  for (uint8_t canary : {uint8_t{0xA5}, uint8_t{0x5A}}) {
    Interpreter interpreter(AllOpsResolver());
    EXPECT_EQ(interpreter.Load(blob_buffer.data(), blob.size()), Status::kOk);
    *predicted = interpreter.ArenaBytesRequired();
    tinyforge::testing::AlignedBuffer arena(*predicted + 1024, canary);
    EXPECT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kOk);
    Tensor in;
    EXPECT_EQ(interpreter.Input(0, &in), Status::kOk);
    std::memset(in.data, 1, in.Bytes());
    EXPECT_EQ(interpreter.Invoke(), Status::kOk);
    for (size_t i = 0; i < arena.size(); ++i) {
      if (arena.data()[i] != canary) touched = std::max(touched, static_cast<uint32_t>(i + 1));
    }
  }
  return touched;
}

// Predicted == used for the models that run every kernel (float and int8 every-op models, a
// forest), on the host with the real kernels (measured: 1,152, 624 and 24 bytes). A model whose
// plan holds Cortex-M Conv2D scratch (KWS) touches less on the host; the device side is measured
// by each bench image (bench/m4/bench_main.cpp: touched == planned on QEMU) and
// make_bench_models (host: touched <= planned).
TEST(ArenaPlannerTest, RealModelsUseExactlyThePlannedArena) {
  const tinyforge::testing::EveryOpBlobs every_op = tinyforge::testing::BuildEveryOpBlobs();
  const struct {
    const char* name;
    std::vector<uint8_t> blob;
  } models[] = {{"every-op float", every_op.float_blob},
                {"every-op int8", every_op.int8_blob},
                {"forest", tinyforge::testing::BuildTreeModel(tinyforge::testing::TreeModelSpec{})}};
  for (const auto& model : models) {
    uint32_t predicted = 0;
    const uint32_t touched = ArenaBytesTouchedByRealKernels(model.blob, &predicted);
    RecordProperty(std::string(model.name) + " predicted", predicted);
    RecordProperty(std::string(model.name) + " touched", touched);
    EXPECT_EQ(touched, predicted) << model.name << " (more: a run wrote past the planned arena;"
                                  << " less: the plan is not exact)";
  }
}

}  // namespace
}  // namespace tinyforge::toolchain
