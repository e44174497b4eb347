// Mastery calibration of the learner model (see learner_mastery.hpp for the maths).
#include "metacog/learner_mastery.hpp"

#include <algorithm>
#include <string>

#include "metacog/error.hpp"

namespace metacog {

double calibrated_mastery(double p, double guess, double slip) {
  const double range = 1.0 - slip - guess;
  if (!(range > 0)) return p;  // no usable calibration: the prediction itself
  return std::min(1.0, std::max(0.0, (p - guess) / range));
}

BktParams mastery_calibration_em() {
  BktParams p;
  p.prior_count = 5.0;
  return p;
}

void fit_mastery_calibration(LearnerModel& model, const KtDataset& train, const BktParams& params, int threads) {
  const int S = model.arch().num_skills;
  require(train.num_skills == S, ErrorCode::InvalidArgument,
          "mastery calibration: the logs have " + std::to_string(train.num_skills) + " skills, the model " + std::to_string(S));
  const BktModel bkt = BktModel::fit(train, params, threads);
  model.mastery_guess.assign(static_cast<size_t>(S) + 1, 0.0);
  model.mastery_slip.assign(static_cast<size_t>(S) + 1, 0.0);
  model.mastery_prior.assign(static_cast<size_t>(S) + 1, 0.0);
  model.mastery_learn.assign(static_cast<size_t>(S) + 1, 0.0);
  for (int s = 0; s <= S; ++s) {
    const BktSkillParams& q = s < S ? bkt.skill(s) : bkt.pooled();
    model.mastery_guess[static_cast<size_t>(s)] = q.guess;
    model.mastery_slip[static_cast<size_t>(s)] = q.slip;
    model.mastery_prior[static_cast<size_t>(s)] = q.prior;
    model.mastery_learn[static_cast<size_t>(s)] = q.learn;
  }
}

}  // namespace metacog
