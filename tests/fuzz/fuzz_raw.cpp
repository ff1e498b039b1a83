// libFuzzer target: the raw float32 reader; the input is "<sidecar JSON>\0<data bytes>".
#include "tests/fuzz/fuzz_parser_main.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  tinyforge::fuzz::AbortOnViolation(tinyforge::fuzz::CheckRawF32(input, false));
  tinyforge::fuzz::AbortOnViolation(tinyforge::fuzz::CheckRawF32(input, true));
  return 0;
}
