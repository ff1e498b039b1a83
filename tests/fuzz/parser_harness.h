// The bodies shared by the parser libFuzzer targets (fuzz_<parser>.cpp) and the seeded mutation
// tests (parser_*_mutation_test.cpp): feed one input to one host parser and check what the house
// rule asks of bad input beyond "no crash": a refusal is a Result error whose message starts with
// the file name and names the place (line:column, byte offset, field, node or initializer), and
// whatever is accepted is sane (finite numbers, consistent sizes). A broken rule comes back as a
// non-empty `violation`; the fuzz targets abort on it, the tests fail on it.
#ifndef TINYFORGE_TESTS_FUZZ_PARSER_HARNESS_H_
#define TINYFORGE_TESTS_FUZZ_PARSER_HARNESS_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>
#include <span>
#include <string>
#include <string_view>

#include "core/crc32.h"
#include "tinyforge/format/tfm.h"
#include "toolchain/data/csv_reader.h"
#include "toolchain/data/raw_reader.h"
#include "toolchain/importers/onnx_importer.h"
#include "toolchain/importers/tfm_reader.h"
#include "toolchain/pipeline/pipeline_spec.h"

namespace tinyforge::fuzz {

// The names the harness gives its inputs (they must appear at the start of every error).
inline constexpr const char* kCsvName = "fuzz.csv";
inline constexpr const char* kSidecarName = "fuzz.json";
inline constexpr const char* kRawName = "fuzz.f32";
inline constexpr const char* kWavName = "fuzz.wav";
inline constexpr const char* kPipelineName = "/fuzz/pipeline.toml";
inline constexpr const char* kTfmName = "fuzz.tfm";
inline constexpr const char* kOnnxName = "fuzz.onnx";

struct ParserVerdict {
  bool parsed = false;
  std::string violation;  // empty = every rule held
  std::string error;      // the parser's message when it refused the input
};

namespace harness_detail {

inline bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "<name>:<digits>:<digits>: " — a text position.
inline bool HasLineColumn(std::string_view message, std::string_view name) {
  if (!StartsWith(message, name) || message.size() <= name.size() || message[name.size()] != ':')
    return false;
  size_t at = name.size() + 1;
  for (int part = 0; part < 2; ++part) {
    const size_t digits_start = at;
    while (at < message.size() && message[at] >= '0' && message[at] <= '9') ++at;
    if (at == digits_start || at >= message.size() || message[at] != ':') return false;
    ++at;
  }
  return true;
}

inline bool HasByteOffset(std::string_view message, std::string_view name) {
  const std::string prefix = std::string(name) + ": byte ";
  return StartsWith(message, prefix) && message.size() > prefix.size() &&
         message[prefix.size()] >= '0' && message[prefix.size()] <= '9';
}

inline ParserVerdict Refused(std::string error, bool place_named, const char* rule) {
  ParserVerdict verdict;
  verdict.error = std::move(error);
  if (!place_named) verdict.violation = std::string(rule) + ": " + verdict.error;
  return verdict;
}

inline std::string CheckTimeSeries(const toolchain::TimeSeries& series) {
  const size_t samples = series.sample_count();
  if (series.channels.size() != series.channel_names.size())
    return "channel names and channels differ in count";
  for (const auto& channel : series.channels) {
    if (channel.size() != samples) return "channels of different lengths";
    for (float value : channel) {
      if (std::isinf(value)) return "an infinite sample was accepted";
    }
  }
  if (!series.timestamps.empty() && series.timestamps.size() != samples)
    return "timestamps do not cover every sample";
  if (!series.labels.empty() && series.labels.size() != samples)
    return "labels do not cover every sample";
  return {};
}

}  // namespace harness_detail

// CSV with the given options (the fuzz target tries plain channels and timestamp+label columns).
inline ParserVerdict CheckCsv(std::string_view text, const toolchain::CsvOptions& options) {
  using namespace harness_detail;
  auto parsed = toolchain::ParseCsv(text, kCsvName, options);
  if (!parsed.ok()) {
    return Refused(parsed.error().message, HasLineColumn(parsed.error().message, kCsvName),
                   "CSV error without file:line:column");
  }
  ParserVerdict verdict;
  verdict.parsed = true;
  verdict.violation = CheckTimeSeries(*parsed);
  if (verdict.violation.empty() && parsed->source_lines.size() != parsed->sample_count())
    verdict.violation = "source lines do not cover every sample";
  return verdict;
}

// Raw float32 + sidecar; the fuzz input is "<sidecar JSON>\0<data bytes>".
inline ParserVerdict CheckRawF32(std::string_view input, bool allow_missing) {
  using namespace harness_detail;
  const size_t split = input.find('\0');
  const std::string sidecar(input.substr(0, split));
  const std::string data(split == std::string_view::npos ? std::string_view() : input.substr(split + 1));
  toolchain::RawOptions options;
  options.allow_missing = allow_missing;
  auto parsed = toolchain::ParseRawF32(sidecar, kSidecarName, data, kRawName, options);
  if (!parsed.ok()) {
    const std::string& message = parsed.error().message;
    const std::string sidecar_prefix = std::string(kSidecarName) + ": ";
    const bool sidecar_place = HasByteOffset(message, kSidecarName) ||
                               StartsWith(message, sidecar_prefix + "field '") ||
                               StartsWith(message, sidecar_prefix + "shape[") ||
                               StartsWith(message, sidecar_prefix + "sidecar is not");
    return Refused(message, sidecar_place || HasByteOffset(message, kRawName),
                   "raw reader error without a byte offset or field");
  }
  ParserVerdict verdict;
  verdict.parsed = true;
  verdict.violation = CheckTimeSeries(*parsed);
  if (verdict.violation.empty() && !(parsed->sample_rate_hz > 0.0 && std::isfinite(parsed->sample_rate_hz)))
    verdict.violation = "accepted a sample rate that is not a positive finite number";
  if (verdict.violation.empty() && parsed->sample_count() * parsed->channels.size() * 4 != data.size())
    verdict.violation = "accepted a data file whose size is not the sidecar's shape";
  return verdict;
}

inline ParserVerdict CheckWav(std::string_view bytes) {
  using namespace harness_detail;
  auto parsed = toolchain::ParseWav(std::string(bytes), kWavName);
  if (!parsed.ok()) {
    return Refused(parsed.error().message, HasByteOffset(parsed.error().message, kWavName),
                   "WAV error without a byte offset");
  }
  ParserVerdict verdict;
  verdict.parsed = true;
  verdict.violation = CheckTimeSeries(*parsed);
  if (verdict.violation.empty()) {
    for (const auto& channel : parsed->channels) {
      for (float value : channel) {
        if (std::isnan(value)) verdict.violation = "a NaN sample was accepted";
      }
    }
  }
  if (verdict.violation.empty() && parsed->sample_count() * parsed->channels.size() > bytes.size())
    verdict.violation = "more samples than the file has bytes";
  return verdict;
}

inline ParserVerdict CheckPipelineSpec(std::string_view text) {
  using namespace harness_detail;
  auto parsed = toolchain::ParsePipelineSpec(std::string(text), kPipelineName, "/shared");
  if (!parsed.ok()) {
    const std::string& message = parsed.error().message;
    // A missing section or an empty plan has no line of its own: the file name is enough.
    const bool whole_file = StartsWith(message, std::string(kPipelineName) + ": missing [") ||
                            StartsWith(message, std::string(kPipelineName) + ": nothing to train");
    return Refused(message, whole_file || HasLineColumn(message, kPipelineName),
                   "pipeline error without file:line:column");
  }
  ParserVerdict verdict;
  verdict.parsed = true;
  const auto& spec = *parsed;
  const auto positive_finite = [](double value) { return std::isfinite(value) && value > 0.0; };
  if (!positive_finite(spec.classifier.learning_rate) || !positive_finite(spec.anomaly.learning_rate))
    verdict.violation = "accepted a learning rate that is not a positive finite number";
  else if (!std::isfinite(spec.features.band_low_hz) || !std::isfinite(spec.features.band_high_hz) ||
           spec.features.band_low_hz < 0.0f || spec.features.band_high_hz < 0.0f)
    verdict.violation = "accepted a band edge that is not a finite non-negative number";
  else if (spec.features.window_size == 0 || spec.features.window_stride == 0)
    verdict.violation = "accepted a zero window size or stride";
  else if ((spec.classifier.enabled && (spec.classifier.epochs < 1 || spec.classifier.batch_size < 1)) ||
           (spec.anomaly.enabled && (spec.anomaly.epochs < 1 || spec.anomaly.batch_size < 1)))
    verdict.violation = "accepted zero epochs or a zero batch size";
  else if (spec.classifier.enabled && spec.data.classes.size() == 1)
    verdict.violation = "accepted a classifier over a single class";
  return verdict;
}

// Re-stamps the header CRC of a mutated blob (when its declared size fits) so that mutations get
// past the checksum to the record checks and the graph rebuild.
inline void RepairTfmCrc(std::vector<uint8_t>& blob) {
  if (blob.size() < format::kHeaderBytes) return;
  uint32_t declared;
  std::memcpy(&declared, blob.data() + 12, 4);
  if (declared < format::kHeaderBytes || declared > blob.size()) return;
  const uint32_t crc = BlobCrc32(blob.data(), declared);
  std::memcpy(blob.data() + 28, &crc, 4);
}

inline ParserVerdict CheckTfm(std::span<const uint8_t> blob) {
  using namespace harness_detail;
  auto parsed = toolchain::ReadTfmGraph(blob, kTfmName);
  if (!parsed.ok()) {
    return Refused(parsed.error().message,
                   StartsWith(parsed.error().message, std::string(kTfmName) + ": "),
                   ".tfm error that does not start with the file name");
  }
  ParserVerdict verdict;
  verdict.parsed = true;
  auto valid = parsed->Validate();
  if (!valid.ok()) verdict.violation = "returned an invalid graph: " + valid.error().message;
  return verdict;
}

inline ParserVerdict CheckOnnx(const std::string& bytes) {
  using namespace harness_detail;
  auto parsed = toolchain::ImportOnnxBytes(bytes, kOnnxName);
  if (!parsed.ok()) {
    return Refused(parsed.error().message,
                   StartsWith(parsed.error().message, std::string(kOnnxName) + ": "),
                   "ONNX error that does not start with the file name");
  }
  ParserVerdict verdict;
  verdict.parsed = true;
  auto valid = parsed->graph.Validate();
  if (!valid.ok()) verdict.violation = "returned an invalid graph: " + valid.error().message;
  return verdict;
}

}  // namespace tinyforge::fuzz

#endif  // TINYFORGE_TESTS_FUZZ_PARSER_HARNESS_H_
