// metacog/learner_train.hpp — meta-training the learner model (learner_model.hpp) with each
// learner as a task, and the same network trained without meta-learning.
//
//     metacog::LearnerTrainConfig cfg;              // algo = Reptile by default
//     cfg.arch = metacog::default_learner_arch(train);
//     metacog::LearnerTrainer trainer(train, valid, cfg);
//     while (!trainer.done()) trainer.run_epoch();   // early stopping on validation AUC
//     metacog::LearnerModel best = trainer.best_model();
//
// Task loss. For learner u with responses 0..T−1, the fast weights φ_t are those the inner loop
// (5) of learner_model.hpp reached after observing responses 0..t−1 (exactly as in serving), and
//     L_u(W, φ₀) = Σ_t ℓ(y_t, σ(z_t(W) + φ_t · g_t(W))),   ℓ = binary cross-entropy.
// Skills (items) of a learner are replaced by the unknown skill (item) with probability
// skill_dropout (item_dropout), per learner and epoch, which trains e_S, a_{S,y}, β_s, β_S.
//
// Algorithms (gradients are first-order in the adaptation, ∂φ_t/∂(W, φ₀) ≈ (0, I), except MAML's):
//  * Reptile (Nichol et al. 2018): for each learner of a meta-batch of B, start from (W, φ₀) and take
//    one inner Adam step (β1 = 0) per chunk of `reptile_chunk` consecutive responses on that
//    chunk's loss, carrying the learner's history, contexts and fast weights across chunks
//    (W_u, φ₀u after the last chunk); then the meta-update
//        (W, φ₀) ← (W, φ₀) + ε · (1/B) Σ_u ((W_u, φ₀u) − (W, φ₀)),  ε = ε₀ (1 − epoch/max_epochs).
//  * FOMAML (Finn et al. 2017, first-order): one outer Adam step per meta-batch on
//        ∇ (1/N_B) Σ_u L_u   evaluated at the adapted φ_t (the query loss after adaptation).
//  * MAML (Finn et al. 2017, second order): the same outer step with the exact meta-gradient: φ_t is a
//    function of (W, φ₀) through every inner loop run after responses 0..t−1 — each on the window of
//    base logits z_j and directions g_j = (1, P e_{s_j}, a_j) the network produced — and the pass is
//    differentiated through all of them: a forward pass records each response's activations and each
//    inner loop's trajectory, a reverse sweep carries φ̄_t = ∂L_u/∂φ_t back from t = T−1 to 0 through
//    the inner loops (learner_inner_grad.hpp, Fisher preconditioner included), which hands every
//    response j its total z̄_j and ḡ_j (its own prediction plus every later inner loop it took part
//    in) and φ₀ its gradient, and only then is each response back-propagated through the network.
//    The step scale of the inner loop's safeguard is held fixed (piecewise constant).
//    Horizon (`maml_horizon` M): the exact gradient (M = −1) carries ∂L/∂φ_t back through all t inner
//    loops before response t, and that product of t Jacobians ∂φ_{j+1}/∂φ_j explodes on real logs: on the
//    assist2009_updated_train1 learners, at the first epoch's parameters, per-learner gradient norms
//    reached 10⁹–10¹³ for learners with 500–1 000 responses (FOMAML's: 60–100), and a training run with it
//    was worse after every epoch than after the first (validation AUC 0.750). As truncated
//    back-propagation for bilevel optimisation does (Shaban et al. 2019), each prediction is therefore
//    differentiated through its last M inner loops only, and the adjoint left at φ_{t−M} is charged to φ₀
//    with FOMAML's ∂φ_{t−M}/∂φ₀ ≈ I: M = 0 is FOMAML, M ≥ t exact. Cost: M backward inner loops per
//    response (one for M = −1) on top of a FOMAML pass.
//  * Pretrain (no meta-learning): the same network trained with Adam on all responses with φ ≡ φ₀ = 0
//    and no adaptation during training (P and φ₀ stay at their initial values); at test time the
//    same inner loop runs, i.e. plain online fine-tuning of the fast weights.
// Monotonicity regularisation (optional, `monotonicity` λ > 0; Lee et al. 2021, "Consistency and
// Monotonicity Regularization for Neural Knowledge Tracing", correct-insertion augmentation): a right
// answer must never lower a prediction. Each pass also builds an augmented copy of the learner's
// sequence in which, before each response t independently with probability `mono_insert`, a copy of
// response t answered *right* is inserted (same item and skill; timed halfway since the previous
// response, or, with a positional clock, the augmented sequence's times are its positions, as serving
// would number them: an augmented history must look like a real one, or the network learns to tell
// them apart — see learner_monotonicity.hpp). With p_t / p̃_t the
// predictions of the original response t in the original / augmented sequence, the task loss gains
//     λ Σ_t max(0, p_t − p̃_t)
// (no prediction loss on the augmented sequence; inserted responses are not compared). The copies
// are of the response about to be predicted, so the penalty speaks directly to "more right answers on
// this skill", the case a log rarely shows when its skills are answered once (Statics2011 steps).
// Gradients flow into both sequences' predictions, first-order in the adaptation like the rest.
// Parameter averaging (optional, `average_halflife` h > 0 epochs; Polyak & Juditsky 1992, the
// exponential form of Izmailov et al. 2018's weight averaging): after every outer update the trainer
// keeps  W̄ ← τ W̄ + (1 − τ) W  with τ = 2^(−1/(h·U)), U = outer updates per epoch (so the half-life is
// measured in epochs, whatever the dataset's size), debiased as W̄ / (1 − τⁿ) after n updates. The
// averaged parameters are the ones validated, selected and saved; training continues from W.
// Early-position weighting (optional, `early_weight` γ > 0): the task loss weighs each response by
//     w_t = 1 + γ · [t ≤ early_positions]   (t = responses of the learner seen before response t),
// i.e. L_u = Σ_t w_t ℓ_t (the hinge above is not weighted), and the gradients are divided by Σ w_t instead
// of the response count (a meta-batch's for FOMAML / Pretrain, a chunk's for Reptile's inner steps). It is the "learner prefix as a task" objective in
// expectation: a prefix of length ≤ K + 1 drawn with probability γ/(1 + γ) beside the whole sequence.
// Long learners dominate Σ_t ℓ_t, while the cold-start regime (design.md §4, positions 1..10) is where
// adapting from a few answers matters; the weight puts the first answers of every learner back in view.
// Warm start (optional, `warm_start`; the "pre-train, then meta-train" recipe of Chen et al. 2021,
// Meta-Baseline): a meta-learned candidate starts from the parameters of the
// Pretrain network trained before it (learner_fit.hpp), instead of the seed's initialisation, so that
// meta-training begins from a history read-out that already predicts well and the inner loop has to
// add to it rather than replace it. LearnerTrainer::warm_start_from sets them before the first epoch.
// Unadapted read-out loss (optional, `unadapted_weight` λ₀ > 0; meta-learned candidates only): the task loss
// gains the loss of the same predictions made with the fast weights held at the prior φ₀,
//     L_u = Σ_t w_t ℓ(y_t, σ(z_t + φ_t · g_t)) + λ₀ Σ_t w_t ℓ(y_t, σ(z_t + φ₀ · g_t)),
// (the second sum is a pass over the learner with the inner loop off, same dropout, its gradient exact:
// φ₀ is a parameter there, not an approximation). Meta-training otherwise moves predictive work from the
// history read-out z_t, g_t into the inner loop (README, "What the inner loop adds"): the non-meta network's
// read-out alone predicts the first answers as well as the meta-learned network with its adaptation.
// The term asks the read-out to stay a good predictor by itself, so that adaptation adds to it. The
// reported training loss is the first sum only. Measured (README, "Keep the read-out a predictor by
// itself"): λ₀ = 1 holds the read-out at the non-meta network's level, but adaptation then adds little to
// cold start, so the option is off by default.
// All three add (l2/2)‖W‖² and stop early when the validation AUC (the full online protocol on
// `valid`; for Pretrain without adaptation, as it is trained) has not improved for `patience`
// epochs; the best epoch's parameters are kept.
// Every random choice comes from `seed`; with one thread a run is bit-for-bit reproducible, and
// save_state / load_state make a resumed run identical to an uninterrupted one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "metacog/kt_data.hpp"
#include "metacog/kt_baselines.hpp"
#include "metacog/kt_protocol.hpp"
#include "metacog/learner_inner_grad.hpp"
#include "metacog/learner_model.hpp"
#include "metacog/safetensors.hpp"

