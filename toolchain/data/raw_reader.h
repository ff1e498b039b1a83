// Raw little-endian float32 recordings described by a JSON sidecar (the format of
// shared/datasets/cwru_bearing/*.json), and WAV files (PCM16, PCM32, float32; any channel count).
#ifndef TINYFORGE_TOOLCHAIN_DATA_RAW_READER_H_
#define TINYFORGE_TOOLCHAIN_DATA_RAW_READER_H_

#include <string>

#include "toolchain/data/time_series.h"

namespace tinyforge::toolchain {

struct RawOptions {
  bool allow_missing = false;  // NaN samples: false = error, true = kept as missing
};

// `path` is the .f32 file or its .json sidecar (the other is found by swapping the extension).
// Sidecar: dtype "float32", byte_order "little", shape [samples] or [samples, channels],
// sample_rate_hz > 0; optional channels (names), label. Samples are interleaved by channel.
// Errors name the sidecar (JSON syntax with its byte offset, missing/wrong fields) or the data
// file (size mismatch, NaN/Inf with the byte offset of the value).
Result<TimeSeries> ReadRawF32(const std::string& path, const RawOptions& options = {});
// The same on contents already in memory (the fuzzers use it); the names are used in errors.
Result<TimeSeries> ParseRawF32(const std::string& sidecar_text, const std::string& sidecar_name,
                               const std::string& data, const std::string& data_name,
                               const RawOptions& options = {});

// RIFF/WAVE: format 1 (PCM, 16 or 32 bit), 3 (IEEE float, 32 bit) or 0xFFFE (extensible with a
// PCM/float subformat). PCM is scaled to [-1, 1): x / 32768 or x / 2^31. Errors name the byte
// offset: not RIFF/WAVE, truncated chunk, unsupported format, no fmt/data chunk, partial frame,
// NaN/Inf in float data.
Result<TimeSeries> ReadWav(const std::string& path);
// The same on file contents already in memory; `source` names them in errors.
Result<TimeSeries> ParseWav(const std::string& bytes, const std::string& source);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_DATA_RAW_READER_H_
