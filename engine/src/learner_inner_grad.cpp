// Reverse mode through the learner inner loop (5): the maths is in learner_inner_grad.hpp.
#include "metacog/learner_inner_grad.hpp"

#include "metacog/numeric.hpp"

namespace metacog {

void learner_inner_loop_backward(const LearnerArch& a, const double* phi0, const double* z, const double* g,
                                 const uint8_t* y, int n, const InnerTrace& trace, double* phibar, double* phi0bar,
                                 double* zbar, double* gbar, double* scratch) {
  const int W = a.fast_size();
  const double kappa = a.prior_precision;
  double* G = scratch;           // ∇L at φ^(k)
  double* D = scratch + W;       // κ + Σ s_j g_j²
  double* Gbar = scratch + 2 * W;
  double* Dbar = scratch + 3 * W;
  for (int k = trace.steps - 1; k >= 0; --k) {
    const double* phi = trace.phi.data() + static_cast<size_t>(k) * static_cast<size_t>(W);
    // forward of step k again: G and D at φ^(k)
    for (int i = 0; i < W; ++i) {
      G[i] = kappa * (phi[i] - phi0[i]);
      D[i] = kappa;
    }
    for (int j = 0; j < n; ++j) {
      const double* gj = g + static_cast<size_t>(j) * static_cast<size_t>(W);
      double l = z[j];
      for (int i = 0; i < W; ++i) l += phi[i] * gj[i];
      const double p = sigmoid(l), r = p - y[j], s = p * (1.0 - p);
      for (int i = 0; i < W; ++i) {
        G[i] += r * gj[i];
        D[i] += s * gj[i] * gj[i];
      }
    }
    // φ' = φ − cα G/D
    const double ca = trace.scale[static_cast<size_t>(k)] * a.inner_lr;
    for (int i = 0; i < W; ++i) {
      const double A = ca * phibar[i] / D[i];
      Gbar[i] = -A;
      Dbar[i] = A * G[i] / D[i];
      phibar[i] += kappa * Gbar[i];  // (φ̄' itself is already in phibar: the identity part)
      phi0bar[i] -= kappa * Gbar[i];
    }
    // through G and D into each response's logit, base logit and direction
    for (int j = 0; j < n; ++j) {
      const double* gj = g + static_cast<size_t>(j) * static_cast<size_t>(W);
      double* gb = gbar + static_cast<size_t>(j) * static_cast<size_t>(W);
      double l = z[j];
      for (int i = 0; i < W; ++i) l += phi[i] * gj[i];
      const double p = sigmoid(l), r = p - y[j], s = p * (1.0 - p);
      double rbar = 0, sbar = 0;
      for (int i = 0; i < W; ++i) {
        rbar += Gbar[i] * gj[i];
        sbar += Dbar[i] * gj[i] * gj[i];
      }
      const double lbar = s * rbar + s * (1.0 - 2.0 * p) * sbar;
      zbar[j] += lbar;
      for (int i = 0; i < W; ++i) {
        gb[i] += r * Gbar[i] + 2.0 * s * Dbar[i] * gj[i] + lbar * phi[i];
        phibar[i] += lbar * gj[i];
      }
    }
  }
}

}  // namespace metacog
