// Monotonicity of the learner model in right answers (maths in learner_monotonicity.hpp).
#include "metacog/learner_monotonicity.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "metacog/error.hpp"

namespace metacog {

std::string MonotonicityReport::to_json() const {
  return nlohmann::json({{"checked", checked},
                         {"violations", violations},
                         {"violation_rate", violation_rate},
                         {"mean_drop", mean_drop},
                         {"mean_drop_all", mean_drop_all},
                         {"max_drop", max_drop},
                         {"tolerance", tolerance}})
      .dump();
}

MonotonicityReport measure_monotonicity(const LearnerModel& model, const KtDataset& logs, double tolerance) {
  require(tolerance >= 0, ErrorCode::InvalidArgument, "measure_monotonicity: tolerance must be >= 0");
  MonotonicityReport r;
  r.tolerance = tolerance;
  double drop_sum = 0, hinge_sum = 0;
  LearnerTracker tracker(model);
  for (const LearnerLog& log : logs.learners) {
    tracker.reset();
    for (size_t t = 0; t < log.responses.size(); ++t) {
      const Response& resp = log.responses[t];
      const LearnerQuery q = model.query(resp.item, resp.skill, resp.timestamp);
      const double p = tracker.predict(q);
      // the same learner with one more right answer on this item, timed as learner_train.hpp inserts it
      LearnerTracker plus = tracker;
      LearnerQuery extra = q, later = q;
      if (model.arch().positional_clock) {
        later.timestamp += 1;
      } else if (t > 0) {
        extra.timestamp = 0.5 * (log.responses[t - 1].timestamp + resp.timestamp);
      }
      plus.observe(extra, true);
      const double drop = p - plus.predict(later);
      ++r.checked;
      if (drop > 0) hinge_sum += drop;
      if (drop > tolerance) {
        ++r.violations;
        drop_sum += drop;
        r.max_drop = std::max(r.max_drop, drop);
      }
      tracker.observe(q, resp.correct);
    }
  }
  if (r.checked > 0) {
    r.violation_rate = static_cast<double>(r.violations) / static_cast<double>(r.checked);
    r.mean_drop_all = hinge_sum / static_cast<double>(r.checked);
  }
  if (r.violations > 0) r.mean_drop = drop_sum / static_cast<double>(r.violations);
  return r;
}

}  // namespace metacog
