// The real `tinyforge` executable as the CLI tests run it. One definition for every CLI test file
// (they share one unity translation unit in the CI build, cmake/TinyforgeUnity.cmake).
#pragma once

#include <string>

#include "toolchain/verify/firmware_runner.h"

namespace tinyforge::toolchain::cli_test {

inline const std::string& TinyforgeTool() {
  static const std::string path = std::string(TINYFORGE_BINARY_DIR) + "/toolchain/tinyforge";
  return path;
}

// Runs `tinyforge <arguments>`; returns its exit code, stdout (and what the arguments redirect)
// in *output.
inline int RunTool(const std::string& arguments, std::string* output) {
  return RunCommand(ShellQuote(TinyforgeTool()) + " " + arguments, output);
}

}  // namespace tinyforge::toolchain::cli_test
