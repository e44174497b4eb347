// metacog/recommender.hpp — the next exercise, a learning path and resources for one learner,
// each with a short reason, from any response model behind the small LearnerView interface.
//
//     metacog::ItemBank bank = metacog::ItemBank::parse(text);
//     metacog::BktLearnerView view(bank, metacog::BktViewParams::uniform(bank, {}));  // or the learner model's view
//     metacog::Recommender rec(bank);
//     view.observe(bank.require_item("q17"), /*correct=*/true, /*timestamp=*/10);
//     auto next = rec.recommend(view, {/*count=*/3});           // [{item, p, skill, reason, ...}]
//     auto path = rec.learning_path(view, {{bank.require_skill("frac-add")}});
//     auto res  = rec.recommend_resources(view, {/*count=*/3});
//
// Notation: item i with skills S_i, p_i = P(correct) from the view, m_s = mastery of skill s
// (the probability that s is mastered, not the success rate: see learner_mastery.hpp),
// θ = mastery threshold, τ = target success rate, Δt_s = now − last practice of s, n_s = attempts.
//
// ── recommend ────────────────────────────────────────────────────────────────────────────
// Eligibility (hard rules, relaxed only when nothing satisfies them):
//   ready(i)  ⇔ every prerequisite q of every s ∈ S_i has m_q ≥ θ;
//   fresh(i)  ⇔ i is not among the learner's last `no_repeat_window` answered items.
// Candidates are the ready ∧ fresh items; if none, the ready items (a recent item comes back, marked
// `repeat`, when it is the only ready exercise: prerequisites are a hard rule, freshness a soft one);
// only when no item is ready, the fresh items, then all items. So an item whose prerequisites are
// unmastered is never proposed while a ready item exists, and a list holds fewer than `count` items
// when fewer are ready.
// Score of a candidate (all terms in [0, 1] before weighting):
//   fit_i    = 1 − (|p_i − τ| − min_{j: main(j) = main(i)} |p_j − τ|) / max(τ, 1 − τ)
//              (nearest the target, relative to the best item of the same main skill — the item's
//               least-mastered skill: the skill is chosen by need, spacing and diversity, the item
//               within it by difficulty, so a ready skill whose items are all still hard for the
//               learner (p ≈ guess) is practised rather than passed over for easier unmastered ones)
//   need_i   = mean_{s∈S_i} ν_s,  ν_s = 1 if m_s < θ, else ½·(1 − m_s)/(1 − θ)
//              (unmastered skills first: with w_need ≥ 2·w_fit an item of an unmastered ready skill
//              beats any mastered-skill item that is not due for review, whatever their fit; among
//              mastered skills the least certain ones come first)
//   due_i    = mean_{s∈S_i} [m_s ≥ θ] · (1 − 2^(−Δt_s / h_s)),   h_s = h₀ · (1 + g·n_s)
//              (spacing: the chance that an exponential forgetting curve with half-life h_s,
//               growing with practice, has dropped the skill; never-practised skills are not due)
//   score_i  = w_fit·fit_i + w_need·need_i + w_due·due_i − w_seen·[i answered before, in the window]
// Diversity: the list is built greedily (maximal marginal relevance): after choosing an item, every
// other item sharing one of its skills loses w_same_skill per shared pick, and the same item is
// never listed twice; the skill of the last answered item also loses w_same_skill·streak/(1+streak),
// where streak is the length of the current run of answers on that skill beyond `max_streak`, so
// a learner is moved on after long runs on one skill.
// Kind: Learn (some skill unmastered), Review (all mastered, due_i ≥ ½), Practice (otherwise),
// NotReady (a relaxed pick whose prerequisites are unmastered).
//
// ── learning_path ────────────────────────────────────────────────────────────────────────
// C = the prerequisite closure of the goals (default: the bank's terminal skills) restricted to
// skills with m_s < θ. Kahn's algorithm over C (prerequisites outside C count as satisfied): among
// the skills whose unmastered prerequisites are all placed, take the one with the largest expected
// gain per item  g_s = (1 − m_s) · λ_s  (λ_s = the view's learn_rate: the fraction of the gap to
// full mastery one practice item closes; BKT: E[ΔP(L)] = (1 − P(L))·P(T)), ties by topological rank.
// Estimated items to reach θ under that geometric curve: ⌈ln((1 − θ)/(1 − m_s)) / ln(1 − λ_s)⌉
// (0 for a skill with no items in the bank: nothing can teach it there, and the reason says so).
// Each step lists up to `items_per_step` items of the skill, ready first, nearest the target.
//
// ── recommend_resources ──────────────────────────────────────────────────────────────────
// Need vector n_s = (1 − m_s) · r_s with goal relevance r_s = γ^dist(s, goals) for skills in the
// goals' prerequisite closure (dist = shortest prerequisite-chain distance, 0 for a goal) and
// r_s = `off_goal_relevance` for the others; no goals ⇒ r_s = 1. With skill embeddings e_s (the
// view's, or one-hot vectors when it has none), the need prototype and a resource's prototype are
//   c = Σ_s n_s e_s / Σ_s n_s,     c_r = mean_{s ∈ skills(r)} e_s,
// and the score is the cosine similarity cos(c_r, c) (Prototypical Networks' prototype, Snell et
// al. 2017, compared by angle so that a resource is not favoured for covering many skills). With
// one-hot embeddings cos = Σ_{s∈r} n_s / (√|r| · ‖n‖). Ties by the largest need among its skills.
// Resources whose skills are all mastered (m_s ≥ θ) come after every other one, marked `mastered`.
//
// Reasons are English sentences built from the numbers ("Adding fractions: you get about 68 % of
// these right; its prerequisite Equivalent fractions is mastered"); the structured fields carry
// the same numbers and ids so a UI can write them in another language.
//
// Cost: recommend is O(items · skills-per-item + count · items) with buffers sized once per bank:
// no allocation besides the returned list (its reasons) after the first call.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "metacog/item_bank.hpp"
#include "metacog/kt_baselines.hpp"

