// metacog/kernels.hpp — raw compute kernels on contiguous buffers (no autodiff).
//
// The differentiable operations in ops.hpp call these. GEMM goes through Eigen natively (with its
// AVX/FMA packet code and OpenMP threads); in wasm SIMD builds a hand-written wasm_simd128
// micro-kernel is selected at compile time (kernels_gemm.cpp) where it beats Eigen's
// auto-vectorised scalar code. Images are NHWC.
#pragma once

#include <cstdint>

namespace metacog::kernels {

/**
 * C = α · op(A) · op(B) + β · C, row-major. op(A) is m×k, op(B) is k×n, C is m×n.
 * A is stored m×k (or k×m when trans_a); B is stored k×n (or n×k when trans_b).
 */
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, const T* b, T beta, T* c);

/** NHWC x [n, h, w, c] → rows [n·ho·wo, k·k·c], zero padding, column order (ky, kx, c). */
template <class T>
void im2col_nhwc(const T* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t k, int64_t stride, int64_t pad,
                 int64_t ho, int64_t wo, T* cols);

/** The adjoint of im2col_nhwc: x (zero-initialised by this call) += scattered patch rows. */
template <class T>
void col2im_nhwc(const T* cols, int64_t n, int64_t h, int64_t w, int64_t c, int64_t k, int64_t stride, int64_t pad,
                 int64_t ho, int64_t wo, T* x);

/** 2×2/2 max-pool, NHWC; `argmax` gets the flat input index of each output's maximum. */
template <class T>
void max_pool2x2_nhwc(const T* x, int64_t n, int64_t h, int64_t w, int64_t c, T* y, int32_t* argmax);

}  // namespace metacog::kernels
