// CSV time-series reader (see csv_reader.h).
#include "toolchain/data/csv_reader.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace tinyforge::toolchain {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? char(a[i] - 'A' + 'a') : a[i];
    const char y = b[i] >= 'A' && b[i] <= 'Z' ? char(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

bool IsMissingCell(std::string_view cell) {
  return cell.empty() || EqualsIgnoreCase(cell, "nan") || EqualsIgnoreCase(cell, "na") ||
         EqualsIgnoreCase(cell, "-nan");
}

enum class CellKind { kNumber, kMissing, kNotNumber, kInfinite, kOutOfRange };

CellKind ParseNumber(std::string_view cell, double* value) {
  if (IsMissingCell(cell)) return CellKind::kMissing;
  const char* begin = cell.data();
  const char* end = cell.data() + cell.size();
  if (*begin == '+') ++begin;  // from_chars refuses a leading '+'
  const auto [ptr, ec] = std::from_chars(begin, end, *value);
  if (ec == std::errc::result_out_of_range) return CellKind::kOutOfRange;
  if (ec != std::errc() || ptr != end) return CellKind::kNotNumber;
  if (std::isinf(*value)) return CellKind::kInfinite;
  if (std::isnan(*value)) return CellKind::kMissing;
  if (std::fabs(*value) > std::numeric_limits<float>::max()) return CellKind::kOutOfRange;
  return CellKind::kNumber;
}

}  // namespace

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      if (start < text.size()) lines.push_back(text.substr(start));
      break;
    }
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::vector<std::string> SplitCsvLine(std::string_view line, char delimiter) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  bool was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"' && Trim(cell).empty()) {
      quoted = true;
      was_quoted = true;
      cell.clear();
    } else if (c == delimiter) {
      cells.push_back(was_quoted ? cell : std::string(Trim(cell)));
      cell.clear();
      was_quoted = false;
    } else if (!(was_quoted && (c == ' ' || c == '\t'))) {
      cell += c;
    }
  }
  cells.push_back(was_quoted ? cell : std::string(Trim(cell)));
  return cells;
}

Result<TimeSeries> ReadCsv(const std::string& path, const CsvOptions& options) {
  Result<std::string> text = ReadDataFile(path);
  if (!text.ok()) return text.error();
  return ParseCsv(*text, path, options);
}

Result<TimeSeries> ParseCsv(std::string_view text, const std::string& source,
                         const CsvOptions& options) {
  std::vector<std::string_view> lines = SplitLines(text);
  // Trailing blank lines are harmless; blank lines elsewhere are ragged rows.
  while (!lines.empty() && Trim(lines.back()).empty()) lines.pop_back();
  if (lines.empty()) return TextError(source, 1, 1, "empty file: expected a header row");
  const std::vector<std::string> header = SplitCsvLine(lines[0], options.delimiter);
  int timestamp_field = -1;
  int label_field = -1;
  TimeSeries dataset;
  dataset.source = source;
  std::vector<size_t> channel_fields;
  for (size_t f = 0; f < header.size(); ++f) {
    if (header[f].empty()) return TextError(source, 1, f + 1, "empty column name in header");
    if (!options.timestamp_column.empty() && header[f] == options.timestamp_column) {
      timestamp_field = int(f);
    } else if (!options.label_column.empty() && header[f] == options.label_column) {
      label_field = int(f);
    } else {
      channel_fields.push_back(f);
      dataset.channel_names.push_back(header[f]);
    }
  }
  if (!options.timestamp_column.empty() && timestamp_field < 0) {
    return TextError(source, 1, 1, "no timestamp column named '" + options.timestamp_column + "'");
  }
  if (!options.label_column.empty() && label_field < 0) {
    return TextError(source, 1, 1, "no label column named '" + options.label_column + "'");
  }
  if (channel_fields.empty()) return TextError(source, 1, 1, "no data column in header");
  if (lines.size() < 2) return TextError(source, 2, 1, "no data rows after the header");
  dataset.channels.assign(channel_fields.size(), {});
  for (auto& channel : dataset.channels) channel.reserve(lines.size() - 1);
  for (size_t l = 1; l < lines.size(); ++l) {
    const size_t line_number = l + 1;
    const std::vector<std::string> cells = SplitCsvLine(lines[l], options.delimiter);
    if (cells.size() != header.size()) {
      return TextError(source, line_number, std::min(cells.size(), header.size()) + 1,
                       "row has " + std::to_string(cells.size()) + " cells, header has " +
                           std::to_string(header.size()));
    }
    if (timestamp_field >= 0) {
      double t = 0.0;
      const std::string& cell = cells[size_t(timestamp_field)];
      if (ParseNumber(cell, &t) != CellKind::kNumber) {
        return TextError(source, line_number, size_t(timestamp_field) + 1,
                         "timestamp '" + cell + "' is not a finite number");
      }
      if (!dataset.timestamps.empty() && !(t > dataset.timestamps.back())) {
        return TextError(source, line_number, size_t(timestamp_field) + 1,
                         "timestamp " + cell + " is not after the previous row's");
      }
      dataset.timestamps.push_back(t);
    }
    if (label_field >= 0) {
      const std::string& cell = cells[size_t(label_field)];
      if (cell.empty()) return TextError(source, line_number, size_t(label_field) + 1, "empty label");
      dataset.labels.push_back(cell);
    }
    for (size_t c = 0; c < channel_fields.size(); ++c) {
      const size_t field = channel_fields[c];
      const std::string& cell = cells[field];
      double value = 0.0;
      const std::string where = "column '" + header[field] + "'";
      switch (ParseNumber(cell, &value)) {
        case CellKind::kNumber:
          dataset.channels[c].push_back(float(value));
          break;
        case CellKind::kMissing:
          if (!options.allow_missing) {
            return TextError(source, line_number, field + 1, "missing value in " + where);
          }
          dataset.channels[c].push_back(std::numeric_limits<float>::quiet_NaN());
          break;
        case CellKind::kNotNumber:
          return TextError(source, line_number, field + 1,
                           "cell '" + cell + "' in " + where + " is not a number");
        case CellKind::kInfinite:
          return TextError(source, line_number, field + 1,
                           "infinite value '" + cell + "' in " + where);
        case CellKind::kOutOfRange:
          return TextError(source, line_number, field + 1,
                           "value '" + cell + "' in " + where + " is outside the float range");
      }
    }
    dataset.source_lines.push_back(uint32_t(line_number));
  }
  dataset.sample_rate_hz = options.sample_rate_hz;
  return dataset;
}

}  // namespace tinyforge::toolchain
