// The tree-model stages of a pipeline ([classifier] kind = "forest", [anomaly] kind =
// "isolation-forest"): train on the raw features (trees split on thresholds, so no
// standardization), export one TreeEnsemble op, and evaluate the exported blob on the host
// runtime. The deployed model is float32: a forest has no int8 requantization to gain from.
#ifndef TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_TREES_H_
#define TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_TREES_H_

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolchain/ir/result.h"
#include "toolchain/pipeline/pipeline_data.h"
#include "toolchain/pipeline/pipeline_spec.h"

namespace tinyforge::toolchain {

struct TreeStageOutcome {
  std::vector<uint8_t> blob;
  std::vector<std::vector<uint8_t>> host_outputs;  // per test row
  // kind, trees, "float" metrics (of the blob on the host runtime), "deployed": "float32",
  // arena_bytes, model_bytes; anomaly: threshold inside "float".
  nlohmann::json report;
};

Result<TreeStageOutcome> TrainForestClassifierStage(const PipelineSpec& spec, const PipelineData& data);
Result<TreeStageOutcome> TrainIsolationForestStage(const PipelineSpec& spec, const PipelineData& data);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_TREES_H_
