// The byte-level mutator shared by the seeded mutation tests of the .tfm loader and kernels:
// bit flips, random bytes, "interesting" uint32 values and small deltas at aligned offsets (which
// hit counts, offsets, lengths and dims), truncation and extension.
#ifndef TINYFORGE_TESTS_FUZZ_BLOB_MUTATOR_H_
#define TINYFORGE_TESTS_FUZZ_BLOB_MUTATOR_H_

#include <cstdint>
#include <iterator>
#include <random>
#include <vector>

#include "tests/runtime/core/test_models.h"

namespace tinyforge::fuzz {

inline constexpr uint32_t kInteresting32[] = {0u, 1u, 2u, 3u, 4u, 7u, 8u, 15u, 16u, 0x7Fu, 0x80u,
                                              0xFFu, 0xFFFFu, 0x7FFFFFFFu, 0x80000000u,
                                              0xFFFFFFF0u, 0xFFFFFFFFu};

inline void MutateBlob(std::vector<uint8_t>& blob, std::mt19937& random) {
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

}  // namespace tinyforge::fuzz

#endif  // TINYFORGE_TESTS_FUZZ_BLOB_MUTATOR_H_
