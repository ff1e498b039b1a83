// libFuzzer target: the ONNX importer (protobuf parsing, unsupported-op sweep, lowering,
// layout folding, graph validation).
#include "tests/fuzz/fuzz_parser_main.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  tinyforge::fuzz::AbortOnViolation(tinyforge::fuzz::CheckOnnx(bytes));
  return 0;
}
