// metacog/ops.hpp — differentiable operations on Var.
//
// Every operation's backward pass is written with operations from this same list, so gradients
// can be differentiated again (see autograd.hpp). Binary element-wise operations broadcast like
// NumPy (shapes aligned from the right; size-1 or missing dimensions repeat). Images are NHWC.
//
// Gradients (g = upstream gradient):
//   add/sub:  ∂a = sum_to(g, a), ∂b = ±sum_to(g, b)     mul: ∂a = sum_to(g·b, a)
//   div:      ∂a = g/b, ∂b = −g·a/b²                      exp: g·y    log: g/x
//   tanh:     g·(1 − y²)   sigmoid: g·y·(1 − y)   relu: g·[x > 0]   sqrt: g/(2y)
//   matmul:   C = op(A)·op(B) → ∂op(A) = g·op(B)ᵀ, ∂op(B) = op(A)ᵀ·g
//   im2col ↔ col2im, gather ↔ scatter_add, broadcast_to ↔ sum_to are adjoint pairs.
#pragma once

#include <cstdint>
#include <vector>

#include "metacog/autograd.hpp"

namespace metacog {

// ------------------------------------------------------------------ element-wise
template <class T> VarT<T> add(const VarT<T>& a, const VarT<T>& b);
template <class T> VarT<T> sub(const VarT<T>& a, const VarT<T>& b);
template <class T> VarT<T> mul(const VarT<T>& a, const VarT<T>& b);
template <class T> VarT<T> div(const VarT<T>& a, const VarT<T>& b);
/** a + s */
template <class T> VarT<T> add_scalar(const VarT<T>& a, T s);
/** s · a */
template <class T> VarT<T> mul_scalar(const VarT<T>& a, T s);
template <class T> VarT<T> neg(const VarT<T>& a);
template <class T> VarT<T> exp(const VarT<T>& a);
template <class T> VarT<T> log(const VarT<T>& a);
template <class T> VarT<T> tanh(const VarT<T>& a);
template <class T> VarT<T> sigmoid(const VarT<T>& a);
template <class T> VarT<T> relu(const VarT<T>& a);
template <class T> VarT<T> sqrt(const VarT<T>& a);
template <class T> VarT<T> square(const VarT<T>& a);
/** Multiplies by a constant tensor of the same shape (no gradient to the mask). */
template <class T> VarT<T> mul_const(const VarT<T>& a, const TensorT<T>& mask);

// ------------------------------------------------------------------ shape
template <class T> VarT<T> reshape(const VarT<T>& a, const Shape& shape);
/** Transpose of a 2-D tensor. */
template <class T> VarT<T> transpose(const VarT<T>& a);
/** Repeats a along broadcast dimensions to `shape`. */
template <class T> VarT<T> broadcast_to(const VarT<T>& a, const Shape& shape);
/** Sums a over the dimensions that `shape` broadcasts (the adjoint of broadcast_to). */
template <class T> VarT<T> sum_to(const VarT<T>& a, const Shape& shape);
/** Rows [begin, end) of the first dimension. */
template <class T> VarT<T> slice_rows(const VarT<T>& a, int64_t begin, int64_t end);
/** Places a at rows [begin, begin + a.rows) of a zero tensor with `total` rows. */
template <class T> VarT<T> pad_rows(const VarT<T>& a, int64_t begin, int64_t total);
/** Concatenates along the first dimension. */
template <class T> VarT<T> concat_rows(const std::vector<VarT<T>>& parts);
/** out[i] = a.flat[index[i]], shaped `shape`. */
template <class T> VarT<T> gather(const VarT<T>& a, const std::vector<int32_t>& index, const Shape& shape);
/** out.flat[index[i]] += a[i] into zeros of `shape` (the adjoint of gather). */
template <class T> VarT<T> scatter_add(const VarT<T>& a, const std::vector<int32_t>& index, const Shape& shape);
/** out[r] = table[ids[r]] (row lookup: embeddings, index_select). */
template <class T> VarT<T> gather_rows(const VarT<T>& table, const std::vector<int32_t>& ids);
/** out[ids[r]] += a[r] into zeros with `rows` rows (the adjoint of gather_rows). */
template <class T> VarT<T> scatter_add_rows(const VarT<T>& a, const std::vector<int32_t>& ids, int64_t rows);

// ------------------------------------------------------------------ reductions
/** Σ of all elements → shape {}. */
template <class T> VarT<T> sum(const VarT<T>& a);
/** Mean of all elements → shape {}. */
template <class T> VarT<T> mean(const VarT<T>& a);
/** Row sums of a 2-D tensor → [rows, 1]. */
template <class T> VarT<T> row_sum(const VarT<T>& a);

// ------------------------------------------------------------------ linear algebra
/** op(A)·op(B) for 2-D tensors; op = transpose when the flag is set. */
template <class T> VarT<T> matmul(const VarT<T>& a, const VarT<T>& b, bool transpose_a = false, bool transpose_b = false);
/** x·Wᵀ + b with W of shape [out, in] (PyTorch layout); b may be undefined. */
template <class T> VarT<T> linear(const VarT<T>& x, const VarT<T>& w, const VarT<T>& b);

// ------------------------------------------------------------------ convolution and pooling
struct Conv2dGeometry {
  int64_t n, h, w, c;     // input NHWC
  int64_t k, stride, pad;  // square kernel
  int64_t ho, wo;          // output spatial size
  static Conv2dGeometry make(const Shape& input_nhwc, int64_t k, int64_t stride, int64_t pad);
};
/** Patches of x (NHWC) as rows: [N·Ho·Wo, k·k·C], column order (ky, kx, c). */
template <class T> VarT<T> im2col(const VarT<T>& x, int64_t k, int64_t stride, int64_t pad);
/** The adjoint of im2col: scatter-adds patch rows back to an NHWC tensor of `input_shape`. */
template <class T> VarT<T> col2im(const VarT<T>& cols, const Shape& input_shape, int64_t k, int64_t stride, int64_t pad);
/** 2-D convolution: x NHWC, w [O, k, k, C] (OHWI), b [O] or undefined → NHWC [N, Ho, Wo, O]. */
template <class T> VarT<T> conv2d(const VarT<T>& x, const VarT<T>& w, const VarT<T>& b, int64_t stride, int64_t pad);
/** 2×2 max-pooling with stride 2 (floor), NHWC. */
template <class T> VarT<T> max_pool2d(const VarT<T>& x);
/** Mean over the spatial dimensions: [N, H, W, C] → [N, C]. */
template <class T> VarT<T> global_avg_pool(const VarT<T>& x);

// ------------------------------------------------------------------ normalisation
/**
 * Batch normalisation over all but the last (channel) dimension:
 *   y = γ · (x − μ) / √(σ² + ε) + β
 * with μ, σ² the batch statistics (biased variance). The forward and the plain backward are
 * fused kernels; when the backward pass is recorded (create_graph) it is expressed with
 * differentiable operations, so higher-order gradients stay exact.
 * Returns y; batch_mean / batch_var receive the statistics (for running averages) if non-null.
 */
template <class T>
VarT<T> batch_norm_train(const VarT<T>& x, const VarT<T>& gamma, const VarT<T>& beta, T eps,
                         TensorT<T>* batch_mean = nullptr, TensorT<T>* batch_var = nullptr);
/** y = γ · (x − mean) / √(var + ε) + β with fixed (running) statistics. */
template <class T>
VarT<T> batch_norm_fixed(const VarT<T>& x, const VarT<T>& gamma, const VarT<T>& beta, const TensorT<T>& mean,
                         const TensorT<T>& var, T eps);

// ------------------------------------------------------------------ losses and distances
/** Row-wise log-softmax of a 2-D tensor: y = x − log Σ_j exp(x_j). */
template <class T> VarT<T> log_softmax(const VarT<T>& x);
/** Row-wise softmax. */
template <class T> VarT<T> softmax(const VarT<T>& x);
/** −(1/N) Σ_i log softmax(x_i)[y_i] for labels y_i ∈ [0, C). */
template <class T> VarT<T> cross_entropy(const VarT<T>& logits, const std::vector<int32_t>& labels);
/** (1/N) Σ max(z, 0) − z·y + log(1 + e^{−|z|}) — binary cross-entropy on logits z, targets y. */
template <class T> VarT<T> bce_with_logits(const VarT<T>& z, const TensorT<T>& y);
/** (1/N) Σ (a − b)² */
template <class T> VarT<T> mse(const VarT<T>& a, const VarT<T>& b);
/** D_ij = ‖a_i − b_j‖² for rows of a [N, D] and b [M, D] → [N, M]. */
template <class T> VarT<T> sq_euclidean(const VarT<T>& a, const VarT<T>& b);
/** Rows of a [N, D] scaled to unit length: a_i / √(‖a_i‖² + eps). */
template <class T> VarT<T> unit_rows(const VarT<T>& a, T eps = T(1e-8));
/** C_ij = a_i·b_j / (‖a_i‖ ‖b_j‖) → [N, M] (unit_rows of both). */
template <class T> VarT<T> cosine_similarity(const VarT<T>& a, const VarT<T>& b, T eps = T(1e-8));

// ------------------------------------------------------------------ operators
template <class T> VarT<T> operator+(const VarT<T>& a, const VarT<T>& b) { return add(a, b); }
template <class T> VarT<T> operator-(const VarT<T>& a, const VarT<T>& b) { return sub(a, b); }
template <class T> VarT<T> operator*(const VarT<T>& a, const VarT<T>& b) { return mul(a, b); }
template <class T> VarT<T> operator/(const VarT<T>& a, const VarT<T>& b) { return div(a, b); }
template <class T> VarT<T> operator-(const VarT<T>& a) { return neg(a); }
template <class T> VarT<T> operator*(T s, const VarT<T>& a) { return mul_scalar(a, s); }

/** A constant scalar Var. */
template <class T> VarT<T> constant(T value) { return VarT<T>(TensorT<T>::scalar(value)); }

}  // namespace metacog
