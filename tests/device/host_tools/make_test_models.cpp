// Writes the files the loader device test embeds: the reference test model (.tfm), two inputs
// and the expected outputs computed directly on the host (not through the runtime).
//   make_test_models <output-dir>  ->  test_model.tfm, test_model_input.bin, test_model_expected.bin
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "tests/runtime/core/test_models.h"
#include "toolchain/format/blob_reader.h"

namespace {

std::vector<uint8_t> FloatBytes(const std::vector<float>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output-dir>\n", argv[0]);
    return 2;
  }
  using namespace tinyforge;
  const std::string dir = argv[1];
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  std::vector<float> inputs;
  std::vector<float> expected;
  for (uint32_t seed : {11u, 12u}) {
    const std::vector<float> input = testing::TestInput(seed);
    const std::vector<float> output = testing::TestModelExpected(input);
    inputs.insert(inputs.end(), input.begin(), input.end());
    expected.insert(expected.end(), output.begin(), output.end());
  }
  const struct {
    const char* name;
    std::vector<uint8_t> bytes;
  } files[] = {{"test_model.tfm", testing::BuildTestModel()},
               {"test_model_input.bin", FloatBytes(inputs)},
               {"test_model_expected.bin", FloatBytes(expected)}};
  for (const auto& file : files) {
    const auto written = toolchain::WriteFileBytes(dir + "/" + file.name, file.bytes);
    if (!written.ok()) {
      std::fprintf(stderr, "%s\n", written.error().message.c_str());
      return 1;
    }
  }
  return 0;
}
