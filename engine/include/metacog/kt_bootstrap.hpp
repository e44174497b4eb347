// metacog/kt_bootstrap.hpp — how sure a difference between two knowledge-tracing systems is: a paired
// bootstrap over the test learners (Efron & Tibshirani 1993, percentile interval).
//
//     metacog::KtEvalResult a = metacog::evaluate_online(model_a, test), b = metacog::evaluate_online(model_b, test);
//     metacog::BootstrapInterval d = metacog::cold_start_margin_interval(a.predictions, b.predictions);
//     d.estimate;  // mean_{k=1..10} AUC_k(a) − mean_{k=1..10} AUC_k(b) on the test learners
//     d.lo, d.hi;  // its 95 % interval
//
// The unit of resampling is the learner, not the response: a learner's responses are correlated (the
// same person), and at a fixed position k each learner contributes one response anyway. Resample r
// draws L learners with replacement from the L test learners that have a response at a position
// 1..k_max (numbered in order of their index; Pcg32 seeded with `seed`); learner u,
// drawn c_u times, weighs c_u in every AUC of that resample, for both systems (paired: the same
// learners judge both). With weights the AUC is the weighted Mann–Whitney statistic
//     AUC_w = Σ_{i: y_i=1} Σ_{j: y_j=0} w_i w_j ([p_i > p_j] + ½[p_i = p_j]) / (Σ_{y=1} w · Σ_{y=0} w),
// computed in O(n) per resample from one sort of each position's responses by p. The interval is the
// (1 − level)/2 and (1 + level)/2 quantiles of the resampled differences; a position whose AUC is
// undefined (one class absent) in either system is left out of both means, as mean_cold_start_auc does.
#pragma once

#include <cstdint>

#include "metacog/kt_protocol.hpp"

namespace metacog {

struct BootstrapInterval {
  double estimate = 0;  ///< the difference on the test learners themselves (unit weights)
  double lo = 0, hi = 0;
  double level = 0.95;
  int resamples = 0;    ///< resamples in the interval (those where some position had both classes)
  uint64_t seed = 0;
};

/**
 * Paired bootstrap interval of Δ = mean_{k=1..k_max} AUC_k(a) − mean_{k=1..k_max} AUC_k(b), where AUC_k is
 * the AUC of the responses at position k (kt_protocol.hpp). `a` and `b` must score the same responses
 * (same learners and positions, in the same order: two systems on one test file) with finite predictions,
 * else InvalidArgument.
 */
BootstrapInterval cold_start_margin_interval(const KtPredictions& a, const KtPredictions& b, int k_max = 10,
                                             int resamples = 1000, uint64_t seed = 1, double level = 0.95);

/** The weighted AUC above of responses (p, y) with weights w ≥ 0; NaN when a class has no weight. */
double weighted_auc(const std::vector<double>& p, const std::vector<int>& y, const std::vector<double>& w);

}  // namespace metacog
