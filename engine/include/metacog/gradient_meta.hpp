// metacog/gradient_meta.hpp — optimisation-based meta-learners on few-shot image classification:
// MAML (second order, exact), first-order MAML and Reptile, with exact checkpoints.
//
// The learner is Conv-4 with a stride-2 body and an N-way linear head (nn.hpp); every task is an
// N-way episode whose labels 0..N−1 are the head's outputs. Inner loop U on a task's support set:
//
//   MAML / FOMAML (Finn et al. 2017):  φ ← φ − α ∇φ CE(f_φ(x_s), y_s), `inner_steps` times, φ₀ = θ
//   Outer:  θ ← Adam(θ, ∇θ (1/B) Σ_tasks CE(f_{U(θ)}(x_q), y_q)),   B = meta_batch
//     with Adam's step β_t = outer_lr (constant, the papers') or, `outer_anneal = "cosine"`,
//     β_t = outer_lr · ½ (1 + cos(π t / T)) over the T iterations (the cosine annealing of
//     Antoniou et al. 2019, "How to train your MAML", §4; here annealed to 0).
//     MAML differentiates through U (the inner gradients are recorded with create_graph, so the
//     Hessian terms −α ∇²L are exact); FOMAML treats the inner gradients as constants (∂U/∂θ ≈ I).
//     CE is the mean over the N·K support examples. Finn et al.'s code (cbfinn/maml: `xent` is
//     the per-example loss / K, and tf.gradients of that vector differentiates its sum) steps on
//     Σ_i ℓ_i / K = N · mean, so its α = 0.4 (5-way) and 0.1 (20-way) are α·N = 2.0 on our mean;
//     and its inner loop adapts only the convolutions and the head (batch norm, without a scale,
//     has an offset that only the outer loop trains). `params = "weights"` holds batch norm's
//     scale and offset at θ in the inner loop; `--inner-lr 2 --inner-params weights` is that code's
//     step. The defaults stay α = 0.4 on the mean over all parameters, the setting of the committed
//     models (README, "The inner step's scale", for the A/B that kept them).
//
//   Reptile (Nichol et al. 2018):  φ = U(θ) with Adam(β1 = 0, lr α) on `inner_steps` minibatches
//     of `inner_batch` examples drawn without replacement (cycling) from the task's K_train·N
//     examples;  θ ← θ + ε (1/B) Σ_tasks (φ − θ),  ε = ε₀ · max(0, 1 − t/T) (linear annealing to
//     0). meta_batch = 1 is the serial variant, > 1 the batched one.
//     Shared inner state (`shared_inner_state`, Reptile's default): the authors' code
//     (openai/supervised-reptile) restores only the network's weights between tasks, so the inner
//     Adam's second moment v ← β2 v + (1 − β2) g² and its step count t (bias correction
//     √(1 − β2ᵗ)) run on across every task of training, and test-time adaptation starts from the
//     state reached at the end of training (restored after each test task). Their author: "Reptile
//     benefits from the Adam second moment estimate" (supervised-reptile issue #28). Without it
//     every task's first inner step is lr·sign(g), whatever the gradient's scale. The model file
//     carries that state (tensors "adaptation.adam_v.<param>", metadata adaptation.adam_t).
//     Running batch-norm statistics: one forward of the last task's φ on its whole task per
//     iteration (also the loss and accuracy shown); nothing Reptile trains depends on them.
//
// MAML++ options (Antoniou et al. 2019, "How to train your MAML", §4), for MAML and first-order MAML:
//   LSLR, learned per-layer per-step inner step sizes (`learn_inner_lr`): the inner step is
//     φ_{s+1,p} = φ_{s,p} − α_{p,s} ∇_{φ_p} CE(f_{φ_s}(x_s), y_s),   s = 0 … S−1,
//     with one α_{p,s} per parameter tensor p and step s, started at `inner_lr` and meta-learned by the
//     outer Adam with θ (same step β_t; a separate Adam over the α's is the same update, Adam being
//     per coordinate). ∂φ/∂α is linear in the inner gradient, so the α's get their outer gradient in
//     first-order MAML too. Test-time adaptation runs the same S steps with the learned α's (the
//     model file carries them as tensors "adaptation.lr.<param>", shape [S]).
//   MSL, the multi-step loss (`multi_step_loss` = M iterations): for t < M the task's outer loss is
//     Σ_{s=1..S} v_s(t) CE(f_{φ_s}(x_q), y_q) over every inner iterate, with MAML++'s weights
//     (their code, per epoch there, per iteration here; f = t/M):
//       v_s = max((1 − f)/S, 0.03/S) for s < S,   v_S = min(1/S + f (S−1)/S, 1 − 0.03 (S−1)/S),
//     Σ v = 1, uniform at t = 0; from t = M on, the plain MAML loss CE(f_{φ_S}(x_q), y_q).
//   Not implemented: per-step batch-norm weights and statistics (BNWB, BNRS; our batch norm is
//   transductive at test, so BNRS would not change a test number) and derivative-order annealing
//   (off in MAML++'s own Omniglot configurations).
//
// Test time (all three): a fresh copy of θ adapted on the support set with the algorithm's own
// inner optimiser for `test_steps` steps (MAML: SGD α, 10 steps; Reptile: Adam β1 = 0, 50 steps,
// minibatches of `test_batch`), then the query set is classified. Batch norm: the inner loop and
// the query pass use batch statistics (transductive, as in both papers' Omniglot results); the
// training query pass also updates running statistics, so `running` (inductive) evaluation is
// possible and reported separately.
//
// Defaults are the papers' Omniglot 5-way settings (MAML: 1-shot queries = K, meta-batch 32,
// α = 0.4, 60 000 iterations, mean read-out; Reptile: train shots 10, inner batch 10, 5 inner
// steps, α = 1e-3, meta-batch 5, ε₀ = 1, 100 000 iterations, flatten read-out, 50 test steps;
// 20-way: inner batch 20, 10 inner steps, α = 5e-4, 200 000 iterations, test batch 10).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "metacog/episodes.hpp"
#include "metacog/metrics.hpp"
#include "metacog/model_io.hpp"
#include "metacog/optim.hpp"

