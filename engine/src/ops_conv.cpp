// Convolution as im2col + GEMM, max-pooling as gather, global average pooling.
//
// conv2d(x, W, b) = reshape(im2col(x) · W_matᵀ + b) with W_mat = W reshaped to [O, k·k·C]. Since
// im2col/col2im are an adjoint pair of linear maps and matmul's backward is matmul, every
// derivative of a convolution — of any order — is again made of these operations.
#include "metacog/error.hpp"
#include "metacog/kernels.hpp"
#include "metacog/ops.hpp"

namespace metacog {

Conv2dGeometry Conv2dGeometry::make(const Shape& s, int64_t k, int64_t stride, int64_t pad) {
  require(s.size() == 4, ErrorCode::InvalidArgument, "conv2d: expected an NHWC input, got " + shape_str(s));
  require(k >= 1 && stride >= 1 && pad >= 0, ErrorCode::InvalidArgument, "conv2d: invalid kernel/stride/padding");
  Conv2dGeometry g{s[0], s[1], s[2], s[3], k, stride, pad, 0, 0};
  g.ho = (g.h + 2 * pad - k) / stride + 1;
  g.wo = (g.w + 2 * pad - k) / stride + 1;
  require(g.ho >= 1 && g.wo >= 1, ErrorCode::InvalidArgument, "conv2d: input " + shape_str(s) + " is smaller than the kernel");
  return g;
}

template <class T>
VarT<T> im2col(const VarT<T>& x, int64_t k, int64_t stride, int64_t pad) {
  const Conv2dGeometry g = Conv2dGeometry::make(x.shape(), k, stride, pad);
  TensorT<T> cols = TensorT<T>::empty({g.n * g.ho * g.wo, k * k * g.c});
  kernels::im2col_nhwc(x.value().data(), g.n, g.h, g.w, g.c, k, stride, pad, g.ho, g.wo, cols.data());
  return make_result<T>(cols, {x},
                        [sx = x.shape(), k, stride, pad](const VarT<T>& gr, const VarT<T>&) {
                          return std::vector<VarT<T>>{col2im(gr, sx, k, stride, pad)};
                        },
                        "im2col");
}

template <class T>
VarT<T> col2im(const VarT<T>& cols, const Shape& input_shape, int64_t k, int64_t stride, int64_t pad) {
  const Conv2dGeometry g = Conv2dGeometry::make(input_shape, k, stride, pad);
  require(cols.shape() == Shape({g.n * g.ho * g.wo, k * k * g.c}), ErrorCode::InvalidArgument,
          "col2im: columns have shape " + shape_str(cols.shape()));
  TensorT<T> x = TensorT<T>::empty(input_shape);
  kernels::col2im_nhwc(cols.value().data(), g.n, g.h, g.w, g.c, k, stride, pad, g.ho, g.wo, x.data());
  return make_result<T>(x, {cols},
                        [k, stride, pad](const VarT<T>& gr, const VarT<T>&) {
                          return std::vector<VarT<T>>{im2col(gr, k, stride, pad)};
                        },
                        "col2im");
}

template <class T>
VarT<T> conv2d(const VarT<T>& x, const VarT<T>& w, const VarT<T>& b, int64_t stride, int64_t pad) {
  require(w.value().ndim() == 4 && w.dim(1) == w.dim(2), ErrorCode::InvalidArgument,
          "conv2d: weight must be [O, k, k, C], got " + shape_str(w.shape()));
  const int64_t o = w.dim(0), k = w.dim(1), c = w.dim(3);
  const Conv2dGeometry g = Conv2dGeometry::make(x.shape(), k, stride, pad);
  require(g.c == c, ErrorCode::InvalidArgument,
          "conv2d: input has " + std::to_string(g.c) + " channels, weight expects " + std::to_string(c));
  VarT<T> cols = (k == 1 && stride == 1 && pad == 0) ? reshape(x, {g.n * g.h * g.w, c}) : im2col(x, k, stride, pad);
  VarT<T> y = matmul(cols, reshape(w, {o, k * k * c}), false, true);
  if (b.defined()) y = add(y, b);
  return reshape(y, {g.n, g.ho, g.wo, o});
}

template <class T>
VarT<T> max_pool2d(const VarT<T>& x) {
  require(x.value().ndim() == 4 && x.dim(1) >= 2 && x.dim(2) >= 2, ErrorCode::InvalidArgument,
          "max_pool2d: expected NHWC with H, W ≥ 2, got " + shape_str(x.shape()));
  const int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  const Shape os{n, h / 2, w / 2, c};
  TensorT<T> y = TensorT<T>::empty(os);
  std::vector<int32_t> argmax(static_cast<size_t>(y.numel()));
  kernels::max_pool2x2_nhwc(x.value().data(), n, h, w, c, y.data(), argmax.data());
  // y = gather(x, argmax): the selection is piecewise constant, so gather/scatter is exact.
  return make_result<T>(y, {x},
                        [argmax = std::move(argmax), sx = x.shape()](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{scatter_add(g, argmax, sx)};
                        },
                        "max_pool2d");
}

template <class T>
VarT<T> global_avg_pool(const VarT<T>& x) {
  require(x.value().ndim() == 4, ErrorCode::InvalidArgument, "global_avg_pool: expected NHWC");
  const int64_t n = x.dim(0), hw = x.dim(1) * x.dim(2), c = x.dim(3);
  // [N, H·W, C] → sum over H·W: reshape to [N, HW, C] and reduce with sum_to on [N, 1, C].
  VarT<T> s = sum_to(reshape(x, {n, hw, c}), Shape{n, 1, c});
  return mul_scalar(reshape(s, {n, c}), T(1) / static_cast<T>(hw));
}

#define METACOG_INSTANTIATE(T)                                                             \
  template VarT<T> im2col(const VarT<T>&, int64_t, int64_t, int64_t);                      \
  template VarT<T> col2im(const VarT<T>&, const Shape&, int64_t, int64_t, int64_t);        \
  template VarT<T> conv2d(const VarT<T>&, const VarT<T>&, const VarT<T>&, int64_t, int64_t); \
  template VarT<T> max_pool2d(const VarT<T>&);                                             \
  template VarT<T> global_avg_pool(const VarT<T>&);
METACOG_INSTANTIATE(float)
METACOG_INSTANTIATE(double)
#undef METACOG_INSTANTIATE

}  // namespace metacog
