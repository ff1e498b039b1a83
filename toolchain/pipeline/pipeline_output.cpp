// Staged pipeline outputs: see pipeline_output.h.
#include "toolchain/pipeline/pipeline_output.h"

#include <array>
#include <random>
#include <sstream>

namespace tinyforge::toolchain {
namespace fs = std::filesystem;

namespace {
// Everything RunPipeline writes at the top of its output folder; report.json is handled apart.
constexpr std::array<const char*, 4> kPipelineOutputEntries = {"classifier.tfm", "anomaly.tfm",
                                                               "package", "build"};
constexpr const char* kPipelineReportName = "report.json";
}  // namespace

Result<PipelineOutput> PipelineOutput::Create(const fs::path& final_dir) {
  const fs::path absolute = fs::absolute(final_dir).lexically_normal();
  fs::path target = absolute;
  if (!target.has_filename()) target = target.parent_path();  // "out/" -> "out"
  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (error) return MakeError(target.parent_path().string() + ": " + error.message());
  std::random_device device;
  std::ostringstream name;
  name << "." << target.filename().string() << ".tmp-" << std::hex << device();
  const fs::path staging = target.parent_path() / name.str();
  fs::create_directories(staging, error);
  if (error) return MakeError(staging.string() + ": " + error.message());
  return PipelineOutput(target, staging);
}

PipelineOutput::PipelineOutput(PipelineOutput&& other) noexcept
    : final_dir_(std::move(other.final_dir_)), staging_(std::move(other.staging_)) {
  other.staging_.clear();
}

PipelineOutput::~PipelineOutput() {
  if (staging_.empty()) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

Result<void> PipelineOutput::Publish() {
  std::error_code error;
  fs::create_directories(final_dir_, error);
  if (error) return MakeError(final_dir_.string() + ": " + error.message());
  auto replace = [&](const char* entry) -> Result<void> {
    const fs::path old_entry = final_dir_ / entry;
    fs::remove_all(old_entry, error);
    if (error) return MakeError(old_entry.string() + ": cannot remove the previous output: " + error.message());
    const fs::path new_entry = staging_ / entry;
    if (!fs::exists(new_entry)) return {};
    fs::rename(new_entry, old_entry, error);
    if (error) return MakeError(old_entry.string() + ": " + error.message());
    return {};
  };
  // Without a report.json the folder never claims a finished run while entries are swapped.
  const fs::path report = final_dir_ / kPipelineReportName;
  fs::remove(report, error);
  if (error) return MakeError(report.string() + ": " + error.message());
  for (const char* entry : kPipelineOutputEntries) TINYFORGE_TRY(replace(entry));
  return replace(kPipelineReportName);
}

}  // namespace tinyforge::toolchain
