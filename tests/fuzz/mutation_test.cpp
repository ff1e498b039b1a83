// Seeded mutation fuzzing that always runs in ctest (and in the ASan build): thousands of
// mutated valid blobs through Load -> Prepare -> Invoke must never crash, and corrupting a
// blob must never be silently accepted as the same blob.
#include <gtest/gtest.h>

#include <random>

#include "tests/fuzz/blob_mutator.h"
#include "tests/fuzz/fuzz_harness.h"
#include "tests/runtime/core/test_models.h"
#include "tests/runtime/core/tree_test_models.h"
#include "tinyforge/ops.h"

namespace tinyforge {
namespace {

using fuzz::MutateBlob;

std::vector<std::vector<uint8_t>> Seeds() {
  std::vector<std::vector<uint8_t>> seeds;
  seeds.push_back(testing::BuildTestModel());
  toolchain::ModelBuilder builder;
  const uint32_t a = builder.AddTensor(format::DType::kFloat32, {4});
  const uint32_t b = builder.AddTensor(format::DType::kFloat32, {4});
  const uint32_t c = builder.AddTensor(format::DType::kFloat32, {2, 2});
  builder.AddOp(format::OpCode::kRelu, {a}, b);
  builder.AddOp(format::OpCode::kReshape, {b}, c);
  builder.SetInputs({a});
  builder.SetOutputs({c});
  seeds.push_back(std::move(builder.Build()).value());
  return seeds;
}

TEST(MutationFuzzTest, MutatedBlobsNeverCrashLoadPrepareOrInvoke) {
  const auto seeds = Seeds();
  std::mt19937 random(20261125);
  int stages[4] = {0, 0, 0, 0};
  constexpr int kIterations = 4000;
  for (int i = 0; i < kIterations; ++i) {
    std::vector<uint8_t> blob = seeds[i % seeds.size()];
    MutateBlob(blob, random);
    int stage = 0;
    // 90 % with a repaired CRC so mutations reach the record checks.
    (void)fuzz::RunBlob(blob.data(), blob.size(), random() % 10 != 0, &stage);
    ++stages[stage];
  }
  // The mutations reach every stage, and most are refused.
  EXPECT_GT(stages[0], kIterations / 2);
  EXPECT_GT(stages[1] + stages[2] + stages[3], 0);
  RecordProperty("rejected", stages[0]);
  RecordProperty("invoked", stages[3]);
}

// TreeEnsemble: whole-blob mutations plus mutations aimed at the forest arrays in the constants
// section (children, features, roots, leaf rows), run with the real TreeEnsemble kernel. Any
// forest the loader accepts must walk inside its arrays (ASan/UBSan builds would catch it).
TEST(MutationFuzzTest, MutatedTreeEnsemblesNeverCrashLoadPrepareOrInvoke) {
  testing::TreeModelSpec isolation;
  isolation.outputs = isolation.output_width = 1;
  isolation.leaves = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
  isolation.params.mode = static_cast<uint8_t>(format::TreeEnsembleMode::kIsolationScore);
  isolation.params.score_normalizer = 4.0f;
  const std::vector<std::vector<uint8_t>> seeds = {testing::BuildTreeModel(testing::TreeModelSpec{}),
                                                   testing::BuildTreeModel(isolation)};
  static const OpRegistration kTreeOps[] = {ops::kTreeEnsemble};
  const OpResolver resolver(kTreeOps, 1);
  std::mt19937 random(20261126);
  int stages[4] = {0, 0, 0, 0};
  int aimed_accepted = 0;
  constexpr int kIterations = 3000;
  for (int i = 0; i < kIterations; ++i) {
    std::vector<uint8_t> blob = seeds[i % seeds.size()];
    const bool aimed = i % 2 == 0;
    if (aimed) {
      const auto entry = testing::ReadAt<format::SectionEntry>(
          blob, testing::SectionEntryOffset(blob, format::SectionKind::kConstants));
      const int flips = 1 + static_cast<int>(random() % 3);
      for (int f = 0; f < flips; ++f) {
        const size_t at = entry.offset + random() % entry.length;
        blob[at] = static_cast<uint8_t>(random() % 3 == 0 ? random() : blob[at] ^ (1u << (random() % 8)));
      }
    } else {
      MutateBlob(blob, random);
    }
    int stage = 0;
    (void)fuzz::RunBlobWith(resolver, blob.data(), blob.size(), aimed || random() % 10 != 0, &stage);
    ++stages[stage];
    if (aimed && stage == 3) ++aimed_accepted;
  }
  EXPECT_GT(stages[0], 0);   // some forests refused by the index proofs
  EXPECT_GT(stages[3], 0);   // and some (e.g. a changed threshold or leaf value) still run
  EXPECT_GT(aimed_accepted, 0);
  RecordProperty("rejected", stages[0]);
  RecordProperty("invoked", stages[3]);
}

TEST(MutationFuzzTest, AnyByteFlipWithoutCrcRepairIsRejected) {
  const std::vector<uint8_t> seed = testing::BuildTestModel();
  for (size_t at = 0; at < seed.size(); ++at) {
    std::vector<uint8_t> blob = seed;
    blob[at] ^= 0x01;
    int stage = 0;
    EXPECT_NE(fuzz::RunBlob(blob.data(), blob.size(), false, &stage), Status::kOk) << at;
  }
}

}  // namespace
}  // namespace tinyforge
