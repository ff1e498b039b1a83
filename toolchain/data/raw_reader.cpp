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

}  // namespace

Result<TimeSeries> ReadRawF32(const std::string& path, const RawOptions& options) {
  const std::string sidecar_path = EndsWith(path, ".json") ? path : SwapExtension(path, ".json");
  const std::string data_path = EndsWith(path, ".json") ? SwapExtension(path, ".f32") : path;
  Result<std::string> sidecar_text = ReadDataFile(sidecar_path);
  if (!sidecar_text.ok()) return sidecar_text.error();
  nlohmann::json sidecar;
  try {
    sidecar = nlohmann::json::parse(*sidecar_text);
  } catch (const nlohmann::json::parse_error& error) {
    return ByteError(sidecar_path, error.byte, std::string("invalid JSON: ") + error.what());
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
  } else {
    for (size_t c = 0; c < channel_count; ++c) dataset.channel_names.push_back("ch" + std::to_string(c));
  }
  Result<std::string> bytes = ReadDataFile(data_path);
  if (!bytes.ok()) return bytes.error();
  const size_t expected_bytes = samples * channel_count * sizeof(float);
  if (bytes->size() != expected_bytes) {
    return ByteError(data_path, std::min(bytes->size(), expected_bytes),
                     "file has " + std::to_string(bytes->size()) + " bytes, the sidecar shape needs " +
                         std::to_string(expected_bytes));
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

}  // namespace tinyforge::toolchain
