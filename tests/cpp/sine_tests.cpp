// MAML's exact second-order meta-gradient (finite differences), and the sine meta-learners learning.
#include <doctest/doctest.h>

#include <cmath>

#include "metacog/ops.hpp"
#include "metacog/sine.hpp"
#include "test_support.hpp"

using namespace metacog;
using metacog::test::code_of;

TEST_CASE("sine: the second-order MAML meta-gradient equals finite differences of the meta-loss") {
  MlpArch arch;
  arch.sizes = {1, 6, 6, 1};
  arch.activation = "tanh";  // smooth, so finite differences are accurate
  Pcg32 rng(3);
  ParamSet theta = mlp_init(arch, rng);
  std::vector<Tensor> xs, ys, xq, yq;
  for (int t = 0; t < 2; ++t) {
    const SineTask task = SineTask::sample(rng);
    Tensor a, b, c, d;
    task.draw(5, rng, a, b);
    task.draw(5, rng, c, d);
    xs.push_back(a), ys.push_back(b), xq.push_back(c), yq.push_back(d);
  }
  const int steps = 2;
  const float alpha = 0.05f;
  const std::vector<Tensor> g2 = maml_meta_gradient(arch, theta, xs, ys, xq, yq, steps, alpha, true);
  const std::vector<Tensor> g1 = maml_meta_gradient(arch, theta, xs, ys, xq, yq, steps, alpha, false);
  // meta-loss L(θ) = mean_t MSE(f_{U(θ)}(xq), yq), evaluated without gradients
  auto meta_loss = [&](const ParamSet& p) {
    double total = 0;
    for (size_t t = 0; t < xs.size(); ++t) {
      ParamSet phi = p.clone();
      for (int s = 0; s < steps; ++s) {
        const std::vector<Var> g = grad(mse(mlp_forward(arch, phi, Var(xs[t])), Var(ys[t])), phi.vars());
        phi = phi.updated(g, alpha);
        phi = phi.clone();
      }
      NoGradGuard ng;
      total += mse(mlp_forward(arch, phi, Var(xq[t])), Var(yq[t])).value().item();
    }
    return total / static_cast<double>(xs.size());
  };
  double max_err = 0, max_fo_gap = 0;
  for (size_t i = 0; i < theta.size(); ++i) {
    Tensor w = theta.vars()[i].value();
    for (int64_t j = 0; j < w.numel(); j += 3) {
      const float orig = w[j];
      const float h = 1e-2f;
      w[j] = orig + h;
      const double up = meta_loss(theta);
      w[j] = orig - h;
      const double down = meta_loss(theta);
      w[j] = orig;
      const double fd = (up - down) / (2 * h);
      max_err = std::max(max_err, std::abs(fd - g2[i][j]) / (1e-3 + std::abs(fd)));
      max_fo_gap = std::max(max_fo_gap, std::abs(g1[i][j] - g2[i][j]) / (1e-3 + std::abs(fd)));
    }
  }
  MESSAGE("max relative error of the second-order meta-gradient: " << max_err << "; first-order differs by up to " << max_fo_gap);
  CHECK(max_err < 0.02);
  CHECK(max_fo_gap > 0.05);  // the Hessian terms matter here, so the check above can fail
}

TEST_CASE("sine: MAML, first-order MAML and Reptile learn to adapt (post-adaptation MSE well below pre-adaptation)") {
  for (const char* algo : {"maml", "fomaml", "reptile"}) {
    SineConfig cfg = SineConfig::defaults(algo);
    cfg.iterations = std::string(algo) == "reptile" ? 400 : 1000;
    cfg.meta_batch = std::string(algo) == "reptile" ? cfg.meta_batch : 10;  // smaller than the paper's 25: test time
    const ParamSet theta = train_sine(cfg);
    const SineEval ev = evaluate_sine(cfg.arch, theta, 10, 10, cfg.inner_lr, 100, 77);
    MESSAGE(std::string(algo) << ": MSE before " << ev.mse_by_step.front().mean << ", after 10 steps " << ev.mse_by_step.back().mean);
    CHECK(ev.mse_by_step.back().mean < 0.6 * ev.mse_by_step.front().mean);
  }
  CHECK(code_of([] { train_sine(SineConfig::defaults("maml2")); }) == ErrorCode::InvalidArgument);
}
