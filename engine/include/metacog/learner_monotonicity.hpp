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
// (the extra answer observed on a copy of the learner's state). It is timed so that the history
// looks like a real one: with a positional clock (logs without timestamps, time = position) the extra
// answer takes position τ_t and response t moves to τ_t + 1, as serving would number them; with a
// real clock it is given halfway between the previous response and this one (at τ_t for t = 0).
// (Giving it response t's own time instead opens a loophole: in positional logs a zero time gap never
// occurs, so a network can learn to rise only for such impossible histories, pass the check, and still
// fall for real ones.) A violation is p⁺_t < p_t − tolerance (default 0.01: drops under one
// percentage point do not change what a tutor does); the report counts them and their size, and
// mean_drop_all = E[max(0, p_t − p⁺_t)] over all responses. This is the quantity the training penalty
// of learner_train.hpp (`monotonicity`) acts on, measured on whole logs instead of a sample.
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
  double mean_drop_all = 0;   ///< mean of max(0, p − p⁺) over all checked responses (the penalty's hinge)
  double tolerance = 0.01;
  /** {"checked", "violations", "violation_rate", "mean_drop", "mean_drop_all", "max_drop", "tolerance"}. */
  std::string to_json() const;
};

/** The report over every response of `logs`, whose item/skill indices are the model's vocabulary. */
MonotonicityReport measure_monotonicity(const LearnerModel& model, const KtDataset& logs, double tolerance = 0.01);

}  // namespace metacog
