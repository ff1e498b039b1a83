// Seeded mutation fuzzing that always runs in ctest (and in the ASan build): thousands of
// mutated valid blobs through Load -> Prepare -> Invoke must never crash, and corrupting a
// blob must never be silently accepted as the same blob.
#include <gtest/gtest.h>

#include <random>

#include "tests/fuzz/fuzz_harness.h"
#include "tests/runtime/core/test_models.h"

namespace tinyforge {
namespace {

constexpr uint32_t kInteresting32[] = {0u, 1u, 2u, 3u, 4u, 7u, 8u, 15u, 16u, 0x7Fu, 0x80u,
                                       0xFFu, 0xFFFFu, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFF0u,
                                       0xFFFFFFFFu};

void Mutate(std::vector<uint8_t>& blob, std::mt19937& random) {
  const auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  const int edits = 1 + static_cast<int>(pick(4));
  for (int e = 0; e < edits && !blob.empty(); ++e) {
    switch (pick(5)) {
      case 0:  // flip one bit
        blob[pick(blob.size())] ^= static_cast<uint8_t>(1u << pick(8));
        break;
      case 1:  // random byte
        blob[pick(blob.size())] = static_cast<uint8_t>(random());
        break;
      case 2: {  // interesting uint32 at an aligned offset (hits counts, offsets, lengths)
        if (blob.size() < 4) break;
        const size_t at = pick(blob.size() / 4) * 4;
        testing::WriteAt(blob, at, kInteresting32[pick(std::size(kInteresting32))]);
        break;
      }
      case 3: {  // small delta on an aligned uint32
        if (blob.size() < 4) break;
        const size_t at = pick(blob.size() / 4) * 4;
        const uint32_t value = testing::ReadAt<uint32_t>(blob, at);
        testing::WriteAt<uint32_t>(blob, at, value + static_cast<uint32_t>(pick(33)) - 16u);
        break;
      }
      default:  // truncate or extend
        if (pick(2) == 0) {
          blob.resize(pick(blob.size() + 1));
        } else {
          blob.resize(blob.size() + pick(64), static_cast<uint8_t>(random()));
        }
        break;
    }
  }
}

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
    Mutate(blob, random);
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
