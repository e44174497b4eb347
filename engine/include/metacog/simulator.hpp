// metacog/simulator.hpp — simulated learners over an item bank, and tutoring policies compared on
// them (design.md §4 "Recommendation"). Pure C++, no files: callers pass texts and write results.
//
//     metacog::SimulatorParams pop = metacog::SimulatorParams::from_json(text);   // models/simulator-params.json
//     metacog::SimulationOptions opt;  opt.learners = 500;  opt.seed = 1;
//     metacog::Simulation sim(bank, pop, opt);
//     auto policy = sim.make_policy("bkt-mastery");
//     metacog::PolicyResult r = sim.run(*policy);          // items_to_mastery, post_test, ... with 95 % CIs
//
// ── The population (SimulatorParams, fitted on real logs) ────────────────────────────────
// fit_simulator_params fits BKT (Corbett & Anderson 1995) per skill of a real log by the engine's
// EM (fit_bkt_skill: P(L₀), P(T), P(G), P(S)) — MAP-EM with 5 Beta pseudo-counts toward the pooled
// "average skill", which keeps skills that almost every learner already knows from degenerate
// P(T) ≈ 0 or 1 fits (plain EM gives P(T) = 10⁻⁴ for some of them) — keeps the skills with ≥ min_responses responses as
// the empirical distribution ("pool") of skill parameters, then fits one forgetting probability f
// by maximum likelihood with the per-skill parameters held fixed (BKT with forgetting):
//     between two answers on skill s separated by g answers on other skills, P(L) ← P(L)·(1 − f)^g
// (golden-section search on f ∈ [0, f_max] after a coarse grid). models/simulator-params.json holds
// this fit on assist2009_updated (see docs there). Three effects cannot be identified from those
// logs (no prerequisite graph, items = skills) and are stated assumptions with their own settings:
//   ρ  prerequisite_learn_factor  P(T) and P(L₀) of a skill are multiplied by ρ while one of its
//      prerequisites is not known (so skills are learned in dependency order, as in the bank);
//   κ  difficulty_slope           an item of difficulty level d ∈ 1..5 has
//                                 logit P(S_i) = logit P(S) + κ(d − 3), logit P(G_i) = logit P(G) − κ(d − 3);
//   σ  ability_sd                 learner ability a_u ~ N(0, σ²) shifts logit P(L₀) and logit P(T).
//
// ── A world and its learners ─────────────────────────────────────────────────────────────
// A world (one per seed) draws each bank skill's (P(L₀), P(T), P(G), P(S)) from the pool, uniformly
// with replacement. Learner u (seed, index) draws a_u, then the hidden binary knowledge K_s in
// topological order: K_s ~ Bernoulli(P(L₀)_us · ρ^[a prerequisite unknown]). Answering item i:
//   correct ~ Bernoulli(all_{s∈S_i} K_s ? 1 − P(S_i) : P(G_i))     (P(S_i), P(G_i): means over S_i, then κ)
//   then each unknown s ∈ S_i becomes known w.p. P(T)_us · ρ^[a prerequisite of s unknown],
//   and each known skill not in S_i is forgotten w.p. f (one clock tick per answer).
// The post-test score is the expected score on every bank item, mean_i P(correct_i | K).
// Policies see only the item they chose and the 0/1 answer, never K or the parameters.
//
// ── Policies ─────────────────────────────────────────────────────────────────────────────
//   random             a uniformly random item, no immediate repeat
//   fixed              skills in topological order, `fixed_items_per_skill` items per skill spread
//                      evenly from easiest to hardest, then the curriculum again
//   bkt-mastery        per-skill BKT (parameters fitted on training logs): keep practising the current
//                      skill until P(L) ≥ 0.95, then move to the lowest-P(L) skill below 0.95 whose
//                      prerequisites are ≥ 0.95 (else the lowest overall); items at random within the
//                      skill, no immediate repeats
//   target-difficulty  the Recommender (recommender.hpp) driven by BKT + item difficulty offsets
//                      (BktLearnerView) fitted on the training logs — the non-meta-learned model
//   prerequisite-bkt   the Recommender driven by the prerequisite-aware joint filter
//                      (PrerequisiteAdaptiveView, prerequisite_knowledge.hpp) fitted on the same
//                      training logs: a stronger non-meta-learned baseline; not in `--policy all`
//                      (its fit takes minutes on a 17-skill bank)
//   metacog            the Recommender driven by the learner model (make_recommender_policy with the
//                      learner model's view; plugged in by the caller, see cmd_simulate.cpp)
// "Training logs" are `train_learners` other learners of the same world answering `train_length`
// random items each (seed stream disjoint from the evaluated learners): what a deployed system would
// have learned its population parameters from. The fitted forgetting f̂ sets the Recommender's
// spacing half-life h₀ = ln 2 / f̂ (constant rate: spacing_growth = 0).
//
// ── Metrics (per learner, then mean and 95 % CI = 1.96·std/√n over learners) ───────────────
//   items_to_mastery      answers until every goal skill is known at the same time (0 if known at the
//                         start); learners that do not get there within max_items answers count as
//                         max_items ("censored"), even when the post-test budget runs longer
//   post_test             expected score on all bank items after exactly `budget` answers
//   longest_failure_run   the longest run of wrong answers within the first `budget` answers
//   correct_rate          fraction right within the first `budget` answers
// (MeanCi of metrics.hpp: mean ± 1.96·std/√n with the population std.)
// Every policy sees the same learners (same seeds, same hidden parameters). One random stream per
// learner draws its answers, learning and forgetting, and how many draws an answer takes depends on
// the learner's hidden state: the streams agree until two policies choose differently, then they
// diverge (not common random numbers for the whole run).
// Goal skills must have items (no policy can teach a skill no item practises); the default goals
// are every skill that has items.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "metacog/item_bank.hpp"
#include "metacog/kt_baselines.hpp"
#include "metacog/kt_data.hpp"
#include "metacog/metrics.hpp"
#include "metacog/prerequisite_knowledge.hpp"
#include "metacog/recommender.hpp"
#include "metacog/rng.hpp"

