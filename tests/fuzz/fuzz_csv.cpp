// libFuzzer target: the CSV reader, with plain channels and with timestamp + label columns.
#include "tests/fuzz/fuzz_parser_main.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tinyforge;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::AbortOnViolation(fuzz::CheckCsv(text, toolchain::CsvOptions{}));
  toolchain::CsvOptions labelled;
  labelled.timestamp_column = "time";
  labelled.label_column = "state";
  labelled.allow_missing = false;
  fuzz::AbortOnViolation(fuzz::CheckCsv(text, labelled));
  return 0;
}
