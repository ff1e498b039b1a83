// Runs a whole pipeline: data → features → train (classifier and/or anomaly autoencoder) → int8 →
// .tfm → packages → firmware on QEMU, and reports float vs int8 quality, host vs device agreement,
// sizes and time per stage.
#ifndef TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_RUNNER_H_
#define TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_RUNNER_H_

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolchain/ir/result.h"
#include "toolchain/pipeline/pipeline_spec.h"

namespace tinyforge::toolchain {

// Called at the start of each stage with a one-line description (progress output).
using ProgressCallback = std::function<void(const std::string& line)>;

struct PipelineReport {
  nlohmann::json json;  // everything measured; also written to <output_dir>/report.json
  std::string text;     // the short human report
};

Result<PipelineReport> RunPipeline(const PipelineSpec& spec, const ProgressCallback& progress);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_RUNNER_H_
