// metacog/recommender_learner.hpp — the learner model (learner_session.hpp) as a LearnerView, so
// the Recommender and the simulator's "metacog" policy run on the meta-learned model.
//
//     auto model = metacog::LearnerSession::load_model(bytes.data(), bytes.size());
//     metacog::LearnerModelView view(bank, model);        // registers every bank item with its skills
//     view.observe(bank.require_item("q17"), true, now);  // LearnerSession::observe: adapts φ
//     metacog::Recommender rec(bank);
//     auto next = rec.recommend(view, {3});               // reasons include the model's explanation
//
// Mapping: bank item i is catalogue item i of the session (its id, its skills' ids, and a difficulty
// hint from the bank's 1–5 rating, b_hint = kDifficultyLogitStep·(d − 3) logits; a trained id keeps
// b_i, an unseen one without a rating gets the mean β of its skills — cold start).
//   p_i      LearnerSession::predict, the network's P(correct). When the model carries the knowledge
//            filter, the recommender's p_i takes its level from the filter and only the item's
//            difficulty relative to its skill from the network:
//              p_i = σ(logit(mean_{s∈S_i} [k_s(1 − S_s) + (1 − k_s)G_s]) + clamp(ℓ_i − ℓ̄_{s₁(i)}, −2, 2))   (2)
//            with ℓ_i = logit of the network's p_i, ℓ̄_s the mean of ℓ over the bank items whose first
//            skill is s, s₁(i) item i's first skill, k_s the filter's P(mastered), G_s/S_s its guess
//            and slip (the BKT prediction of learner_knowledge.hpp, moved by the network's within-skill
//            difficulty, bounded to ±2 logits). Why: in closed loop the network's level lags what the
//            filter has established (a tutor keeps giving a skill until it looks mastered, a regime
//            the network saw little of), and a recommender that picks items by the network's level
//            chose worse items — on 500 simulated learners, metacog needed 481.5 ± 37.3 items to
//            mastery with the network's p_i and 418.9 ± 31.0 with (2) (README, "Recommendations and
//            simulation"). LearnerSession::predict (engine.predict, kt-eval) is unchanged.
//   joint    When the model carries ρ (mastery.rho) and the bank has ≤ kMaxJointSkills skills, the
//            view runs the prerequisite-aware joint filter (learner_joint.hpp) beside the session:
//            k_s below is its marginal P(K_s = 1 | answers), the level of (2) is its P(correct) on
//            the item itself (p_all(1 − S_i) + (1 − p_all)G_i, conjunctive over a multi-skill item's
//            skills, instead of the mean over them), and λ_s = T_s·E[r_s(K) | K_s = 0, answers]
//            exactly (PrerequisiteKnowledgeFilter::learning_rate). Its state is
//            persisted as the state document's extensions.prerequisite_knowledge (export_state /
//            import_state here; migration from the per-skill filter as learner_joint.hpp says).
//            Why: on the demo world the joint filter's tutor needs fewer items to mastery than the
//            per-skill one (README, "Recommendations and simulation").
//   m_s      P(skill mastered): the session's knowledge filter k_s when the model carries its
//            parameters (learner_knowledge.hpp, learner_session.hpp); otherwise
//            clamp((p_s − G_s)/(1 − S_s − G_s), 0, 1) from p_s = LearnerSession::mastery (success on a
//            typical item of s) and the model's guess/slip calibration of the skill (learner_mastery.hpp;
//            a skill outside the model's vocabulary uses the unknown-skill row; a model without
//            calibration gives m_s = p_s)
//   learn_rate λ_s  the model's own expected gain: with p = P(correct) on the skill's typical item,
//            g_s = p·m_s(after a right answer) + (1 − p)·m_s(after a wrong one) − m_s  (what-if on a copy
//            of the session), λ_s = clamp(g_s / (1 − m_s), 10⁻³, 0.999)
//   embedding e_s = the model's skill embedding row when every bank skill is in its vocabulary,
//            otherwise none (the Recommender then uses one-hot skill vectors)
//   explain  the largest learner-specific share of the logit (skill history, other skills, adaptation)
//            as a clause, e.g. "your recent answers on this skill raise it".
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "metacog/item_bank.hpp"
#include "metacog/learner_joint.hpp"
#include "metacog/learner_session.hpp"
#include "metacog/recommender.hpp"

namespace metacog {

/** Logit step per difficulty level of the item bank (level 3 = the skill's typical item). */
constexpr double kDifficultyLogitStep = 0.5;

class LearnerModelView : public AdaptiveView {
 public:
  LearnerModelView(const ItemBank& bank, std::shared_ptr<const LearnerModel> model);
  void reset() override;
  void observe(int item, bool correct, double timestamp) override;
  LearnerSession& session() { return session_; }
  const LearnerSession& session() const { return session_; }
  /** The learner state: the session's document with the joint filter as extensions.prerequisite_knowledge. */
  std::vector<uint8_t> export_state() const;
  /** Restores export_state() (or a bare LearnerSession document) and rebuilds the practice record from
   *  it (StateFormat / StateVersion on any problem; nothing changes then). */
  void import_state(const uint8_t* bytes, size_t size);
  /** The prerequisite-aware joint filter, or null (the model has no ρ, or the bank too many skills). */
  const JointKnowledge* joint() const { return joint_.get(); }
  /** Timestamp of the latest answer (−∞ before any). */
  double last_timestamp() const { return last_timestamp_; }

  void predict_items(double now, double* p) override;
  void skill_mastery(double now, double* m) override;
  int attempts(int skill) const override { return attempts_[static_cast<size_t>(skill)]; }
  double last_seen(int skill) const override { return last_[static_cast<size_t>(skill)]; }
  int recent_items(int* out, int max) const override;
  double learn_rate(int skill) const override;
  int embedding_dim() const override { return dim_; }
  const double* skill_embedding(int skill) const override;
  std::string explain(int item, double now) override;

 private:
  /** (2): replaces the network's p (every bank item) by the filter-levelled prediction. */
  void level_by_knowledge(double* p);
  /** m_s of one SkillMastery entry of bank skill `skill` (see the header comment). */
  double mastery_of(const SkillMastery& x, int skill) const;
  const ItemBank* bank_;
  LearnerSession session_;
  std::unique_ptr<JointKnowledge> joint_;
  std::vector<int> all_items_, skill_of_slot_;  // session skill order → bank skill
  std::vector<double> last_, embedding_;
  std::vector<double> guess_, slip_;  // per bank skill: mastery calibration (0, 0 = none)
  std::vector<double> level_, mean_logit_;  // per bank skill: scratch of (2)
  std::vector<int> first_skill_count_;      // per bank skill: bank items whose first skill it is
  std::vector<int> attempts_, recent_;
  int recent_head_ = 0, recent_size_ = 0, dim_ = 0;
  double last_timestamp_ = -HUGE_VAL;
};

}  // namespace metacog
