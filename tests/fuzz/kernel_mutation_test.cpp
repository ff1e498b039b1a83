// Seeded mutation fuzzing of the real kernels: mutation_test.cpp and the libFuzzer target run
// Prepare/Invoke with the test kernels only, so the op adapters' Prepare checks — the ones that
// keep every Invoke inside its tensors — were never fed hostile blobs. Here the seeds are two
// toolchain-built models that use every op 1..18 (a float one and its int8 quantization with
// Quantize/Dequantize at the edges) and a TreeEnsemble forest, run through AllOpsResolver();
// thousands of mutated copies must never crash Load -> Prepare -> Invoke (ctest runs this under
// ASan+UBSan too).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include "tests/fuzz/blob_mutator.h"
#include "tests/fuzz/fuzz_harness.h"
#include "tests/runtime/core/tree_test_models.h"
#include "tinyforge/interpreter.h"
#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/ir/graph.h"
#include "toolchain/passes/quantize.h"

namespace tinyforge {
namespace {

using toolchain::AddInferredNode;
using toolchain::AddReshape;
using toolchain::Graph;
using toolchain::NodeParams;

std::vector<float> KernelFuzzValues(std::mt19937& random, size_t count, float range) {
  std::uniform_real_distribution<float> value(-range, range);
  std::vector<float> values(count);
  for (float& v : values) v = value(random);
  return values;
}

// input [1,6,6,2] -> Conv2D 3x3 (Relu) -> DepthwiseConv2D 3x3 (Relu6) -> MaxPool2D, AveragePool2D
// -> Add, Mul -> Concat -> Reshape [1,9,8] -> Conv1D -> Sigmoid, Tanh -> Add -> Reshape [1,3,3,4]
// -> Relu -> Relu6 -> GlobalAveragePool -> Reshape [1,4] -> FullyConnected 3 -> Softmax.
Graph EveryOpFloatGraph() {
  std::mt19937 random(20261126);
  Graph graph;
  const auto value = [](toolchain::Result<int> result) {
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? *result : 0;
  };
  const int input = graph.AddActivation("input", {1, 6, 6, 2});
  graph.inputs = {input};
  NodeParams same;
  same.pad_top = 1;
  same.pad_left = 1;
  same.activation = format::FusedActivation::kRelu;
  const int conv = value(AddInferredNode(
      graph, format::OpCode::kConv2D,
      {input, graph.AddConstant("conv.w", {4, 3, 3, 2}, KernelFuzzValues(random, 72, 0.5f)),
       graph.AddConstant("conv.b", {4}, KernelFuzzValues(random, 4, 0.1f))},
      same, "conv"));
  same.activation = format::FusedActivation::kRelu6;
  const int depthwise = value(AddInferredNode(
      graph, format::OpCode::kDepthwiseConv2D,
      {conv, graph.AddConstant("dw.w", {1, 3, 3, 4}, KernelFuzzValues(random, 36, 0.5f)),
       graph.AddConstant("dw.b", {4}, KernelFuzzValues(random, 4, 0.1f))},
      same, "dw"));
  NodeParams pool;
  pool.filter_height = pool.filter_width = 2;
  pool.stride_height = pool.stride_width = 2;
  const int max_pool =
      value(AddInferredNode(graph, format::OpCode::kMaxPool2D, {depthwise}, pool, "max"));
  const int average_pool =
      value(AddInferredNode(graph, format::OpCode::kAveragePool2D, {depthwise}, pool, "avg"));
  const int sum =
      value(AddInferredNode(graph, format::OpCode::kAdd, {max_pool, average_pool}, {}, "add"));
  const int product =
      value(AddInferredNode(graph, format::OpCode::kMul, {sum, max_pool}, {}, "mul"));
  NodeParams concat;
  concat.concat_axis = 3;
  const int joined =
      value(AddInferredNode(graph, format::OpCode::kConcat, {sum, product}, concat, "concat"));
  const int signal = value(AddReshape(graph, joined, {1, 9, 8}, "to_1d"));
  NodeParams conv1d;
  conv1d.pad_left = 1;
  const int conv1 = value(AddInferredNode(
      graph, format::OpCode::kConv1D,
      {signal, graph.AddConstant("c1.w", {4, 3, 8}, KernelFuzzValues(random, 96, 0.5f)),
       graph.AddConstant("c1.b", {4}, KernelFuzzValues(random, 4, 0.1f))},
      conv1d, "conv1d"));
  const int sigmoid =
      value(AddInferredNode(graph, format::OpCode::kSigmoid, {conv1}, {}, "sigmoid"));
  const int tanh = value(AddInferredNode(graph, format::OpCode::kTanh, {conv1}, {}, "tanh"));
  const int mixed = value(AddInferredNode(graph, format::OpCode::kAdd, {sigmoid, tanh}, {}, "mix"));
  // After a Reshape, so the quantizer cannot fuse the Relu into the op before it.
  const int image = value(AddReshape(graph, mixed, {1, 3, 3, 4}, "to_2d"));
  const int relu = value(AddInferredNode(graph, format::OpCode::kRelu, {image}, {}, "relu"));
  const int relu6 = value(AddInferredNode(graph, format::OpCode::kRelu6, {relu}, {}, "relu6"));
  const int pooled =
      value(AddInferredNode(graph, format::OpCode::kGlobalAveragePool, {relu6}, {}, "gap"));
  const int flat = value(AddReshape(graph, pooled, {1, 4}, "flat"));
  const int logits = value(AddInferredNode(
      graph, format::OpCode::kFullyConnected,
      {flat, graph.AddConstant("fc.w", {3, 4}, KernelFuzzValues(random, 12, 1.0f)),
       graph.AddConstant("fc.b", {3}, KernelFuzzValues(random, 3, 0.1f))},
      {}, "fc"));
  const int probabilities =
      value(AddInferredNode(graph, format::OpCode::kSoftmax, {logits}, {}, "softmax"));
  graph.outputs = {probabilities};
  return graph;
}

struct KernelFuzzSeeds {
  std::vector<uint8_t> float_blob;
  std::vector<uint8_t> int8_blob;
  std::vector<uint8_t> forest_blob;  // TreeEnsemble: the forest is proven only by its Prepare
};

const KernelFuzzSeeds& EveryOpSeeds() {
  static const KernelFuzzSeeds seeds = [] {
    KernelFuzzSeeds built;
    const Graph graph = EveryOpFloatGraph();
    const auto validated = graph.Validate();
    EXPECT_TRUE(validated.ok()) << validated.error().message;
    auto float_blob = toolchain::EmitTfm(graph);
    EXPECT_TRUE(float_blob.ok()) << float_blob.error().message;
    if (float_blob.ok()) built.float_blob = *float_blob;
    std::mt19937 random(7);
    const size_t rows = 32;
    auto quantized = toolchain::QuantizeGraph(graph, KernelFuzzValues(random, rows * 72, 1.0f),
                                              rows);
    EXPECT_TRUE(quantized.ok()) << quantized.error().message;
    if (quantized.ok()) {
      auto int8_blob = toolchain::EmitTfm(*quantized);
      EXPECT_TRUE(int8_blob.ok()) << int8_blob.error().message;
      if (int8_blob.ok()) built.int8_blob = *int8_blob;
    }
    built.forest_blob = testing::BuildTreeModel(testing::TreeModelSpec{});
    return built;
  }();
  return seeds;
}

std::set<uint16_t> OpcodesOf(const std::vector<uint8_t>& blob, bool int8_only) {
  std::vector<uint8_t> copy(blob);  // 16-aligned by the allocator for this size class
  Model model;
  std::set<uint16_t> opcodes;
  EXPECT_EQ(model.Load(copy.data(), copy.size()), Status::kOk);
  for (uint32_t i = 0; i < model.op_count(); ++i) {
    const uint16_t output = model.op_tensor_list(i)[model.op(i).input_count];
    const bool int8 = model.tensor(output).dtype == static_cast<uint8_t>(format::DType::kInt8);
    // Dequantize writes float from int8: it counts as an int8 kernel.
    if (!int8_only || int8 || model.op(i).opcode == static_cast<uint16_t>(format::OpCode::kDequantize)) {
      opcodes.insert(model.op(i).opcode);
    }
  }
  return opcodes;
}

TEST(KernelMutationFuzzTest, SeedsUseEveryOpAndRunWithTheRealKernels) {
  const KernelFuzzSeeds& seeds = EveryOpSeeds();
  ASSERT_FALSE(seeds.float_blob.empty());
  ASSERT_FALSE(seeds.int8_blob.empty());
  std::set<uint16_t> all;
  for (uint16_t code = 1; code <= 18; ++code) all.insert(code);
  std::set<uint16_t> float_ops = all;
  float_ops.erase(static_cast<uint16_t>(format::OpCode::kQuantize));
  float_ops.erase(static_cast<uint16_t>(format::OpCode::kDequantize));
  EXPECT_EQ(OpcodesOf(seeds.float_blob, false), float_ops);
  EXPECT_EQ(OpcodesOf(seeds.int8_blob, true), all) << "every op with an int8 kernel";
  // TINYFORGE_FUZZ_SEED_DIR=<dir>: also write the seeds there (a libFuzzer corpus for the kernels).
  if (const char* dir = std::getenv("TINYFORGE_FUZZ_SEED_DIR")) {
    std::ofstream(std::string(dir) + "/every_op_float.tfm", std::ios::binary)
        .write(reinterpret_cast<const char*>(seeds.float_blob.data()),
               static_cast<std::streamsize>(seeds.float_blob.size()));
    std::ofstream(std::string(dir) + "/every_op_int8.tfm", std::ios::binary)
        .write(reinterpret_cast<const char*>(seeds.int8_blob.data()),
               static_cast<std::streamsize>(seeds.int8_blob.size()));
    std::ofstream(std::string(dir) + "/forest.tfm", std::ios::binary)
        .write(reinterpret_cast<const char*>(seeds.forest_blob.data()),
               static_cast<std::streamsize>(seeds.forest_blob.size()));
  }
  for (const auto* blob : {&seeds.float_blob, &seeds.int8_blob, &seeds.forest_blob}) {
    int stage = 0;
    EXPECT_EQ(fuzz::RunBlobWith(AllOpsResolver(), blob->data(), blob->size(), false, &stage),
              Status::kOk);
    EXPECT_EQ(stage, 3) << "the unmutated seed must load, prepare and invoke";
  }
}

TEST(KernelMutationFuzzTest, MutatedEveryOpModelsNeverCrashTheRealKernels) {
  const KernelFuzzSeeds& seeds = EveryOpSeeds();
  ASSERT_FALSE(seeds.float_blob.empty());
  ASSERT_FALSE(seeds.int8_blob.empty());
  std::mt19937 random(20261126);
  int stages[4] = {0, 0, 0, 0};
  constexpr int kIterations = 9000;
  for (int i = 0; i < kIterations; ++i) {
    const std::vector<uint8_t>* seed_blobs[] = {&seeds.float_blob, &seeds.int8_blob,
                                                &seeds.forest_blob};
    std::vector<uint8_t> blob = *seed_blobs[i % 3];
    fuzz::MutateBlob(blob, random);
    int stage = 0;
    // 90 % with a repaired CRC so mutations reach the records, Prepare and Invoke.
    (void)fuzz::RunBlobWith(AllOpsResolver(), blob.data(), blob.size(), random() % 10 != 0,
                            &stage);
    ++stages[stage];
  }
  // Mutations reach the kernels: some blobs are refused at Prepare, some run.
  EXPECT_GT(stages[0], kIterations / 4);
  EXPECT_GT(stages[1], 0) << "no mutated blob was refused by a kernel's Prepare";
  EXPECT_GT(stages[3], kIterations / 20) << "too few mutated blobs reached Invoke";
  RecordProperty("rejected_by_load", stages[0]);
  RecordProperty("rejected_by_prepare", stages[1]);
  RecordProperty("invoked", stages[3]);
}

}  // namespace
}  // namespace tinyforge
