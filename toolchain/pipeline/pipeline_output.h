// Where a pipeline run writes: a hidden staging sibling of the output folder, published only when
// every stage succeeded, so a failed run leaves neither partial models, packages nor a report
// (issue 3, "no partial output left behind") and keeps the previous run's outputs as they were.
#ifndef TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_OUTPUT_H_
#define TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_OUTPUT_H_

#include <filesystem>

#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

class PipelineOutput {
 public:
  // Creates `.<name>.tmp-<random>` next to final_dir (same file system, so publishing renames).
  static Result<PipelineOutput> Create(const std::filesystem::path& final_dir);
  PipelineOutput(PipelineOutput&& other) noexcept;
  PipelineOutput& operator=(PipelineOutput&&) = delete;
  PipelineOutput(const PipelineOutput&) = delete;
  ~PipelineOutput();  // removes the staging folder (after Publish it is empty)

  const std::filesystem::path& staging() const { return staging_; }
  const std::filesystem::path& final_dir() const { return final_dir_; }

  // Replaces the pipeline's own outputs in final_dir (classifier.tfm, anomaly.tfm, package/,
  // build/, report.json) by this run's: an output this run did not produce is removed so the
  // folder always matches its report.json; report.json goes first and comes back last. Other
  // files in final_dir are left alone.
  Result<void> Publish();

 private:
  PipelineOutput(std::filesystem::path final_dir, std::filesystem::path staging)
      : final_dir_(std::move(final_dir)), staging_(std::move(staging)) {}
  std::filesystem::path final_dir_;
  std::filesystem::path staging_;
};

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_OUTPUT_H_
