// Loader/interpreter on the Cortex-M4 (QEMU mps2-an386): the host-built test model runs from
// flash and matches the host's independent computation; corrupted RAM copies of it are refused
// with the same statuses as on the host; the C API works in static storage.
#include <string.h>

#include "core/crc32.h"
#include "embedded_files.h"
#include "micro_test.h"
#include "tests/runtime/core/test_kernels.h"
#include "tinyforge/c_api.h"
#include "tinyforge/interpreter.h"

namespace {

using tinyforge::Interpreter;
using tinyforge::Status;
using tinyforge::Tensor;
namespace format = tinyforge::format;

constexpr uint32_t kArenaBytes = 4096;
constexpr uint32_t kBlobCapacity = 8192;
alignas(16) uint8_t g_arena[kArenaBytes + 16];
alignas(16) uint8_t g_blob[kBlobCapacity];

const uint8_t* Blob() { return tf_embed_test_model_tfm; }
uint32_t BlobBytes() { return tf_embed_test_model_tfm_size; }

uint32_t ReadU32(const uint8_t* bytes, uint32_t offset) {
  uint32_t value;
  memcpy(&value, bytes + offset, 4);
  return value;
}
void WriteU32(uint8_t* bytes, uint32_t offset, uint32_t value) { memcpy(bytes + offset, &value, 4); }

// Fresh RAM copy of the flash blob.
uint8_t* CopyBlob() {
  memcpy(g_blob, Blob(), BlobBytes());
  return g_blob;
}
void RefreshCrc(uint8_t* blob) { WriteU32(blob, 28, tinyforge::BlobCrc32(blob, ReadU32(blob, 12))); }
uint32_t SectionOffset(const uint8_t* blob, format::SectionKind kind) {
  const uint32_t table = ReadU32(blob, 16);
  for (uint32_t i = 0; i < ReadU32(blob, 20); ++i) {
    if (ReadU32(blob, table + 16 * i) == static_cast<uint32_t>(kind)) {
      return ReadU32(blob, table + 16 * i + 4);
    }
  }
  return 0;
}
Status LoadCopy(uint32_t bytes) {
  tinyforge::Model model;
  return model.Load(g_blob, bytes);
}

TF_TEST(LoaderDevice, EmbeddedBlobIsInFlashAndAligned) {
  TF_EXPECT_TRUE(BlobBytes() > 32 && BlobBytes() <= kBlobCapacity);
  TF_EXPECT_EQ(reinterpret_cast<uintptr_t>(Blob()) % 16, 0u);
  TF_EXPECT_EQ(tf_embed_test_model_input_bin_size, 2u * 16u * 4u);
  TF_EXPECT_EQ(tf_embed_test_model_expected_bin_size, 2u * 12u * 4u);
}

TF_TEST(LoaderDevice, Crc32MatchesTheStandardCheckValue) {
  TF_EXPECT_EQ(tinyforge::Crc32(reinterpret_cast<const uint8_t*>("123456789"), 9), 0xCBF43926u);
}

TF_TEST(LoaderDevice, RunsHostBuiltModelAndMatchesHostExpectedOutput) {
  Interpreter interpreter(tinyforge::testing::TestOpsResolver());
  TF_ASSERT_TRUE(interpreter.Load(Blob(), BlobBytes()) == Status::kOk);
  const uint32_t arena_bytes = interpreter.ArenaBytesRequired();
  TF_ASSERT_TRUE(arena_bytes > 0 && arena_bytes <= kArenaBytes);
  m4_kv_u32("test_model_arena_bytes", arena_bytes);
  TF_EXPECT_TRUE(interpreter.Prepare(g_arena, arena_bytes - 1) == Status::kArenaTooSmall);
  TF_EXPECT_TRUE(interpreter.Prepare(g_arena + 4, arena_bytes) == Status::kArenaMisaligned);
  TF_ASSERT_TRUE(interpreter.Prepare(g_arena, arena_bytes) == Status::kOk);
  const float* inputs = reinterpret_cast<const float*>(tf_embed_test_model_input_bin);
  const float* expected = reinterpret_cast<const float*>(tf_embed_test_model_expected_bin);
  for (uint32_t run = 0; run < 2; ++run) {
    Tensor in;
    TF_ASSERT_TRUE(interpreter.Input(0, &in) == Status::kOk);
    TF_ASSERT_TRUE(in.Bytes() == 64u);
    memcpy(in.data, inputs + 16 * run, 64);
    TF_ASSERT_TRUE(interpreter.Invoke() == Status::kOk);
    Tensor out;
    TF_ASSERT_TRUE(interpreter.Output(0, &out) == Status::kOk);
    TF_ASSERT_TRUE(out.ElementCount() == 12u);
    // The device may fuse multiply-adds (VFMA), so allow rounding differences.
    for (uint32_t i = 0; i < 12; ++i) {
      TF_EXPECT_NEAR(out.As<float>()[i], expected[12 * run + i], 1e-4f);
    }
  }
}

TF_TEST(LoaderDevice, RejectsTruncatedBlobs) {
  CopyBlob();
  for (uint32_t length = 0; length < BlobBytes(); length += 7) {
    const Status expected = length < 32 ? Status::kBlobTooSmall : Status::kBlobLengthMismatch;
    TF_EXPECT_TRUE(LoadCopy(length) == expected);
  }
}

TF_TEST(LoaderDevice, RejectsCorruptedHeaderAndPayload) {
  CopyBlob()[0] = 'X';
  TF_EXPECT_TRUE(LoadCopy(BlobBytes()) == Status::kBadMagic);
  CopyBlob()[4] = 2;
  TF_EXPECT_TRUE(LoadCopy(BlobBytes()) == Status::kUnsupportedVersion);
  uint8_t* blob = CopyBlob();
  blob[SectionOffset(blob, format::SectionKind::kConstants) + 3] ^= 0x40;
  TF_EXPECT_TRUE(LoadCopy(BlobBytes()) == Status::kCrcMismatch);
}

TF_TEST(LoaderDevice, RejectsCorruptedRecordsWithTheirOwnStatus) {
  uint8_t* blob = CopyBlob();
  const uint32_t tensors = SectionOffset(blob, format::SectionKind::kTensors) + 8;
  const uint32_t ops = SectionOffset(blob, format::SectionKind::kOperators) + 8;
  const uint32_t plan = SectionOffset(blob, format::SectionKind::kArenaPlan);

  blob[tensors + 36 * 3] = 9;  // tensor 3 dtype
  RefreshCrc(blob);
  TF_EXPECT_TRUE(LoadCopy(BlobBytes()) == Status::kUnknownDType);

  blob = CopyBlob();
  blob[ops + 16 * 1] = 99;  // op 1 opcode
  RefreshCrc(blob);
  TF_EXPECT_TRUE(LoadCopy(BlobBytes()) == Status::kUnknownOp);

  blob = CopyBlob();
  WriteU32(blob, plan, 16);  // arena_bytes far too small for the plan
  RefreshCrc(blob);
  TF_EXPECT_TRUE(LoadCopy(BlobBytes()) == Status::kPlanOutOfArena);

  blob = CopyBlob();
  WriteU32(blob, plan + 16 + 4 * 4, ReadU32(blob, plan + 16 + 4 * 3));  // t4 onto live t3
  RefreshCrc(blob);
  TF_EXPECT_TRUE(LoadCopy(BlobBytes()) == Status::kPlanOverlap);

  CopyBlob();
  TF_EXPECT_TRUE(LoadCopy(BlobBytes()) == Status::kOk);
}

TF_TEST(LoaderDevice, CApiRunsInStaticStorage) {
  alignas(TFORGE_INTERPRETER_STORAGE_ALIGNMENT) static uint8_t storage[TFORGE_INTERPRETER_STORAGE_BYTES];
  tforge_interpreter* interpreter = nullptr;
  const auto* resolver =
      reinterpret_cast<const tforge_op_resolver*>(&tinyforge::testing::TestOpsResolver());
  TF_ASSERT_TRUE(tforge_interpreter_init(storage, sizeof(storage), resolver, Blob(), BlobBytes(),
                                         g_arena, kArenaBytes, &interpreter) == TFORGE_OK);
  void* input = nullptr;
  size_t input_bytes = 0;
  TF_ASSERT_TRUE(tforge_interpreter_input(interpreter, 0, &input, &input_bytes) == TFORGE_OK);
  memcpy(input, tf_embed_test_model_input_bin, input_bytes);
  TF_EXPECT_TRUE(tforge_interpreter_invoke(interpreter) == TFORGE_OK);
  const void* output = nullptr;
  size_t output_bytes = 0;
  TF_ASSERT_TRUE(tforge_interpreter_output(interpreter, 0, &output, &output_bytes) == TFORGE_OK);
  const float* expected = reinterpret_cast<const float*>(tf_embed_test_model_expected_bin);
  TF_EXPECT_NEAR(static_cast<const float*>(output)[5], expected[5], 1e-4f);
  TF_EXPECT_TRUE(strcmp(tforge_status_name(static_cast<int>(Status::kPlanOverlap)),
                        "PlanOverlap") == 0);
  tforge_interpreter_free(interpreter);
}

}  // namespace

int main() {
  const int result = tinyforge::micro_test::RunAll();
  m4_kv_u32("stack_used_bytes", m4_stack_used_bytes());
  return result;
}
