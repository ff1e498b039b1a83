// `[data] kind = "recordings"`: see pipeline_recordings.h.
#include "toolchain/pipeline/pipeline_recordings.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string_view>

#include "toolchain/data/csv_reader.h"
#include "toolchain/data/inspect.h"
#include "toolchain/data/raw_reader.h"

namespace tinyforge::toolchain {
namespace fs = std::filesystem;
namespace {

bool IsBlank(std::string_view line) { return line.find_first_not_of(" \t\r\v\f") == std::string_view::npos; }

struct ManifestRow {
  size_t line = 0;
  std::string file;
  std::string label;
  bool test = false;
};

Result<std::vector<ManifestRow>> ReadManifest(const fs::path& manifest) {
  auto text = ReadDataFile(manifest.string());
  if (!text.ok()) return MakeError(manifest.string() + ": cannot open the recordings manifest");
  const std::vector<std::string_view> lines = SplitLines(*text);
  size_t index = 0;  // line number = index + 1
  std::vector<std::string> header;
  for (; index < lines.size() && header.empty(); ++index)
    if (!IsBlank(lines[index])) header = SplitCsvLine(lines[index], ',');
  const auto column = [&](const char* name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const size_t file_column = column("file"), label_column = column("label"), split_column = column("split");
  if (file_column == header.size() || label_column == header.size()) {
    return MakeError(manifest.string() + ":" + std::to_string(std::max<size_t>(index, 1)) +
                     ": the header must name the columns 'file' and 'label' (and optionally 'split')");
  }
  std::vector<ManifestRow> rows;
  for (; index < lines.size(); ++index) {
    if (IsBlank(lines[index])) continue;
    const size_t number = index + 1;
    const auto cells = SplitCsvLine(lines[index], ',');
    const std::string where = manifest.string() + ":" + std::to_string(number) + ": ";
    if (cells.size() != header.size()) {
      return MakeError(where + "row has " + std::to_string(cells.size()) + " cells, header has " +
                       std::to_string(header.size()));
    }
    ManifestRow row{number, cells[file_column], cells[label_column], false};
    if (row.file.empty()) return MakeError(where + "empty file");
    if (row.label.empty()) return MakeError(where + "empty label");
    if (split_column != header.size()) {
      const std::string& split = cells[split_column];
      if (split == "test") {
        row.test = true;
      } else if (!split.empty() && split != "train") {
        return MakeError(where + "split '" + split + "' is neither 'train' nor 'test'");
      }
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) return MakeError(manifest.string() + ": the manifest lists no recordings");
  return rows;
}

Result<TimeSeries> ReadRecordingFile(const fs::path& path, const DataSpec& spec) {
  const std::string extension = path.extension().string();
  if (extension == ".csv") {
    CsvOptions csv;
    csv.timestamp_column = spec.timestamp_column;
    csv.sample_rate_hz = spec.sample_rate_hz;
    return ReadCsv(path.string(), csv);
  }
  if (extension == ".f32" || extension == ".json") return ReadRawF32(path.string());
  if (extension == ".wav") return ReadWav(path.string());
  return MakeError(path.string() + ": unknown recording type '" + extension +
                   "' (expected .csv, .f32 with a .json sidecar, or .wav)");
}

}  // namespace

Result<RecordingSet> LoadRecordings(const DataSpec& spec) {
  auto rows = ReadManifest(spec.path);
  if (!rows.ok()) return rows.error();
  RecordingSet set;
  for (const ManifestRow& row : *rows) {
    const fs::path file = fs::path(row.file).is_absolute() ? fs::path(row.file)
                                                           : spec.path.parent_path() / row.file;
    const std::string where = spec.path.string() + ":" + std::to_string(row.line) + ": ";
    auto series = ReadRecordingFile(file, spec);
    if (!series.ok()) return MakeError(where + series.error().message);
    size_t channel = 0;
    if (!spec.channel.empty()) {
      const auto& names = series->channel_names;
      channel = static_cast<size_t>(std::find(names.begin(), names.end(), spec.channel) - names.begin());
      if (channel >= series->channels.size()) {
        std::string known;
        for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
        return MakeError(where + file.string() + " has no channel '" + spec.channel + "' (it has: " + known + ")");
      }
    }
    if (series->channels.empty() || series->sample_count() == 0) {
      return MakeError(where + file.string() + ": no samples");
    }
    // The rate: the file's own (WAV, sidecar, CSV timestamps), else [data] sample_rate_hz.
    double rate = series->sample_rate_hz;
    if (rate <= 0.0 && !series->timestamps.empty()) rate = Inspect(*series).sample_rate_hz;
    if (rate <= 0.0) rate = spec.sample_rate_hz;
    if (!(rate > 0.0)) {
      return MakeError(where + file.string() + ": unknown sample rate (no timestamps or header rate; set [data] sample_rate_hz)");
    }
    if (set.sample_rate_hz == 0.0) {
      set.sample_rate_hz = rate;
    } else if (std::fabs(rate - set.sample_rate_hz) > 1e-3 * set.sample_rate_hz) {
      return MakeError(where + file.string() + ": sampled at " + std::to_string(rate) + " Hz, the recordings before it at " +
                       std::to_string(set.sample_rate_hz) + " Hz (one rate per pipeline)");
    }
    set.recordings.push_back({row.file, row.label, row.test, std::move(series->channels[channel])});
  }
  return set;
}

}  // namespace tinyforge::toolchain
