// Shared ending of the parser libFuzzer targets (fuzz_<parser>.cpp): a broken rule of
// parser_harness.h is a finding, reported with the parser's message and turned into a crash so
// that libFuzzer saves the input.
#ifndef TINYFORGE_TESTS_FUZZ_FUZZ_PARSER_MAIN_H_
#define TINYFORGE_TESTS_FUZZ_FUZZ_PARSER_MAIN_H_

#include <cstdio>
#include <cstdlib>

#include "tests/fuzz/parser_harness.h"

namespace tinyforge::fuzz {

inline void AbortOnViolation(const ParserVerdict& verdict) {
  if (verdict.violation.empty()) return;
  std::fprintf(stderr, "parser rule broken: %s\n", verdict.violation.c_str());
  std::abort();
}

}  // namespace tinyforge::fuzz

#endif  // TINYFORGE_TESTS_FUZZ_FUZZ_PARSER_MAIN_H_
