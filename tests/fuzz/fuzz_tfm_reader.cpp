// libFuzzer target: the toolchain's .tfm reader (loader + graph rebuild), each input as is and
// with a repaired header CRC so that mutations reach the records.
#include "tests/fuzz/fuzz_parser_main.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> blob(data, data + size);
  tinyforge::fuzz::AbortOnViolation(tinyforge::fuzz::CheckTfm(blob));
  tinyforge::fuzz::RepairTfmCrc(blob);
  tinyforge::fuzz::AbortOnViolation(tinyforge::fuzz::CheckTfm(blob));
  return 0;
}
