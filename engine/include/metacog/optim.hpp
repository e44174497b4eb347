// metacog/optim.hpp — optimizers and learning-rate schedules (updates in place, no graph).
//
// SGD with momentum μ:   v ← μ v + g;   θ ← θ − η v
// Adam (Kingma & Ba):    m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²
//                        θ ← θ − η · m̂ / (√v̂ + ε),  m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ)
//   β1 = 0 gives the inner optimizer of Reptile (Nichol et al. 2018).
// Schedules: step halving η_t = η_0 · 0.5^⌊t/N⌋ (ProtoNets: N = 2000 episodes);
//            linear annealing f_t = 1 − t/T (Reptile's outer step size ε).
#pragma once

#include <vector>

#include "metacog/params.hpp"

namespace metacog {

class Sgd {
 public:
  explicit Sgd(float lr, float momentum = 0.0f) : lr(lr), momentum(momentum) {}
  /** θ ← θ − η v (in place). */
  void step(ParamSet& params, const std::vector<Var>& grads);
  float lr, momentum;
  std::vector<Tensor> velocity;
};

class Adam {
 public:
  explicit Adam(float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f)
      : lr(lr), beta1(beta1), beta2(beta2), eps(eps) {}
  /** One Adam update of every parameter (in place). */
  void step(ParamSet& params, const std::vector<Var>& grads);
  /** Forgets the moments (e.g. a fresh inner loop). */
  void reset();
  float lr, beta1, beta2, eps;
  int64_t t = 0;
  std::vector<Tensor> m, v;
};

/** η_0 · 0.5^⌊t/every⌋ */
float step_halving(float lr0, int64_t t, int64_t every);
/** max(0, 1 − t/total) */
float linear_anneal(int64_t t, int64_t total);
/** ½ (1 + cos(π · min(t, total)/total)): 1 at t = 0, 0 at t = total (SGDR / MAML++ cosine annealing) */
float cosine_anneal(int64_t t, int64_t total);

}  // namespace metacog
