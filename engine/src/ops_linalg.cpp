// Reductions and matrix products.
#include "metacog/error.hpp"
#include "metacog/kernels.hpp"
#include "metacog/ops.hpp"

namespace metacog {

template <class T>
VarT<T> sum(const VarT<T>& a) {
  T s = 0;
  const T* p = a.value().data();
  for (int64_t i = 0; i < a.numel(); ++i) s += p[i];
  return make_result<T>(TensorT<T>::scalar(s), {a},
                        [sa = a.shape()](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{broadcast_to(g, sa)};
                        },
                        "sum");
}

template <class T>
VarT<T> mean(const VarT<T>& a) {
  require(a.numel() > 0, ErrorCode::InvalidArgument, "mean: empty tensor");
  return mul_scalar(sum(a), T(1) / static_cast<T>(a.numel()));
}

template <class T>
VarT<T> row_sum(const VarT<T>& a) {
  require(a.value().ndim() == 2, ErrorCode::InvalidArgument, "row_sum: expected a 2-D tensor");
  return sum_to(a, Shape{a.dim(0), 1});
}

template <class T>
VarT<T> matmul(const VarT<T>& a, const VarT<T>& b, bool ta, bool tb) {
  require(a.value().ndim() == 2 && b.value().ndim() == 2, ErrorCode::InvalidArgument,
          "matmul: expected 2-D tensors, got " + shape_str(a.shape()) + " and " + shape_str(b.shape()));
  const int64_t m = ta ? a.dim(1) : a.dim(0);
  const int64_t k = ta ? a.dim(0) : a.dim(1);
  const int64_t kb = tb ? b.dim(1) : b.dim(0);
  const int64_t n = tb ? b.dim(0) : b.dim(1);
  require(k == kb, ErrorCode::InvalidArgument,
          "matmul: inner dimensions differ (" + shape_str(a.shape()) + (ta ? "ᵀ" : "") + " · " + shape_str(b.shape()) +
              (tb ? "ᵀ" : "") + ")");
  TensorT<T> out = TensorT<T>::empty({m, n});
  kernels::gemm<T>(ta, tb, m, n, k, T(1), a.value().data(), b.value().data(), T(0), out.data());
  return make_result<T>(out, {a, b},
                        [a, b, ta, tb](const VarT<T>& g, const VarT<T>&) {
                          VarT<T> ga, gb;
                          if (a.requires_grad()) ga = ta ? matmul(b, g, tb, true) : matmul(g, b, false, !tb);
                          if (b.requires_grad()) gb = tb ? matmul(g, a, true, ta) : matmul(a, g, !ta, false);
                          return std::vector<VarT<T>>{ga, gb};
                        },
                        "matmul");
}

template <class T>
VarT<T> linear(const VarT<T>& x, const VarT<T>& w, const VarT<T>& b) {
  VarT<T> y = matmul(x, w, false, true);
  return b.defined() ? add(y, b) : y;
}

#define METACOG_INSTANTIATE(T)                                         \
  template VarT<T> sum(const VarT<T>&);                                \
  template VarT<T> mean(const VarT<T>&);                               \
  template VarT<T> row_sum(const VarT<T>&);                            \
  template VarT<T> matmul(const VarT<T>&, const VarT<T>&, bool, bool); \
  template VarT<T> linear(const VarT<T>&, const VarT<T>&, const VarT<T>&);
METACOG_INSTANTIATE(float)
METACOG_INSTANTIATE(double)
#undef METACOG_INSTANTIATE

}  // namespace metacog
