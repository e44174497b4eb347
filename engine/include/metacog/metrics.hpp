// metacog/metrics.hpp — scores for binary predictions and means with confidence intervals.
//
//     std::vector<double> p = {0.9, 0.4, 0.4, 0.2};
//     std::vector<int>    y = {1,   1,   0,   0};
//     double a = metacog::auc(p, y);                 // 0.875 (the tie counts one half)
//     metacog::BinaryMetrics m = metacog::binary_metrics(p, y);   // auc, acc, rmse, logloss, n
//     metacog::MeanCi ci = metacog::mean_ci95({0.98, 0.99, 1.0});  // mean ± 1.96·std/√n
//
// Labels are 0/1 ints; probabilities must be finite and in [0, 1]. Inputs are validated
// (Error InvalidArgument on a size mismatch, a label other than 0/1, or a bad probability).
#pragma once

#include <cstdint>
#include <vector>

namespace metacog {

/**
 * Area under the ROC curve, by the Mann–Whitney statistic with average ranks for ties:
 *   AUC = (R₁ − n₁(n₁+1)/2) / (n₁·n₀),
 * R₁ = sum of the (1-based, tie-averaged) ranks of the positives among all scores. O(n log n).
 * Returns NaN when either class is absent (AUC is undefined).
 */
double auc(const std::vector<double>& p, const std::vector<int>& y);

/** Fraction of responses with (p ≥ 0.5) == y. NaN for empty input. */
double accuracy(const std::vector<double>& p, const std::vector<int>& y);

/** √(mean (p − y)²). NaN for empty input. */
double rmse(const std::vector<double>& p, const std::vector<int>& y);

/** −mean[y ln p + (1 − y) ln(1 − p)], p clipped to [1e−15, 1 − 1e−15]. NaN for empty input. */
double log_loss(const std::vector<double>& p, const std::vector<int>& y);

/** All binary scores of one set of predictions. */
struct BinaryMetrics {
  double auc = 0, acc = 0, rmse = 0, logloss = 0;
  int64_t n = 0;
};

/** auc, accuracy, rmse and log_loss of the same predictions. */
BinaryMetrics binary_metrics(const std::vector<double>& p, const std::vector<int>& y);

/** A mean with its 95 % normal confidence half-width. */
struct MeanCi {
  double mean = 0;
  double std = 0;   ///< population standard deviation √(Σ(x − mean)²/n) (as numpy's np.std)
  double ci95 = 0;  ///< 1.96 · std / √n (NaN for n = 1: one value gives no interval)
  int64_t n = 0;
};

/** Mean and 95 % CI half-width 1.96·std/√n of the values (Error InvalidArgument if empty or non-finite). */
MeanCi mean_ci95(const std::vector<double>& x);

}  // namespace metacog
