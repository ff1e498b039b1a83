// Trained forests (tree_models.h) as graph IR: one TreeEnsemble node whose forest arrays are
// constants (layout in format/tfm.h), so EmitTfm writes a .tfm the device runtime runs.
//
// Float input (default): thresholds float32, exactly the trainer's. Int8 input (Int8Input set):
// the graph takes float features, quantizes them (Quantize node, the given scale and zero point)
// and compares int8 values against int16 thresholds ceil(t / scale + zero_point), clamped to
// [-128, 128]; for an int8 value q that is the float decision on the dequantized scale * (q - zp).
#ifndef TINYFORGE_TOOLCHAIN_TRAIN_TREE_EXPORT_H_
#define TINYFORGE_TOOLCHAIN_TRAIN_TREE_EXPORT_H_

#include <optional>

#include "toolchain/ir/graph.h"
#include "toolchain/train/tree_models.h"

namespace tinyforge::toolchain {

struct Int8Input {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

struct TreeExportOptions {
  size_t features = 0;              // input row width
  std::optional<Int8Input> int8_input;
};

// Output [batch, classes]: mean class distribution (argmax = the trainer's prediction).
Result<Graph> RandomForestGraph(const RandomForest& forest, const TreeExportOptions& options);
// Output [batch, 1]: the anomaly score; metadata "anomaly.threshold" = forest.threshold
// (anomalous when score > threshold, as on the host).
Result<Graph> IsolationForestGraph(const IsolationForest& forest, const TreeExportOptions& options);

// The int8 threshold for float threshold `t` (see above).
int32_t QuantizedTreeThreshold(float threshold, const Int8Input& quant);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_TRAIN_TREE_EXPORT_H_
