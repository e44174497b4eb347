#include "metacog/sine.hpp"

#include <cmath>
#include <functional>

#include "metacog/error.hpp"
#include "metacog/ops.hpp"
#include "metacog/optim.hpp"

namespace metacog {

SineTask SineTask::sample(Pcg32& rng) {
  SineTask t;
  t.amplitude = rng.uniform(0.1f, 5.0f);
  t.phase = rng.uniform(0.0f, 3.14159265358979f);
  return t;
}

void SineTask::draw(int k, Pcg32& rng, Tensor& x, Tensor& y) const {
  x = Tensor::empty({k, 1});
  for (int i = 0; i < k; ++i) x[i] = rng.uniform(-5.0f, 5.0f);
  y = at(x);
}

Tensor SineTask::at(const Tensor& x) const {
  Tensor y = Tensor::empty(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) y[i] = amplitude * std::sin(x[i] - phase);
  return y;
}

SineConfig SineConfig::defaults(const std::string& algo) {
  SineConfig c;
  c.algo = algo;
  if (algo == "reptile") {
    c.inner_steps = 5;
    c.inner_lr = 0.02f;
    c.outer_lr = 1.0f;
    c.meta_batch = 5;
  }
  return c;
}

void SineConfig::validate() const {
  require(algo == "maml" || algo == "fomaml" || algo == "reptile" || algo == "pretrained", ErrorCode::InvalidArgument,
          "sine: --algo must be maml, fomaml, reptile or pretrained");
  require(shots >= 1 && iterations >= 0 && meta_batch >= 1 && inner_steps >= 1 && inner_lr > 0 && outer_lr > 0,
          ErrorCode::InvalidArgument, "sine: invalid training settings");
  arch.validate();
}

namespace {
Var mse_loss(const MlpArch& arch, const ParamSet& p, const Tensor& x, const Tensor& y) {
  return mse(mlp_forward(arch, p, Var(x)), Var(y));
}

/** U(θ): `steps` SGD steps; recorded (differentiable in θ) when create_graph. */
ParamSet adapt(const MlpArch& arch, const ParamSet& theta, const Tensor& x, const Tensor& y, int steps, float alpha,
               bool create_graph) {
  ParamSet phi = theta;
  for (int s = 0; s < steps; ++s) {
    const std::vector<Var> g = grad(mse_loss(arch, phi, x, y), phi.vars(), create_graph);
    phi = phi.updated(g, alpha);
  }
  return phi;
}
}  // namespace

std::vector<Tensor> maml_meta_gradient(const MlpArch& arch, const ParamSet& theta, const std::vector<Tensor>& xs,
                                       const std::vector<Tensor>& ys, const std::vector<Tensor>& xq,
                                       const std::vector<Tensor>& yq, int inner_steps, float alpha, bool second_order,
                                       float* query_loss) {
  Var total;
  for (size_t t = 0; t < xs.size(); ++t) {
    const ParamSet phi = adapt(arch, theta, xs[t], ys[t], inner_steps, alpha, second_order);
    const Var l = mse_loss(arch, phi, xq[t], yq[t]);
    total = t == 0 ? l : add(total, l);
  }
  total = mul_scalar(total, 1.0f / static_cast<float>(xs.size()));
  if (query_loss != nullptr) *query_loss = total.value().item();
  std::vector<Tensor> out;
  for (const Var& g : grad(total, theta.vars())) out.push_back(g.value());
  return out;
}

ParamSet train_sine(const SineConfig& cfg, const std::function<void(int, float)>& progress) {
  cfg.validate();
  Pcg32 init(cfg.seed, 0x5157ULL);
  ParamSet theta = mlp_init(cfg.arch, init);
  Pcg32 rng(cfg.seed);
  Adam adam(cfg.outer_lr);
  for (int it = 0; it < cfg.iterations; ++it) {
    float loss_sum = 0;
    if (cfg.algo == "reptile") {
      std::vector<Tensor> delta;
      for (int b = 0; b < cfg.meta_batch; ++b) {
        const SineTask task = SineTask::sample(rng);
        ParamSet phi = theta.clone();
        Sgd sgd(cfg.inner_lr);
        for (int s = 0; s < cfg.inner_steps; ++s) {
          Tensor x, y;
          task.draw(cfg.shots, rng, x, y);
          const Var l = mse_loss(cfg.arch, phi, x, y);
          loss_sum += l.value().item() / static_cast<float>(cfg.inner_steps);
          sgd.step(phi, grad(l, phi.vars()));
        }
        for (size_t i = 0; i < theta.size(); ++i) {
          const Tensor& w = theta.vars()[i].value();
          const Tensor& f = phi.vars()[i].value();
          if (delta.size() <= i) delta.push_back(Tensor::zeros(w.shape()));
          for (int64_t j = 0; j < w.numel(); ++j) delta[i][j] += (f[j] - w[j]) / static_cast<float>(cfg.meta_batch);
        }
      }
      const float eps = cfg.outer_lr * linear_anneal(it, cfg.iterations);
      for (size_t i = 0; i < theta.size(); ++i) {
        Tensor w = theta.vars()[i].value();
        for (int64_t j = 0; j < w.numel(); ++j) w[j] += eps * delta[i][j];
      }
    } else {
      std::vector<Tensor> xs, ys, xq, yq;
      for (int b = 0; b < cfg.meta_batch; ++b) {
        const SineTask task = SineTask::sample(rng);
        Tensor a, c, d, e;
        task.draw(cfg.shots, rng, a, c);
        task.draw(cfg.shots, rng, d, e);
        xs.push_back(a), ys.push_back(c), xq.push_back(d), yq.push_back(e);
      }
      std::vector<Var> g;
      if (cfg.algo == "pretrained") {
        Var total;
        for (size_t t = 0; t < xs.size(); ++t) {
          const Var l = mse_loss(cfg.arch, theta, xs[t], ys[t]);
          total = t == 0 ? l : add(total, l);
        }
        total = mul_scalar(total, 1.0f / static_cast<float>(xs.size()));
        loss_sum = total.value().item() * static_cast<float>(cfg.meta_batch);
        g = grad(total, theta.vars());
      } else {
        float query_loss = 0;
        for (const Tensor& t : maml_meta_gradient(cfg.arch, theta, xs, ys, xq, yq, cfg.inner_steps, cfg.inner_lr,
                                                  cfg.algo == "maml", &query_loss)) {
          g.emplace_back(t);
        }
        loss_sum = query_loss * static_cast<float>(cfg.meta_batch);
      }
      adam.step(theta, g);
    }
    if (progress) progress(it + 1, loss_sum / static_cast<float>(cfg.meta_batch));
  }
  return theta;
}

SineEval evaluate_sine(const MlpArch& arch, const ParamSet& theta, int shots, int max_steps, float alpha, int tasks,
                       uint64_t seed) {
  require(shots >= 1 && max_steps >= 0 && tasks >= 1 && alpha > 0, ErrorCode::InvalidArgument, "sine eval: bad settings");
  Pcg32 rng(seed);
  Tensor grid = Tensor::empty({100, 1});
  for (int i = 0; i < 100; ++i) grid[i] = -5.0f + 10.0f * static_cast<float>(i) / 99.0f;
  std::vector<std::vector<double>> by_step(static_cast<size_t>(max_steps) + 1);
  for (int t = 0; t < tasks; ++t) {
    const SineTask task = SineTask::sample(rng);
    Tensor x, y;
    task.draw(shots, rng, x, y);
    const Tensor truth = task.at(grid);
    ParamSet phi = theta.clone();
    Sgd sgd(alpha);
    for (int s = 0; s <= max_steps; ++s) {
      {
        NoGradGuard no_grad;
        by_step[static_cast<size_t>(s)].push_back(mse_loss(arch, phi, grid, truth).value().item());
      }
      if (s < max_steps) sgd.step(phi, grad(mse_loss(arch, phi, x, y), phi.vars()));
    }
  }
  SineEval out;
  for (const auto& v : by_step) out.mse_by_step.push_back(mean_ci95(v));
  return out;
}

}  // namespace metacog
