// Float reference executor of the graph IR: runs a float graph on a batch on the host. Used for
// float accuracy, calibration ranges for quantization, and as the oracle the emitted .tfm is
// compared against.
#ifndef TINYFORGE_TOOLCHAIN_IR_FLOAT_EXECUTOR_H_
#define TINYFORGE_TOOLCHAIN_IR_FLOAT_EXECUTOR_H_

#include <cstdint>
#include <vector>

#include "toolchain/ir/graph.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

// Every tensor's value after a run: values[t] is row-major with shapes[t] (dim 0 = the batch of
// the run for activations). Constants keep their data; unused entries are empty.
struct ExecutionTrace {
  std::vector<std::vector<float>> values;
  std::vector<std::vector<uint32_t>> shapes;
};

// Runs `graph` (all tensors kFloat32) on `batch` samples. inputs[i] holds graph input i,
// row-major, with dim 0 of its declared shape replaced by `batch`. Errors name the node.
Result<ExecutionTrace> RunFloatGraph(const Graph& graph, uint32_t batch,
                                     const std::vector<std::vector<float>>& inputs);

// Convenience for single-input, single-output graphs: feeds `rows` samples of row-major data
// (each sample = the input shape without its batch dim) in chunks and returns output 0 for all
// rows, concatenated.
Result<std::vector<float>> PredictFloat(const Graph& graph, const std::vector<float>& data,
                                        size_t rows);

// Index of the largest of `count` values starting at `values` (first one on ties).
size_t ArgMax(const float* values, size_t count);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_IR_FLOAT_EXECUTOR_H_
