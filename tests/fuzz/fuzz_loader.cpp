// libFuzzer target for the .tfm loader and kernels (built with clang++ by
// tests/fuzz/CMakeLists.txt). Each input is tried as is (exercises header and CRC checks) and with
// a repaired CRC (reaches every record check, Prepare and Invoke), the latter with the test
// kernels and with the real ones (AllOpsResolver: every op's Prepare checks and kernel).
#include "tests/fuzz/fuzz_harness.h"
#include "tinyforge/op_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int stage = 0;
  (void)tinyforge::fuzz::RunBlob(data, size, /*fix_crc=*/false, &stage);
  (void)tinyforge::fuzz::RunBlob(data, size, /*fix_crc=*/true, &stage);
  (void)tinyforge::fuzz::RunBlobWith(tinyforge::AllOpsResolver(), data, size, /*fix_crc=*/true,
                                     &stage);
  return 0;
}
