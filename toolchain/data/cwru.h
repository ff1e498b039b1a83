// The CWRU bearing dataset as staged in shared/datasets/cwru_bearing: its manifest, selection by
// label/load/rate, and loading one recording (raw float32 + sidecar) checked against the manifest.
#ifndef TINYFORGE_TOOLCHAIN_DATA_CWRU_H_
#define TINYFORGE_TOOLCHAIN_DATA_CWRU_H_

#include <string>
#include <vector>

#include "toolchain/data/time_series.h"

namespace tinyforge::toolchain {

struct CwruEntry {
  std::string file;            // e.g. "de12k_0hp_IR007.f32", relative to the dataset folder
  std::string label;           // normal, inner_race, ball, outer_race_at6
  double fault_diameter_in = 0.0;
  int load_hp = 0;
  int rpm_nominal = 0;
  double sample_rate_hz = 0.0;
  size_t sample_count = 0;
  bool derived = false;        // normal_0hp_12k is decimated from the 48 kHz recording
  size_t manifest_line = 0;
};

// Parses <dir>/manifest.csv. Errors: "manifest.csv:LINE:COL: ..." for missing columns, ragged
// rows and bad numbers.
Result<std::vector<CwruEntry>> ListCwru(const std::string& dir);

// Entries matching every given criterion: label "" = any, load_hp < 0 = any, rate 0 = any.
std::vector<CwruEntry> SelectCwru(const std::vector<CwruEntry>& entries, const std::string& label,
                                  int load_hp, double sample_rate_hz);

// Reads <dir>/<entry.file> with its sidecar and checks rate, label and length against the
// manifest (a mismatch is an error naming both files).
Result<TimeSeries> LoadCwru(const std::string& dir, const CwruEntry& entry);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_DATA_CWRU_H_