namespace metacog {

// ------------------------------------------------------------------ population

struct SimulatorParams {
  std::vector<BktSkillParams> pool;     ///< fitted per-skill parameters (empirical distribution)
  std::vector<std::string> pool_skills; ///< their skill labels in the source log
  std::vector<int64_t> pool_responses;  ///< responses behind each fit
  double forget = 0;                    ///< f per answer on another skill (fitted)
  double prerequisite_learn_factor = 0.3;  ///< ρ (assumption)
  double difficulty_slope = 0.4;           ///< κ (assumption)
  double ability_sd = 0.5;                 ///< σ (assumption)
  std::string provenance;                  ///< JSON object text: source, command, fit settings, log-likelihoods

  /** Validates ranges (InvalidArgument). */
  void validate() const;
  /** The JSON document of models/simulator-params.json. */
  std::string to_json() const;
  /** Parses and validates such a document (DataFormat on any problem). */
  static SimulatorParams from_json(const std::string& text);
};

struct SimulatorFitOptions {
  BktParams bkt = map_em();      ///< EM settings (restarts, bounds, seed, Beta pseudo-counts)
  /** The default EM: 5 pseudo-counts toward the pooled skill (the engine's BKT baseline grid value). */
  static BktParams map_em() {
    BktParams p;
    p.prior_count = 5.0;
    return p;
  }
  int64_t min_responses = 200;   ///< skills with fewer responses are left out of the pool
  double max_forget = 0.2;       ///< f_max of the search
  int threads = 1;
};

/** Per-skill answer sequences of every learner, with the gap (answers on other skills) before each. */
struct SkillSequences {
  std::vector<std::vector<std::vector<int>>> answers;  ///< [skill][learner sequence][k] 0/1
  std::vector<std::vector<std::vector<int>>> gaps;     ///< same shape: other answers since the last one on the skill
};
/** Builds SkillSequences from a log (responses with kUnknown skill are skipped). */
SkillSequences skill_sequences(const KtDataset& logs);

/** Log-likelihood of the sequences under BKT with forgetting f (per-skill parameters fixed). */
double bkt_forgetting_log_likelihood(const SkillSequences& seq, const std::vector<BktSkillParams>& params, double f);
/** argmax_f of bkt_forgetting_log_likelihood over [0, max_forget]. */
double fit_bkt_forgetting(const SkillSequences& seq, const std::vector<BktSkillParams>& params, double max_forget);

/** Fits the population on a real log (see the header comment). `log_name` goes into provenance. */
SimulatorParams fit_simulator_params(const KtDataset& logs, const SimulatorFitOptions& options, const std::string& log_name);

// ------------------------------------------------------------------ world and learners

/** One draw of skill and item parameters for a bank. */
struct SimWorld {
  std::vector<BktSkillParams> skills;  ///< per bank skill (before learner ability)
  std::vector<double> guess, slip;     ///< per bank item (after κ)
  SimWorld(const ItemBank& bank, const SimulatorParams& params, uint64_t seed);
};

class SimulatedLearner {
 public:
  /** Learner `index` of the world (seed streams: ability/knowledge and answers). */
  SimulatedLearner(const ItemBank& bank, const SimulatorParams& params, const SimWorld& world, uint64_t seed, uint64_t index);
  /** Answers item i (see the header comment); returns whether the answer was right. */
  bool answer(int item);
  /** P(correct) of item i in the current hidden state. */
  double p_correct(int item) const;
  /** mean_i P(correct_i). */
  double post_test() const;
  bool knows(int skill) const { return known_[static_cast<size_t>(skill)] != 0; }
  /** Every goal skill known now. */
  bool masters(const std::vector<int>& goals) const;
  int64_t clock() const { return clock_; }
  double ability() const { return ability_; }
  /** The learner's own P(L₀), P(T) per skill (after ability; for tests). */
  double prior(int skill) const { return prior_[static_cast<size_t>(skill)]; }
  double learn(int skill) const { return learn_[static_cast<size_t>(skill)]; }

