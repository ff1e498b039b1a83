// The pipeline's `[data] kind = "recordings"` source: a manifest CSV listing the user's own
// recordings (CSV, raw float32 + JSON sidecar, or WAV, read by toolchain/data) with a label and a
// train/test split each, so `pipeline run` is not limited to the CWRU layout (docs/pipeline.md).
#ifndef TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_RECORDINGS_H_
#define TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_RECORDINGS_H_

#include <string>
#include <vector>

#include "toolchain/ir/result.h"
#include "toolchain/pipeline/pipeline_spec.h"

namespace tinyforge::toolchain {

struct SourceRecording {
  std::string source;  // the file as the manifest names it (row sources, messages)
  std::string label;
  bool test = false;   // split = test
  std::vector<float> samples;  // the selected channel; NaN = missing
};

struct RecordingSet {
  double sample_rate_hz = 0.0;  // the same for every recording (checked)
  std::vector<SourceRecording> recordings;
};

// Manifest: a header row with the columns `file`, `label` and optionally `split` (`train`,
// `test`; empty = train), in any order; `file` is relative to the manifest's folder. Errors name
// the manifest line or the recording file.
Result<RecordingSet> LoadRecordings(const DataSpec& spec);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PIPELINE_PIPELINE_RECORDINGS_H_
