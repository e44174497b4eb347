// metacog/learner_model.hpp — the learner model: a response model with shared meta-parameters
// and per-learner fast weights adapted online by a few inner-loop steps.
//
//     metacog::LearnerModel model = metacog::LearnerModel::from_safetensors(bytes.data(), bytes.size());
//     metacog::LearnerTracker learner(model);            // one learner, at the population prior
//     metacog::LearnerQuery q = model.query(/*item=*/17, /*skill=*/4, /*timestamp=*/0);
//     double p = learner.predict(q);                     // P(correct) before answering
//     learner.observe(q, /*correct=*/true);              // updates the history, adapts φ
//
// ── The model ──────────────────────────────────────────────────────────────────────────────
// Learner u answers item i of skill s at time τ after the history H_t = (i_j, s_j, y_j, τ_j)_{j<t}:
//
//   P(y_t = 1) = σ( z_t + θ_u + v_u · (P e_s) + u_u · a_t )                     (1)
//   z_t        = MLP([x̂(H_t, s, τ), e_s, h¹_t ⊙ e_s, …, h^C_t ⊙ e_s]) − b_i     (2)
//   h^c_t      = Σ_{j<t} λ_c^{t−1−j} a_{s_j, y_j}     (h^c_{t+1} = λ_c h^c_t + a_{s_t, y_t})  (3)
//
//  * meta-parameters W (shared by all learners, learned offline):
//      e_s ∈ ℝ^d          skill embedding; row S (the "unknown skill") serves skills unseen in training
//      a_{s,y} ∈ ℝ^d      interaction embedding of an answer y on skill s (a DKT-like input code)
//      b_i                item difficulty; an item unseen in training uses β_s, the difficulty of a
//                         typical item of its skill (β_S for an unknown skill), or a caller's hint
//      MLP                one hidden ReLU layer: ℝ^{F + d(1+C)} → ℝ^H → ℝ
//      P ∈ ℝ^{r×d}        projection of skills onto the learner's fast-weight space
//      φ₀ = (θ₀, v₀)      the initialisation (prior mean) of the fast weights
//    x̂ = (x − μ)/σ are the F = 27 history features of learner_features.hpp, standardised with the
//    training statistics (μ, σ stored in the model); λ_c ∈ [0, 1) are fixed decays (arch).
//  * fast weights φ_u = (θ_u, v_u, u_u) ∈ ℝ^{1+r+H}: an ability offset, a learner vector that
//    interacts with the skill embeddings, and (arch.adapt_output) a learner-specific change u_u of
//    the MLP's output weights acting on its hidden activations a_t = relu(W₁ in_t + b₁) (an
//    ANIL-style "adapt the head" inner loop; u's prior mean is 0, as the head itself is meta-learned).
//    They start at φ₀ and, after every observed response,
//    take K inner-loop steps on the learner's own responses (the last N of them):
//
//      L_u(φ) = Σ_j ℓ(y_j, σ(z_j + φ·g_j)) + (κ/2)‖φ − φ₀‖²,   g_j = (1, P e_{s_j}, a_j)     (4)
//      φ ← φ − α · ∇L_u(φ) ⊘ (κ + Σ_j p_j(1 − p_j) g_j²)                                  (5)
//
//    (gradient steps preconditioned by the diagonal of the Fisher information; a step that would
//    increase L_u is halved until it does not — learner_inner_loop — since the preconditioner
//    vanishes where predictions saturate; α, K, κ, N are architecture constants). z_j is the
//    base logit computed when response j was predicted, so (5) costs O(N·(1+r)) per step and
//    never re-runs the network (z_j, g_j are kept in a ring of the last N responses). With φ fixed the model is a feed-forward function of O(1)
//    incrementally maintained state: predicting M items costs one MLP evaluation per distinct
//    skill among them plus O(r) per item.
//  * Multi-skill items average z and g over their skills.
//
// Meta-training (learner_train.hpp) treats each learner as a task; the protocol loss of a task is
// Σ_t ℓ(y_t, p_t) with p_t from (1) at the fast weights adapted on responses 0..t−1 (exactly the
// online protocol of kt_protocol.hpp and the browser).
//
// ── Cold start ────────────────────────────────────────────────────────────────────────────
// Skills and items unseen in training (kUnknown, or registered later with new skill labels) get
// e_S, a_{S,y}, β_S — population-level parameters trained by dropping skills and items to
// "unknown" at random during meta-training — while their per-skill history features are still
// tracked separately. The fast weights then adapt to the learner.
//
// ── File format ───────────────────────────────────────────────────────────────────────────
// safetensors (safetensors.hpp) with algo "learner-<reptile|fomaml|maml|pretrain>" and arch
// {"kind": "learner", num_items, num_skills, dim, hidden, rank, decays, inner_steps, inner_lr,
//  prior_precision, inner_window, adapt_output, clock ("position" | "timestamp"), features}; vocabulary labels in __metadata__.vocab
// ({"items": [...], "skills": [...]}); tensors (PyTorch-style names, shapes checked on load):
//   skill_embedding.weight [S+1, d]    interaction_embedding.weight [2(S+1), d] (row 2s + y)
//   item_difficulty [I]                skill_difficulty [S+1]
//   mlp.0.weight [H, F+d(1+C)]  mlp.0.bias [H]  mlp.2.weight [1, H]  mlp.2.bias [1]
//   fast.projection [r, d]             fast.init [1+r(+H)]
//   features.mean [F]                  features.std [F]
//   optional, both or neither:  features.min [F]   features.max [F]   (the training range; standardised())
//   optional, both or neither (learner_mastery.hpp):  mastery.guess [S+1]   mastery.slip [S+1]
//   optional, both or neither, with guess/slip (learner_knowledge.hpp):  mastery.prior [S+1]   mastery.learn [S+1]
//   optional, with prior/learn (prerequisite_knowledge.hpp):  mastery.rho [1]
// Any NaN/∞, non-positive std, shape mismatch or inconsistent arch is Error(ModelFormat).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "metacog/error.hpp"
#include "metacog/kt_data.hpp"
#include "metacog/learner_features.hpp"
#include "metacog/safetensors.hpp"

