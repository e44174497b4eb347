#include "metacog/kt_protocol.hpp"

#include <chrono>
#include <cmath>
#include <exception>
#include <string>
#include <utility>

#include "metacog/error.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace metacog {

namespace {

struct LearnerScores {
  std::vector<double> p;
  std::vector<int> y;
};

/** One learner through the protocol: predict t ≥ 1 with the answer hidden, then observe. */
LearnerScores run_learner(OnlinePredictor& predictor, const LearnerLog& log, int learner_index) {
  LearnerScores s;
  const size_t T = log.responses.size();
  if (T > 1) {
    s.p.reserve(T - 1);
    s.y.reserve(T - 1);
  }
  predictor.begin_learner();
  for (size_t t = 0; t < T; ++t) {
    const Response& r = log.responses[t];
    if (t >= 1) {
      Response hidden = r;
      hidden.correct = false;  // the predictor must not see the answer it predicts
      const double p = predictor.predict(hidden);
      if (!(std::isfinite(p) && p >= 0.0 && p <= 1.0)) {
        throw Error(ErrorCode::InvalidState,
                    "knowledge-tracing protocol: the predictor returned p = " + std::to_string(p) + " for learner " +
                        std::to_string(learner_index) + " ('" + log.learner + "') at position " + std::to_string(t) +
                        "; a prediction must be a probability in [0, 1]");
      }
      s.p.push_back(p);
      s.y.push_back(r.correct ? 1 : 0);
    }
    predictor.observe(r);
  }
  return s;
}

KtPredictions gather(const std::vector<LearnerScores>& per_learner) {
  KtPredictions out;
  size_t n = 0;
  for (const LearnerScores& s : per_learner) n += s.p.size();
  out.p.reserve(n);
  out.y.reserve(n);
  out.position.reserve(n);
  out.learner.reserve(n);
  for (size_t l = 0; l < per_learner.size(); ++l) {
    const LearnerScores& s = per_learner[l];
    for (size_t i = 0; i < s.p.size(); ++i) {
      out.p.push_back(s.p[i]);
      out.y.push_back(s.y[i]);
      out.position.push_back(static_cast<int>(i) + 1);
      out.learner.push_back(static_cast<int>(l));
    }
  }
  return out;
}

}  // namespace

KtPredictions predict_online(OnlinePredictor& predictor, const KtDataset& test) {
  std::vector<LearnerScores> per_learner(test.learners.size());
  for (size_t l = 0; l < test.learners.size(); ++l) {
    per_learner[l] = run_learner(predictor, test.learners[l], static_cast<int>(l));
  }
  return gather(per_learner);
}

KtPredictions predict_online(const PredictorFactory& factory, const KtDataset& test, int threads) {
  require(static_cast<bool>(factory), ErrorCode::InvalidArgument, "predict_online: empty predictor factory");
  require(threads >= 1, ErrorCode::InvalidArgument,
          "predict_online: threads must be at least 1, got " + std::to_string(threads));
#ifndef _OPENMP
  threads = 1;
#endif
  const int n = static_cast<int>(test.learners.size());
  if (threads > n) threads = n > 0 ? n : 1;
  std::vector<std::unique_ptr<OnlinePredictor>> predictors;
  for (int k = 0; k < threads; ++k) {
    predictors.push_back(factory());
    require(predictors.back() != nullptr, ErrorCode::InvalidArgument, "predict_online: the factory returned null");
  }
  std::vector<LearnerScores> per_learner(test.learners.size());
  if (threads == 1) {
    for (int l = 0; l < n; ++l) per_learner[l] = run_learner(*predictors[0], test.learners[l], l);
    return gather(per_learner);
  }
#ifdef _OPENMP
  std::exception_ptr error;
#pragma omp parallel num_threads(threads)
  {
    OnlinePredictor& predictor = *predictors[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 4)
    for (int l = 0; l < n; ++l) {
      try {
        per_learner[l] = run_learner(predictor, test.learners[l], l);
      } catch (...) {
#pragma omp critical(metacog_kt_protocol_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
#endif
  return gather(per_learner);
}

KtEvalResult summarize_predictions(const KtPredictions& predictions, int max_k) {
  require(max_k >= 0, ErrorCode::InvalidArgument, "summarize_predictions: max_k must be ≥ 0");
  require(predictions.position.size() == predictions.p.size(), ErrorCode::InvalidArgument,
          "summarize_predictions: positions and predictions differ in length");
  KtEvalResult r;
  r.overall = binary_metrics(predictions.p, predictions.y);
  std::vector<std::vector<double>> pk(max_k + 1);
  std::vector<std::vector<int>> yk(max_k + 1);
  for (size_t i = 0; i < predictions.p.size(); ++i) {
    const int k = predictions.position[i];
    if (k >= 1 && k <= max_k) {
      pk[k].push_back(predictions.p[i]);
      yk[k].push_back(predictions.y[i]);
    }
  }
  for (int k = 1; k <= max_k; ++k) {
    ColdStartPoint c;
    c.k = k;
    c.n = static_cast<int64_t>(pk[k].size());
    c.auc = auc(pk[k], yk[k]);
    r.by_k.push_back(c);
  }
  return r;
}

KtEvalResult evaluate_online(OnlinePredictor& predictor, const KtDataset& test, int max_k) {
  const auto t0 = std::chrono::steady_clock::now();
  KtPredictions pred = predict_online(predictor, test);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  KtEvalResult r = summarize_predictions(pred, max_k);
  r.seconds = seconds;
  r.predictions = std::move(pred);
  return r;
}

KtEvalResult evaluate_online(const PredictorFactory& factory, const KtDataset& test, const KtEvalOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  KtPredictions pred = predict_online(factory, test, options.threads);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  KtEvalResult r = summarize_predictions(pred, options.max_k);
  r.seconds = seconds;
  r.predictions = std::move(pred);
  return r;
}

}  // namespace metacog
