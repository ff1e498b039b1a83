// Error formatting and file reading shared by the data readers.
#include "toolchain/data/time_series.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sodium.h>

namespace tinyforge::toolchain {

Error TextError(const std::string& path, size_t line, size_t column, const std::string& message) {
  return MakeError(path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                   message);
}

Error ByteError(const std::string& path, size_t byte_offset, const std::string& message) {
  return MakeError(path + ": byte " + std::to_string(byte_offset) + ": " + message);
}

Error FileError(const std::string& path, const std::string& message) {
  return MakeError(path + ": " + message);
}

std::string SampleLocation(const TimeSeries& dataset, size_t index, size_t channel) {
  if (index < dataset.source_lines.size()) {
    return dataset.source + ":" + std::to_string(dataset.source_lines[index]) + ": column '" +
           (channel < dataset.channel_names.size() ? dataset.channel_names[channel] : "?") + "'";
  }
  return dataset.source + ": sample " + std::to_string(index) +
         (channel < dataset.channel_names.size() ? " of channel '" + dataset.channel_names[channel] + "'"
                                                 : "");
}

Result<std::string> ReadDataFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return FileError(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) return FileError(path, "read failed");
  return contents.str();
}

Result<std::string> FileSha256Hex(const std::string& path) {
  Result<std::string> bytes = ReadDataFile(path);
  if (!bytes.ok()) return bytes.error();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes->data()), bytes->size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

}  // namespace tinyforge::toolchain