namespace metacog {

/** How a model adapts to a task at test time (saved in the model file as "adaptation"). */
struct GradientAdaptation {
  GradientAdaptation() = default;
  GradientAdaptation(std::string optimizer, float lr, int steps, int batch)
      : optimizer(std::move(optimizer)), lr(lr), steps(steps), batch(batch) {}
  std::string optimizer = "sgd";  ///< "sgd" (MAML, FOMAML) or "adam" (Reptile: β1 = 0, β2 = 0.999)
  float lr = 0.4f;
  int steps = 10;
  int batch = 0;  ///< minibatch size (0 = the whole support set)
  /// Which parameters the inner loop changes: "all", or "weights" — the convolutions and the head,
  /// batch norm's scale and offset held at θ (Finn et al.'s code: its batch-norm offset is an
  /// outer-loop variable only, outside the adapted weights). SGD adaptation only.
  std::string params = "all";
  /// Adam's starting state (Reptile with a shared inner state): second moment per parameter, in
  /// the engine's layout, and step count; empty = a fresh optimiser for every task.
  std::vector<Tensor> adam_v;
  int64_t adam_t = 0;
  /// LSLR (MAML++): step s of parameter p uses step size step_sizes[p][s] instead of `lr`. SGD only;
  /// `steps` is then the number of learned steps. The flag travels in the settings; the tensors
  /// (one [steps] tensor per parameter, engine order) in the model file, see read_adaptation.
  bool learned_lr = false;
  std::vector<Tensor> step_sizes;
  /** Settings only ("state": "shared" with "adam_t" when adam_v is set, "lr_per_step": "learned"
   *  with learned step sizes; the tensors travel in the model file, see read_adaptation). */
  std::string to_json() const;
  static GradientAdaptation from_json(const std::string& json);
  void validate() const;
};

/** Whether `algo` is one of the gradient-based meta-learners (maml, fomaml, reptile), which adapt at test. */
inline bool is_gradient_algo(const std::string& algo) { return algo == "maml" || algo == "fomaml" || algo == "reptile"; }

struct GradientMetaConfig {
  std::string algo = "maml";  ///< "maml" | "fomaml" | "reptile"
  EpisodeSpec spec{5, 1, 1};  ///< training tasks (Reptile: K = train shots, Q = 0)
  int64_t iterations = 60000;
  int meta_batch = 32;
  int inner_steps = 1;
  float inner_lr = 0.4f;
  int inner_batch = 0;      ///< Reptile minibatch (0 = whole support set)
  bool shared_inner_state = false;  ///< Reptile: one inner Adam state across all tasks (see above)
  float outer_lr = 1e-3f;   ///< Adam step (MAML, FOMAML) or ε₀ (Reptile)
  std::string outer_anneal = "constant";  ///< MAML, FOMAML: "constant" | "cosine" (to 0 at `iterations`)
  bool learn_inner_lr = false;  ///< MAML, FOMAML: LSLR (above); then test.steps = inner_steps, test.learned_lr
  int64_t multi_step_loss = 0;  ///< MAML, FOMAML: MSL over the first M iterations (above); 0 = off
  /// Where θ and the batch-norm buffers started: "" = the seeded initialisation, else the model file
  /// they were read from (GradientTrainer::warm_start; provenance only, nothing is re-read on resume).
  std::string init_from;
  GradientAdaptation test;  ///< test-time adaptation
  uint64_t seed = 1;
  Conv4Arch arch;

