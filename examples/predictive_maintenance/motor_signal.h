// The vibration each simulated motor "measures": CWRU drive-end recordings replayed in real time.
// A healthy motor replays the held-out normal recording (the part the autoencoder never saw); a
// failing one does the same until its fault starts, then blends into a fault recording over
// `ramp_s` seconds (a developing fault: normal * (1 - a) + fault * a, a rising 0 -> 1), then
// replays the fault recording alone. Windows are always contiguous samples of one recording (never
// across a loop seam), so the only discontinuity a model can see is the fault.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "toolchain/ir/result.h"

namespace tinyforge::examples::pm {

using toolchain::MakeError;
using toolchain::Result;

struct Recording {
  std::string name;      // file stem, e.g. de12k_1hp_IR007
  std::string label;     // normal, inner_race, ball, outer_race_at6
  float sample_rate_hz = 0;
  std::vector<float> samples;
};

// Reads DIR/<stem>.f32 (little-endian float32) and its .json (label, sample rate, shape).
Result<Recording> LoadRecording(const std::filesystem::path& dir, const std::string& stem);

struct MotorPlan {
  std::string device_id;
  bool faulty = false;
  double fault_start_s = 0;   // when the fault begins (seconds since the motors started)
  double ramp_s = 0;          // how long until the fault signal alone
  const Recording* fault = nullptr;
  uint32_t normal_offset = 0;  // where in the normal segment this motor's replay starts
};

class MotorSignal {
 public:
  // `normal` from `normal_begin` on is the held-out normal segment.
  MotorSignal(const Recording* normal, size_t normal_begin) : normal_(normal), normal_begin_(normal_begin) {}
  // The `window` samples ending at signal time t_s for this motor; false if a recording is too short.
  bool Window(const MotorPlan& plan, double t_s, uint32_t window, float* out) const;
  size_t normal_samples() const { return normal_->samples.size() - normal_begin_; }

 private:
  const Recording* normal_;
  size_t normal_begin_;
};

}  // namespace tinyforge::examples::pm
