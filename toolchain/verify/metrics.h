// Evaluation metrics for `tinyforge eval` and the pipeline report: accuracy, per-class and macro
// F1, confusion matrix, and ROC AUC / F1 for anomaly scores.
#ifndef TINYFORGE_TOOLCHAIN_VERIFY_METRICS_H_
#define TINYFORGE_TOOLCHAIN_VERIFY_METRICS_H_

#include <cstddef>
#include <vector>

namespace tinyforge::toolchain {

struct ClassificationMetrics {
  double accuracy = 0.0;
  double macro_f1 = 0.0;
  std::vector<double> f1;                       // per class
  std::vector<std::vector<size_t>> confusion;   // [true][predicted]
  size_t count = 0;
};

// predicted and truth hold class ids in [0, classes).
ClassificationMetrics Classify(const std::vector<int>& predicted, const std::vector<int>& truth,
                               size_t classes);

struct AnomalyMetrics {
  double roc_auc = 0.0;   // probability a random anomaly scores above a random normal (ties 1/2)
  double f1 = 0.0;        // of "score > threshold" against the anomaly labels
  double precision = 0.0;
  double recall = 0.0;
  double false_positive_rate = 0.0;
};

// is_anomaly[i] is the truth for scores[i].
AnomalyMetrics ScoreAnomalies(const std::vector<float>& scores, const std::vector<bool>& is_anomaly,
                              float threshold);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_VERIFY_METRICS_H_
