// IR → .tfm: turns a float or quantized graph into a model blob through ModelBuilder
// (toolchain/format), which validates, plans the arena and serializes.
#ifndef TINYFORGE_TOOLCHAIN_EMIT_TFM_EMITTER_H_
#define TINYFORGE_TOOLCHAIN_EMIT_TFM_EMITTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "toolchain/format/model_builder.h"
#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

struct EmitOptions {
  BuildOptions build;
  std::string producer = "tinyforge-toolchain";
};

// Only tensors the nodes and graph IO reference are written (passes may leave dead ones), in
// first-reference order. Metadata: model id/version, producer, io names, preprocessing JSON and
// every GraphMetadata number. Errors name the node or tensor.
Result<std::vector<uint8_t>> EmitTfm(const Graph& graph, const EmitOptions& options = {});

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_EMIT_TFM_EMITTER_H_
