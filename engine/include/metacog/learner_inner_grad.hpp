// metacog/learner_inner_grad.hpp — reverse-mode differentiation of the learner model's inner loop (5),
// for second-order MAML meta-training (learner_train.hpp, LearnerAlgo::Maml).
//
//     metacog::InnerTrace tr(a);                     // φ at the start of each step and its scale c_k
//     learner_inner_loop(a, phi0, ring, K, phi, scratch, &tr);
//     // … later, with φ̄' = ∂L/∂φ after the loop:
//     learner_inner_loop_backward(a, phi0, z, g, y, n, tr, phibar, phi0bar, zbar, gbar, scratch);
//     // phibar is now ∂L/∂φ before the loop; phi0bar, zbar[j], gbar[j·W…] have been accumulated into.
//
// One step of (5), with the step scale c ∈ {1, ½, ¼, …} the safeguard chose held fixed (a
// piecewise-constant choice: its derivative is 0 almost everywhere):
//     φ' = φ − c·α·G ⊘ D,   G = κ(φ − φ₀) + Σ_j r_j g_j,   D = κ + Σ_j s_j g_j²,
//     p_j = σ(z_j + φ·g_j),  r_j = p_j − y_j,  s_j = p_j(1 − p_j).
// Given φ̄' (the adjoint of φ'), with A = c·α·φ̄' ⊘ D:
//     Ḡ = −A,   D̄ = A ⊙ G ⊘ D,
//     φ̄ = φ̄' + κḠ + Σ_j l̄_j g_j,      φ̄₀ −= κḠ,
//     l̄_j = s_j (Ḡ·g_j) + s_j (1 − 2p_j) (D̄·g_j²)          (the adjoint of the logit z_j + φ·g_j),
//     z̄_j += l̄_j,     ḡ_j += r_j Ḡ + 2 s_j D̄ ⊙ g_j + l̄_j φ.
// The steps are undone in reverse order from the recorded φ^(k); p_j is recomputed from them, so the
// backward costs about four passes over the window per step and stores only K·|φ| numbers per call.
// The Fisher preconditioner D is differentiated too (exact second order, not a stop-gradient).
#pragma once

#include <cstdint>
#include <vector>

#include "metacog/learner_model.hpp"

namespace metacog {

/** What the inner loop did, for its backward: φ at the start of each step (steps × W) and the step scale c_k. */
struct InnerTrace {
  int steps = 0;
  std::vector<double> phi, scale;
};

/**
 * Back-propagates through `trace` (recorded by learner_inner_loop on a window of n responses whose
 * base logits z[0..n), directions g[0..n·W) and answers y[0..n) are given, oldest first, exactly as the
 * ring held them). phibar: in, ∂L/∂φ after the loop; out, ∂L/∂φ before it. phi0bar (W), zbar (n) and
 * gbar (n·W) are accumulated into. scratch holds 4·W values.
 */
void learner_inner_loop_backward(const LearnerArch& a, const double* phi0, const double* z, const double* g,
                                 const uint8_t* y, int n, const InnerTrace& trace, double* phibar, double* phi0bar,
                                 double* zbar, double* gbar, double* scratch);

}  // namespace metacog
