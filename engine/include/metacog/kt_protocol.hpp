// metacog/kt_protocol.hpp — the knowledge-tracing evaluation protocol (design.md §4).
//
// A model under test is an OnlinePredictor: it sees one learner at a time, in time order, as the
// browser would. For every test learner
//     begin_learner();
//     for t = 0 .. T−1:
//         if t ≥ 1: p_t = predict(response_t with its answer hidden); score (p_t, y_t)
//         observe(response_t)
// so response t is predicted from responses 0..t−1 of the same learner only, and the first
// response of each learner is not scored. All scored responses are pooled: AUC, accuracy at 0.5,
// RMSE, log-loss and the count. The cold-start curve restricts the AUC to position k (0-based,
// the response preceded by exactly k of the learner's answers), k = 1..20.
//
//     metacog::KtEvalResult r = metacog::evaluate_online(my_predictor, test);
//     r.overall.auc; r.overall.n; r.by_k[0].k == 1;
//     // one predictor per thread (learners are independent): same numbers, in parallel
//     metacog::KtEvalResult r2 = metacog::evaluate_online([&] { return model.make_predictor(); }, test, {20, 2});
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "metacog/kt_data.hpp"
#include "metacog/metrics.hpp"

namespace metacog {

/** A response model that follows one learner online. Items/skills may be kUnknown. */
class OnlinePredictor {
 public:
  virtual ~OnlinePredictor() = default;
  /** Forgets the current learner: back to the population prior. */
  virtual void begin_learner() = 0;
  /** P(correct) for the learner's next response (item, skill, timestamp; `correct` is hidden: always false). */
  virtual double predict(const Response& next) = 0;
  /** Updates the learner state with an answered response. */
  virtual void observe(const Response& r) = 0;
};

/** Creates a fresh predictor; called once per worker thread. */
using PredictorFactory = std::function<std::unique_ptr<OnlinePredictor>()>;

/** Every scored response of one evaluation, ordered by learner then position. */
struct KtPredictions {
  std::vector<double> p;      ///< predicted P(correct)
  std::vector<int> y;         ///< the actual answer (0/1)
  std::vector<int> position;  ///< t ≥ 1: number of earlier responses of the learner
  std::vector<int> learner;   ///< index of the learner in the test dataset
};

/** AUC of the responses at one position. */
struct ColdStartPoint {
  int k = 0;
  double auc = 0;  ///< NaN when all responses at position k have the same answer
  int64_t n = 0;
};

/** The protocol's results. */
struct KtEvalResult {
  BinaryMetrics overall;              ///< pooled over all scored responses
  std::vector<ColdStartPoint> by_k;   ///< k = 1..max_k
  double seconds = 0;                 ///< wall time of the online pass (0 for summarize_predictions)
  /** The scored responses themselves (evaluate_online keeps them, e.g. for kt_bootstrap.hpp;
   *  empty from summarize_predictions). */
  KtPredictions predictions;
};

/** Options of evaluate_online. */
struct KtEvalOptions {
  int max_k = 20;    ///< cold-start curve positions 1..max_k
  int threads = 1;   ///< worker threads (OpenMP builds only; otherwise serial). Results do not depend on it.
};

/** Runs the protocol with one predictor (serial). Error InvalidState if it returns p ∉ [0, 1]. */
KtPredictions predict_online(OnlinePredictor& predictor, const KtDataset& test);

/** Runs the protocol with one predictor per thread; identical output to the serial path. */
KtPredictions predict_online(const PredictorFactory& factory, const KtDataset& test, int threads = 1);

/** Pooled metrics and the cold-start curve of a set of scored responses. */
KtEvalResult summarize_predictions(const KtPredictions& predictions, int max_k = 20);

/** predict_online + summarize_predictions (serial). */
KtEvalResult evaluate_online(OnlinePredictor& predictor, const KtDataset& test, int max_k = 20);

/** predict_online + summarize_predictions, one predictor per thread. */
KtEvalResult evaluate_online(const PredictorFactory& factory, const KtDataset& test, const KtEvalOptions& options = {});

}  // namespace metacog
