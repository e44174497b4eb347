// Batch normalisation over all but the channel (last) dimension.
//
// Training mode, with M values per channel, μ = Σx/M, σ² = Σ(x − μ)²/M, x̂ = (x − μ)/√(σ² + ε):
//   y = γ x̂ + β
//   ∂β = Σ g,  ∂γ = Σ g x̂,  ∂x = γ/(M √(σ² + ε)) · (M g − ∂β − x̂ ∂γ)
// The forward pass and the plain backward pass are fused loops over x. When the backward pass is
// recorded (create_graph, e.g. second-order MAML) the same formula is built from differentiable
// operations, recomputing μ, σ² and x̂ from x, so higher derivatives are exact.
#include <cmath>

#include "metacog/error.hpp"
#include "metacog/ops.hpp"

namespace metacog {

namespace {

template <class T>
void check_bn(const VarT<T>& x, const VarT<T>& gamma, const VarT<T>& beta) {
  require(x.value().ndim() >= 2, ErrorCode::InvalidArgument, "batch_norm: input must have a batch and a channel dimension");
  const int64_t c = x.dim(-1);
  require(gamma.shape() == Shape{c} && beta.shape() == Shape{c}, ErrorCode::InvalidArgument,
          "batch_norm: gamma and beta must have shape [" + std::to_string(c) + "]");
}

/** The backward formula of training-mode batch norm written with differentiable operations. */
template <class T>
std::vector<VarT<T>> bn_backward_recorded(const VarT<T>& g, const VarT<T>& x, const VarT<T>& gamma, T eps) {
  const int64_t c = x.dim(-1);
  const T m = static_cast<T>(x.numel() / c);
  const Shape cs{c};
  VarT<T> mu = mul_scalar(sum_to(x, cs), T(1) / m);
  VarT<T> xc = sub(x, mu);
  VarT<T> var = mul_scalar(sum_to(square(xc), cs), T(1) / m);
  VarT<T> inv = div(constant<T>(T(1)), sqrt(add_scalar(var, eps)));
  VarT<T> xhat = mul(xc, inv);
  VarT<T> dbeta = sum_to(g, cs);
  VarT<T> dgamma = sum_to(mul(g, xhat), cs);
  VarT<T> scale = mul_scalar(mul(gamma, inv), T(1) / m);
  VarT<T> dx = mul(sub(sub(mul_scalar(g, m), dbeta), mul(xhat, dgamma)), scale);
  return {dx, dgamma, dbeta};
}

}  // namespace

template <class T>
VarT<T> batch_norm_train(const VarT<T>& x, const VarT<T>& gamma, const VarT<T>& beta, T eps, TensorT<T>* batch_mean,
                         TensorT<T>* batch_var) {
  check_bn(x, gamma, beta);
  const int64_t c = x.dim(-1);
  const int64_t m = x.numel() / c;
  require(m >= 1, ErrorCode::InvalidArgument, "batch_norm: empty batch");
  const T* px = x.value().data();
  std::vector<double> sum(c, 0.0), sq(c, 0.0);
  for (int64_t i = 0; i < m; ++i) {
    const T* row = px + i * c;
    for (int64_t j = 0; j < c; ++j) sum[j] += row[j];
  }
  TensorT<T> mean = TensorT<T>::empty({c});
  for (int64_t j = 0; j < c; ++j) mean[j] = static_cast<T>(sum[j] / m);
  for (int64_t i = 0; i < m; ++i) {
    const T* row = px + i * c;
    for (int64_t j = 0; j < c; ++j) {
      const double d = row[j] - mean[j];
      sq[j] += d * d;
    }
  }
  TensorT<T> var = TensorT<T>::empty({c});
  TensorT<T> inv = TensorT<T>::empty({c});
  for (int64_t j = 0; j < c; ++j) {
    var[j] = static_cast<T>(sq[j] / m);
    inv[j] = static_cast<T>(1.0 / std::sqrt(sq[j] / m + eps));
  }
  if (batch_mean) *batch_mean = mean;
  if (batch_var) *batch_var = var;
  TensorT<T> y = TensorT<T>::empty(x.shape());
  T* py = y.data();
  const T* pg = gamma.value().data();
  const T* pb = beta.value().data();
  for (int64_t i = 0; i < m; ++i) {
    const T* row = px + i * c;
    T* out = py + i * c;
    for (int64_t j = 0; j < c; ++j) out[j] = (row[j] - mean[j]) * inv[j] * pg[j] + pb[j];
  }
  return make_result<T>(
      y, {x, gamma, beta},
      [x, gamma, mean, inv, eps](const VarT<T>& g, const VarT<T>&) -> std::vector<VarT<T>> {
        if (grad_mode_enabled()) return bn_backward_recorded(g, x, gamma, eps);
        const int64_t c = x.dim(-1);
        const int64_t m = x.numel() / c;
        const T* px = x.value().data();
        const T* pgr = g.value().data();
        const T* pga = gamma.value().data();
        std::vector<double> dbeta(c, 0.0), dgamma(c, 0.0);
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < c; ++j) {
            const double xhat = (px[i * c + j] - mean[j]) * inv[j];
            dbeta[j] += pgr[i * c + j];
            dgamma[j] += pgr[i * c + j] * xhat;
          }
        }
        TensorT<T> dx = TensorT<T>::empty(x.shape());
        T* pdx = dx.data();
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < c; ++j) {
            const double xhat = (px[i * c + j] - mean[j]) * inv[j];
            pdx[i * c + j] = static_cast<T>(pga[j] * inv[j] / m * (m * pgr[i * c + j] - dbeta[j] - xhat * dgamma[j]));
          }
        }
        TensorT<T> tg = TensorT<T>::empty({c}), tb = TensorT<T>::empty({c});
        for (int64_t j = 0; j < c; ++j) {
          tg[j] = static_cast<T>(dgamma[j]);
          tb[j] = static_cast<T>(dbeta[j]);
        }
        return {VarT<T>(dx), VarT<T>(tg), VarT<T>(tb)};
      },
      "batch_norm_train");
}

template <class T>
VarT<T> batch_norm_fixed(const VarT<T>& x, const VarT<T>& gamma, const VarT<T>& beta, const TensorT<T>& mean,
                         const TensorT<T>& var, T eps) {
  check_bn(x, gamma, beta);
  const int64_t c = x.dim(-1);
  require(mean.shape() == Shape{c} && var.shape() == Shape{c}, ErrorCode::InvalidArgument,
          "batch_norm: running statistics must have shape [" + std::to_string(c) + "]");
  TensorT<T> inv = TensorT<T>::empty({c});
  for (int64_t j = 0; j < c; ++j) inv[j] = T(1) / std::sqrt(var[j] + eps);
  // y = x·s + (β − μ·s) with s = γ / √(var + ε)
  VarT<T> scale = mul(gamma, VarT<T>(inv));
  VarT<T> shift = sub(beta, mul(VarT<T>(mean), scale));
  return add(mul(x, scale), shift);
}

#define METACOG_INSTANTIATE(T)                                                                                  \
  template VarT<T> batch_norm_train(const VarT<T>&, const VarT<T>&, const VarT<T>&, T, TensorT<T>*, TensorT<T>*); \
  template VarT<T> batch_norm_fixed(const VarT<T>&, const VarT<T>&, const VarT<T>&, const TensorT<T>&,          \
                                    const TensorT<T>&, T);
METACOG_INSTANTIATE(float)
METACOG_INSTANTIATE(double)
#undef METACOG_INSTANTIATE

}  // namespace metacog
