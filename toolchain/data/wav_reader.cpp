// RIFF/WAVE reader (see raw_reader.h): PCM16, PCM32 and float32, any channel count.
#include <cmath>
#include <cstring>

#include "toolchain/data/raw_reader.h"

namespace tinyforge::toolchain {
namespace {

uint32_t Le32(const std::string& bytes, size_t offset) {
  return uint32_t(uint8_t(bytes[offset])) | uint32_t(uint8_t(bytes[offset + 1])) << 8 |
         uint32_t(uint8_t(bytes[offset + 2])) << 16 | uint32_t(uint8_t(bytes[offset + 3])) << 24;
}
uint16_t Le16(const std::string& bytes, size_t offset) {
  return uint16_t(uint8_t(bytes[offset]) | uint8_t(bytes[offset + 1]) << 8);
}

constexpr uint16_t kFormatPcm = 1;
constexpr uint16_t kFormatFloat = 3;
constexpr uint16_t kFormatExtensible = 0xFFFE;

}  // namespace

Result<TimeSeries> ReadWav(const std::string& path) {
  Result<std::string> file = ReadDataFile(path);
  if (!file.ok()) return file.error();
  return ParseWav(*file, path);
}

Result<TimeSeries> ParseWav(const std::string& bytes, const std::string& path) {
  if (bytes.size() < 12 || bytes.compare(0, 4, "RIFF") != 0 || bytes.compare(8, 4, "WAVE") != 0) {
    return ByteError(path, 0, "not a RIFF/WAVE file");
  }
  uint16_t format = 0, channel_count = 0, bits = 0;
  uint32_t sample_rate = 0;
  bool have_format = false;
  size_t data_offset = 0, data_bytes = 0;
  bool have_data = false;
  size_t offset = 12;
  while (offset + 8 <= bytes.size()) {
    const std::string id = bytes.substr(offset, 4);
    const size_t size = Le32(bytes, offset + 4);
    const size_t body = offset + 8;
    if (size > bytes.size() - body) {
      return ByteError(path, offset, "chunk '" + id + "' of " + std::to_string(size) +
                                         " bytes runs past the end of the file");
    }
    if (id == "fmt ") {
      if (size < 16) return ByteError(path, offset, "fmt chunk shorter than 16 bytes");
      format = Le16(bytes, body);
      channel_count = Le16(bytes, body + 2);
      sample_rate = Le32(bytes, body + 4);
      bits = Le16(bytes, body + 14);
      if (format == kFormatExtensible) {
        if (size < 40) return ByteError(path, offset, "extensible fmt chunk shorter than 40 bytes");
        format = Le16(bytes, body + 24);  // first two bytes of the subformat GUID
      }
      have_format = true;
    } else if (id == "data") {
      data_offset = body;
      data_bytes = size;
      have_data = true;
    }
    offset = body + size + (size & 1);  // chunks are padded to even sizes
  }
  if (!have_format) return ByteError(path, 12, "no fmt chunk");
  if (!have_data) return ByteError(path, 12, "no data chunk");
  const bool pcm16 = format == kFormatPcm && bits == 16;
  const bool pcm32 = format == kFormatPcm && bits == 32;
  const bool float32 = format == kFormatFloat && bits == 32;
  if (!pcm16 && !pcm32 && !float32) {
    return ByteError(path, 20, "unsupported sample format " + std::to_string(format) + " with " +
                                   std::to_string(bits) + " bits (need PCM16, PCM32 or float32)");
  }
  if (channel_count == 0) return ByteError(path, 22, "zero channels");
  if (sample_rate == 0) return ByteError(path, 24, "zero sample rate");
  const size_t frame_bytes = size_t(channel_count) * bits / 8;
  if (data_bytes % frame_bytes != 0) {
    return ByteError(path, data_offset, "data chunk of " + std::to_string(data_bytes) +
                                            " bytes is not a whole number of " +
                                            std::to_string(frame_bytes) + "-byte frames");
  }
  const size_t frames = data_bytes / frame_bytes;
  if (frames == 0) return ByteError(path, data_offset, "data chunk holds no samples");
  TimeSeries dataset;
  dataset.source = path;
  dataset.sample_rate_hz = sample_rate;
  for (uint16_t c = 0; c < channel_count; ++c) dataset.channel_names.push_back("ch" + std::to_string(c));
  dataset.channels.assign(channel_count, std::vector<float>(frames));
  for (size_t i = 0; i < frames; ++i) {
    for (uint16_t c = 0; c < channel_count; ++c) {
      const size_t at = data_offset + i * frame_bytes + size_t(c) * bits / 8;
      float value = 0.0f;
      if (pcm16) {
        value = float(int16_t(Le16(bytes, at))) / 32768.0f;
      } else if (pcm32) {
        value = float(double(int32_t(Le32(bytes, at))) / 2147483648.0);
      } else {
        const uint32_t word = Le32(bytes, at);
        std::memcpy(&value, &word, sizeof(value));
        if (!std::isfinite(value)) {
          return ByteError(path, at, "non-finite float at frame " + std::to_string(i) +
                                         " channel " + std::to_string(c));
        }
      }
      dataset.channels[c][i] = value;
    }
  }
  return dataset;
}

}  // namespace tinyforge::toolchain
