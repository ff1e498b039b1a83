// `tinyforge data inspect|clean`: read CSV, raw float32 (+ JSON sidecar) or WAV and report on it.
#include <cstdio>
#include <memory>

#include "toolchain/cli/commands.h"
#include "toolchain/data/csv_reader.h"
#include "toolchain/data/inspect.h"
#include "toolchain/data/raw_reader.h"

namespace tinyforge::cli {
namespace {

using toolchain::TimeSeries;
using toolchain::Result;

struct DataOptions {
  std::string path;
  std::string timestamp_column;
  std::string label_column;
  double sample_rate_hz = 0.0;
  bool allow_missing = true;
};

Result<TimeSeries> ReadAny(const DataOptions& options) {
  const std::string extension = std::filesystem::path(options.path).extension().string();
  if (extension == ".csv" || extension == ".txt") {
    toolchain::CsvOptions csv;
    csv.timestamp_column = options.timestamp_column;
    csv.label_column = options.label_column;
    csv.sample_rate_hz = options.sample_rate_hz;
    csv.allow_missing = options.allow_missing;
    return toolchain::ReadCsv(options.path, csv);
  }
  if (extension == ".f32" || extension == ".json") {
    toolchain::RawOptions raw;
    raw.allow_missing = options.allow_missing;
    return toolchain::ReadRawF32(options.path, raw);
  }
  if (extension == ".wav") return toolchain::ReadWav(options.path);
  return toolchain::MakeError(options.path + ": unknown file type '" + extension +
                              "' (expected .csv, .f32 with a .json sidecar, or .wav)");
}

int RunInspect(const DataOptions& options) {
  auto dataset = ReadAny(options);
  if (!dataset.ok()) return Fail(dataset.error().message);
  std::printf("%s", toolchain::Inspect(*dataset).ToText().c_str());
  return 0;
}

int RunClean(const DataOptions& options, uint32_t max_gap, const std::string& out_path) {
  auto dataset = ReadAny(options);
  if (!dataset.ok()) return Fail(dataset.error().message);
  toolchain::CleanOptions clean;
  clean.max_gap = max_gap;
  auto report = toolchain::Clean(*dataset, clean);
  if (!report.ok()) return Fail(report.error().message);
  std::printf("filled %zu missing samples\n", report->filled_samples);
  if (!out_path.empty()) {
    std::printf("(writing cleaned data is not implemented yet; %s not written)\n", out_path.c_str());
  }
  return 0;
}

void AddReadOptions(CLI::App* command, const std::shared_ptr<DataOptions>& options) {
  command->add_option("file", options->path, ".csv, .f32 (+ .json sidecar) or .wav")->required();
  command->add_option("--timestamp-column", options->timestamp_column, "CSV timestamp column");
  command->add_option("--label-column", options->label_column, "CSV label column");
  command->add_option("--sample-rate", options->sample_rate_hz, "CSV rate when no timestamps (Hz)");
}

}  // namespace

void AddDataCommands(CLI::App& app, int* exit_code) {
  auto* data = app.add_subcommand("data", "Inspect or clean sensor data");
  data->require_subcommand(1);
  auto inspect_options = std::make_shared<DataOptions>();
  auto* inspect = data->add_subcommand("inspect", "Rates, gaps, ranges, missing values, class balance");
  AddReadOptions(inspect, inspect_options);
  inspect->callback([=] { *exit_code = RunInspect(*inspect_options); });

  auto clean_options = std::make_shared<DataOptions>();
  auto max_gap = std::make_shared<uint32_t>(16);
  auto out = std::make_shared<std::string>();
  auto* clean = data->add_subcommand("clean", "Interpolate missing values (linear, up to --max-gap)");
  AddReadOptions(clean, clean_options);
  clean->add_option("--max-gap", *max_gap, "longest run of missing samples to fill");
  clean->add_option("--out", *out, "where to write the cleaned data");
  clean->callback([=] { *exit_code = RunClean(*clean_options, *max_gap, *out); });
}

}  // namespace tinyforge::cli
