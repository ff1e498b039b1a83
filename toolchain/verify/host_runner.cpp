// Host execution of a blob through tinyforge::Interpreter with every op registered.
#include "toolchain/verify/host_runner.h"

#include <cstring>
#include <memory>
#include <string>

#include "tinyforge/interpreter.h"
#include "tinyforge/op_registry.h"
#include "toolchain/format/blob_reader.h"

namespace tinyforge::toolchain {

Result<HostRun> RunBlobOnHost(std::span<const uint8_t> blob, const std::vector<float>& rows,
                              size_t row_count) {
  auto loaded = LoadBlob(blob);
  if (!loaded.ok()) return loaded.error();
  Interpreter interpreter(AllOpsResolver());
  const auto bytes = loaded->bytes();
  Status status = interpreter.Load(bytes.data(), bytes.size());
  if (status != Status::kOk) return MakeError(std::string("runtime Load: ") + StatusName(status));
  HostRun run;
  run.arena_bytes = interpreter.ArenaBytesRequired();
  // 16-aligned arena of exactly the planned size.
  const size_t arena_bytes = run.arena_bytes == 0 ? 16 : run.arena_bytes;
  std::unique_ptr<uint8_t[], void (*)(uint8_t*)> arena(
      static_cast<uint8_t*>(::operator new[](arena_bytes, std::align_val_t{16})),
      [](uint8_t* p) { ::operator delete[](p, std::align_val_t{16}); });
  status = interpreter.Prepare(arena.get(), run.arena_bytes);
  if (status != Status::kOk) return MakeError(std::string("runtime Prepare: ") + StatusName(status));
  Tensor input;
  Tensor output;
  if (interpreter.Input(0, &input) != Status::kOk || interpreter.Output(0, &output) != Status::kOk) {
    return MakeError("runtime: the model has no input 0 or output 0");
  }
  if (input.dtype != DType::kFloat32) return MakeError("runtime: input 0 is not float32");
  const size_t width = input.ElementCount();
  if (rows.size() != width * row_count) {
    return MakeError("runtime: " + std::to_string(rows.size()) + " input values for " +
                     std::to_string(row_count) + " rows of " + std::to_string(width));
  }
  for (size_t row = 0; row < row_count; ++row) {
    std::memcpy(input.data, rows.data() + row * width, width * sizeof(float));
    status = interpreter.Invoke();
    if (status != Status::kOk) {
      return MakeError("runtime Invoke on row " + std::to_string(row) + ": " + StatusName(status));
    }
    const auto* begin = static_cast<const uint8_t*>(output.data);
    run.outputs.emplace_back(begin, begin + output.Bytes());
  }
  return run;
}

std::vector<float> OutputFloats(const std::vector<uint8_t>& bytes) {
  std::vector<float> values(bytes.size() / sizeof(float));
  if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

}  // namespace tinyforge::toolchain