namespace metacog {

/**
 * What a recommender may know about one learner: the response model's predictions and the
 * learner's practice record, indexed by the bank's item and skill indices. Implemented by the
 * learner model, by BKT (BktLearnerView) and by fakes in tests (SnapshotView).
 */
class LearnerView {
 public:
  virtual ~LearnerView() = default;
  /** p[i] = P(correct) of every bank item i at time `now` (num_items values). */
  virtual void predict_items(double now, double* p) = 0;
  /** m[s] = mastery of every bank skill s at time `now`, in [0, 1] (num_skills values). */
  virtual void skill_mastery(double now, double* m) = 0;
  /** Answers given on skill s so far. */
  virtual int attempts(int skill) const = 0;
  /** Timestamp of the last answer on skill s (NaN: never). */
  virtual double last_seen(int skill) const = 0;
  /** Writes the most recently answered bank items, most recent first (up to max); returns the count. */
  virtual int recent_items(int* out, int max) const = 0;
  /** Expected fraction of the gap 1 − m_s that one practice item of s closes, in (0, 1). */
  virtual double learn_rate(int skill) const = 0;
  /** Dimension of the skill embeddings (0: none, one-hot vectors are used). */
  virtual int embedding_dim() const { return 0; }
  /** The embedding of skill s (embedding_dim() values), or nullptr. */
  virtual const double* skill_embedding(int /*skill*/) const { return nullptr; }
  /** A short clause from the model's explanation of item i's prediction ("" if none). */
  virtual std::string explain(int /*item*/, double /*now*/) { return ""; }
};

/** A LearnerView that follows answers (what a Recommender-driven policy or the simulator needs). */
class AdaptiveView : public LearnerView {
 public:
  /** Back to the population prior (a new learner). */
  virtual void reset() = 0;
  /** Records an answer to bank item `item`. */
  virtual void observe(int item, bool correct, double timestamp) = 0;
};

/** A LearnerView over plain numbers (tests, and callers that already have them). */
class SnapshotView : public LearnerView {
 public:
  explicit SnapshotView(const ItemBank& bank);
  std::vector<double> p;           ///< per item
  std::vector<double> mastery;     ///< per skill
  std::vector<int> attempt_count;  ///< per skill
  std::vector<double> seen;        ///< per skill, NaN = never
  std::vector<int> recent;         ///< most recent first
  std::vector<double> rate;        ///< per skill learn rate
  int dim = 0;
  std::vector<double> embedding;   ///< num_skills × dim
  void predict_items(double now, double* out) override;
  void skill_mastery(double now, double* out) override;
  int attempts(int skill) const override { return attempt_count.at(static_cast<size_t>(skill)); }
  double last_seen(int skill) const override { return seen.at(static_cast<size_t>(skill)); }
  int recent_items(int* out, int max) const override;
  double learn_rate(int skill) const override { return rate.at(static_cast<size_t>(skill)); }
  int embedding_dim() const override { return dim; }
  const double* skill_embedding(int skill) const override;
};

/** Per-skill BKT parameters for a bank plus per-item difficulty offsets (logit units). */
struct BktViewParams {
  std::vector<BktSkillParams> skills;  ///< per bank skill
  std::vector<double> item_offset;     ///< δ_i added to the logit of the skill prediction (0: none)
  /** Every skill with the same parameters, no item offsets. */
  static BktViewParams uniform(const ItemBank& bank, const BktSkillParams& p);
};

/**
 * BKT per skill over a bank (Corbett & Anderson 1995), the non-meta-learned view:
 *   P(correct on s) = P(L_s)(1 − S_s) + (1 − P(L_s))·G_s,   p_i = σ(logit(mean_{s∈S_i} P(correct on s)) + δ_i)
 * after an answer on item i, for every s ∈ S_i: P(L_s) ← posterior(P(L_s) | y), then
 * P(L_s) ← P(L_s) + (1 − P(L_s))·T_s. mastery = P(L_s); learn_rate = T_s.
 */
class BktLearnerView : public LearnerView {
 public:
  BktLearnerView(const ItemBank& bank, BktViewParams params);
  /** Back to the priors. */
  void reset();
  /** Records an answer (Error(UnknownItem) for a bad index). */
  void observe(int item, bool correct, double timestamp);
  double p_known(int skill) const { return known_[static_cast<size_t>(skill)]; }

