#include "metacog/optim.hpp"

#include <cmath>

#include "metacog/error.hpp"

namespace metacog {

namespace {
void check(const ParamSet& p, const std::vector<Var>& g) {
  require(g.size() == p.size(), ErrorCode::InvalidArgument, "optimizer: one gradient per parameter");
  for (size_t i = 0; i < g.size(); ++i) {
    require(g[i].shape() == p.vars()[i].shape(), ErrorCode::InvalidArgument,
            "optimizer: gradient shape differs for " + p.names()[i]);
  }
}
}  // namespace

void Sgd::step(ParamSet& params, const std::vector<Var>& grads) {
  check(params, grads);
  if (velocity.size() != grads.size()) {
    velocity.clear();
    for (const auto& g : grads) velocity.push_back(Tensor::zeros(g.shape()));
  }
  for (size_t i = 0; i < grads.size(); ++i) {
    Tensor w = params.vars()[i].value();
    const float* g = grads[i].value().data();
    float* vel = velocity[i].data();
    for (int64_t j = 0; j < w.numel(); ++j) {
      vel[j] = momentum * vel[j] + g[j];
      w[j] -= lr * vel[j];
    }
  }
}

void Adam::reset() {
  t = 0;
  m.clear();
  v.clear();
}

void Adam::step(ParamSet& params, const std::vector<Var>& grads) {
  check(params, grads);
  if (m.size() != grads.size()) {
    m.clear();
    v.clear();
    for (const auto& g : grads) {
      m.push_back(Tensor::zeros(g.shape()));
      v.push_back(Tensor::zeros(g.shape()));
    }
  }
  ++t;
  const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(t));
  const float step = static_cast<float>(lr / bc1);
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  for (size_t i = 0; i < grads.size(); ++i) {
    Tensor w = params.vars()[i].value();
    const float* g = grads[i].value().data();
    float* mi = m[i].data();
    float* vi = v[i].data();
    for (int64_t j = 0; j < w.numel(); ++j) {
      mi[j] = beta1 * mi[j] + (1 - beta1) * g[j];
      vi[j] = beta2 * vi[j] + (1 - beta2) * g[j] * g[j];
      w[j] -= step * mi[j] / (std::sqrt(vi[j]) * inv_sqrt_bc2 + eps);
    }
  }
}

float step_halving(float lr0, int64_t t, int64_t every) {
  require(every > 0, ErrorCode::InvalidArgument, "step_halving: period must be > 0");
  return lr0 * static_cast<float>(std::pow(0.5, static_cast<double>(t / every)));
}

float cosine_anneal(int64_t t, int64_t total) {
  if (total <= 0) return 0.0f;
  const double f = static_cast<double>(t < total ? t : total) / static_cast<double>(total);
  return static_cast<float>(0.5 * (1.0 + std::cos(3.14159265358979323846 * f)));
}

float linear_anneal(int64_t t, int64_t total) {
  if (total <= 0) return 0.0f;
  const double f = 1.0 - static_cast<double>(t) / static_cast<double>(total);
  return static_cast<float>(f > 0 ? f : 0.0);
}

}  // namespace metacog
