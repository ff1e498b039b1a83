// libFuzzer target: the WAV reader.
#include "tests/fuzz/fuzz_parser_main.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  tinyforge::fuzz::AbortOnViolation(tinyforge::fuzz::CheckWav(bytes));
  return 0;
}
