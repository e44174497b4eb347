// GEMM: Eigen natively (AVX/FMA packets, OpenMP) and in the wasm scalar build; float GEMM in the wasm
// SIMD build goes to the register-blocked SIMD128 kernel (kernels_gemm_simd128.cpp).
#include <Eigen/Core>

#include <type_traits>

#include "metacog/kernels.hpp"

namespace metacog::kernels {

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

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, const float*, float, float*);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, const double*, double,
                           double*);

}  // namespace metacog::kernels
