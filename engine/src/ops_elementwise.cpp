// Element-wise operations with NumPy broadcasting, and the broadcast_to / sum_to adjoint pair.
#include <cmath>

#include "metacog/error.hpp"
#include "metacog/ops.hpp"

namespace metacog {

namespace {

Shape broadcast_shape(const Shape& a, const Shape& b, const char* op) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r, 1);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    require(da == db || da == 1 || db == 1, ErrorCode::InvalidArgument,
            std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) + " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

/** Strides of a tensor of shape s viewed in the rank of `out`, 0 on broadcast dimensions. */
std::vector<int64_t> broadcast_strides(const Shape& s, const Shape& out) {
  const size_t r = out.size();
  std::vector<int64_t> st(r, 0);
  int64_t stride = 1;
  for (size_t i = s.size(); i-- > 0;) {
    const size_t j = i + (r - s.size());
    st[j] = s[i] == 1 ? 0 : stride;
    stride *= s[i];
  }
  return st;
}

/** True if s (right-aligned) equals the trailing dimensions of out with only 1s before. */
bool is_suffix(const Shape& s, const Shape& out) {
  size_t lead = 0;
  while (lead < s.size() && s[lead] == 1) ++lead;
  const size_t tail = s.size() - lead;
  if (tail > out.size()) return false;
  for (size_t i = 0; i < tail; ++i) {
    if (s[lead + i] != out[out.size() - tail + i]) return false;
  }
  return true;
}

/** Calls f(offset_a, offset_b, offset_out) for every output element (general strided walk). */
template <class F>
void walk(const Shape& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb, F f) {
  const size_t r = out.size();
  const int64_t total = shape_numel(out);
  if (total == 0) return;
  if (r == 0) {
    f(0, 0, 0);
    return;
  }
  std::vector<int64_t> idx(r, 0);
  int64_t oa = 0, ob = 0;
  const int64_t inner = out[r - 1];
  for (int64_t o = 0; o < total; o += inner) {
    for (int64_t i = 0; i < inner; ++i) f(oa + i * sa[r - 1], ob + i * sb[r - 1], o + i);
    for (size_t d = r - 1; d-- > 0;) {  // increment the outer multi-index
      ++idx[d];
      oa += sa[d];
      ob += sb[d];
      if (idx[d] < out[d]) break;
      oa -= sa[d] * out[d];
      ob -= sb[d] * out[d];
      idx[d] = 0;
    }
  }
}

template <class T, class F>
TensorT<T> binary(const TensorT<T>& a, const TensorT<T>& b, const char* op, F f) {
  if (a.shape() == b.shape()) {
    TensorT<T> out = TensorT<T>::empty(a.shape());
    const T* pa = a.data();
    const T* pb = b.data();
    T* po = out.data();
    const int64_t n = out.numel();
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
    return out;
  }
  const Shape os = broadcast_shape(a.shape(), b.shape(), op);
  TensorT<T> out = TensorT<T>::empty(os);
  T* po = out.data();
  const int64_t n = out.numel();
  const T* pa = a.data();
  const T* pb = b.data();
  if (a.shape() == os && b.numel() == 1) {
    const T s = pb[0];
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], s);
  } else if (b.shape() == os && a.numel() == 1) {
    const T s = pa[0];
    for (int64_t i = 0; i < n; ++i) po[i] = f(s, pb[i]);
  } else if (a.shape() == os && is_suffix(b.shape(), os)) {
    const int64_t p = b.numel();
    for (int64_t i = 0; i < n; i += p)
      for (int64_t j = 0; j < p; ++j) po[i + j] = f(pa[i + j], pb[j]);
  } else if (b.shape() == os && is_suffix(a.shape(), os)) {
    const int64_t p = a.numel();
    for (int64_t i = 0; i < n; i += p)
      for (int64_t j = 0; j < p; ++j) po[i + j] = f(pa[j], pb[i + j]);
  } else {
    walk(os, broadcast_strides(a.shape(), os), broadcast_strides(b.shape(), os),
         [&](int64_t ia, int64_t ib, int64_t io) { po[io] = f(pa[ia], pb[ib]); });
  }
  return out;
}

template <class T, class F>
TensorT<T> unary(const TensorT<T>& a, F f) {
  TensorT<T> out = TensorT<T>::empty(a.shape());
  const T* pa = a.data();
  T* po = out.data();
  const int64_t n = a.numel();
  for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i]);
  return out;
}