  /** The paper's settings for `algo` on Omniglot N-way K-shot. */
  static GradientMetaConfig defaults(const std::string& algo, int way, int shot);
  /**
   * The papers' settings for `algo` on mini-ImageNet N-way K-shot (84×84 RGB): a Conv-4 of 32
   * filters with max-pooling and a flattened 32·5·5 read-out. MAML / FOMAML (Finn et al. 2017,
   * §5.2 and their code): 15 queries per class, meta-batch 4 (K > 1: 2), 5 inner SGD steps α = 0.01,
   * Adam 1e-3, 60k iterations, 10 steps at test. Reptile (Nichol et al. 2018, appendix): 15 training
   * shots, minibatches of 10, 8 inner Adam steps (β1 = 0, lr 1e-3), meta-batch 5, ε 1 → 0 over 100k
   * iterations; at test 50 steps on minibatches of 15. Reptile keeps MAML's network here: its own code pools
   * with `same` padding (84 → 6, a 32·6·6 read-out) and before batch norm, which this Conv-4 does not offer.
   */
  static GradientMetaConfig mini_imagenet_defaults(const std::string& algo, int way, int shot);
  std::string to_json() const;
  static GradientMetaConfig from_json(const std::string& json);
  void validate() const;
};

/** InvalidArgument unless `outer_anneal` is "constant", or "cosine" for maml / fomaml (Reptile's ε is
 *  always annealed linearly). GradientMetaConfig::validate and the CLI's up-front checks use it. */
void check_outer_anneal(const std::string& algo, const std::string& outer_anneal);

/** Task data: images [n, H, W, C] and labels 0..N−1 (class-major). */
struct LabelledImages {
  Tensor images;
  std::vector<int32_t> labels;
};

/** What of the inner loop is recorded for the outer gradient. */
enum class InnerGraph {
  None,         ///< φ is a fresh leaf (Reptile, test time)
  FirstOrder,   ///< φ = θ − α Σ g with g constant: ∂φ/∂θ = I (first-order MAML)
  SecondOrder,  ///< inner gradients recorded with create_graph: exact ∂φ/∂θ (MAML)
};

/** MSL's weights v_1 … v_S at iteration t of an M-iteration annealing (above); for t ≥ M or M = 0
 *  the plain MAML loss's (0, …, 0, 1). */
std::vector<float> multi_step_loss_weights(int steps, int64_t t, int64_t anneal);

/** What a differentiated inner loop also gives or takes (MAML++). */
struct InnerLoopHooks {
  /// LSLR: the step sizes as variables (one [steps] tensor per parameter, engine order), used
  /// instead of the values in how.step_sizes so that the outer gradient reaches them.
  const std::vector<Var>* step_sizes = nullptr;
  /// MSL: receives the iterates φ_1 … φ_S.
  std::vector<ParamSet>* trajectory = nullptr;
};

/**
 * The inner loop U(θ) on a task: `how.steps` steps of `how.optimizer` on minibatches of
 * `how.batch` examples (0 = all; drawn without replacement, cycling, with `rng`). SGD supports
 * every InnerGraph; Adam only None. BN uses the batch's statistics.
 * Adam starts from `how.adam_v` / `how.adam_t` (a copy; fresh if empty), unless `shared` is given:
 * then that optimiser is used and left in its new state (Reptile's training loop).
 */
ParamSet adapt_to_task(const Conv4Arch& arch, const ParamSet& theta, const LabelledImages& task,
                       const GradientAdaptation& how, InnerGraph graph, Pcg32& rng, Adam* shared = nullptr,
                       const InnerLoopHooks& hooks = {});

/** One task's outer loss and what it shows. */
struct TaskOuterLoss {
  Var loss;           ///< Σ_s v_s CE(f_{φ_s}(x_q), y_q) (MSL), or CE(f_{φ_S}(x_q), y_q)
  Var final_logits;   ///< f_{φ_S}(x_q)
  float final_loss = 0;  ///< CE(f_{φ_S}(x_q), y_q), the loss shown in training
};

/**
 * The MAML / first-order MAML outer loss of one task: the whole-support SGD inner loop `inner`
 * (recorded as `graph`), then the query loss of every iterate with a non-zero weight in
 * `step_weights` (size inner.steps; multi_step_loss_weights). Batch norm uses batch statistics;
 * the last iterate's query forward records them into `stats` if given (for the running averages).
 */
TaskOuterLoss maml_task_loss(const Conv4Arch& arch, const ParamSet& theta, const LabelledImages& support,
                             const LabelledImages& query, const GradientAdaptation& inner, InnerGraph graph,
                             const std::vector<float>& step_weights, const std::vector<Var>* step_sizes,
                             BnBatchStats* stats);

/** Query accuracy of θ adapted on one episode's support set (no gradients kept). */
float gradient_episode_accuracy(const Conv4Arch& arch, const ParamSet& theta, const Buffers& buffers,
                                const GradientAdaptation& how, const LabelledImages& support,
                                const LabelledImages& query, BnMode mode, Pcg32& rng);

class GradientTrainer {
 public:
  explicit GradientTrainer(const GradientMetaConfig& config);
  /**
   * One meta-iteration (meta_batch tasks); returns the mean task loss (query loss for MAML). MAML and
   * first-order MAML run the tasks on OMP_NUM_THREADS threads, bit-identical to one thread.
   */
  float step(const ImageDataset& train);
  /**
   * Starts θ and the batch-norm buffers from `model` (same arch; before the first step) instead of the
   * seeded initialisation — e.g. a cosine-annealed phase after a constant-step run. The outer Adam
   * (and Reptile's shared inner Adam, which the CLI therefore does not offer this for) starts fresh;
   * `source` is recorded as config().init_from. With LSLR, the step sizes start from the model's
   * learned ones when `adaptation` (its read_adaptation) has them — for as many steps as this run's,
   * else InvalidArgument — and at inner_lr otherwise. InvalidArgument otherwise.
   */
  void warm_start(const Conv4Model& model, const std::string& source, const GradientAdaptation* adaptation = nullptr);
  /** The outer Adam's step at the current iteration (outer_lr, or its cosine annealing). */
  float outer_step_size() const;
  int64_t iteration() const { return iteration_; }
  float last_loss() const { return last_loss_; }
  float last_accuracy() const { return last_accuracy_; }
  const GradientMetaConfig& config() const { return config_; }
  const ParamSet& params() const { return params_; }
  /** LSLR's step sizes α_{p,s} (one [inner_steps] tensor per parameter; empty without LSLR). */
  const ParamSet& inner_step_sizes() const { return step_sizes_; }
  const Buffers& buffers() const { return buffers_; }

