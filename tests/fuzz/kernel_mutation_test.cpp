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
#include <utility>

#include "tests/fuzz/blob_mutator.h"
#include "tests/fuzz/fuzz_harness.h"
#include "tests/runtime/core/tree_test_models.h"
#include "tests/toolchain/every_op_model.h"
#include "tinyforge/interpreter.h"

namespace tinyforge {
namespace {

struct KernelFuzzSeeds {
  std::vector<uint8_t> float_blob;
  std::vector<uint8_t> int8_blob;
  std::vector<uint8_t> forest_blob;  // TreeEnsemble: the forest is proven only by its Prepare
};

const KernelFuzzSeeds& EveryOpSeeds() {
  static const KernelFuzzSeeds seeds = [] {
    KernelFuzzSeeds built;
    testing::EveryOpBlobs blobs = testing::BuildEveryOpBlobs();
    built.float_blob = std::move(blobs.float_blob);
    built.int8_blob = std::move(blobs.int8_blob);
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
