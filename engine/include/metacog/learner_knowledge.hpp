// metacog/learner_knowledge.hpp — the learner session's per-skill knowledge-state filter: the
// probability that each skill is mastered, updated answer by answer with Bayesian knowledge tracing
// (Corbett & Anderson 1995) using per-skill parameters fitted on the model's training logs.
//
//     KnowledgeParams q = metacog::knowledge_params(model, row);       // row = model skill, S = unknown skill
//     double k = q.prior;                                               // before the first answer on the skill
//     k = metacog::knowledge_update(k, /*correct=*/true, q);            // after each answer on it
//
// Why a filter. The learner model's calibrated mastery m_s = clamp((p_s − G_s)/(1 − S_s − G_s))
// (learner_mastery.hpp) is a point read-out of a network trained to predict the next answer; in
// closed loop (a tutor that keeps giving the skill until it looks mastered) it moves slowly on
// skills with large guess and slip, so a tutor driven by it over-practises. The two-state model
// behind (1) has an exact recursive posterior, which is what this file computes. With K_s the
// hidden "skill s is mastered", k = P(K_s | answers so far), and the skill's parameters
// L₀ = P(K_s before any practice), T = P(learn from one practice item), G = guess, S = slip:
//   evidence   k⁺ = k(1 − S) / (k(1 − S) + (1 − k)G)        after a right answer
//              k⁺ = kS / (kS + (1 − k)(1 − G))              after a wrong answer          (1)
//   learning   k ← k⁺ + (1 − k⁺)T                           (the practice itself may teach)
// Every skill of a multi-skill item is updated with its own parameters (the usual BKT treatment of
// items with several skills). No forgetting: in the demo's world it is ~3·10⁻⁴ per answer.
// (1) is the forward step of the same hidden Markov model kt_bkt.cpp fits by EM, so the filter
// is the maximum-likelihood model's own posterior, not a heuristic. Before a skill's first answer
// k = L₀. The network keeps predicting P(correct) per item (the recommender's difficulty fit,
// explanations); the filter replaces only the mastery read-out.
//
// Parameters: the model file's optional tensors mastery.prior / mastery.learn / mastery.guess /
// mastery.slip (num_skills + 1 rows each; row S = the pooled "unknown skill"), fitted by
// fit_mastery_calibration (kt-train, kt-calibrate) on the model's training logs. A model with
// guess/slip but no prior/learn has no filter (has_knowledge_filter false): mastery is (1) of
// learner_mastery.hpp, as before.
#pragma once

#include <string>

#include "metacog/learner_model.hpp"

namespace metacog {

/** BKT parameters of one skill row. */
struct KnowledgeParams {
  double prior = 0.5;  ///< L₀
  double learn = 0.1;  ///< T
  double guess = 0.2;  ///< G
  double slip = 0.1;   ///< S
};

/** The model carries the filter's parameters (mastery.prior/learn and mastery.guess/slip). */
bool has_knowledge_filter(const LearnerModel& model);

/** The model row of a skill label: its index in the vocabulary, or num_skills (the unknown skill). */
int model_skill_row(const LearnerModel& model, const std::string& label);

/** Row `row` (0..num_skills; num_skills = unknown skill) of the model's filter parameters (InvalidArgument without them). */
KnowledgeParams knowledge_params(const LearnerModel& model, int row);

/** (1): P(mastered) after an answer, from P(mastered) before it. */
double knowledge_update(double known, bool correct, const KnowledgeParams& p);

}  // namespace metacog
