// Finite-difference checks for autodiff tests (float64).
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "metacog/ops.hpp"
#include "metacog/rng.hpp"

namespace metacog::test {

using Fn64 = std::function<Var64(const std::vector<Var64>&)>;

/** A random double tensor with entries in U(lo, hi). */
inline Tensor64 random64(const Shape& s, Pcg32& rng, double lo = -1.0, double hi = 1.0) {
  Tensor64 t = Tensor64::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = lo + (hi - lo) * rng.uniform_double();
  return t;
}

/** Evaluates f at the given values (no graph). */
inline double eval_at(const Fn64& f, const std::vector<Tensor64>& xs) {
  NoGradGuard ng;
  std::vector<Var64> vs;
  for (const auto& x : xs) vs.emplace_back(x);
  return f(vs).item();
}

/**
 * Compares ∇f from reverse mode with central differences (step h) for every input element:
 * |analytic − numeric| ≤ atol + rtol·|numeric|.
 */
inline void check_gradients(const Fn64& f, const std::vector<Tensor64>& xs, double h = 1e-6, double atol = 1e-7,
                            double rtol = 1e-6) {
  std::vector<Var64> vs;
  for (const auto& x : xs) vs.push_back(Var64::param(x.clone()));
  Var64 y = f(vs);
  auto g = grad(y, vs);
  for (size_t a = 0; a < xs.size(); ++a) {
    for (int64_t i = 0; i < xs[a].numel(); ++i) {
      std::vector<Tensor64> plus, minus;
      for (const auto& x : xs) {
        plus.push_back(x.clone());
        minus.push_back(x.clone());
      }
      plus[a][i] += h;
      minus[a][i] -= h;
      const double numeric = (eval_at(f, plus) - eval_at(f, minus)) / (2 * h);
      const double analytic = g[a].value()[i];
      INFO("input " << a << " element " << i << ": analytic " << analytic << " numeric " << numeric);
      CHECK(std::abs(analytic - numeric) <= atol + rtol * std::abs(numeric));
    }
  }
}

/**
 * Hessian-vector products through the recorded backward pass, Hv = ∇(∇f · v), against central
 * differences of the gradient, (∇f(x + h v) − ∇f(x − h v)) / 2h, for random directions v.
 */
inline void check_hessian_vector(const Fn64& f, const std::vector<Tensor64>& xs, Pcg32& rng, double h = 1e-5,
                                 double atol = 1e-6, double rtol = 1e-5) {
  std::vector<Tensor64> dirs;
  for (const auto& x : xs) dirs.push_back(random64(x.shape(), rng));
  std::vector<Var64> vs;
  for (const auto& x : xs) vs.push_back(Var64::param(x.clone()));
  auto g = grad(f(vs), vs, /*create_graph=*/true);
  Var64 gv = constant<double>(0.0);
  for (size_t a = 0; a < xs.size(); ++a) gv = add(gv, sum(mul(g[a], Var64(dirs[a]))));
  auto hv = grad(gv, vs);
  auto gradient_at = [&](double t) {
    std::vector<Var64> p;
    for (size_t a = 0; a < xs.size(); ++a) {
      Tensor64 x = xs[a].clone();
      for (int64_t i = 0; i < x.numel(); ++i) x[i] += t * dirs[a][i];
      p.push_back(Var64::param(x));
    }
    auto gg = grad(f(p), p);
    std::vector<Tensor64> out;
    for (auto& v : gg) out.push_back(v.value());
    return out;
  };
  auto gp = gradient_at(h), gm = gradient_at(-h);
  for (size_t a = 0; a < xs.size(); ++a) {
    for (int64_t i = 0; i < xs[a].numel(); ++i) {
      const double numeric = (gp[a][i] - gm[a][i]) / (2 * h);
      const double analytic = hv[a].value()[i];
      INFO("input " << a << " element " << i << ": Hv analytic " << analytic << " numeric " << numeric);
      CHECK(std::abs(analytic - numeric) <= atol + rtol * std::abs(numeric));
    }
  }
}

}  // namespace metacog::test
