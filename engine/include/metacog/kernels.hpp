// metacog/kernels.hpp — raw compute kernels on contiguous buffers (no autodiff).
//
// The differentiable operations in ops.hpp call these. GEMM goes through Eigen natively (with its
// AVX/FMA packet code and OpenMP threads) and in the wasm scalar build; in the wasm SIMD build
// (__wasm_simd128__) float GEMM and the fused inference convolution use a register-blocked
// wasm_simd128 micro-kernel instead (kernels_gemm_simd128.cpp), selected at compile time.
// Images are NHWC.
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

/**
 * Inference convolution with a per-output-channel affine map and optional ReLU (a batch norm with
 * fixed statistics folded in):
 *   y[b, oy, ox, o] = act(scale[o] · Σ_{ky,kx,ch} x[b, oy·s − p + ky, ox·s − p + kx, ch] · W[o, ky, kx, ch] + shift[o])
 * x NHWC [n, h, w, c], W OHWI [o, k, k, c], y [n, ho, wo, o], zero padding, act = ReLU if `relu`.
 * No im2col matrix is materialised: the portable path unfolds rows a block at a time; the SIMD build
 * reads each tap's channels in place (indirect GEMM) for c ≥ 4 and unfolds straight into the
 * micro-kernel's packed panels otherwise, which keeps the working set in cache.
 */
template <class T>
void conv2d_affine_nhwc(const T* x, int64_t n, int64_t h, int64_t w, int64_t c, const T* weight, int64_t o, int64_t k,
                        int64_t stride, int64_t pad, int64_t ho, int64_t wo, const T* scale, const T* shift, bool relu,
                        T* y);

/** 2×2/2 max-pool, NHWC; `argmax` (may be null) gets the flat input index of each output's maximum. */
template <class T>
void max_pool2x2_nhwc(const T* x, int64_t n, int64_t h, int64_t w, int64_t c, T* y, int32_t* argmax);

#if defined(__wasm_simd128__)
namespace detail {
/** The SIMD128 GEMM (same contract as gemm<float>; m, n, k ≥ 1). */
void gemm_f32_simd128(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                      const float* b, float beta, float* c);
/** The SIMD128 conv2d_affine_nhwc<float>. */
void conv2d_affine_f32_simd128(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, const float* weight,
                               int64_t o, int64_t k, int64_t stride, int64_t pad, int64_t ho, int64_t wo,
                               const float* scale, const float* shift, bool relu, float* y);
}  // namespace detail
#endif

}  // namespace metacog::kernels
