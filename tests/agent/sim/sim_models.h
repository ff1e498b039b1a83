// Models for simulated devices, built with the toolchain's ModelBuilder: a float32 autoencoder-
// shaped layer (input [1,n] -> FullyConnected n x n -> output [1,n]) whose blob size is set by n
// (n = 160 gives a ~100 KB model), tagged with a release number so two versions differ.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "tinyforge/op_registry.h"
#include "toolchain/format/model_builder.h"

namespace tinyforge::agent::sim::testing {

inline std::vector<uint8_t> BuildSimModel(uint32_t n, int64_t release) {
  using format::DType;
  using format::OpCode;
  toolchain::ModelBuilder builder;
  // Near-identity weights: the layer reconstructs normal input, so the reconstruction error
  // separates a shifted (faulty) signal.
  std::vector<float> weights(static_cast<size_t>(n) * n);
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t j = 0; j < n; ++j)
      weights[static_cast<size_t>(i) * n + j] =
          i == j ? 0.95f : 0.001f * static_cast<float>(static_cast<int>((i * 7 + j * 3 + release) % 5) - 2);
  const std::vector<float> bias(n, 0.0f);
  const uint32_t input = builder.AddTensor(DType::kFloat32, {1, n}, "input");
  const uint32_t w = builder.AddConstant(DType::kFloat32, {n, n}, weights, {}, "w");
  const uint32_t b = builder.AddConstant(DType::kFloat32, {n}, bias, {}, "b");
  const uint32_t output = builder.AddTensor(DType::kFloat32, {1, n}, "output");
  builder.AddOp(OpCode::kFullyConnected, {input, w, b}, output,
                format::FullyConnectedParams{0, {0, 0, 0}});
  builder.SetInputs({input});
  builder.SetOutputs({output});
  builder.AddMetadata(format::kKeyModelId, "sim-autoencoder");
  builder.AddMetadata("fleet.release", release);
  toolchain::BuildOptions options;
  options.scratch_resolver = &AllOpsResolver();
  auto blob = builder.Build(options);
  if (!blob.ok()) throw std::runtime_error(blob.error().message);
  return std::move(blob).value();
}

}  // namespace tinyforge::agent::sim::testing
