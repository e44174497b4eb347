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
                         {"max_drop", max_drop},
                         {"tolerance", tolerance}})
      .dump();
}

MonotonicityReport measure_monotonicity(const LearnerModel& model, const KtDataset& logs, double tolerance) {
  require(tolerance >= 0, ErrorCode::InvalidArgument, "measure_monotonicity: tolerance must be >= 0");
  MonotonicityReport r;
  r.tolerance = tolerance;
  double drop_sum = 0;
  LearnerTracker tracker(model);
  for (const LearnerLog& log : logs.learners) {
    tracker.reset();
    for (const Response& resp : log.responses) {
      const LearnerQuery q = model.query(resp.item, resp.skill, resp.timestamp);
      const double p = tracker.predict(q);
      LearnerTracker plus = tracker;  // the same learner with one more right answer on this item
      plus.observe(q, true);
      const double drop = p - plus.predict(q);
      ++r.checked;
      if (drop > tolerance) {
        ++r.violations;
        drop_sum += drop;
        r.max_drop = std::max(r.max_drop, drop);
      }
      tracker.observe(q, resp.correct);
    }
  }
  if (r.checked > 0) r.violation_rate = static_cast<double>(r.violations) / static_cast<double>(r.checked);
  if (r.violations > 0) r.mean_drop = drop_sum / static_cast<double>(r.violations);
  return r;
}

}  // namespace metacog
