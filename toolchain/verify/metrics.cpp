// Classification and anomaly metrics (exact, no sampling).
#include "toolchain/verify/metrics.h"

#include <algorithm>
#include <numeric>

namespace tinyforge::toolchain {
namespace {
double SafeDivide(double a, double b) { return b > 0.0 ? a / b : 0.0; }
double F1(double tp, double fp, double fn) { return SafeDivide(2.0 * tp, 2.0 * tp + fp + fn); }
}  // namespace

ClassificationMetrics Classify(const std::vector<int>& predicted, const std::vector<int>& truth,
                               size_t classes) {
  ClassificationMetrics metrics;
  metrics.confusion.assign(classes, std::vector<size_t>(classes, 0));
  size_t correct = 0;
  for (size_t i = 0; i < truth.size() && i < predicted.size(); ++i) {
    const auto t = static_cast<size_t>(truth[i]);
    const auto p = static_cast<size_t>(predicted[i]);
    if (t >= classes || p >= classes) continue;
    ++metrics.confusion[t][p];
    ++metrics.count;
    if (t == p) ++correct;
  }
  metrics.accuracy = SafeDivide(static_cast<double>(correct), static_cast<double>(metrics.count));
  size_t present = 0;
  for (size_t c = 0; c < classes; ++c) {
    double tp = static_cast<double>(metrics.confusion[c][c]);
    double fp = 0.0, fn = 0.0;
    for (size_t k = 0; k < classes; ++k) {
      if (k == c) continue;
      fp += static_cast<double>(metrics.confusion[k][c]);
      fn += static_cast<double>(metrics.confusion[c][k]);
    }
    metrics.f1.push_back(F1(tp, fp, fn));
    if (tp + fn > 0.0) {  // macro average over classes that occur in the truth
      metrics.macro_f1 += metrics.f1.back();
      ++present;
    }
  }
  metrics.macro_f1 = SafeDivide(metrics.macro_f1, static_cast<double>(present));
  return metrics;
}

AnomalyMetrics ScoreAnomalies(const std::vector<float>& scores, const std::vector<bool>& is_anomaly,
                              float threshold) {
  AnomalyMetrics metrics;
  // AUC by ranks (Mann–Whitney U), ties sharing their average rank.
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double positive_rank_sum = 0.0;
  size_t positives = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j) + 1.0) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (is_anomaly[order[k]]) {
        positive_rank_sum += rank;
        ++positives;
      }
    }
    i = j;
  }
  const size_t negatives = scores.size() - positives;
  const double p = static_cast<double>(positives);
  metrics.roc_auc = SafeDivide(positive_rank_sum - p * (p + 1.0) / 2.0,
                               p * static_cast<double>(negatives));
  double tp = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    const bool flagged = scores[i] > threshold;
    if (flagged && is_anomaly[i]) ++tp;
    if (flagged && !is_anomaly[i]) ++fp;
    if (!flagged && is_anomaly[i]) ++fn;
  }
  metrics.f1 = F1(tp, fp, fn);
  metrics.precision = SafeDivide(tp, tp + fp);
  metrics.recall = SafeDivide(tp, tp + fn);
  metrics.false_positive_rate = SafeDivide(fp, static_cast<double>(negatives));
  return metrics;
}

}  // namespace tinyforge::toolchain
