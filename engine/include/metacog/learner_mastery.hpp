// metacog/learner_mastery.hpp — mastery as the estimated probability that a skill is mastered,
// calibrated against the skill's response floor and ceiling.
//
//     metacog::fit_mastery_calibration(model, train_logs);          // at training time (kt-train)
//     double m = metacog::calibrated_mastery(p, model.mastery_guess[s], model.mastery_slip[s]);
//
// The learner model predicts p_s = P(correct) on a typical item of skill s. That is not mastery: a
// learner who has mastered s still slips (careless errors, misread questions) and one who has not
// still guesses right, so p_s lives in [G_s, 1 − S_s], and a threshold on p_s (say 0.8) is never
// reached on a skill whose slip rate is 0.3. Under the two-state view of Bayesian knowledge tracing
// (Corbett & Anderson 1995) the prediction of a calibrated model is the mixture
//     p_s = P(K_s)(1 − S_s) + (1 − P(K_s)) G_s,
// so the probability that the skill is mastered is recovered from it exactly as
//     m_s = P(K_s) = clamp((p_s − G_s) / (1 − S_s − G_s), 0, 1).                       (1)
// G_s (guess) and S_s (slip) are population properties of the skill, fitted per skill by BKT's EM
// on the same training logs as the learner model (MAP-EM with `prior_count` pseudo-counts toward
// the pooled skill, the engine's BKT baseline, kt_baselines.hpp); row S, the learner model's
// "unknown skill", gets the pooled fit. A model without calibration (older files) uses G = S = 0,
// i.e. m_s = p_s. A learner who answers a skill's items consistently right drives p_s to the
// ceiling 1 − S_s and m_s to 1; one who only guesses stays near m_s = 0.
#pragma once

#include "metacog/kt_baselines.hpp"
#include "metacog/kt_data.hpp"
#include "metacog/learner_model.hpp"

namespace metacog {

/** (1): P(mastered) from P(correct) on a typical item and the skill's guess and slip. */
double calibrated_mastery(double p, double guess, double slip);

/** BKT EM settings of the calibration: 5 pseudo-counts toward the pooled skill. */
BktParams mastery_calibration_em();

/**
 * Fits model.mastery_guess / mastery_slip and the knowledge filter's mastery_prior / mastery_learn
 * (num_skills + 1 values each; learner_knowledge.hpp) by the same BKT EM on the training logs,
 * whose skill indices are the model's (the logs kt-train trained it on). InvalidArgument if they differ.
 */
void fit_mastery_calibration(LearnerModel& model, const KtDataset& train, const BktParams& params = mastery_calibration_em(),
                             int threads = 1);

}  // namespace metacog
