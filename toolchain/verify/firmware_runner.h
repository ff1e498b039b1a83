// Builds a firmware package (tinyforge package --target firmware) with arm-none-eabi-gcc and runs
// it on qemu-system-arm -M mps2-an386, collecting every sample's output bytes and the image sizes.
#ifndef TINYFORGE_TOOLCHAIN_VERIFY_FIRMWARE_RUNNER_H_
#define TINYFORGE_TOOLCHAIN_VERIFY_FIRMWARE_RUNNER_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

struct FirmwareRun {
  std::map<uint32_t, std::vector<uint8_t>> outputs;  // sample index -> output tensor bytes
  std::vector<uint32_t> skipped;                     // samples the device found unusable
  std::map<uint32_t, uint32_t> predictions;          // classifiers: sample index -> class index (@pred)
  uint64_t flash_bytes = 0;    // text + data, without the embedded test samples
  uint64_t ram_bytes = 0;      // data + bss (static RAM; the stack is separate)
  uint64_t samples_bytes = 0;  // the embedded samples (excluded above)
  uint32_t stack_used_bytes = 0;
  double build_seconds = 0.0;
  double run_seconds = 0.0;
};

// package_dir: a firmware package; build_dir: where to build it (created). The error quotes the
// tail of the compiler or QEMU output.
Result<FirmwareRun> BuildAndRunFirmware(const std::filesystem::path& package_dir,
                                        const std::filesystem::path& build_dir,
                                        int timeout_seconds = 600);

// Runs a shell command, capturing stdout+stderr. Returns the exit status (-1 if it could not run).
int RunCommand(const std::string& command, std::string* output);
// Single-quotes a path for /bin/sh.
std::string ShellQuote(const std::string& text);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_VERIFY_FIRMWARE_RUNNER_H_
