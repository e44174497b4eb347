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
// transition exactly: O(2^S · |S_i|) per answer, 2^S doubles of state and one scratch buffer of
// 2^(S−1) doubles (the marginals' halving) growing to 2^S once a multi-skill item is answered or the
// posterior is compacted or restored: 1.5–2 · 2^S doubles (kMaxSkills = 20: 16 MB; the demo bank,
// S = 17: 1.5–2 MB). The prior is not kept: reset() rebuilds it in place, which costs what copying
// it would (2^S products) — an engine's start-up touches 1.5 · 2^S doubles instead of 2.5 · 2^S.
// With ρ = 1 and single-skill items it is per-skill BKT exactly (a tested identity).
// The marginals P(K_s = 1) are read in O(2^S) by halving: the top bit's marginal is the sum of the
// upper half of w, the lower half plus the upper half is w with that bit summed out, and so on down.
//
// Compaction (what a persisted learner state stores; learner_joint.hpp). With the demo's guess and
// slip (0.2–0.3) the posterior stays spread for hundreds of answers: on simulated demo learners a
// median of ~70 000 of the 131 072 states hold the top 1 − 10⁻⁶ of the mass after 64 answers, 21 646
// after 256 and 15 839 after 512 (README, "Prerequisite-aware mastery"). compact(K, c, η) keeps
// the fewest most probable states (ties: the lower index) that hold a share c of the mass, if at most
// K do (or the K most probable, when forced), rounds them to float32 and renormalises, then mixes in
// η of the product of the kept part's marginals,
//     w ← (1 − η)·ŵ + η·Π_s Bernoulli(K_s; clamp(m̂_s, η, 1 − η)),   ŵ = the kept, rounded, renormalised mass,
// so no state becomes impossible (a learner the filter believed certain about can still be
// recognised as not knowing a skill after a few failures). Everything after the rounding is a
// deterministic function of the K (state, float32) pairs, so restore() of those pairs gives the
// compacted filter back bit for bit. At the compaction the dropped mass (1 − the kept share) plus η
// bounds the change of any probability the filter reports; later answers can move the compacted
// filter further from the exact one (it is an approximation from then on). η ≤ 1/2.
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
#include <utility>
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
  /** Back to the prior (rebuilt in place, O(2^S)). */
  void reset();
  /** Bayes' rule on the answer to bank item `item`, then learning (UnknownItem for a bad index). */
  void observe(int item, bool correct);
  /** P(K_s = 1 | answers). */
  double p_known(int skill) const { return marginal_[static_cast<size_t>(skill)]; }
  /** P(every skill of item i known | answers): the marginal for a single-skill item, else a sum over
   *  the 2^(S−|S_i|) states that know them, memoised per skill set until the posterior changes. */
  double p_all_known(int item) const;
  /** P(correct) on item i before its answer: p_all·(1 − S_i) + (1 − p_all)·G_i. */
  double p_correct(int item) const;
  const PrerequisiteKnowledgeParams& params() const { return params_; }
  /** w(K) = P(K | answers) for the 2^S states K (bit s = skill s known). */
  const std::vector<double>& posterior() const { return w_; }
  int num_skills() const { return skills_; }
  /** T_s·E[r_s(K) | K_s = 0, answers] (T_s when P(K_s = 0) = 0): times P(K_s = 0), the expected increase
   *  of P(K_s = 1) from one practice item on s alone (the evidence of its answer leaves the expectation unchanged). */
  double learning_rate(int skill) const;

  /** A compacted posterior: the kept states (ascending) and their float32 mass (not normalised). */
  struct Snapshot {
    std::vector<uint32_t> states;
    std::vector<float> mass;
  };
  /**
   * Compacts the posterior (header, "Compaction") when its `keep` most probable states hold at least
   * `coverage` of the mass — keeping only as many of them as reach it — or, with coverage ≤ 0, to the
   * `keep` most probable; mixing weight `eta`. Returns false (nothing changed) when they do not
   * reach it; otherwise stores in `out` what restore() needs. O(2^S + keep·log keep).
   */
  bool compact(size_t keep, double coverage, double eta, Snapshot* out);
  /** Sets the posterior from a snapshot as compact() leaves it (InvalidArgument: states unsorted or
   *  ≥ 2^S, mass not finite and ≥ 0, no positive mass, sizes differ, η ∉ [0, 1/2]). */
  void restore(const Snapshot& snapshot, double eta);
  /** Sets the posterior to the product of independent marginals k_s ∈ [0, 1] (migration from a
   *  per-skill filter; InvalidArgument for a wrong count or range). */
  void set_independent(const std::vector<double>& known);

 private:
  void update_marginals();
  uint32_t item_mask(int item) const;
  const ItemBank* bank_;
  PrerequisiteKnowledgeParams params_;
  int skills_ = 0;
  std::vector<uint32_t> prereq_mask_;
  std::vector<double> item_guess_, item_slip_;  ///< G_i, S_i: means over the item's skills
  std::vector<double> w_, marginal_;
  /** Scratch, free between calls: the multi-skill learning transition's target, product_into_next's
   *  product, and update_marginals' halving buffer (its first 2^(S−1) entries). */
  std::vector<double> next_;
  /** p_all_known of multi-skill masks since the posterior last changed (cleared by update_marginals;
   *  keeps its capacity, so no allocation once warm). Not for concurrent const calls: one filter
   *  serves one learner on one thread. */
  mutable std::vector<std::pair<uint32_t, double>> all_known_;
  std::vector<uint32_t> order_;  ///< compact()'s state order buffer
  /** w ← (1 − η)·w + η·Π_s Bernoulli(clamp(m_s, η, 1 − η)), m = the marginals of w. */
  void mix_independent(double eta);
  /** w_ ← the prior P(K), by doubling along the bank's topological order. */
  void build_prior();
  /** next_ ← Π_s Bernoulli(K_s; k_s) over the 2^S states. */
  void product_into_next(const std::vector<double>& k);
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
