// Writes the seed corpora of the parser libFuzzer targets (scripts/run-parser-fuzzers.sh):
// <out>/<target>/ with the committed fixtures (CSV, ONNX, pipeline files) and generated inputs
// (WAV in every supported format, raw float32 + sidecar inputs, .tfm blobs the toolchain writes).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "tests/fuzz/parser_mutator.h"
#include "tests/runtime/core/test_models.h"
#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/importers/onnx_importer.h"

namespace fs = std::filesystem;
using tinyforge::fuzz::MakeRawInput;
using tinyforge::fuzz::MakeWav;

namespace {

void Write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

void CopyMatching(const fs::path& folder, const std::string& extension, const fs::path& out) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() == extension) {
      fs::create_directories(out);
      fs::copy_file(entry.path(), out / entry.path().filename(), fs::copy_options::overwrite_existing);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_parser_seeds <out-dir>\n";
    return 2;
  }
  const fs::path out = argv[1];
  const fs::path source = TINYFORGE_SOURCE_DIR;
  CopyMatching(source / "tests/data", ".csv", out / "fuzz_csv");
  CopyMatching(source / "tests/data/onnx", ".onnx", out / "fuzz_onnx");
  CopyMatching(source / "tests/data/pipeline", ".toml", out / "fuzz_pipeline");
  CopyMatching(source / "examples/predictive_maintenance", ".toml", out / "fuzz_pipeline");
  Write(out / "fuzz_wav/pcm16_stereo.wav", MakeWav(1, 16, 2, 64));
  Write(out / "fuzz_wav/pcm32_mono.wav", MakeWav(1, 32, 1, 32));
  Write(out / "fuzz_wav/float32_3ch.wav", MakeWav(3, 32, 3, 16));
  Write(out / "fuzz_wav/float32_extensible.wav", MakeWav(3, 32, 1, 16, true));
  Write(out / "fuzz_wav/pcm16_extensible.wav", MakeWav(1, 16, 1, 5, true));
  Write(out / "fuzz_raw/mono.bin", MakeRawInput(32, 1, false));
  Write(out / "fuzz_raw/three_named.bin", MakeRawInput(16, 3, true));
  Write(out / "fuzz_raw/one_sample.bin", MakeRawInput(1, 2, true));
  const std::vector<uint8_t> test_model = tinyforge::testing::BuildTestModel();
  Write(out / "fuzz_tfm_reader/test_model.tfm", std::string(test_model.begin(), test_model.end()));
  for (const char* name : {"mlp", "cnn1d_bn", "cnn2d_depthwise", "gap_cnn1d", "nhwc_transpose"}) {
    auto imported = tinyforge::toolchain::ImportOnnxFile((source / "tests/data/onnx" / name).string() + ".onnx");
    if (!imported.ok()) {
      std::cerr << imported.error().message << "\n";
      return 1;
    }
    auto blob = tinyforge::toolchain::EmitTfm(imported->graph);
    if (!blob.ok()) {
      std::cerr << blob.error().message << "\n";
      return 1;
    }
    Write(out / "fuzz_tfm_reader" / (std::string(name) + ".tfm"), std::string(blob->begin(), blob->end()));
  }
  std::cout << "seeds written to " << out.string() << "\n";
  return 0;
}