namespace metacog {

enum class LearnerAlgo { Reptile, Fomaml, Maml, Pretrain };

/** "reptile", "fomaml", "maml", "pretrain". */
const char* learner_algo_name(LearnerAlgo algo);
/** Inverse of learner_algo_name (InvalidArgument otherwise). */
LearnerAlgo learner_algo_from_name(const std::string& name);

struct LearnerTrainConfig {
  LearnerAlgo algo = LearnerAlgo::Reptile;
  LearnerArch arch;             ///< num_items / num_skills must match the training vocabulary
  double lr = 3e-3;             ///< Adam step size (outer for FOMAML/pretrain, inner for Reptile)
  double meta_step = 1.0;       ///< Reptile ε₀
  int meta_batch = 16;          ///< learners per outer update (B)
  int reptile_chunk = 32;       ///< responses per Reptile inner step
  double l2 = 1e-6;             ///< weight decay on all meta-parameters
  double skill_dropout = 0.1;   ///< probability a learner's skill is trained as "unknown"
  double item_dropout = 0.1;    ///< probability a learner's item is trained as "unknown"
  int max_epochs = 30;
  int patience = 3;
  uint64_t seed = 1;
  /** true: validate every epoch and keep the best; false: no validation, keep the last epoch (refits). */
  bool select_best = true;
  /** λ of the monotonicity penalty (0 = off; see the header comment). */
  double monotonicity = 0.0;
  /** Probability of inserting a right-answered copy before each response of the augmented sequence. */
  double mono_insert = 0.1;
  /** Half-life, in epochs, of the parameter average that is validated and kept (0 = off; see the header). */
  double average_halflife = 0.0;
  /** γ of the early-position weight w_t = 1 + γ·[t ≤ early_positions] (0 = off; see the header comment). */
  double early_weight = 0.0;
  /** K of the early-position weight: responses predicted from at most K earlier answers. */
  int early_positions = 10;
  /** MAML only: how many of its most recent inner loops each prediction's meta-gradient goes through
   *  (−1 = all of them, the exact gradient; 0 = none, which is FOMAML). See the header comment. */
  int maml_horizon = 1;
  /** λ₀ of the unadapted read-out loss (0 = off; meta-learned candidates only; see the header comment). */
  double unadapted_weight = 0.0;
  /** Meta-learned candidates: start from the Pretrain network trained before this candidate (learner_fit.hpp;
   *  see the header comment) instead of the seed's initialisation. */
  bool warm_start = false;
  /** The config as a JSON object (stored with models and checkpoints). */
  std::string to_json() const;
  static LearnerTrainConfig from_json(const std::string& json);
};

/** Budget of one shipped model file (design.md §5) and the part of it left for the header (vocabulary
 *  labels, metrics) when kt-train sizes the network. */
constexpr size_t kShippedModelBytes = 1'000'000, kModelHeaderAllowance = 100'000;
/** Bytes of a learner model's tensors (float32) for an architecture. */
size_t learner_model_tensor_bytes(const LearnerArch& a);
/** The default architecture for a training vocabulary (no dataset-specific constants): d = 64,
 *  H = 128, or d = 32, H = 64 when the wider model's tensors and vocabulary labels would not leave the
 *  rest of the header (metrics) its allowance within kShippedModelBytes. */
LearnerArch default_learner_arch(const KtDataset& train);

/** Standardisation statistics of the history features over every response of `data`: mean, standard
 *  deviation, and the range [lo, hi] each raw feature takes (LearnerModel::standardised clamps to it). */
void fit_feature_statistics(const KtDataset& data, std::vector<double>& mean, std::vector<double>& std,
                            std::vector<double>& lo, std::vector<double>& hi);
/** The same statistics written into a model (feature_mean/std, feature_lo/hi). */
void fit_feature_statistics(const KtDataset& data, LearnerModel& model);

/** One epoch's record. */
struct LearnerEpochLog {
  int epoch = 0;
  double train_loss = 0;   ///< mean cross-entropy of the epoch's training passes, w_t-weighted (the monotonicity penalty and the unadapted term not included)
  double valid_auc = 0;
  double seconds = 0;
};

/** The monotonicity hinge's side of one training pass (LearnerTrainer internals). */
struct LearnerMonoTerm {
  const double* partner = nullptr;  ///< partner prediction per position (index t − t0), NaN = none
  double sign = 0;                  ///< +λ: this pass is the original sequence; −λ: the augmented one
  double* out = nullptr;            ///< receives p_t per position (index t − t0), if not null
};

class LearnerTrainer {
 public:
  /** Initialises the model from the seed and the feature statistics of `train`. */
  LearnerTrainer(const KtDataset& train, const KtDataset& valid, const LearnerTrainConfig& config);

