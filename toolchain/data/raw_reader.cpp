// Raw float32 + JSON sidecar reader (see raw_reader.h).
#include <cmath>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "toolchain/data/raw_reader.h"

namespace tinyforge::toolchain {
namespace {

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string SwapExtension(const std::string& path, const std::string& extension) {
  const size_t dot = path.find_last_of('.');
  const size_t slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    return path + extension;
  }
  return path.substr(0, dot) + extension;
}

Result<TimeSeries> ParseRawF32Sidecar(const std::string& sidecar_text,
                                      const std::string& sidecar_path,
                                      const std::string& data_path, const RawOptions& options,
                                      const std::string* data_in_memory = nullptr);

// A SAX consumer that keeps nothing but the byte position of the first error. nlohmann reports a
// number that overflows a double ("1e999") as out_of_range, not parse_error, and that exception
// carries no position; the SAX pass finds it (parse_error() gets the position for both kinds).
struct RawSidecarErrorLocator {
  size_t byte = std::string::npos;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(nlohmann::json::number_integer_t) { return true; }
  bool number_unsigned(nlohmann::json::number_unsigned_t) { return true; }
  bool number_float(nlohmann::json::number_float_t, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(nlohmann::json::binary_t&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::json::exception&) {
    byte = position;
    return false;
  }
};

}  // namespace

Result<TimeSeries> ReadRawF32(const std::string& path, const RawOptions& options) {
  const std::string sidecar_path = EndsWith(path, ".json") ? path : SwapExtension(path, ".json");
  const std::string data_path = EndsWith(path, ".json") ? SwapExtension(path, ".f32") : path;
  Result<std::string> sidecar_text = ReadDataFile(sidecar_path);
  if (!sidecar_text.ok()) return sidecar_text.error();
  // The sidecar is checked before the data file is read: a bad sidecar names itself even when
  // the data file is missing.
  return ParseRawF32Sidecar(*sidecar_text, sidecar_path, data_path, options);
}

Result<TimeSeries> ParseRawF32(const std::string& sidecar_text, const std::string& sidecar_name,
                               const std::string& data, const std::string& data_name,
                               const RawOptions& options) {
  return ParseRawF32Sidecar(sidecar_text, sidecar_name, data_name, options, &data);
}

namespace {

Result<TimeSeries> ParseRawF32Sidecar(const std::string& sidecar_text,
                                      const std::string& sidecar_path,
                                      const std::string& data_path, const RawOptions& options,
                                      const std::string* data_in_memory) {
  nlohmann::json sidecar;
  try {
    sidecar = nlohmann::json::parse(sidecar_text);
  } catch (const nlohmann::json::exception& error) {
    // Any nlohmann exception (parse_error, out_of_range for an overflowing number...) is bad
    // input, never a crash; the locator pass names the byte.
    RawSidecarErrorLocator locator;
    (void)nlohmann::json::sax_parse(sidecar_text, &locator);
    const size_t byte = locator.byte != std::string::npos ? locator.byte : 0;
    return ByteError(sidecar_path, byte, std::string("invalid JSON: ") + error.what());
  }
  if (!sidecar.is_object()) return FileError(sidecar_path, "sidecar is not a JSON object");
  auto field_error = [&](const std::string& message) { return FileError(sidecar_path, message); };
  if (!sidecar.contains("dtype") || sidecar["dtype"] != "float32") {
    return field_error("field 'dtype' must be \"float32\"");
  }
  if (sidecar.contains("byte_order") && sidecar["byte_order"] != "little") {
    return field_error("field 'byte_order' must be \"little\"");
  }
  if (!sidecar.contains("shape") || !sidecar["shape"].is_array() || sidecar["shape"].empty() ||
      sidecar["shape"].size() > 2) {
    return field_error("field 'shape' must be [samples] or [samples, channels]");
  }
  size_t dims[2] = {0, 1};
  for (size_t i = 0; i < sidecar["shape"].size(); ++i) {
    const nlohmann::json& dim = sidecar["shape"][i];
    if (!dim.is_number_unsigned() || dim.get<uint64_t>() == 0 ||
        dim.get<uint64_t>() > (uint64_t{1} << 32)) {
      return field_error("shape[" + std::to_string(i) + "] must be a positive integer");
    }
    dims[i] = size_t(dim.get<uint64_t>());
  }
  if (!sidecar.contains("sample_rate_hz") || !sidecar["sample_rate_hz"].is_number() ||
      !(sidecar["sample_rate_hz"].get<double>() > 0.0) ||
      !std::isfinite(sidecar["sample_rate_hz"].get<double>())) {
    return field_error("field 'sample_rate_hz' must be a positive number");
  }
  TimeSeries dataset;
  dataset.source = data_path;
  dataset.sample_rate_hz = sidecar["sample_rate_hz"].get<double>();
  if (sidecar.contains("label")) {
    if (!sidecar["label"].is_string()) return field_error("field 'label' must be a string");
    dataset.label = sidecar["label"].get<std::string>();
  }
  const size_t samples = dims[0];
  const size_t channel_count = dims[1];
  if (sidecar.contains("channels")) {
    const nlohmann::json& names = sidecar["channels"];
    if (!names.is_array() || names.size() != channel_count) {
      return field_error("field 'channels' must list " + std::to_string(channel_count) + " names");
    }
    for (const auto& name : names) {
      if (!name.is_string()) return field_error("field 'channels' must hold strings");
      dataset.channel_names.push_back(name.get<std::string>());
    }
  }
  Result<std::string> bytes =
      data_in_memory != nullptr ? Result<std::string>(*data_in_memory) : ReadDataFile(data_path);
  if (!bytes.ok()) return bytes.error();
  // Each dim is at most 2^32, so the product can wrap size_t (2^32 x 2^32 x 4 = 0): the size is
  // compared by division, and before any per-channel allocation, so a sidecar that claims more
  // than the file holds costs nothing.
  const size_t file_values = bytes->size() / sizeof(float);
  if (bytes->size() % sizeof(float) != 0 || file_values / channel_count != samples ||
      file_values % channel_count != 0) {
    const bool overflows =
        samples > std::numeric_limits<size_t>::max() / sizeof(float) / channel_count;
    const size_t needed = overflows ? 0 : samples * channel_count * sizeof(float);
    return ByteError(data_path, overflows ? bytes->size() : std::min(bytes->size(), needed),
                     "file has " + std::to_string(bytes->size()) + " bytes, the sidecar shape needs " +
                         (overflows ? std::string("more than 2^64") : std::to_string(needed)));
  }
  if (!sidecar.contains("channels")) {
    // Default names only now that the file has shown it holds every channel.
    for (size_t c = 0; c < channel_count; ++c) dataset.channel_names.push_back("ch" + std::to_string(c));
  }
  dataset.channels.assign(channel_count, std::vector<float>(samples));
  const char* data = bytes->data();
  for (size_t i = 0; i < samples; ++i) {
    for (size_t c = 0; c < channel_count; ++c) {
      const size_t offset = (i * channel_count + c) * sizeof(float);
      uint32_t word = uint32_t(uint8_t(data[offset])) | uint32_t(uint8_t(data[offset + 1])) << 8 |
                      uint32_t(uint8_t(data[offset + 2])) << 16 |
                      uint32_t(uint8_t(data[offset + 3])) << 24;
      float value = 0.0f;
      std::memcpy(&value, &word, sizeof(value));
      if (std::isinf(value) || (std::isnan(value) && !options.allow_missing)) {
        return ByteError(data_path, offset,
                         std::string(std::isnan(value) ? "NaN" : "infinite") + " value at sample " +
                             std::to_string(i) + " of channel '" + dataset.channel_names[c] + "'");
      }
      dataset.channels[c][i] = value;
    }
  }
  return dataset;
}

}  // namespace
}  // namespace tinyforge::toolchain
