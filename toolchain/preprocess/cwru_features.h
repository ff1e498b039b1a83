// CWRU bearing data straight to a feature matrix: select recordings from the manifest, load them
// as labelled signals, and hand them to the preprocessing pipeline; plus the hand-off to the
// trainer's Dataset type.
#ifndef TINYFORGE_TOOLCHAIN_PREPROCESS_CWRU_FEATURES_H_
#define TINYFORGE_TOOLCHAIN_PREPROCESS_CWRU_FEATURES_H_

#include <string>
#include <vector>

#include "toolchain/data/cwru.h"
#include "toolchain/preprocess/pipeline.h"
#include "toolchain/train/dataset.h"

namespace tinyforge::toolchain {

// Loads every entry (LoadCwru) as one LabeledSignal named by its file, labelled by its class.
Result<std::vector<LabeledSignal>> LoadCwruSignals(const std::string& dir,
                                                   const std::vector<CwruEntry>& entries);

// The trainer's row-major Dataset from a FeatureMatrix (same layout, labels copied).
Dataset ToTrainDataset(const FeatureMatrix& matrix);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PREPROCESS_CWRU_FEATURES_H_
