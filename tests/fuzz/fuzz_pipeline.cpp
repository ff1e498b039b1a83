// libFuzzer target: the pipeline file parser (TOML, strict keys and ranges).
#include "tests/fuzz/fuzz_parser_main.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tinyforge::fuzz::AbortOnViolation(tinyforge::fuzz::CheckPipelineSpec(text));
  return 0;
}
