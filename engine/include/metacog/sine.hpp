// metacog/sine.hpp — sine-wave regression (Finn et al. 2017, §5.1): MAML, first-order MAML,
// Reptile and a pre-trained baseline on the same MLP, evaluated after K-shot fine-tuning.
//
// Task: y = A sin(x − φ), A ~ U[0.1, 5], φ ~ U[0, π], x ~ U[−5, 5]. Model: MLP 1-40-40-1, ReLU.
// Inner loop (all algorithms, at test too): plain SGD  φ ← φ − α ∇φ MSE(f_φ(x_support), y_support).
//
// MAML (second order):  θ ← Adam(θ, ∇θ Σ_tasks MSE(f_{U(θ)}(x_query), y_query)),  U = `inner_steps`
//   SGD steps recorded with create_graph so ∇θ includes the Hessian terms (exact, autograd.hpp).
// First-order MAML: the same with the inner gradients treated as constants (∂U/∂θ ≈ I).
// Reptile (Nichol et al. 2018): φ = U(θ) on one task's data, θ ← θ + ε (mean over the meta-batch
//   of φ) − θ), ε linearly annealed from `outer_lr` to 0 over the iterations.
// Pretrained: θ ← Adam(θ, ∇θ Σ_tasks MSE(f_θ(x), y)) — joint training, no inner loop.
//
// Evaluation (design.md §4): `tasks` seeded test tasks; K support points; the model is fine-tuned
// with SGD (step α) and the MSE on 100 evenly spaced points of [−5, 5] is recorded after 0, 1, …,
// max_steps steps; mean ± 1.96·std/√tasks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metacog/metrics.hpp"
#include "metacog/nn.hpp"

namespace metacog {

struct SineTask {
  float amplitude = 1, phase = 0;
  static SineTask sample(Pcg32& rng);
  /** K points x ~ U[−5, 5] and their y, as [K, 1] tensors. */
  void draw(int k, Pcg32& rng, Tensor& x, Tensor& y) const;
  /** y at given x (x [N, 1]). */
  Tensor at(const Tensor& x) const;
};

struct SineConfig {
  std::string algo = "maml";  ///< maml | fomaml | reptile | pretrained
  int shots = 10;             ///< K (support and query points per task in training)
  int iterations = 10000;     ///< outer steps (the paper: 70 000; 10 000 fit the 2-minute budget)
  int meta_batch = 25;        ///< tasks per outer step (MAML's 25; Reptile uses `reptile_batch`)
  int inner_steps = 1;        ///< SGD steps in training (MAML: 1; Reptile: 5)
  float inner_lr = 0.01f;     ///< α (MAML sine: 0.01; Reptile: 0.02)
  float outer_lr = 1e-3f;     ///< Adam step (MAML, FOMAML, pretrained) or ε₀ (Reptile)
  uint64_t seed = 1;
  MlpArch arch;
  /** The per-algorithm defaults above (Reptile: 5 inner steps, α 0.02, ε₀ 1.0, batch 5). */
  static SineConfig defaults(const std::string& algo);
  void validate() const;
};

/** Meta-gradient of one MAML / FOMAML outer step on the given tasks' data; `query_loss`, if given,
 *  receives the mean post-adaptation query MSE (the loss the progress bar shows). */
std::vector<Tensor> maml_meta_gradient(const MlpArch& arch, const ParamSet& theta, const std::vector<Tensor>& xs,
                                       const std::vector<Tensor>& ys, const std::vector<Tensor>& xq,
                                       const std::vector<Tensor>& yq, int inner_steps, float alpha, bool second_order,
                                       float* query_loss = nullptr);

/** Trains θ with cfg (progress callback gets the iteration and the mean training loss). */
ParamSet train_sine(const SineConfig& cfg, const std::function<void(int, float)>& progress = {});

struct SineEval {
  std::vector<MeanCi> mse_by_step;  ///< index s = after s fine-tuning steps (0..max_steps)
};

SineEval evaluate_sine(const MlpArch& arch, const ParamSet& theta, int shots, int max_steps, float alpha, int tasks,
                       uint64_t seed);

}  // namespace metacog