namespace metacog {

/** Architecture and inner-loop constants of a learner model. */
struct LearnerArch {
  int num_items = 0;    ///< I: items of the training vocabulary
  int num_skills = 0;   ///< S: skills of the training vocabulary (index S = unknown skill)
  int dim = 16;         ///< d
  int hidden = 32;      ///< H
  int rank = 4;         ///< r: size of the learner vector v
  std::vector<double> decays = {0.0, 0.7, 0.95};  ///< λ_c of the context vectors
  int inner_steps = 2;          ///< K
  double inner_lr = 0.5;        ///< α
  double prior_precision = 10.0; ///< κ
  int inner_window = 200;       ///< N: responses the inner loop looks at
  /** The training logs had no clock (timestamp = position, 3-line files): serving then uses the
   *  response position as the timestamp, so time gaps mean what they meant in training. */
  bool positional_clock = false;

  int num_contexts() const { return static_cast<int>(decays.size()); }
  int input_size() const { return kHistoryFeatures + dim * (1 + num_contexts()); }
  /** Also adapt the output layer per learner: u ∈ ℝ^H added to the MLP's last weights (ANIL-style). */
  bool adapt_output = true;
  int fast_size() const { return 1 + rank + (adapt_output ? hidden : 0); }
  /** The arch JSON object (as stored in __metadata__.arch). */
  std::string to_json() const;
  /** Parses and validates an arch JSON object (ModelFormat on any problem). */
  static LearnerArch from_json(const std::string& json);
  /** Throws ModelFormat/InvalidArgument (as `code`) unless every field is in range. */
  void validate(ErrorCode code) const;
};

/** Offsets of the named tensors inside the flat parameter vector. */
struct LearnerLayout {
  size_t skill_embedding, interaction_embedding, item_difficulty, skill_difficulty;
  size_t w1, b1, w2, b2, projection, fast_init, total;
  explicit LearnerLayout(const LearnerArch& a);
};

/** One response (or candidate item) as the model sees it. */
struct LearnerQuery {
  int item = kUnknown;          ///< model item index, or kUnknown
  int num_skills = 1;           ///< 1..kMaxSkillsPerResponse
  int slots[kMaxSkillsPerResponse] = {0, 0, 0, 0};   ///< history slots (see learner_features.hpp)
  int skills[kMaxSkillsPerResponse] = {0, 0, 0, 0};  ///< embedding rows (num_skills = unknown)
  double difficulty = 0.0;      ///< b used in (2)
  double timestamp = 0.0;
};

/** The meta-parameters (flat, double precision) plus the feature standardisation. */
class LearnerModel {
 public:
  LearnerModel() = default;
  /** A freshly initialised model (PyTorch-default MLP init, N(0, 0.1²) embeddings) from `seed`. */
  LearnerModel(const LearnerArch& arch, uint64_t seed);

