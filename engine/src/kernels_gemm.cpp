// GEMM: Eigen natively (AVX/FMA packets) and in the wasm scalar build; float GEMM in the wasm SIMD
// build goes to the register-blocked SIMD128 kernel (kernels_gemm_simd128.cpp).
//
// Native threads: Eigen's own OpenMP splitting is off (EIGEN_DONT_PARALLELIZE, CMakeLists.txt) —
// it forks for products of any size and synchronises inside each product, which on two cores cost
// more than it saved (a 64³ product took 8 ms with 2 threads when the other core was busy). Instead
// a product of at least kParallelFlops is split once into one contiguous block of C per thread,
// along its larger dimension (C[rows r] = A[rows r]·B, or C[:, cols c] = A·B[:, cols c]); each block is
// an independent single-threaded Eigen product, so there is one fork/join per product and none inside.
#include <Eigen/Core>

#include <algorithm>
#include <type_traits>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "metacog/kernels.hpp"

namespace metacog::kernels {

namespace {
#if defined(_OPENMP)
/** Products below this many multiply-adds (m·n·k) run on one thread. */
constexpr int64_t kParallelFlops = int64_t{1} << 22;
#endif

template <class T, class MA, class MB, class MC>
void product(const MA& A, bool trans_a, const MB& B, bool trans_b, T alpha, T beta, MC&& C) {
  if (beta == T(0)) {
    if (!trans_a && !trans_b) C.noalias() = alpha * (A * B);
    else if (trans_a && !trans_b) C.noalias() = alpha * (A.transpose() * B);
    else if (!trans_a && trans_b) C.noalias() = alpha * (A * B.transpose());
    else C.noalias() = alpha * (A.transpose() * B.transpose());
  } else {
    if (beta != T(1)) C *= beta;
    if (!trans_a && !trans_b) C.noalias() += alpha * (A * B);
    else if (trans_a && !trans_b) C.noalias() += alpha * (A.transpose() * B);
    else if (!trans_a && trans_b) C.noalias() += alpha * (A * B.transpose());
    else C.noalias() += alpha * (A.transpose() * B.transpose());
  }
}
}  // namespace

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, const T* b, T beta, T* c) {
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using CMap = Eigen::Map<const Mat>;
  Eigen::Map<Mat> C(c, m, n);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (beta == T(0)) C.setZero(); else C *= beta;
    return;
  }
#if defined(__wasm_simd128__)
  if constexpr (std::is_same_v<T, float>) {
    detail::gemm_f32_simd128(trans_a, trans_b, m, n, k, alpha, a, b, beta, c);
    return;
  }
#endif
  CMap A(a, trans_a ? k : m, trans_a ? m : k);
  CMap B(b, trans_b ? n : k, trans_b ? k : n);
#if defined(_OPENMP)
  const int threads = m * n * k >= kParallelFlops && !omp_in_parallel() ? omp_get_max_threads() : 1;
  if (threads > 1) {
    const bool split_rows = m >= n;
    const int64_t extent = split_rows ? m : n;
    const int64_t chunk = (extent + threads - 1) / threads;
#pragma omp parallel for schedule(static, 1) num_threads(threads)
    for (int t = 0; t < threads; ++t) {
      const int64_t lo = std::min(extent, t * chunk), len = std::min(extent, lo + chunk) - lo;
      if (len <= 0) continue;
      if (split_rows) {
        if (trans_a) product(A.middleCols(lo, len), true, B, trans_b, alpha, beta, C.middleRows(lo, len));
        else product(A.middleRows(lo, len), false, B, trans_b, alpha, beta, C.middleRows(lo, len));
      } else {
        if (trans_b) product(A, trans_a, B.middleRows(lo, len), true, alpha, beta, C.middleCols(lo, len));
        else product(A, trans_a, B.middleCols(lo, len), false, alpha, beta, C.middleCols(lo, len));
      }
    }
    return;
  }
#endif
  product(A, trans_a, B, trans_b, alpha, beta, C);
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, const float*, float, float*);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, const double*, double,
                           double*);

}  // namespace metacog::kernels
