// CSV time-series reader: header row, optional timestamp and label columns, numeric channels with
// missing values written as empty, NaN or NA.
#ifndef TINYFORGE_TOOLCHAIN_DATA_CSV_READER_H_
#define TINYFORGE_TOOLCHAIN_DATA_CSV_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "toolchain/data/time_series.h"

namespace tinyforge::toolchain {

struct CsvOptions {
  std::string timestamp_column;  // header name; "" = no timestamp column
  std::string label_column;      // header name; "" = no label column
  char delimiter = ',';
  bool allow_missing = true;     // false: an empty/NaN/NA cell is an error
  double sample_rate_hz = 0.0;   // stored in the TimeSeries when there is no timestamp column
};

// Every other column is a float channel. Errors (all "path:line:column: ..."): empty file, no data
// rows, unknown timestamp/label column, ragged row, non-numeric cell, infinite or out-of-range
// value, missing value when not allowed, missing/non-increasing timestamp, empty label.
Result<TimeSeries> ReadCsv(const std::string& path, const CsvOptions& options);
// The same on text already in memory; `source` names it in errors.
Result<TimeSeries> ParseCsv(std::string_view text, const std::string& source,
                         const CsvOptions& options);

// Splits one CSV line into trimmed cells; a cell wrapped in double quotes loses them ("" inside
// quotes is a literal quote). No embedded newlines.
std::vector<std::string> SplitCsvLine(std::string_view line, char delimiter);

// Splits text into lines (\n or \r\n).
std::vector<std::string_view> SplitLines(std::string_view text);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_DATA_CSV_READER_H_
