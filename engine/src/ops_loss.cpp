// Softmax family, losses and pairwise distances.
#include <cmath>

#include "metacog/error.hpp"
#include "metacog/ops.hpp"

namespace metacog {

template <class T>
VarT<T> log_softmax(const VarT<T>& x) {
  require(x.value().ndim() == 2, ErrorCode::InvalidArgument, "log_softmax: expected [rows, classes], got " + shape_str(x.shape()));
  const int64_t r = x.dim(0), c = x.dim(1);
  require(c >= 1, ErrorCode::InvalidArgument, "log_softmax: no classes");
  TensorT<T> y = TensorT<T>::empty(x.shape());
  const T* px = x.value().data();
  T* py = y.data();
  for (int64_t i = 0; i < r; ++i) {
    const T* row = px + i * c;
    T mx = row[0];
    for (int64_t j = 1; j < c; ++j) mx = row[j] > mx ? row[j] : mx;
    double s = 0;
    for (int64_t j = 0; j < c; ++j) s += std::exp(static_cast<double>(row[j] - mx));
    const T lse = mx + static_cast<T>(std::log(s));
    for (int64_t j = 0; j < c; ++j) py[i * c + j] = row[j] - lse;
  }
  return make_result<T>(y, {x},
                        [](const VarT<T>& g, const VarT<T>& out) {
                          // ∂x = g − softmax(x) · Σ_j g_j
                          return std::vector<VarT<T>>{sub(g, mul(exp(out), row_sum(g)))};
                        },
                        "log_softmax");
}

template <class T>
VarT<T> softmax(const VarT<T>& x) {
  return exp(log_softmax(x));
}

template <class T>
VarT<T> cross_entropy(const VarT<T>& logits, const std::vector<int32_t>& labels) {
  require(logits.value().ndim() == 2 && logits.dim(0) == static_cast<int64_t>(labels.size()), ErrorCode::InvalidArgument,
          "cross_entropy: need one label per row of the logits");
  const int64_t c = logits.dim(1);
  std::vector<int32_t> flat(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    require(labels[i] >= 0 && labels[i] < c, ErrorCode::InvalidArgument, "cross_entropy: label out of range");
    flat[i] = static_cast<int32_t>(i * c + labels[i]);
  }
  return neg(mean(gather(log_softmax(logits), flat, Shape{static_cast<int64_t>(labels.size())})));
}

template <class T>
VarT<T> bce_with_logits(const VarT<T>& z, const TensorT<T>& y) {
  require(z.shape() == y.shape(), ErrorCode::InvalidArgument, "bce_with_logits: logits and targets differ in shape");
  const int64_t n = z.numel();
  require(n > 0, ErrorCode::InvalidArgument, "bce_with_logits: empty input");
  double loss = 0;
  const T* pz = z.value().data();
  for (int64_t i = 0; i < n; ++i) {
    const double zi = pz[i];
    loss += std::max(zi, 0.0) - zi * y[i] + std::log1p(std::exp(-std::abs(zi)));
  }
  return make_result<T>(TensorT<T>::scalar(static_cast<T>(loss / n)), {z},
                        [z, y, n](const VarT<T>& g, const VarT<T>&) {
                          // ∂z = g · (σ(z) − y) / N
                          VarT<T> d = mul_scalar(sub(sigmoid(z), VarT<T>(y)), T(1) / static_cast<T>(n));
                          return std::vector<VarT<T>>{mul(d, g)};
                        },
                        "bce_with_logits");
}

template <class T>
VarT<T> mse(const VarT<T>& a, const VarT<T>& b) {
  return mean(square(sub(a, b)));
}

template <class T>
VarT<T> sq_euclidean(const VarT<T>& a, const VarT<T>& b) {
  require(a.value().ndim() == 2 && b.value().ndim() == 2 && a.dim(1) == b.dim(1), ErrorCode::InvalidArgument,
          "sq_euclidean: expected [N, D] and [M, D], got " + shape_str(a.shape()) + " and " + shape_str(b.shape()));
  // ‖a_i‖² + ‖b_j‖² − 2 a_i·b_j
  VarT<T> aa = row_sum(square(a));                                  // [N, 1]
  VarT<T> bb = reshape(row_sum(square(b)), Shape{1, b.dim(0)});     // [1, M]
  return add(add(aa, bb), mul_scalar(matmul(a, b, false, true), T(-2)));
}

template <class T>
VarT<T> unit_rows(const VarT<T>& a, T eps) {
  require(a.value().ndim() == 2, ErrorCode::InvalidArgument, "unit_rows: expected [N, D]");
  return div(a, sqrt(add_scalar(row_sum(square(a)), eps)));
}

template <class T>
VarT<T> cosine_similarity(const VarT<T>& a, const VarT<T>& b, T eps) {
  require(a.value().ndim() == 2 && b.value().ndim() == 2 && a.dim(1) == b.dim(1), ErrorCode::InvalidArgument,
          "cosine_similarity: expected [N, D] and [M, D]");
  return matmul(unit_rows(a, eps), unit_rows(b, eps), false, true);
}

#define METACOG_INSTANTIATE(T)                                                 \
  template VarT<T> log_softmax(const VarT<T>&);                                \
  template VarT<T> softmax(const VarT<T>&);                                    \
  template VarT<T> cross_entropy(const VarT<T>&, const std::vector<int32_t>&); \
  template VarT<T> bce_with_logits(const VarT<T>&, const TensorT<T>&);         \
  template VarT<T> mse(const VarT<T>&, const VarT<T>&);                        \
  template VarT<T> sq_euclidean(const VarT<T>&, const VarT<T>&);               \
  template VarT<T> unit_rows(const VarT<T>&, T);                              \
  template VarT<T> cosine_similarity(const VarT<T>&, const VarT<T>&, T);
METACOG_INSTANTIATE(float)
METACOG_INSTANTIATE(double)
#undef METACOG_INSTANTIATE

}  // namespace metacog