 private:
  bool prerequisites_known(int skill) const;
  const ItemBank* bank_;
  const SimulatorParams* params_;
  const SimWorld* world_;
  Pcg32 rng_;
  double ability_ = 0;
  std::vector<double> prior_, learn_;
  std::vector<char> known_;
  int64_t clock_ = 0;
};

// ------------------------------------------------------------------ policies

/** A tutoring policy: sees only its own choices and the answers. */
class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string name() const = 0;
  /** A new learner (policy randomness from `seed`). */
  virtual void begin_learner(uint64_t seed) = 0;
  /** The next item to give at time `now`. */
  virtual int next_item(double now) = 0;
  virtual void observe(int item, bool correct, double now) = 0;
};

/** BktLearnerView as an AdaptiveView. */
class BktAdaptiveView : public AdaptiveView {
 public:
  BktAdaptiveView(const ItemBank& bank, BktViewParams params) : bkt_(bank, std::move(params)) {}
  void reset() override { bkt_.reset(); }
  void observe(int item, bool correct, double t) override { bkt_.observe(item, correct, t); }
  void predict_items(double now, double* p) override { bkt_.predict_items(now, p); }
  void skill_mastery(double now, double* m) override { bkt_.skill_mastery(now, m); }
  int attempts(int s) const override { return bkt_.attempts(s); }
  double last_seen(int s) const override { return bkt_.last_seen(s); }
  int recent_items(int* out, int max) const override { return bkt_.recent_items(out, max); }
  double learn_rate(int s) const override { return bkt_.learn_rate(s); }

 private:
  BktLearnerView bkt_;
};

/**
 * The Recommender's view over the prerequisite-aware joint filter (prerequisite_knowledge.hpp):
 * mastery m_s = P(K_s = 1 | answers), p_i = σ(logit P(correct on i under the filter) + δ_i) with the
 * per-skill fit's item offsets δ_i (as BktLearnerView); the practice record and learn rates from a
 * per-skill BKT view on the marginal parameters.
 */
class PrerequisiteAdaptiveView : public AdaptiveView {
 public:
  PrerequisiteAdaptiveView(const ItemBank& bank, BktViewParams marginal, PrerequisiteKnowledgeParams joint);
  void reset() override;
  void observe(int item, bool correct, double t) override;
  void predict_items(double now, double* p) override;
  void skill_mastery(double now, double* m) override;
  int attempts(int s) const override { return record_.attempts(s); }
  double last_seen(int s) const override { return record_.last_seen(s); }
  int recent_items(int* out, int max) const override { return record_.recent_items(out, max); }
  double learn_rate(int s) const override { return record_.learn_rate(s); }

 private:
  const ItemBank* bank_;
  std::vector<double> offset_;  ///< δ_i of the per-skill fit
  BktLearnerView record_;
  PrerequisiteKnowledgeFilter joint_;
};

std::unique_ptr<Policy> make_random_policy(const ItemBank& bank);
std::unique_ptr<Policy> make_fixed_policy(const ItemBank& bank, int items_per_skill);
std::unique_ptr<Policy> make_bkt_mastery_policy(const ItemBank& bank, BktViewParams params, double threshold = 0.95);
/** The Recommender's next_item over an AdaptiveView, named `name`. */
std::unique_ptr<Policy> make_recommender_policy(const std::string& name, const ItemBank& bank, std::unique_ptr<AdaptiveView> view,
                                                RecommenderConfig config);

// ------------------------------------------------------------------ simulation

