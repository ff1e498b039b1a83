// The body shared by the libFuzzer target and the seeded mutation tests: feed bytes through
// Load -> Prepare -> Invoke with the test kernels or a given resolver (the real kernels). Never
// crashes on any input (that is the test).
#ifndef TINYFORGE_TESTS_FUZZ_FUZZ_HARNESS_H_
#define TINYFORGE_TESTS_FUZZ_FUZZ_HARNESS_H_

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc32.h"
#include "tests/runtime/core/test_kernels.h"
#include "tinyforge/interpreter.h"

namespace tinyforge::fuzz {

inline constexpr uint32_t kMaxArenaBytes = 1u << 20;

// Loads `size` bytes at `data` (16-aligned copy) into an Interpreter with `resolver`. When
// `fix_crc`, re-stamps the header CRC first so mutations reach the record checks. Returns the
// Load status; runs Prepare/Invoke when it is kOk. `stage` gets 1 = loaded, 2 = prepared,
// 3 = invoked.
inline Status RunBlobWith(const OpResolver& resolver, const uint8_t* data, size_t size,
                          bool fix_crc, int* stage) {
  *stage = 0;
  uint8_t* blob = static_cast<uint8_t*>(aligned_alloc(16, (size + 16) & ~size_t{15}));
  if (size != 0) memcpy(blob, data, size);
  if (fix_crc && size >= format::kHeaderBytes) {
    uint32_t declared;
    memcpy(&declared, blob + 12, 4);
    if (declared >= format::kHeaderBytes && declared <= size) {
      const uint32_t crc = BlobCrc32(blob, declared);
      memcpy(blob + 28, &crc, 4);
    }
  }
  Interpreter interpreter(resolver);
  const Status status = interpreter.Load(blob, size);
  if (status == Status::kOk) {
    *stage = 1;
    const uint32_t arena_bytes = interpreter.ArenaBytesRequired();
    if (arena_bytes <= kMaxArenaBytes) {
      uint8_t* arena = static_cast<uint8_t*>(aligned_alloc(16, (arena_bytes + 16) & ~15u));
      memset(arena, 0, arena_bytes);
      if (interpreter.Prepare(arena, arena_bytes) == Status::kOk) {
        *stage = 2;
        if (interpreter.Invoke() == Status::kOk) *stage = 3;
      }
      free(arena);
    }
  }
  free(blob);
  return status;
}

// The same with the test kernels (tests/runtime/core/test_kernels.h).
inline Status RunBlob(const uint8_t* data, size_t size, bool fix_crc, int* stage) {
  return RunBlobWith(testing::TestOpsResolver(), data, size, fix_crc, stage);
}

}  // namespace tinyforge::fuzz

#endif  // TINYFORGE_TESTS_FUZZ_FUZZ_HARNESS_H_
