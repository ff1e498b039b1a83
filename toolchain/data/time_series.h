// In-memory time series as the readers produce them (CSV, raw float32 + JSON sidecar, WAV), and
// the error helpers that make every data error name its file and line/column or byte offset.
#ifndef TINYFORGE_TOOLCHAIN_DATA_TIME_SERIES_H_
#define TINYFORGE_TOOLCHAIN_DATA_TIME_SERIES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

// Column-major samples: channels[c][i] is channel c at sample i. Missing samples are NaN.
struct TimeSeries {
  std::string source;                         // the path it was read from
  double sample_rate_hz = 0.0;                // 0 when unknown (see Inspect for an estimate)
  std::vector<std::string> channel_names;
  std::vector<std::vector<float>> channels;   // every channel has sample_count() values
  std::vector<double> timestamps;             // per sample, empty without a timestamp column
  std::vector<std::string> labels;            // per sample, empty without a label column
  std::string label;                          // whole-recording label (sidecar), may be empty
  std::vector<uint32_t> source_lines;         // CSV: 1-based line of each sample; else empty

  size_t sample_count() const { return channels.empty() ? 0 : channels[0].size(); }
};

// "path:line:column: message" (text files; column is the 1-based field number of a CSV cell).
Error TextError(const std::string& path, size_t line, size_t column, const std::string& message);
// "path: byte N: message" (binary files).
Error ByteError(const std::string& path, size_t byte_offset, const std::string& message);
// "path: message" (whole-file problems).
Error FileError(const std::string& path, const std::string& message);

// Where sample `index` came from, for messages: "path:LINE: column 'x'" for CSV, else
// "path: sample N of channel 'x'".
std::string SampleLocation(const TimeSeries& dataset, size_t index, size_t channel);

// Reads a whole file; the error names the path and the OS reason.
Result<std::string> ReadDataFile(const std::string& path);

// SHA-256 of a whole file as 64 lowercase hex digits: the model card's dataset_hash
// ("sha256:<hex>"), recorded by `tinyforge train` and `package --dataset`.
Result<std::string> FileSha256Hex(const std::string& path);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_DATA_TIME_SERIES_H_
