// The C ABI: init/invoke/free in caller storage, IO pointers, status names, error paths.
#include "tinyforge/c_api.h"

#include <gtest/gtest.h>

#include "tests/runtime/core/test_models.h"

namespace tinyforge {
namespace {

using testing::AlignedBuffer;

const tforge_op_resolver* TestResolver() {
  return reinterpret_cast<const tforge_op_resolver*>(&testing::TestOpsResolver());
}

TEST(CApiTest, RunsTheModelThroughOpaqueHandle) {
  const std::vector<uint8_t> blob = testing::BuildTestModel();
  AlignedBuffer blob_buffer(blob);
  const uint32_t arena_bytes = tforge_model_arena_bytes(blob_buffer.data(), blob.size());
  ASSERT_GT(arena_bytes, 0u);
  AlignedBuffer arena(arena_bytes);
  AlignedBuffer storage(TFORGE_INTERPRETER_STORAGE_BYTES);
  tforge_interpreter* interpreter = nullptr;
  ASSERT_EQ(tforge_interpreter_init(storage.data(), storage.size(), TestResolver(),
                                    blob_buffer.data(), blob.size(), arena.data(), arena.size(),
                                    &interpreter),
            TFORGE_OK);
  ASSERT_NE(interpreter, nullptr);
  EXPECT_EQ(tforge_interpreter_input_count(interpreter), 1u);
  EXPECT_EQ(tforge_interpreter_output_count(interpreter), 1u);
  void* input = nullptr;
  size_t input_bytes = 0;
  ASSERT_EQ(tforge_interpreter_input(interpreter, 0, &input, &input_bytes), TFORGE_OK);
  ASSERT_EQ(input_bytes, 64u);
  const std::vector<float> values = testing::TestInput(7);
  std::memcpy(input, values.data(), input_bytes);
  ASSERT_EQ(tforge_interpreter_invoke(interpreter), TFORGE_OK);
  const void* output = nullptr;
  size_t output_bytes = 0;
  ASSERT_EQ(tforge_interpreter_output(interpreter, 0, &output, &output_bytes), TFORGE_OK);
  ASSERT_EQ(output_bytes, 48u);
  const std::vector<float> expected = testing::TestModelExpected(values);
  for (int i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(static_cast<const float*>(output)[i], expected[i]);
  EXPECT_EQ(tforge_interpreter_output(interpreter, 3, &output, &output_bytes),
            static_cast<int>(Status::kIndexOutOfRange));
  tforge_interpreter_free(interpreter);
  tforge_interpreter_free(nullptr);
}

TEST(CApiTest, ReportsErrorsAsStatusCodesWithNames) {
  const std::vector<uint8_t> blob = testing::BuildTestModel();
  AlignedBuffer blob_buffer(blob);
  AlignedBuffer arena(1 << 14);
  AlignedBuffer storage(TFORGE_INTERPRETER_STORAGE_BYTES + 8);
  tforge_interpreter* interpreter = reinterpret_cast<tforge_interpreter*>(&arena);
  EXPECT_EQ(tforge_interpreter_init(storage.data(), 8, TestResolver(), blob_buffer.data(),
                                    blob.size(), arena.data(), arena.size(), &interpreter),
            static_cast<int>(Status::kBufferTooSmall));
  EXPECT_EQ(interpreter, nullptr);
  EXPECT_EQ(tforge_interpreter_init(storage.data() + 4, TFORGE_INTERPRETER_STORAGE_BYTES,
                                    TestResolver(), blob_buffer.data(), blob.size(), arena.data(),
                                    arena.size(), &interpreter),
            static_cast<int>(Status::kStorageMisaligned));
  const int status = tforge_interpreter_init(storage.data(), TFORGE_INTERPRETER_STORAGE_BYTES,
                                             TestResolver(), blob_buffer.data(), 20, arena.data(),
                                             arena.size(), &interpreter);
  EXPECT_STREQ(tforge_status_name(status), "BlobTooSmall");
  EXPECT_EQ(tforge_interpreter_init(storage.data(), TFORGE_INTERPRETER_STORAGE_BYTES, nullptr,
                                    blob_buffer.data(), blob.size(), arena.data(), arena.size(),
                                    &interpreter),
            static_cast<int>(Status::kNullArgument));
  EXPECT_STREQ(tforge_status_name(TFORGE_OK), "Ok");
  EXPECT_STREQ(tforge_status_name(-1), "Unknown");
  EXPECT_STREQ(tforge_status_name(9999), "Unknown");
  EXPECT_EQ(tforge_interpreter_invoke(nullptr), static_cast<int>(Status::kNullArgument));
  EXPECT_EQ(tforge_model_arena_bytes(blob_buffer.data(), 40), 0u);
}

}  // namespace
}  // namespace tinyforge
