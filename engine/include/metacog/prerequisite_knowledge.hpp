// metacog/prerequisite_knowledge.hpp — Bayesian knowledge tracing over the *joint* knowledge state
// of an item bank's skills, coupled through the prerequisite graph, with exact inference.
//
//     PrerequisiteKnowledgeParams q = fit_prerequisite_knowledge(bank, logs, bkt_fitted_per_skill);
//     PrerequisiteKnowledgeFilter f(bank, q);
//     f.observe(item, /*correct=*/true);
//     double k = f.p_known(skill);                 // P(K_s = 1 | answers)
//
// Why. Per-skill BKT (Corbett & Anderson 1995) treats skills as independent, so a right answer on a
// skill says nothing about its prerequisites. Where knowledge is structured by prerequisites —
// a skill is rarely known, and slowly learned, while one of its prerequisites is not — that
// answer is evidence about the prerequisites too. This is the knowledge-space view (Doignon &
// Falmagne 1985) made probabilistic with BKT's emission and learning.
//
// Model. K ∈ {0,1}^S, S = number of bank skills (≤ kMaxSkills), P(s) = prerequisites of s,
// r_s(K) = 1 if K_p = 1 for every p ∈ P(s), else ρ (0 < ρ ≤ 1):
//   prior     P(K) = Π_s Bernoulli(K_s; L₀_s · r_s(K))                       (skills in topological order)
//   answer    P(correct | K) = 1 − S_i if K_s = 1 for every s ∈ S_i, else G_i  (a conjunctive item),
//             S_i, G_i = mean slip / guess of the item's skills
//   learning  after the answer, each unknown s ∈ S_i becomes known w.p. T_s · r_s(K) (independently,
//             r_s on the state before the answer's learning)
// No forgetting (measured not to matter in the demo world, README "Recommendations").
// The filter holds w(K) = P(K | answers) for all 2^S states and applies Bayes' rule then the learning
// transition exactly: O(2^S · |S_i|) per answer, 2^S doubles of state plus the prior kept for reset
// and, once a multi-skill item is answered, a transition buffer of the same size (kMaxSkills = 20:
// 16–24 MB; the demo bank, S = 17: 2–3 MB).
// With ρ = 1 and single-skill items it is per-skill BKT exactly (a tested identity).
//
// Fit (fit_prerequisite_knowledge). Per-skill EM (fit_bkt_view) on logs gives *marginal*
// parameters, which already average over the prerequisites' states. For a given ρ they are turned
// into conditional ones in topological order:  π_s = Π_{p∈P(s)} m_p (the prerequisites' prior
// marginals, as if independent), c_s = π_s + ρ(1 − π_s),  L₀_s ← min(0.99, L₀_s / c_s),
// T_s ← min(0.9, T_s / c_s),  m_s = L₀_s·c_s (so the prior marginal of s is the fitted one). ρ is
// chosen on a grid by the filter's own predictive log-likelihood of the logs,
// Σ_learners Σ_t log P(y_t | y_<t)  (the filter run forward, as it would serve).
#pragma once

#include <cstdint>
#include <vector>

#include "metacog/item_bank.hpp"
#include "metacog/kt_baselines.hpp"
#include "metacog/kt_data.hpp"

namespace metacog {

struct PrerequisiteKnowledgeParams {
  std::vector<BktSkillParams> skills;  ///< per bank skill: conditional L₀ and T, guess, slip
  double rho = 1.0;                    ///< ρ, the factor on L₀ and T while a prerequisite is unknown
};

class PrerequisiteKnowledgeFilter {
 public:
  static constexpr int kMaxSkills = 20;
  /** InvalidArgument: more than kMaxSkills skills, parameter count or range (guess, slip > 0), ρ ∉ (0, 1]. */
  PrerequisiteKnowledgeFilter(const ItemBank& bank, PrerequisiteKnowledgeParams params);
  /** Back to the prior. */
  void reset();
  /** Bayes' rule on the answer to bank item `item`, then learning (UnknownItem for a bad index). */
  void observe(int item, bool correct);
  /** P(K_s = 1 | answers). */
  double p_known(int skill) const { return marginal_[static_cast<size_t>(skill)]; }
  /** P(every skill of item i known | answers). */
  double p_all_known(int item) const;
  /** P(correct) on item i before its answer: p_all·(1 − S_i) + (1 − p_all)·G_i. */
  double p_correct(int item) const;
  const PrerequisiteKnowledgeParams& params() const { return params_; }

 private:
  void update_marginals();
  uint32_t item_mask(int item) const;
  const ItemBank* bank_;
  PrerequisiteKnowledgeParams params_;
  int skills_ = 0;
  std::vector<uint32_t> prereq_mask_;
  std::vector<double> item_guess_, item_slip_;  ///< G_i, S_i: means over the item's skills
  std::vector<double> prior_, w_, marginal_;
  std::vector<double> next_;  ///< the multi-skill learning transition's target buffer
};

/** The conditional parameters for ρ from marginal per-skill ones (the header's "Fit"). */
PrerequisiteKnowledgeParams conditional_prerequisite_params(const ItemBank& bank, const std::vector<BktSkillParams>& marginal,
                                                            double rho);

/** Mean predictive log-likelihood per answer of logs (item = bank index) under the filter. */
double prerequisite_log_likelihood(const ItemBank& bank, const KtDataset& logs, const PrerequisiteKnowledgeParams& params);

/**
 * ρ on `rho_grid` (default 0.1, 0.2, 0.3, 0.5, 0.7, 1) by prerequisite_log_likelihood; ties: the larger ρ.
 * `log_likelihood` (if given) receives the chosen ρ's value.
 */
PrerequisiteKnowledgeParams fit_prerequisite_knowledge(const ItemBank& bank, const KtDataset& logs,
                                                       const std::vector<BktSkillParams>& marginal,
                                                       std::vector<double> rho_grid = {}, double* log_likelihood = nullptr);

}  // namespace metacog
