// Runs a .tfm blob on the host with the real runtime (the same kernels the device runs), one row
// at a time, and returns each output tensor's bytes — the host half of every host-vs-device check.
#ifndef TINYFORGE_TOOLCHAIN_VERIFY_HOST_RUNNER_H_
#define TINYFORGE_TOOLCHAIN_VERIFY_HOST_RUNNER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

struct HostRun {
  std::vector<std::vector<uint8_t>> outputs;  // per row: output 0's bytes
  uint32_t arena_bytes = 0;                   // what the plan asked for (and Prepare accepted)
};

// rows: row-major float32 inputs, each exactly the model input's element count (input 0 must be
// float32). Errors name the runtime status and the row.
Result<HostRun> RunBlobOnHost(std::span<const uint8_t> blob, const std::vector<float>& rows,
                              size_t row_count);

// Output bytes reinterpreted as float32 values (the output must be float32).
std::vector<float> OutputFloats(const std::vector<uint8_t>& bytes);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_VERIFY_HOST_RUNNER_H_
