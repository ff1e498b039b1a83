// Firmware package → ELF (CMake + arm-none-eabi-gcc) → QEMU mps2-an386 → parsed "@out" lines.
#include "toolchain/verify/firmware_runner.h"

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <sstream>

namespace tinyforge::toolchain {
namespace fs = std::filesystem;

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

int RunCommand(const std::string& command, std::string* output) {
  const std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    if (output != nullptr) output->append(buffer, read);
  }
  const int status = pclose(pipe);
  if (status == -1) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

namespace {

std::string Tail(const std::string& text, size_t lines) {
  size_t at = text.size();
  for (size_t seen = 0; at > 0 && seen <= lines; --at) {
    if (text[at - 1] == '\n') ++seen;
  }
  return text.substr(at);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Result<std::vector<uint8_t>> ParseHex(const std::string& hex, uint32_t sample) {
  if (hex.size() % 2 != 0) return MakeError("firmware: odd hex length for sample " + std::to_string(sample));
  std::vector<uint8_t> bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    if (std::sscanf(hex.c_str() + i, "%2x", &value) != 1) {
      return MakeError("firmware: bad hex in the output of sample " + std::to_string(sample));
    }
    bytes.push_back(static_cast<uint8_t>(value));
  }
  return bytes;
}

Result<void> ReadSizes(const fs::path& elf, FirmwareRun& run) {
  std::string output;
  if (RunCommand("arm-none-eabi-size --format=berkeley " + ShellQuote(elf.string()), &output) != 0) {
    return MakeError("firmware: arm-none-eabi-size failed: " + Tail(output, 5));
  }
  std::istringstream lines(output);
  std::string header;
  std::getline(lines, header);
  uint64_t text = 0, data = 0, bss = 0;
  if (!(lines >> text >> data >> bss)) return MakeError("firmware: cannot parse: " + output);
  std::string symbols;
  if (RunCommand("arm-none-eabi-nm -S " + ShellQuote(elf.string()), &symbols) == 0) {
    std::istringstream symbol_lines(symbols);
    std::string line;
    while (std::getline(symbol_lines, line)) {
      std::istringstream fields(line);
      std::string address, size, type, name;
      if (fields >> address >> size >> type >> name && name == "kSamples") {
        run.samples_bytes = std::stoull(size, nullptr, 16);
      }
    }
  }
  run.flash_bytes = text + data - run.samples_bytes;
  run.ram_bytes = data + bss;
  return {};
}

}  // namespace

Result<FirmwareRun> BuildAndRunFirmware(const fs::path& package_dir, const fs::path& build_dir,
                                        int timeout_seconds) {
  FirmwareRun run;
  auto start = std::chrono::steady_clock::now();
  std::string output;
  const std::string configure = "cmake -S " + ShellQuote(package_dir.string()) + " -B " +
                                ShellQuote(build_dir.string()) +
                                " -G Ninja -DCMAKE_BUILD_TYPE=Release";
  if (RunCommand(configure, &output) != 0) {
    return MakeError("firmware: configuring " + package_dir.string() + " failed:\n" + Tail(output, 20));
  }
  output.clear();
  if (RunCommand("cmake --build " + ShellQuote(build_dir.string()), &output) != 0) {
    return MakeError("firmware: building " + package_dir.string() + " failed:\n" + Tail(output, 30));
  }
  run.build_seconds = SecondsSince(start);

  fs::path elf;
  for (const auto& entry : fs::directory_iterator(build_dir)) {
    if (entry.path().extension() == ".elf") elf = entry.path();
  }
  if (elf.empty()) return MakeError("firmware: no .elf in " + build_dir.string());
  TINYFORGE_TRY(ReadSizes(elf, run));

  start = std::chrono::steady_clock::now();
  output.clear();
  const std::string qemu = "timeout " + std::to_string(timeout_seconds) +
                           " qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none"
                           " -semihosting-config enable=on,target=native -kernel " +
                           ShellQuote(elf.string());
  const int status = RunCommand(qemu, &output);
  run.run_seconds = SecondsSince(start);
  if (status != 0) {
    return MakeError("firmware: QEMU exited with " + std::to_string(status) +
                     (status == 124 ? " (timeout)" : "") + ":\n" + Tail(output, 20));
  }
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string tag;
    fields >> tag;
    if (tag == "@out") {
      uint32_t index = 0;
      std::string hex;
      if (!(fields >> index >> hex)) return MakeError("firmware: malformed line: " + line);
      auto bytes = ParseHex(hex, index);
      if (!bytes.ok()) return bytes.error();
      run.outputs[index] = std::move(*bytes);
    } else if (tag == "@pred") {
      uint32_t index = 0, predicted = 0;
      if (!(fields >> index >> predicted)) return MakeError("firmware: malformed line: " + line);
      run.predictions[index] = predicted;
    } else if (tag == "@skip") {
      uint32_t index = 0;
      if (fields >> index) run.skipped.push_back(index);
    } else if (tag == "@kv") {
      std::string key;
      uint64_t value = 0;
      if (fields >> key >> value && key == "stack_used_bytes") {
        run.stack_used_bytes = static_cast<uint32_t>(value);
      }
    }
  }
  return run;
}

}  // namespace tinyforge::toolchain