  void predict_items(double now, double* p) override;
  void skill_mastery(double now, double* m) override;
  int attempts(int skill) const override { return attempts_[static_cast<size_t>(skill)]; }
  double last_seen(int skill) const override { return last_[static_cast<size_t>(skill)]; }
  int recent_items(int* out, int max) const override;
  double learn_rate(int skill) const override { return params_.skills[static_cast<size_t>(skill)].learn; }

 private:
  const ItemBank* bank_;
  BktViewParams params_;
  std::vector<double> known_, last_;
  std::vector<int> attempts_;
  std::vector<int> recent_;  // ring, most recent at recent_head_ − 1
  int recent_head_ = 0, recent_size_ = 0;
};

enum class RecommendKind { Learn, Review, Practice, NotReady };
/** "learn", "review", "practice", "not-ready". */
const char* recommend_kind_name(RecommendKind kind);

struct RecommenderConfig {
  double mastery_threshold = 0.95;  ///< θ
  double target = 0.7;              ///< τ (default of RecommendOptions)
  int no_repeat_window = 5;         ///< the last W answered items are not proposed
  double spacing_half_life = 86400; ///< h₀ in timestamp units (default: one day in seconds)
  double spacing_growth = 1.0;      ///< g: h_s = h₀·(1 + g·n_s) (0: a constant forgetting rate)
  bool clock_in_seconds = true;     ///< timestamps are seconds (reasons say "3 days"); false: exercise counts
  int max_streak = 6;               ///< answers in a row on one skill before the move-on penalty starts
  double w_fit = 1.0, w_need = 2.0, w_due = 0.6, w_seen = 0.1, w_same_skill = 0.5;
  int items_per_step = 3;           ///< items listed per learning-path step
  double goal_decay = 0.7;          ///< γ of the resource need vector
  double off_goal_relevance = 0.1;  ///< relevance of skills outside the goals' closure
};

struct RecommendOptions {
  int count = 5;
  double target = std::nan("");              ///< NaN: config target
  double mastery_threshold = std::nan("");   ///< NaN: config threshold
  double now = std::nan("");                 ///< NaN: the latest last_seen of any skill (or 0)
};

struct Recommendation {
  int item = -1;
  std::string item_id;
  double p = 0;                 ///< predicted P(correct)
  int skill = -1;               ///< the item's main skill: its least-mastered one
  std::string skill_id;
  double mastery = 0;           ///< m of that skill
  RecommendKind kind = RecommendKind::Learn;
  std::vector<int> prerequisites;       ///< the main skill's prerequisites
  std::vector<double> prerequisite_mastery;
  double since_practice = std::nan(""); ///< now − last practice of the main skill (NaN: never)
  double recall = std::nan("");         ///< 2^(−Δt/h) of the main skill (NaN: never practised)
  double score = 0;
  bool repeat = false;                  ///< among the last no_repeat_window answers (no other item was ready)
  std::string reason;                   ///< English sentence
};

struct PathOptions {
  std::vector<int> goals;                    ///< skill indices; empty: the terminal skills
  double mastery_threshold = std::nan("");
  double target = std::nan("");
  double now = std::nan("");
};

struct PathStep {
  int skill = -1;
  std::string skill_id;
  double mastery = 0;
  double gain_per_item = 0;   ///< (1 − m)·λ
  int estimated_items = 0;    ///< items to reach θ on the geometric curve (0: the bank has no item of the skill)
  std::vector<int> items;     ///< a few items to practise
  std::vector<std::string> item_ids;
  std::vector<int> unlocks;   ///< goal-closure skills that list this one as a prerequisite
  bool is_goal = false;
  std::string reason;
};

struct ResourceOptions {
  int count = 3;
  std::vector<int> goals;     ///< skill indices; empty: every skill is relevant
  double now = std::nan("");
};

struct ResourceRecommendation {
  int resource = -1;
  std::string resource_id;
  double score = 0;           ///< cosine similarity in [−1, 1]
  int skill = -1;             ///< its skill with the largest need
  std::string skill_id;
  double mastery = 0;         ///< that skill's mastery
  double need = 0;            ///< that skill's need n_s
  bool mastered = false;      ///< every skill it covers has m_s ≥ θ (listed after the others)
  std::string reason;
};

class Recommender {
 public:
  explicit Recommender(const ItemBank& bank, RecommenderConfig config = {});
  const RecommenderConfig& config() const { return config_; }
  RecommenderConfig& config() { return config_; }
  const ItemBank& bank() const { return *bank_; }