  const LearnerArch& arch() const { return arch_; }
  const LearnerLayout& layout() const { return layout_; }
  std::vector<double>& params() { return w_; }
  const std::vector<double>& params() const { return w_; }
  std::vector<double>& feature_mean() { return mean_; }
  std::vector<double>& feature_std() { return std_; }
  const std::vector<double>& feature_mean() const { return mean_; }
  const std::vector<double>& feature_std() const { return std_; }
  /**
   * x̂_f = (clamp(x_f, lo_f, hi_f) − μ_f) / σ_f: a raw history feature standardised, first clamped to
   * the range it took on the training logs when the model carries that range (feature_range; else
   * unclamped). Counts keep growing over a long life of practice (ln(1 + 10⁵) ≈ 11.5 against
   * ln(1 + 200) ≈ 5.3 in training), and the MLP extrapolated linearly beyond its data: predictions
   * drifted to 0 or 1 after tens of thousands of answers. Clamped, a long history looks like the
   * longest one the model has seen. On the training logs themselves the clamp changes nothing.
   */
  double standardised(int f, double x) const {
    if (!feature_lo.empty()) x = x < feature_lo[static_cast<size_t>(f)] ? feature_lo[static_cast<size_t>(f)]
                                 : x > feature_hi[static_cast<size_t>(f)] ? feature_hi[static_cast<size_t>(f)] : x;
    return (x - mean_[static_cast<size_t>(f)]) / std_[static_cast<size_t>(f)];
  }
  /** Minimum and maximum of each raw history feature over the training logs (kHistoryFeatures
   *  values each), or both empty (older files): tensors features.min / features.max. */
  std::vector<double> feature_lo, feature_hi;

  /** Item / skill labels of the training vocabulary (may be empty for a synthetic model). */
  std::vector<std::string> item_labels, skill_labels;
  /** Mastery calibration per skill row 0..S (S: the unknown skill), or empty: P(correct | not mastered)
   *  and P(wrong | mastered) on a typical item, fitted on the training logs (learner_mastery.hpp). */
  std::vector<double> mastery_guess, mastery_slip;
  /** The knowledge filter's BKT prior P(L₀) and learn rate P(T) per skill row 0..S, or empty
   *  (learner_knowledge.hpp; fitted with mastery_guess/slip, and only present with them). */
  std::vector<double> mastery_prior, mastery_learn;
  /** ρ of the prerequisite-aware joint filter (prerequisite_knowledge.hpp): the factor on a skill's
   *  prior and learn rate while one of its prerequisites is unknown, fitted with an item bank
   *  (kt-calibrate --item-bank); NaN: none (tensor mastery.rho, [1]; only with mastery.prior/learn). */
  double mastery_rho = std::nan("");
  /** Provenance written to / read from __metadata__ (algo "learner-…", trained_on, metrics). */
  ModelHeader header;

  /** The query of a dataset response: slot = skill (kUnknown → S), difficulty b_i, β_s or β_S. */
  LearnerQuery query(int item, int skill, double timestamp) const;
  /** b for an item index (kUnknown → β of the skill, kUnknown skill → β_S). */
  double difficulty(int item, int skill) const;
  /** Rounds every parameter to float32 (what a saved file holds). */
  void round_to_float();

  /** The model as a safetensors file (F32 tensors, metadata: header, arch, vocab). */
  SafetensorsFile to_safetensors() const;
  /** Loads and validates a model (ModelFormat / ModelVersion / ModelKind on any problem). */
  static LearnerModel from_safetensors(const SafetensorsFile& f);
  static LearnerModel from_safetensors(const uint8_t* bytes, size_t size);

