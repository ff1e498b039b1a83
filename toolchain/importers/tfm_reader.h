// .tfm → graph IR: reads a validated model blob back into a Graph so host tools can transform a
// model they wrote earlier (quantize a float .tfm, prune it, evaluate it with the float executor).
// Also splits off the leading standardization (Mul + Add) that trainers put in front of a model.
#ifndef TINYFORGE_TOOLCHAIN_IMPORTERS_TFM_READER_H_
#define TINYFORGE_TOOLCHAIN_IMPORTERS_TFM_READER_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

// Loads `blob` with the device loader (so only blobs the device accepts are read) and rebuilds
// tensors (dtype, shape, constant data, quantization), nodes (op, inputs, params), graph IO and
// metadata (model id/version, preprocessing JSON, every kFloat64 entry as a number). Tensor
// names come from io.input_names/io.output_names; other tensors are named "t<index>". `source`
// names the blob in errors ("model.tfm: node 3 (Conv2D): ...").
Result<Graph> ReadTfmGraph(std::span<const uint8_t> blob, const std::string& source);
// The same, reading the file first.
Result<Graph> ReadTfmFile(const std::string& path);

// The exact float coefficients of a standardization front (y = x * inv_std + shift), kept as
// stored so that splitting it off and putting it back does not change a single bit.
struct StandardizationFront {
  std::vector<float> inv_std;
  std::vector<float> shift;
  // Applies it to row-major rows in place, with the runtime's float operations.
  void Apply(std::vector<float>& values) const;
};

// When the graph's single input feeds Mul(input, inv_std) then Add(·, shift) with constant
// [1, features] operands — what PrependStandardization writes — removes both nodes (the Add's
// output becomes the graph input) and returns the coefficients; otherwise returns nullopt and
// leaves the graph alone.
std::optional<StandardizationFront> SplitStandardization(Graph& graph);
// Puts a front back in front of the single float [1, features] input (the inverse of the split).
Result<void> PrependFront(Graph& graph, const StandardizationFront& front);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_IMPORTERS_TFM_READER_H_
