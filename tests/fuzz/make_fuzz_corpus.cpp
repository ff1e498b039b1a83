// Writes the libFuzzer seed corpus: valid blobs from ModelBuilder (the reference test model, a
// few variants and two TreeEnsemble forests), one file each, into the directory given as argv[1].
#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/runtime/core/test_models.h"
#include "tests/runtime/core/tree_test_models.h"
#include "toolchain/format/blob_reader.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output-dir>\n", argv[0]);
    return 2;
  }
  using namespace tinyforge;
  std::error_code error;
  std::filesystem::create_directories(argv[1], error);
  std::vector<std::vector<uint8_t>> blobs;
  blobs.push_back(testing::BuildTestModel());
  {
    toolchain::ModelBuilder builder;
    const uint32_t a = builder.AddTensor(format::DType::kFloat32, {4}, "a");
    const uint32_t b = builder.AddTensor(format::DType::kFloat32, {4});
    const uint32_t c = builder.AddTensor(format::DType::kFloat32, {2, 2});
    builder.AddOp(format::OpCode::kRelu, {a}, b);
    builder.AddOp(format::OpCode::kReshape, {b}, c);
    builder.SetInputs({a});
    builder.SetOutputs({c});
    auto blob = builder.Build();
    if (!blob.ok()) return 1;
    blobs.push_back(*blob);
  }
  {
    toolchain::ModelBuilder builder;
    const uint32_t a = builder.AddTensor(format::DType::kFloat32, {3}, "x");
    const uint32_t b = builder.AddTensor(format::DType::kFloat32, {3}, "y");
    const uint32_t c = builder.AddTensor(format::DType::kFloat32, {3});
    builder.AddOp(format::OpCode::kAdd, {a, b}, c, format::ElementwiseParams{});
    builder.SetInputs({a, b});
    builder.SetOutputs({c});
    builder.AddMetadataJson(format::kKeyPreprocessing, "{}");
    auto blob = builder.Build();
    if (!blob.ok()) return 1;
    blobs.push_back(*blob);
  }
  // TreeEnsemble forests: a classifier and an isolation-score forest (mutations hit the loader's
  // index proofs: children, features, leaf rows, roots).
  blobs.push_back(testing::BuildTreeModel(testing::TreeModelSpec{}));
  {
    testing::TreeModelSpec isolation;
    isolation.outputs = isolation.output_width = 1;
    isolation.leaves = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
    isolation.params.mode = static_cast<uint8_t>(format::TreeEnsembleMode::kIsolationScore);
    isolation.params.score_normalizer = 4.0f;
    blobs.push_back(testing::BuildTreeModel(isolation));
  }
  for (size_t i = 0; i < blobs.size(); ++i) {
    const std::string path = std::string(argv[1]) + "/seed_" + std::to_string(i) + ".tfm";
    if (!toolchain::WriteFileBytes(path, blobs[i]).ok()) return 1;
  }
  return 0;
}