 private:
  LearnerArch arch_;
  LearnerLayout layout_{LearnerArch{}};
  std::vector<double> w_, mean_, std_;
};

/** Scratch buffers of one network evaluation (reused: no allocation in the hot path). */
struct LearnerScratch {
  std::vector<double> x, in, pre, d_in;
  explicit LearnerScratch(const LearnerArch& a)
      : x(kHistoryFeatures), in(a.input_size()), pre(a.hidden), d_in(a.input_size()) {}
};

/** Ring of the last N responses as the inner loop needs them: (z_j, g_j, y_j). */
struct FastRing {
  int capacity = 0, size = 0, head = 0, width = 0;  // width = 1 + r
  std::vector<double> z, g;
  std::vector<uint8_t> y;
  void init(int capacity, int width);
  void clear() { size = head = 0; }
  /** Appends (z, g, y), dropping the oldest when full. */
  void push(double zj, const double* gj, bool yj);
};

/**
 * The online state of one learner under a model: history, context vectors h^c, fast weights φ
 * and the inner-loop ring. The model must outlive it. predict/observe follow (1)–(5).
 */
class LearnerTracker {
 public:
  explicit LearnerTracker(const LearnerModel& model);
  /** The tracker keeps a reference: a temporary model would dangle. */
  explicit LearnerTracker(LearnerModel&&) = delete;
  /** Back to the population prior. */
  void reset();
  /** Base logit z of (2) for one skill of the query (k < q.num_skills). */
  double base_logit(const LearnerQuery& q, int k);
  /** z and g averaged over the query's skills; g has fast_size() entries. */
  double base_and_direction(const LearnerQuery& q, double* g);
  /** Logit of (1). */
  double logit(const LearnerQuery& q);
  /** P(correct) of (1). */
  double predict(const LearnerQuery& q);
  /** Records an answered response: computes (z, g), updates history and contexts, adapts φ. */
  void observe(const LearnerQuery& q, bool correct);
  /** observe() with z and g already computed by base_and_direction (training reuses its forward pass). */
  void observe_computed(const LearnerQuery& q, bool correct, double z, const double* g);
  /**
   * Prepares batch_skill_logit() for many skills at one time τ. The first layer factors as
   *   W₁ in = W₁ˢ x̂ˢ(s) + W₁ᵒ x̂ᵒ + (W₁ᵉ + Σ_c W₁ᶜ diag(h^c)) e_s
   * where only the skill features x̂ˢ depend on s (and are the same for every never-practised
   * skill): the overall part and M = W₁ᵉ + Σ_c W₁ᶜ diag(h^c) are computed once, leaving O(H·d) per skill.
   */
  void prepare_batch(double timestamp);
  /** z_net + φ·g of (2) and (1) for history slot `slot` with embedding row `skill` (after prepare_batch). */
  double batch_skill_logit(int slot, int skill);
  /** Runs `steps` more inner-loop steps (5) on the current ring (an explicit adapt() call). */
  void adapt(int steps);
  /**
   * Replaces the history and the context vectors h (C × d values; InvalidArgument otherwise), empties
   * the ring and puts φ back to φ₀ — the start of restoring a saved learner (learner_session.hpp):
   * then observe() the saved recent responses with `adaptation` off and set φ.
   */
  void restore_context(const LearnerHistory& history, const std::vector<double>& h);

  const LearnerModel& model() const { return *model_; }
  const LearnerHistory& history() const { return history_; }
  const std::vector<double>& fast_weights() const { return phi_; }
  std::vector<double>& mutable_fast_weights() { return phi_; }
  const std::vector<double>& contexts() const { return h_; }
  const FastRing& ring() const { return ring_; }
  /** Whether φ adaptation is on (off: φ stays at φ₀; for ablations). */
  bool adaptation = true;

  /** The network input of (2) for skill k of q (fills scratch.x and scratch.in). */
  void build_input(const LearnerQuery& q, int k, LearnerScratch& s) const;
  LearnerScratch& scratch() { return scratch_; }

 private:
  const LearnerModel* model_;
  LearnerHistory history_;
  std::vector<double> h_;    // C × d
  std::vector<double> phi_;  // 1 + r
  FastRing ring_;
  LearnerScratch scratch_;
  std::vector<double> g_tmp_, grad_tmp_, fisher_tmp_, inner_tmp_;
  // prepare_batch: overall part, never-practised skill part, same-skill correction (H), M (H × d)
  double batch_time_ = 0;
  std::vector<double> batch_base_, batch_empty_, batch_same_, batch_m_, batch_pre_;
};

/**
 * The φ-independent part of observing a response: the history counters and the context vectors
 * h^c ← λ_c h^c + mean over the response's skills of a_{s,y}  (3). h has C × d values.
 */
void learner_advance_context(const LearnerModel& m, const LearnerQuery& q, bool correct, LearnerHistory& history,
                             std::vector<double>& h);

/** MLP of (2) on an input row: writes the hidden pre-activations, returns the output. */
double learner_mlp_forward(const LearnerModel& m, const double* in, double* pre);
/** g = (1, P e, relu(pre)) for embedding row `skill` and the MLP's hidden pre-activations (fast_size() values). */
void learner_fast_direction(const LearnerModel& m, int skill, const double* pre, double* g);
/**
 * The inner loop (5): `steps` steps on the ring from φ (in place), prior mean φ₀, each step halved
 * until it does not increase L_u (4) — a safeguard, not a change of (5): ordinary steps decrease L_u
 * and are taken whole. Without it the Fisher-preconditioned step diverged once predictions
 * saturated: p(1 − p) → 0 leaves the denominator at κ, the step ∝ Σ_j (p_j − y_j) g_j / κ jumps
 * across to the other saturated side, and predictions flipped between 0 and 1 (a demo learner with
 * thousands of random answers). `scratch` holds 5 · fast_size() values. With `trace`, φ at the start of
 * every step and the scale the safeguard took are recorded for learner_inner_loop_backward
 * (learner_inner_grad.hpp).
 */
struct InnerTrace;
void learner_inner_loop(const LearnerArch& a, const double* phi0, const FastRing& ring, int steps, double* phi,
                        double* scratch, InnerTrace* trace = nullptr);

}  // namespace metacog
