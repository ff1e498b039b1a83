// CWRU replay for the simulated motors (see motor_signal.h).
#include "examples/predictive_maintenance/motor_signal.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

namespace tinyforge::examples::pm {

Result<Recording> LoadRecording(const std::filesystem::path& dir, const std::string& stem) {
  const auto json_path = dir / (stem + ".json");
  const auto data_path = dir / (stem + ".f32");
  std::ifstream json_file(json_path);
  if (!json_file) return MakeError(json_path.string() + ": cannot open (is the CWRU data set there?)");
  const nlohmann::json meta = nlohmann::json::parse(json_file, nullptr, false);
  if (meta.is_discarded() || !meta.contains("shape") || !meta.contains("sample_rate_hz") ||
      !meta.contains("label") || !meta["shape"].is_array() || meta["shape"].empty()) {
    return MakeError(json_path.string() + ": not a recording description (shape, sample_rate_hz, label)");
  }
  Recording recording;
  recording.name = stem;
  recording.label = meta["label"].get<std::string>();
  recording.sample_rate_hz = meta["sample_rate_hz"].get<float>();
  const auto count = meta["shape"][0].get<size_t>();
  std::ifstream data(data_path, std::ios::binary | std::ios::ate);
  if (!data) return MakeError(data_path.string() + ": cannot open");
  const auto bytes = static_cast<size_t>(data.tellg());
  if (bytes != count * sizeof(float)) {
    return MakeError(data_path.string() + ": " + std::to_string(bytes) + " bytes, the .json says " +
                     std::to_string(count) + " float32 samples");
  }
  recording.samples.resize(count);
  data.seekg(0);
  data.read(reinterpret_cast<char*>(recording.samples.data()), static_cast<std::streamsize>(bytes));
  for (float v : recording.samples) {
    if (!std::isfinite(v)) return MakeError(data_path.string() + ": a sample is not finite");
  }
  return recording;
}

namespace {

// Start of the `window` samples of a looped recording segment [begin, end) at stream position
// `position`: contiguous inside the segment (the loop restarts before the seam).
size_t WindowStart(size_t begin, size_t end, uint64_t position, uint32_t window) {
  const uint64_t span = end - begin - window + 1;
  return begin + static_cast<size_t>(position % span);
}

}  // namespace

bool MotorSignal::Window(const MotorPlan& plan, double t_s, uint32_t window, float* out) const {
  const size_t normal_end = normal_->samples.size();
  if (normal_end < normal_begin_ + window) return false;
  const double rate = normal_->sample_rate_hz;
  const auto position = static_cast<uint64_t>(std::max(0.0, t_s) * rate) + plan.normal_offset;
  const float* normal = normal_->samples.data() + WindowStart(normal_begin_, normal_end, position, window);
  double blend = 0;  // share of the fault signal
  if (plan.faulty && plan.fault != nullptr && t_s >= plan.fault_start_s) {
    blend = plan.ramp_s <= 0 ? 1.0 : std::min(1.0, (t_s - plan.fault_start_s) / plan.ramp_s);
  }
  if (blend <= 0) {
    std::memcpy(out, normal, window * sizeof(float));
    return true;
  }
  const Recording& fault = *plan.fault;
  if (fault.samples.size() < window) return false;
  const auto fault_position = static_cast<uint64_t>((t_s - plan.fault_start_s) * fault.sample_rate_hz);
  const float* faulty = fault.samples.data() + WindowStart(0, fault.samples.size(), fault_position, window);
  const auto a = static_cast<float>(blend);
  for (uint32_t k = 0; k < window; ++k) out[k] = normal[k] * (1.0f - a) + faulty[k] * a;
  return true;
}

}  // namespace tinyforge::examples::pm
