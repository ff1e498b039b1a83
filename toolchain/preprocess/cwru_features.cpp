// CWRU recordings -> labelled signals, and FeatureMatrix -> trainer Dataset (see cwru_features.h).
#include "toolchain/preprocess/cwru_features.h"

namespace tinyforge::toolchain {

Result<std::vector<LabeledSignal>> LoadCwruSignals(const std::string& dir,
                                                   const std::vector<CwruEntry>& entries) {
  std::vector<LabeledSignal> signals;
  for (const CwruEntry& entry : entries) {
    Result<TimeSeries> series = LoadCwru(dir, entry);
    if (!series.ok()) return series.error();
    signals.push_back({entry.file, entry.label, std::move(series->channels[0])});
  }
  if (signals.empty()) return MakeError(dir + "/manifest.csv: no recording matches the selection");
  return signals;
}

Dataset ToTrainDataset(const FeatureMatrix& matrix) {
  Dataset dataset;
  dataset.features = matrix.values;
  dataset.rows = matrix.rows;
  dataset.cols = matrix.cols;
  dataset.labels.assign(matrix.labels.begin(), matrix.labels.end());
  return dataset;
}

}  // namespace tinyforge::toolchain