  /** Replaces the initial parameters by `params` (a network of the same architecture, e.g. the Pretrain
   *  candidate's; see "Warm start" above). Before the first epoch only (InvalidState after it);
   *  InvalidArgument if the parameter count differs. */
  void warm_start_from(const std::vector<double>& params);

  /** One training epoch plus the validation evaluation. InvalidState if done(). */
  LearnerEpochLog run_epoch(const std::function<void(double)>& progress = {});
  /** Max epochs reached or patience exhausted. */
  bool done() const;
  int epoch() const { return epoch_; }
  int best_epoch() const { return best_epoch_; }
  double best_valid_auc() const { return best_auc_; }
  const std::vector<LearnerEpochLog>& log() const { return log_; }
  /** The parameters of the best epoch (rounded to float32, as saved). */
  LearnerModel best_model() const;
  /** The current parameters. */
  const LearnerModel& model() const { return model_; }

  /** Loss and gradient (w.r.t. the flat parameters, summed, no l2) of whole learners, no dropout; with
   *  `monotonicity` > 0 the loss includes λ Σ max(0, p − p̃) over this epoch's augmented sequences, with
   *  `unadapted_weight` > 0 the unadapted term λ₀ Σ w_t ℓ_t(φ₀).
   *  chunk > 0: as Reptile's inner loop passes over a learner (chunks of `chunk` responses, trackers
   *  carried across, back-propagation through time cut at chunk boundaries), without its updates. */
  double loss_and_gradient(const std::vector<int>& learners, std::vector<double>& grad, int chunk = 0);

