// CWRU bearing dataset manifest and loader (see cwru.h).
#include "toolchain/data/cwru.h"

#include <charconv>
#include <map>

#include "toolchain/data/csv_reader.h"
#include "toolchain/data/raw_reader.h"

namespace tinyforge::toolchain {
namespace {

template <typename T>
bool ParseField(const std::string& cell, T* value) {
  const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), *value);
  return ec == std::errc() && ptr == cell.data() + cell.size();
}

}  // namespace

Result<std::vector<CwruEntry>> ListCwru(const std::string& dir) {
  const std::string path = dir + "/manifest.csv";
  Result<std::string> text = ReadDataFile(path);
  if (!text.ok()) return text.error();
  std::vector<std::string_view> lines = SplitLines(*text);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return TextError(path, 1, 1, "empty manifest");
  const std::vector<std::string> header = SplitCsvLine(lines[0], ',');
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
  for (const char* name : {"file", "label", "fault_diameter_in", "load_hp", "rpm_nominal",
                           "sample_rate_hz", "n_samples", "derived"}) {
    if (!column.count(name)) return TextError(path, 1, 1, std::string("no column '") + name + "'");
  }
  std::vector<CwruEntry> entries;
  for (size_t l = 1; l < lines.size(); ++l) {
    const std::vector<std::string> cells = SplitCsvLine(lines[l], ',');
    if (cells.size() != header.size()) {
      return TextError(path, l + 1, 1, "row has " + std::to_string(cells.size()) +
                                           " cells, header has " + std::to_string(header.size()));
    }
    CwruEntry entry;
    entry.manifest_line = l + 1;
    entry.file = cells[column["file"]];
    entry.label = cells[column["label"]];
    int derived = 0;
    auto bad = [&](const char* name) {
      return TextError(path, l + 1, column[name] + 1,
                       std::string("bad ") + name + " '" + cells[column[name]] + "'");
    };
    if (!ParseField(cells[column["fault_diameter_in"]], &entry.fault_diameter_in)) {
      return bad("fault_diameter_in");
    }
    if (!ParseField(cells[column["load_hp"]], &entry.load_hp)) return bad("load_hp");
    if (!ParseField(cells[column["rpm_nominal"]], &entry.rpm_nominal)) return bad("rpm_nominal");
    if (!ParseField(cells[column["sample_rate_hz"]], &entry.sample_rate_hz) ||
        !(entry.sample_rate_hz > 0.0)) {
      return bad("sample_rate_hz");
    }
    if (!ParseField(cells[column["n_samples"]], &entry.sample_count)) return bad("n_samples");
    if (!ParseField(cells[column["derived"]], &derived)) return bad("derived");
    if (entry.file.empty() || entry.file.find('/') != std::string::npos) return bad("file");
    entry.derived = derived != 0;
    entries.push_back(entry);
  }
  return entries;
}

std::vector<CwruEntry> SelectCwru(const std::vector<CwruEntry>& entries, const std::string& label,
                                  int load_hp, double sample_rate_hz) {
  std::vector<CwruEntry> selected;
  for (const CwruEntry& entry : entries) {
    if (!label.empty() && entry.label != label) continue;
    if (load_hp >= 0 && entry.load_hp != load_hp) continue;
    if (sample_rate_hz > 0.0 && entry.sample_rate_hz != sample_rate_hz) continue;
    selected.push_back(entry);
  }
  return selected;
}

Result<TimeSeries> LoadCwru(const std::string& dir, const CwruEntry& entry) {
  Result<TimeSeries> dataset = ReadRawF32(dir + "/" + entry.file);
  if (!dataset.ok()) return dataset.error();
  const std::string where = dir + "/manifest.csv:" + std::to_string(entry.manifest_line);
  if (dataset->sample_rate_hz != entry.sample_rate_hz || dataset->label != entry.label ||
      dataset->sample_count() != entry.sample_count || dataset->channels.size() != 1) {
    return FileError(dataset->source, "sidecar disagrees with " + where +
                                          " (rate, label, length or channel count)");
  }
  return dataset;
}

}  // namespace tinyforge::toolchain
