// `tinyforge data inspect|clean`: read CSV, raw float32 (+ JSON sidecar) or WAV and report on it.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

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

// `--json`: the same facts as the text report, machine-readable (the low-code UI reads it).
nlohmann::json InspectionJson(const toolchain::InspectionReport& report) {
  nlohmann::json channels = nlohmann::json::array();
  for (const auto& c : report.channels) {
    channels.push_back({{"name", c.name}, {"min", c.min}, {"max", c.max}, {"mean", c.mean},
                        {"missing", c.missing_count}, {"longest_gap", c.longest_gap}});
  }
  nlohmann::json classes = nlohmann::json::object();
  for (const auto& [label, count] : report.class_counts) classes[label] = count;
  return {{"source", report.source},
          {"samples", report.sample_count},
          {"sample_rate_hz", report.sample_rate_hz},
          {"rate_from_timestamps", report.rate_from_timestamps},
          {"timestamp_gaps", report.timestamp_gaps},
          {"largest_step", report.largest_step},
          {"channels", channels},
          {"class_counts", classes}};
}

int RunInspect(const DataOptions& options, bool as_json) {
  auto dataset = ReadAny(options);
  if (!dataset.ok()) return Fail(dataset.error().message);
  const auto report = toolchain::Inspect(*dataset);
  if (as_json) {
    std::printf("%s\n", InspectionJson(report).dump(2).c_str());
  } else {
    std::printf("%s", report.ToText().c_str());
  }
  return 0;
}

// Cleaned data as CSV: timestamp (when present), one column per channel, label (when present).
// Written to a temporary file and renamed, so a failure leaves no partial output.
Result<void> WriteCleanCsv(const TimeSeries& data, const std::string& path) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary);
    if (!out) return toolchain::MakeError(path + ": cannot write");
    const bool timestamps = !data.timestamps.empty();
    const bool labels = !data.labels.empty();
    std::vector<std::string> header;
    if (timestamps) header.push_back("timestamp");
    for (size_t c = 0; c < data.channels.size(); ++c) {
      header.push_back(c < data.channel_names.size() ? data.channel_names[c] : "ch" + std::to_string(c));
    }
    if (labels) header.push_back("label");
    for (size_t i = 0; i < header.size(); ++i) out << (i ? "," : "") << header[i];
    out << "\n";
    out.precision(9);
    for (size_t row = 0; row < data.sample_count(); ++row) {
      bool first = true;
      auto separator = [&] { if (!first) out << ','; first = false; };
      if (timestamps) { separator(); out << data.timestamps[row]; }
      for (const auto& channel : data.channels) { separator(); out << channel[row]; }
      if (labels) { separator(); out << data.labels[row]; }
      out << "\n";
    }
    if (!out) return toolchain::MakeError(path + ": write failed");
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return toolchain::MakeError(path + ": " + error.message());
  return {};
}

struct CleanCommandOptions {
  uint32_t max_gap = 16;
  std::string method = "linear";
  std::string out_path;
  bool as_json = false;
};

int RunClean(const DataOptions& options, const CleanCommandOptions& command) {
  auto dataset = ReadAny(options);
  if (!dataset.ok()) return Fail(dataset.error().message);
  toolchain::CleanOptions clean;
  clean.max_gap = command.max_gap;
  clean.method = command.method == "hold-last" ? tinyforge::dsp::InterpolationMethod::kHoldLast
                                               : tinyforge::dsp::InterpolationMethod::kLinear;
  auto report = toolchain::Clean(*dataset, clean);
  if (!report.ok()) return Fail(report.error().message);
  if (!command.out_path.empty()) {
    if (auto written = WriteCleanCsv(*dataset, command.out_path); !written.ok()) {
      return Fail(written.error().message);
    }
  }
  if (command.as_json) {
    nlohmann::json out = {{"source", options.path},
                          {"method", command.method},
                          {"max_gap", command.max_gap},
                          {"filled_samples", report->filled_samples},
                          {"samples", dataset->sample_count()},
                          {"channels", dataset->channels.size()},
                          {"out", command.out_path.empty() ? nlohmann::json() : nlohmann::json(command.out_path)},
                          {"after", InspectionJson(toolchain::Inspect(*dataset))}};
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("filled %zu missing samples (%s, max gap %u)\n", report->filled_samples,
              command.method.c_str(), command.max_gap);
  if (!command.out_path.empty()) {
    std::printf("wrote %s (%zu samples, %zu channels)\n", command.out_path.c_str(),
                dataset->sample_count(), dataset->channels.size());
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
  auto inspect_json = std::make_shared<bool>(false);
  inspect->add_flag("--json", *inspect_json, "print the report as JSON");
  inspect->callback([=] { *exit_code = RunInspect(*inspect_options, *inspect_json); });

  auto clean_options = std::make_shared<DataOptions>();
  auto command = std::make_shared<CleanCommandOptions>();
  auto* clean = data->add_subcommand(
      "clean", "Fill missing values (linear or hold-last, up to --max-gap) and write the data as CSV");
  AddReadOptions(clean, clean_options);
  clean->add_option("--max-gap", command->max_gap, "longest run of missing samples to fill (a longer one is an error naming where it starts)");
  clean->add_option("--method", command->method, "linear | hold-last")
      ->check(CLI::IsMember({"linear", "hold-last"}));
  clean->add_option("--out", command->out_path, "where to write the cleaned CSV (temporary file + rename)");
  clean->add_flag("--json", command->as_json, "print the report as JSON");
  clean->callback([=] { *exit_code = RunClean(*clean_options, *command); });
}

}  // namespace tinyforge::cli