template <class T>
TensorT<T> sum_to_value(const TensorT<T>& x, const Shape& target) {
  if (x.shape() == target) return x;
  const Shape os = broadcast_shape(target, x.shape(), "sum_to");
  require(os == x.shape(), ErrorCode::InvalidArgument,
          "sum_to: " + shape_str(target) + " does not broadcast to " + shape_str(x.shape()));
  TensorT<T> out = TensorT<T>::zeros(target);
  T* po = out.data();
  const T* px = x.data();
  const int64_t n = x.numel();
  if (out.numel() == 1) {
    T s = 0;
    for (int64_t i = 0; i < n; ++i) s += px[i];
    po[0] = s;
  } else if (is_suffix(target, x.shape())) {
    const int64_t p = out.numel();
    for (int64_t i = 0; i < n; i += p)
      for (int64_t j = 0; j < p; ++j) po[j] += px[i + j];
  } else {
    const std::vector<int64_t> st = broadcast_strides(target, x.shape());
    const std::vector<int64_t> sx = broadcast_strides(x.shape(), x.shape());
    walk(x.shape(), st, sx, [&](int64_t it, int64_t ix, int64_t) { po[it] += px[ix]; });
  }
  return out;
}

template <class T>
TensorT<T> broadcast_value(const TensorT<T>& a, const Shape& shape) {
  if (a.shape() == shape) return a;
  const Shape os = broadcast_shape(a.shape(), shape, "broadcast_to");
  require(os == shape, ErrorCode::InvalidArgument,
          "broadcast_to: " + shape_str(a.shape()) + " does not broadcast to " + shape_str(shape));
  return binary(a, TensorT<T>::zeros(shape), "broadcast_to", [](T x, T) { return x; });
}

/** Reduces a gradient to the shape of the input it belongs to (identity when equal). */
template <class T>
VarT<T> reduce_to(const VarT<T>& g, const Shape& shape) {
  return g.shape() == shape ? g : sum_to(g, shape);
}

}  // namespace

template <class T>
VarT<T> add(const VarT<T>& a, const VarT<T>& b) {
  return make_result<T>(binary(a.value(), b.value(), "add", [](T x, T y) { return x + y; }), {a, b},
                        [sa = a.shape(), sb = b.shape()](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{reduce_to(g, sa), reduce_to(g, sb)};
                        },
                        "add");
}

template <class T>
VarT<T> sub(const VarT<T>& a, const VarT<T>& b) {
  return make_result<T>(binary(a.value(), b.value(), "sub", [](T x, T y) { return x - y; }), {a, b},
                        [sa = a.shape(), sb = b.shape()](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{reduce_to(g, sa), reduce_to(neg(g), sb)};
                        },
                        "sub");
}

template <class T>
VarT<T> mul(const VarT<T>& a, const VarT<T>& b) {
  return make_result<T>(binary(a.value(), b.value(), "mul", [](T x, T y) { return x * y; }), {a, b},
                        [a, b](const VarT<T>& g, const VarT<T>&) {
                          VarT<T> ga, gb;
                          if (a.requires_grad()) ga = reduce_to(mul(g, b), a.shape());
                          if (b.requires_grad()) gb = reduce_to(mul(g, a), b.shape());
                          return std::vector<VarT<T>>{ga, gb};
                        },
                        "mul");
}

template <class T>
VarT<T> div(const VarT<T>& a, const VarT<T>& b) {
  return make_result<T>(binary(a.value(), b.value(), "div", [](T x, T y) { return x / y; }), {a, b},
                        [a, b](const VarT<T>& g, const VarT<T>& y) {
                          VarT<T> ga, gb;
                          if (a.requires_grad()) ga = reduce_to(div(g, b), a.shape());
                          if (b.requires_grad()) gb = reduce_to(neg(div(mul(g, y), b)), b.shape());
                          return std::vector<VarT<T>>{ga, gb};
                        },
                        "div");
}

template <class T>
VarT<T> add_scalar(const VarT<T>& a, T s) {
  return make_result<T>(unary(a.value(), [s](T x) { return x + s; }), {a},
                        [](const VarT<T>& g, const VarT<T>&) { return std::vector<VarT<T>>{g}; }, "add_scalar");
}

template <class T>
VarT<T> mul_scalar(const VarT<T>& a, T s) {
  return make_result<T>(unary(a.value(), [s](T x) { return x * s; }), {a},
                        [s](const VarT<T>& g, const VarT<T>&) { return std::vector<VarT<T>>{mul_scalar(g, s)}; },
                        "mul_scalar");
}

template <class T>
VarT<T> neg(const VarT<T>& a) {
  return make_result<T>(unary(a.value(), [](T x) { return -x; }), {a},
                        [](const VarT<T>& g, const VarT<T>&) { return std::vector<VarT<T>>{neg(g)}; }, "neg");
}

template <class T>
VarT<T> exp(const VarT<T>& a) {
  return make_result<T>(unary(a.value(), [](T x) { return std::exp(x); }), {a},
                        [](const VarT<T>& g, const VarT<T>& y) { return std::vector<VarT<T>>{mul(g, y)}; }, "exp");
}

