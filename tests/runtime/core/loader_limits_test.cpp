// The loader's work is bounded: hostile shapes of otherwise valid blobs are refused quickly with a
// named status instead of keeping a device busy.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "tinyforge/model.h"
#include "toolchain/format/model_builder.h"

namespace tinyforge {
namespace {

using toolchain::ModelBuilder;

// A chain of `length` ReLUs: the planner ping-pongs two buffers, so every tensor shares bytes with
// half of the others, and the lifetime proof must look at ~length^2/4 pairs.
std::vector<uint8_t> ReluChain(uint32_t length) {
  ModelBuilder builder;
  uint32_t previous = builder.AddTensor(format::DType::kFloat32, {1, 4});
  builder.SetInputs({previous});
  for (uint32_t i = 0; i < length; ++i) {
    const uint32_t next = builder.AddTensor(format::DType::kFloat32, {1, 4});
    builder.AddOp(format::OpCode::kRelu, {previous}, next);
    previous = next;
  }
  builder.SetOutputs({previous});
  toolchain::BuildOptions options;
  options.embed_tensor_names = false;
  auto blob = builder.Build(options);
  EXPECT_TRUE(blob.ok()) << blob.error().message;
  return blob.ok() ? *blob : std::vector<uint8_t>{};
}

// Over-aligned storage must be freed with the matching aligned delete.
struct AlignedDelete {
  void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t{16}); }
};

Status LoadAligned(const std::vector<uint8_t>& blob) {
  std::unique_ptr<uint8_t[], AlignedDelete> storage(
      static_cast<uint8_t*>(::operator new[](blob.size(), std::align_val_t{16})));
  std::memcpy(storage.get(), blob.data(), blob.size());
  Model model;
  return model.Load(storage.get(), blob.size());
}

TEST(LoaderLimitsTest, AcceptsAModeratelyDeepChain) {
  EXPECT_EQ(LoadAligned(ReluChain(200)), Status::kOk);
}

TEST(LoaderLimitsTest, RefusesAPlanTooCostlyToVerifyAndAnswersQuickly) {
  const std::vector<uint8_t> blob = ReluChain(3000);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(LoadAligned(blob), Status::kPlanTooComplex);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0);  // bounded work; unbounded it would take minutes
}

}  // namespace
}  // namespace tinyforge