  /** The full training state as tensors (F64) + metadata; prefix names everything. */
  void save_state(SafetensorsFile& f, const std::string& prefix) const;
  /** Restores a state written by save_state for the same data and config (StateFormat otherwise). */
  void load_state(const SafetensorsFile& f, const std::string& prefix);

 private:
  /**
   * One pass over responses [t0, t1) of `rs` (learner `learner`'s sequence or its augmentation): forward,
   * and with `grad` the gradient of pred_weight · Σ ℓ(y_t, p_t) + the monotonicity hinge against
   * `mono.partner` (see LearnerMonoTerm). Returns Σ ℓ over the pass (0 when pred_weight is 0).
   * unadapted: the tracker's inner loop is off (φ stays at φ₀), for the unadapted read-out loss.
   */
  double learner_pass(LearnerModel& m, LearnerTracker& tracker, const std::vector<Response>& rs, int learner, int t0,
                      int t1, bool dropout, std::vector<double>* grad, double pred_weight = 1.0,
                      const LearnerMonoTerm& mono = LearnerMonoTerm(), bool unadapted = false);
  /** Every pass of the task loss over one learner's responses [t0, t1): the prediction pass (with the
   *  monotonicity passes when λ > 0, trackers `tr`, `tr_aug`) and, when λ₀ > 0, the unadapted pass (tracker
   *  `tr_prior`), gradients added to `grad`. Returns the prediction pass's Σ w_t ℓ_t; the hinge and the
   *  unadapted term are left in last_hinge_ and last_unadapted_. */
  double task_passes(LearnerModel& m, LearnerTracker& tr, LearnerTracker& tr_aug, LearnerTracker& tr_prior, int learner,
                     int t0, int t1, bool dropout, std::vector<double>& grad);
  /** The passes of one learner range [t0, t1) with the monotonicity penalty (orig tracker `tr`, augmented `tr_aug`). */
  double mono_passes(LearnerModel& m, LearnerTracker& tr, LearnerTracker& tr_aug, int learner, int t0, int t1,
                     bool dropout, std::vector<double>& grad);
  /** Builds aug_ / aug_begin_ / aug_pos_ for a learner (the insertion coins of this epoch). */
  void build_augmented(int learner);
  double epoch_fomaml(const std::vector<int>& order, const std::function<void(double)>& progress);
  double epoch_reptile(const std::vector<int>& order, const std::function<void(double)>& progress);
  void adam_step(std::vector<double>& w, const std::vector<double>& grad, double lr, double beta1);
  double validate(const LearnerModel& m) const;
  /** τ = 2^(−1/(h·U)), U = outer updates per epoch. */
  double average_decay() const;
  /** W̄ after an outer update (no-op when averaging is off). */
  void update_average();
  /** w_t of the early-position weighting (1 when it is off). */
  double position_weight(int t) const {
    return cfg_.early_weight > 0 && t <= cfg_.early_positions ? 1.0 + cfg_.early_weight : 1.0;
  }
  /** Σ_{t0 ≤ t < t1} w_t. */
  double weighted_count(int t0, int t1) const;
  /** The model whose parameters are validated and kept: model_ or, with averaging, the debiased W̄. */
  const LearnerModel& selected_params();