template <class T>
VarT<T> log(const VarT<T>& a) {
  return make_result<T>(unary(a.value(), [](T x) { return std::log(x); }), {a},
                        [a](const VarT<T>& g, const VarT<T>&) { return std::vector<VarT<T>>{div(g, a)}; }, "log");
}

template <class T>
VarT<T> tanh(const VarT<T>& a) {
  return make_result<T>(unary(a.value(), [](T x) { return std::tanh(x); }), {a},
                        [](const VarT<T>& g, const VarT<T>& y) {
                          // g · (1 − y²)
                          return std::vector<VarT<T>>{mul(g, add_scalar(neg(square(y)), T(1)))};
                        },
                        "tanh");
}

template <class T>
VarT<T> sigmoid(const VarT<T>& a) {
  return make_result<T>(unary(a.value(),
                              [](T x) {
                                return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
                              }),
                        {a},
                        [](const VarT<T>& g, const VarT<T>& y) {
                          // g · y · (1 − y)
                          return std::vector<VarT<T>>{mul(g, mul(y, add_scalar(neg(y), T(1))))};
                        },
                        "sigmoid");
}

template <class T>
VarT<T> relu(const VarT<T>& a) {
  TensorT<T> y = unary(a.value(), [](T x) { return x > 0 ? x : T(0); });
  return make_result<T>(y, {a},
                        [a](const VarT<T>& g, const VarT<T>&) {
                          // The derivative [x > 0] is piecewise constant: a constant mask is exact.
                          TensorT<T> mask = unary(a.value(), [](T x) { return x > 0 ? T(1) : T(0); });
                          return std::vector<VarT<T>>{mul_const(g, mask)};
                        },
                        "relu");
}

template <class T>
VarT<T> sqrt(const VarT<T>& a) {
  return make_result<T>(unary(a.value(), [](T x) { return std::sqrt(x); }), {a},
                        [](const VarT<T>& g, const VarT<T>& y) {
                          return std::vector<VarT<T>>{div(g, mul_scalar(y, T(2)))};
                        },
                        "sqrt");
}

template <class T>
VarT<T> square(const VarT<T>& a) {
  return make_result<T>(unary(a.value(), [](T x) { return x * x; }), {a},
                        [a](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{mul(g, mul_scalar(a, T(2)))};
                        },
                        "square");
}

template <class T>
VarT<T> mul_const(const VarT<T>& a, const TensorT<T>& mask) {
  require(a.shape() == mask.shape(), ErrorCode::InvalidArgument, "mul_const: shapes differ");
  return make_result<T>(binary(a.value(), mask, "mul_const", [](T x, T m) { return x * m; }), {a},
                        [mask](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{mul_const(g, mask)};
                        },
                        "mul_const");
}

template <class T>
VarT<T> broadcast_to(const VarT<T>& a, const Shape& shape) {
  if (a.shape() == shape) return a;
  return make_result<T>(broadcast_value(a.value(), shape), {a},
                        [sa = a.shape()](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{sum_to(g, sa)};
                        },
                        "broadcast_to");
}

template <class T>
VarT<T> sum_to(const VarT<T>& a, const Shape& shape) {
  if (a.shape() == shape) return a;
  return make_result<T>(sum_to_value(a.value(), shape), {a},
                        [sa = a.shape()](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{broadcast_to(g, sa)};
                        },
                        "sum_to");
}

#define METACOG_INSTANTIATE(T)                                            \
  template VarT<T> add(const VarT<T>&, const VarT<T>&);                   \
  template VarT<T> sub(const VarT<T>&, const VarT<T>&);                   \
  template VarT<T> mul(const VarT<T>&, const VarT<T>&);                   \
  template VarT<T> div(const VarT<T>&, const VarT<T>&);                   \
  template VarT<T> add_scalar(const VarT<T>&, T);                         \
  template VarT<T> mul_scalar(const VarT<T>&, T);                         \
  template VarT<T> neg(const VarT<T>&);                                   \
  template VarT<T> exp(const VarT<T>&);                                   \
  template VarT<T> log(const VarT<T>&);                                   \
  template VarT<T> tanh(const VarT<T>&);                                  \
  template VarT<T> sigmoid(const VarT<T>&);                               \
  template VarT<T> relu(const VarT<T>&);                                  \
  template VarT<T> sqrt(const VarT<T>&);                                  \
  template VarT<T> square(const VarT<T>&);                                \
  template VarT<T> mul_const(const VarT<T>&, const TensorT<T>&);          \
  template VarT<T> broadcast_to(const VarT<T>&, const Shape&);            \
  template VarT<T> sum_to(const VarT<T>&, const Shape&);
METACOG_INSTANTIATE(float)
METACOG_INSTANTIATE(double)
#undef METACOG_INSTANTIATE

}  // namespace metacog