  SafetensorsFile checkpoint() const;
  static GradientTrainer from_checkpoint(const SafetensorsFile& file);
  /** The current network as a model file (with "adaptation" metadata). */
  SafetensorsFile model_file(const ModelHeader& header) const;

 private:
  float maml_step(const ImageDataset& train, bool second_order);
  float reptile_step(const ImageDataset& train);

  GradientMetaConfig config_;
  ParamSet params_;
  Buffers buffers_;
  Adam adam_;
  Adam inner_adam_;  ///< Reptile's shared inner optimiser (used when shared_inner_state)
  ParamSet step_sizes_;  ///< LSLR's α_{p,s}, named like the parameters (learn_inner_lr)
  Adam step_size_adam_;  ///< their outer Adam (same settings and step as adam_)
  Pcg32 rng_;
  int64_t iteration_ = 0;
  float last_loss_ = 0, last_accuracy_ = 0;
};

/** Splits a gathered episode into support and query with their labels. */
void split_episode(const Tensor& images, const Episode& ep, LabelledImages& support, LabelledImages& query);

/** Accuracy of a MAML / FOMAML / Reptile model on `episodes` seeded test episodes. */
MeanCi evaluate_gradient_model(const Conv4Model& model, const GradientAdaptation& how, const ImageDataset& test,
                               const EpisodeSpec& spec, int episodes, uint64_t seed, BnMode mode,
                               const EpisodeProgress& progress = {});

/** The "adaptation" metadata of a gradient-based model file, with the shared inner state's
 *  tensors "adaptation.adam_v.<param>" for every parameter of `params` when it declares one, and
 *  the learned step sizes "adaptation.lr.<param>" ([steps] each) when it declares those
 *  (ModelFormat if absent, invalid, misshapen or not finite). */
GradientAdaptation read_adaptation(const SafetensorsFile& file, const ParamSet& params);

}  // namespace metacog
