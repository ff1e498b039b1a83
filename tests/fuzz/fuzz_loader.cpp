// libFuzzer target for the .tfm loader (built with clang++ by tests/fuzz/CMakeLists.txt). Each
// input is tried as is (exercises header and CRC checks) and with a repaired CRC (reaches every
// record check, Prepare and Invoke).
#include "tests/fuzz/fuzz_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int stage = 0;
  (void)tinyforge::fuzz::RunBlob(data, size, /*fix_crc=*/false, &stage);
  (void)tinyforge::fuzz::RunBlob(data, size, /*fix_crc=*/true, &stage);
  return 0;
}
