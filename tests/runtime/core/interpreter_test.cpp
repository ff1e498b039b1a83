// Interpreter: Prepare's arena/resolver/scratch checks, Invoke against an independent
// computation of the test model, and the call-order statuses.
#include "tinyforge/interpreter.h"

#include <gtest/gtest.h>

#include "tests/runtime/core/test_models.h"

namespace tinyforge {
namespace {

using testing::AlignedBuffer;

class InterpreterTest : public ::testing::Test {
 protected:
  InterpreterTest() : blob_(testing::BuildTestModel()), buffer_(blob_) {}
  std::vector<uint8_t> blob_;
  AlignedBuffer buffer_;
};

TEST_F(InterpreterTest, InvokeMatchesIndependentComputation) {
  Interpreter interpreter(testing::TestOpsResolver());
  ASSERT_EQ(interpreter.Load(buffer_.data(), blob_.size()), Status::kOk);
  AlignedBuffer arena(interpreter.ArenaBytesRequired());
  ASSERT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kOk);
  for (uint32_t seed = 0; seed < 5; ++seed) {
    const std::vector<float> input = testing::TestInput(seed);
    Tensor in;
    ASSERT_EQ(interpreter.Input(0, &in), Status::kOk);
    ASSERT_EQ(in.Bytes(), input.size() * 4);
    std::memcpy(in.data, input.data(), in.Bytes());
    ASSERT_EQ(interpreter.Invoke(), Status::kOk);
    Tensor out;
    ASSERT_EQ(interpreter.Output(0, &out), Status::kOk);
    ASSERT_EQ(out.ElementCount(), 12u);
    const std::vector<float> expected = testing::TestModelExpected(input);
    for (uint32_t i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(out.As<float>()[i], expected[i]) << i;
  }
}

TEST_F(InterpreterTest, ReportsCallOrderErrors) {
  Interpreter interpreter(testing::TestOpsResolver());
  AlignedBuffer arena(4096);
  Tensor tensor;
  EXPECT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kNotLoaded);
  EXPECT_EQ(interpreter.Invoke(), Status::kNotPrepared);
  EXPECT_EQ(interpreter.ArenaBytesRequired(), 0u);
  ASSERT_EQ(interpreter.Load(buffer_.data(), blob_.size()), Status::kOk);
  EXPECT_EQ(interpreter.Input(0, &tensor), Status::kNotPrepared);
  EXPECT_EQ(interpreter.Invoke(), Status::kNotPrepared);
  ASSERT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kOk);
  EXPECT_EQ(interpreter.Input(1, &tensor), Status::kIndexOutOfRange);
  EXPECT_EQ(interpreter.Output(1, &tensor), Status::kIndexOutOfRange);
  EXPECT_EQ(interpreter.Input(0, nullptr), Status::kNullArgument);
  // A failed Load resets the prepared state.
  EXPECT_EQ(interpreter.Load(buffer_.data(), 10), Status::kBlobTooSmall);
  EXPECT_EQ(interpreter.Invoke(), Status::kNotPrepared);
}

TEST_F(InterpreterTest, RejectsArenaTooSmallOrMisaligned) {
  Interpreter interpreter(testing::TestOpsResolver());
  ASSERT_EQ(interpreter.Load(buffer_.data(), blob_.size()), Status::kOk);
  const uint32_t required = interpreter.ArenaBytesRequired();
  AlignedBuffer arena(required + 16);
  EXPECT_EQ(interpreter.Prepare(arena.data(), required - 1), Status::kArenaTooSmall);
  EXPECT_EQ(interpreter.Prepare(arena.data() + 8, required), Status::kArenaMisaligned);
  EXPECT_EQ(interpreter.Prepare(nullptr, required), Status::kNullArgument);
  EXPECT_EQ(interpreter.Prepare(arena.data(), required), Status::kOk);
}

TEST_F(InterpreterTest, RejectsOpMissingFromResolver) {
  // Everything but Add.
  static constexpr OpRegistration kWithoutAdd[] = {testing::kTestRegistrations[0],
                                                   testing::kTestRegistrations[1],
                                                   testing::kTestRegistrations[3]};
  const OpResolver resolver(kWithoutAdd, 3);
  Interpreter interpreter(resolver);
  ASSERT_EQ(interpreter.Load(buffer_.data(), blob_.size()), Status::kOk);
  AlignedBuffer arena(interpreter.ArenaBytesRequired());
  EXPECT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kOpNotRegistered);
}

uint32_t GreedyScratch(const OpContext&) { return 1u << 20; }

TEST_F(InterpreterTest, RejectsPlannedScratchSmallerThanKernelNeeds) {
  OpRegistration registrations[4];
  for (int i = 0; i < 4; ++i) registrations[i] = testing::kTestRegistrations[i];
  registrations[3].scratch_bytes = &GreedyScratch;
  const OpResolver resolver(registrations, 4);
  Interpreter interpreter(resolver);
  ASSERT_EQ(interpreter.Load(buffer_.data(), blob_.size()), Status::kOk);
  AlignedBuffer arena(interpreter.ArenaBytesRequired());
  EXPECT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kScratchTooSmall);
}

Status RefuseShapes(const OpContext&) { return Status::kShapeMismatch; }

TEST_F(InterpreterTest, ReturnsTheOpsPrepareStatus) {
  OpRegistration registrations[4];
  for (int i = 0; i < 4; ++i) registrations[i] = testing::kTestRegistrations[i];
  registrations[0].prepare = &RefuseShapes;  // Relu
  const OpResolver resolver(registrations, 4);
  Interpreter interpreter(resolver);
  ASSERT_EQ(interpreter.Load(buffer_.data(), blob_.size()), Status::kOk);
  AlignedBuffer arena(interpreter.ArenaBytesRequired());
  EXPECT_EQ(interpreter.Prepare(arena.data(), arena.size()), Status::kShapeMismatch);
}

TEST(StatusTest, NamesEveryStatusFromTheXMacro) {
  EXPECT_STREQ(StatusName(Status::kOk), "Ok");
  EXPECT_STREQ(StatusName(Status::kCrcMismatch), "CrcMismatch");
  EXPECT_STREQ(StatusName(Status::kTensorWrittenTwice), "TensorWrittenTwice");
  EXPECT_STREQ(StatusName(static_cast<Status>(250)), "Unknown");
  // Every status, from the X-macro itself (StatusName walks one packed string of names).
  uint32_t count = 0;
#define TINYFORGE_STATUS_NAME_CHECK(name)                      \
  EXPECT_STREQ(StatusName(Status::k##name), #name);             \
  EXPECT_EQ(static_cast<uint32_t>(Status::k##name), count++);
  TINYFORGE_STATUSES(TINYFORGE_STATUS_NAME_CHECK)
#undef TINYFORGE_STATUS_NAME_CHECK
  EXPECT_STREQ(StatusName(static_cast<Status>(count)), "Unknown");
}

}  // namespace
}  // namespace tinyforge
