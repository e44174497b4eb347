// metacog/learner_monotonicity.hpp — does a right answer ever lower the learner model's prediction?
//
//     metacog::MonotonicityReport r = metacog::measure_monotonicity(model, logs);
//     r.violation_rate;   // share of checked responses where one more right answer lowered P(correct)
//
// Property. A tutor driven by the model gives a skill until its predictions say it is known; if a
// right answer on a skill can lower the prediction for that skill, practice can loop or stop at
// random. For every response t of every learner of `logs` (with the history of responses 0..t−1,
// adapting online exactly as in serving), compare
//     p_t  = P(y_t = 1 | history)      and      p⁺_t = P(y_t = 1 | history + a right answer to item t)
// (the extra answer observed on a copy of the learner's state, at the same time). A violation is
// p⁺_t < p_t − tolerance; the report counts them and their size. This is the quantity the training
// penalty of learner_train.hpp (`monotonicity`) acts on, measured on whole logs instead of a sample.
#pragma once

#include <cstdint>

#include "metacog/kt_data.hpp"
#include "metacog/learner_model.hpp"

namespace metacog {

struct MonotonicityReport {
  int64_t checked = 0;        ///< responses compared
  int64_t violations = 0;     ///< p⁺ < p − tolerance
  double violation_rate = 0;  ///< violations / checked (0 when nothing was checked)
  double mean_drop = 0;       ///< mean of p − p⁺ over the violations (0 without violations)
  double max_drop = 0;        ///< largest p − p⁺
  /** {"checked", "violations", "violation_rate", "mean_drop", "max_drop", "tolerance"}. */
  std::string to_json() const;
  double tolerance = 1e-6;
};

/** The report over every response of `logs`, whose item/skill indices are the model's vocabulary. */
MonotonicityReport measure_monotonicity(const LearnerModel& model, const KtDataset& logs, double tolerance = 1e-6);

}  // namespace metacog