  /** The next `count` items (fewer when fewer are ready); see the header comment. */
  std::vector<Recommendation> recommend(LearnerView& view, const RecommendOptions& options);
  /** recommend() into a reused vector. */
  void recommend(LearnerView& view, const RecommendOptions& options, std::vector<Recommendation>& out);
  /** Only the best item index, no reason (the simulator's fast path; −1 for an empty bank). */
  int next_item(LearnerView& view, const RecommendOptions& options);
  /** The learning path to the goals; see the header comment. */
  std::vector<PathStep> learning_path(LearnerView& view, const PathOptions& options);
  /** Resources for the learner's needs; see the header comment. */
  std::vector<ResourceRecommendation> recommend_resources(LearnerView& view, const ResourceOptions& options);

 private:
  double resolve_now(const LearnerView& view, double now) const;
  void score_items(LearnerView& view, double now, double target, double theta);
  int pick(double theta);
  std::string item_reason(const Recommendation& r, const std::string& clause) const;
  void check_goals(const std::vector<int>& goals) const;

  const ItemBank* bank_;
  RecommenderConfig config_;
  // scratch, sized once
  std::vector<double> p_, m_, score_, due_, best_dev_;
  std::vector<char> ready_, fresh_, mastered_, chosen_;
  std::vector<int> recent_, picks_per_skill_, main_skill_, picked_;
  int level_ = 0;  // which relaxation level produced the candidates (0 ready∧fresh, 1 fresh, 2 all)
};

}  // namespace metacog