struct SimulationOptions {
  int learners = 500;
  uint64_t seed = 1;
  uint64_t first_learner = 0;      ///< index of the first evaluated learner (training logs for a learner model: another range)
  int budget = 100;                ///< answers before the post-test
  int max_items = 1500;            ///< cap of items_to_mastery
  std::vector<int> goals;          ///< skill indices, each with items; empty: every skill that has items
  int train_learners = 200;        ///< learners of the training logs
  int train_length = 300;          ///< answers per training learner
  int fixed_items_per_skill = 10;
  double recommender_threshold = 0.95;  ///< θ of the Recommender policies over BKT views
  double bkt_threshold = 0.95;
};

struct LearnerOutcome {
  int items_to_mastery = 0;
  bool reached = false;
  double post_test = 0;
  double pre_test = 0;
  int longest_failure_run = 0;
  double correct_rate = 0;
};

struct PolicyResult {
  std::string policy;
  int learners = 0;
  MeanCi items_to_mastery, post_test, pre_test, longest_failure_run, correct_rate;
  double items_to_mastery_median = 0;
  int censored = 0;
  double seconds = 0;
  std::vector<LearnerOutcome> outcomes;
};

/** Per-learner differences reference − other of two policies run on the same simulated learners. */
struct PairedDifference {
  std::string policy;           ///< the other policy
  MeanCi items_to_mastery;      ///< censored learners counted at the cap, as in the means
  MeanCi post_test;
};

/**
 * Paired differences of results[ref] against every other result: learner k is the same simulated
 * person (seed, hidden parameters) under every policy, so mean(d) ± 1.96·sd(d)/√n of the per-learner
 * differences d_k = x_k(ref) − x_k(other) is a much narrower interval than two unpaired means.
 * InvalidArgument if ref is out of range or the results do not have the same learners.
 */
std::vector<PairedDifference> paired_differences(const std::vector<PolicyResult>& results, size_t ref);

/** What the non-meta-learned policies learned from the training logs. */
struct PolicyCalibration {
  BktViewParams bkt;       ///< per-skill BKT (EM) + item offsets
  double forget = 0;       ///< f̂
  KtDataset logs;          ///< the training logs (item = bank index, skill = first skill, timestamp = clock)
};

/** The prerequisite-aware filter fitted on the same training logs (fit_prerequisite_knowledge on bkt.skills). */
struct PrerequisiteCalibration {
  PrerequisiteKnowledgeParams joint;
  double log_likelihood = 0;  ///< mean per answer on the training logs, at the chosen ρ
};

class Simulation {
 public:
  Simulation(const ItemBank& bank, const SimulatorParams& params, SimulationOptions options);
  const SimWorld& world() const { return world_; }
  const SimulationOptions& options() const { return options_; }
  const std::vector<int>& goals() const { return goals_; }
  /** The training logs and the policy fits on them (computed once). */
  const PolicyCalibration& calibration();
  /** The prerequisite-aware filter's fit on the training logs (computed once, on first use: a few minutes). */
  const PrerequisiteCalibration& prerequisite_calibration();
  /** "random", "fixed", "bkt-mastery", "target-difficulty", "prerequisite-bkt" (InvalidArgument otherwise). */
  std::unique_ptr<Policy> make_policy(const std::string& name);
  /** The Recommender settings the simulation's Recommender policies use (spacing from f̂). */
  RecommenderConfig recommender_config();
  /** Runs every learner with `policy`; `progress(done, total)` after each learner. */
  PolicyResult run(Policy& policy, const std::function<void(int, int)>& progress = nullptr);
  /** One learner (index k) with `policy`; `log` (if given) receives its answers. */
  LearnerOutcome run_learner(Policy& policy, int k, LearnerLog* log = nullptr);
  /** `n` learners answering items chosen by `policy`, `length` answers each, as a KtDataset (seed stream `stream`). */
  KtDataset generate_logs(Policy& policy, int n, int length, uint64_t stream);

 private:
  const ItemBank* bank_;
  SimulatorParams params_;
  SimulationOptions options_;
  SimWorld world_;
  std::vector<int> goals_;
  std::unique_ptr<PolicyCalibration> calibration_;
  std::unique_ptr<PrerequisiteCalibration> prerequisite_calibration_;
};

/** The policies `--policy all` runs, in report order (make_policy also knows "prerequisite-bkt"). */
std::vector<std::string> simulation_policy_names();

/** Fits BKT per bank skill and item offsets on logs over a bank (item = bank index). */
BktViewParams fit_bkt_view(const ItemBank& bank, const KtDataset& logs, const BktParams& params);

}  // namespace metacog