  const KtDataset* train_;
  const KtDataset* valid_;
  LearnerTrainConfig cfg_;
  LearnerModel model_, best_;
  LearnerModel task_model_;  // Reptile's per-learner copy
  std::vector<double> adam_m_, adam_v_, grad_, delta_;
  std::vector<double> average_;  // Σ τ^(n−k) (1 − τ) W_k (not debiased); empty when averaging is off
  int64_t average_n_ = 0;
  LearnerModel averaged_;        // the debiased average, as a model (validation scratch)
  int64_t adam_t_ = 0;
  int epoch_ = 0, best_epoch_ = -1, bad_epochs_ = 0;
  double best_auc_ = -1.0;
  std::vector<LearnerEpochLog> log_;
  // per-pass scratch
  std::vector<double> gh_;      // T × C × d: ∂L/∂h^c_t
  std::vector<int> rows_;       // interaction-embedding row added after response t
  std::vector<double> g_;       // fast direction of the current response
  // second-order MAML: the recorded pass (per response: input, hidden pre-activations, contexts, φ_t,
  // g_t, z_t, y_t, δ_t, embedding row, item, the inner loop's trace after it) and the reverse sweep's adjoints
  std::vector<double> so_in_, so_pre_, so_h_, so_phi_, so_g_, so_z_, so_delta_;
  std::vector<uint8_t> so_y_;
  std::vector<int> so_skill_, so_item_;
  std::vector<InnerTrace> so_trace_;
  std::vector<double> so_zbar_, so_gbar_, so_buckets_, so_phi0bar_, inner_scratch_;
  // monotonicity: the augmented sequence, where original response t starts (its inserted copy, if
  // any) and where it sits; per-pass predictions of both sequences
  std::vector<Response> aug_;
  std::vector<int> aug_begin_, aug_pos_;
  std::vector<double> p_orig_, p_aug_, partner_;
  double last_hinge_ = 0;  ///< Σ max(0, p − p̃) of the last mono_passes
  double last_unadapted_ = 0;  ///< λ₀ Σ w_t ℓ_t(φ₀) of the last task_passes (0 when off)
};

/**
 * A learner model as a KtModel (for evaluate_online and the baselines table). adaptation = false
 * keeps every learner's fast weights at φ₀ (the inner loop (5) off): the ablation that shows what
 * online adaptation adds to the same meta-parameters.
 */
class LearnerKtModel : public KtModel {
 public:
  LearnerKtModel(LearnerModel model, std::string name, bool adaptation = true)
      : model_(std::move(model)), name_(std::move(name)), adaptation_(adaptation) {}
  std::string name() const override { return name_; }
  std::string describe() const override;
  std::unique_ptr<OnlinePredictor> make_predictor() const override;
  const LearnerModel& model() const { return model_; }

 private:
  LearnerModel model_;
  std::string name_;
  bool adaptation_ = true;
};

/** The OnlinePredictor of a learner model: dataset indices → LearnerQuery → LearnerTracker. */
class LearnerOnlinePredictor : public OnlinePredictor {
 public:
  /** adaptation = false: φ stays at φ₀ (how Pretrain is validated during its training). */
  explicit LearnerOnlinePredictor(const LearnerModel& model, bool adaptation = true) : model_(&model), tracker_(model) {
    tracker_.adaptation = adaptation;
  }
  /** The predictor keeps a reference: a temporary model would dangle. */
  explicit LearnerOnlinePredictor(LearnerModel&&, bool = true) = delete;
  void begin_learner() override { tracker_.reset(); }
  double predict(const Response& next) override;
  void observe(const Response& r) override;

 private:
  const LearnerModel* model_;
  LearnerTracker tracker_;
};

}  // namespace metacog
