// Inference convolution with a folded batch norm and ReLU (kernels.hpp conv2d_affine_nhwc).
//
// Portable path (native, wasm scalar, and double): im2col + gemm on blocks of output rows, then the
// epilogue y = act(acc·scale + shift) on the block while it is in cache. The block is large enough
// for GEMM efficiency (and Eigen's threads natively) but keeps the unfolded rows out of main memory.
// The wasm SIMD build sends float to the fused SIMD128 implicit GEMM (kernels_gemm_simd128.cpp).
#include <algorithm>
#include <type_traits>
#include <vector>

#include "metacog/kernels.hpp"

namespace metacog::kernels {

template <class T>
void conv2d_affine_nhwc(const T* x, int64_t n, int64_t h, int64_t w, int64_t c, const T* weight, int64_t o, int64_t k,
                        int64_t stride, int64_t pad, int64_t ho, int64_t wo, const T* scale, const T* shift, bool relu,
                        T* y) {
#if defined(__wasm_simd128__)
  if constexpr (std::is_same_v<T, float>) {
    detail::conv2d_affine_f32_simd128(x, n, h, w, c, weight, o, k, stride, pad, ho, wo, scale, shift, relu, y);
    return;
  }
#endif
  const int64_t kc = k * k * c, per_image = ho * wo;
  // whole images per block, ~2 MB of unfolded rows
  const int64_t images = std::max<int64_t>(1, (int64_t{1} << 19) / std::max<int64_t>(1, per_image * kc));
  std::vector<T> cols(static_cast<size_t>(std::min(images, n) * per_image * kc));
  for (int64_t b0 = 0; b0 < n; b0 += images) {
    const int64_t nb = std::min(images, n - b0), rows = nb * per_image;
    im2col_nhwc(x + b0 * h * w * c, nb, h, w, c, k, stride, pad, ho, wo, cols.data());
    T* yb = y + b0 * per_image * o;
    gemm<T>(false, true, rows, o, kc, T(1), cols.data(), weight, T(0), yb);
    for (int64_t i = 0; i < rows; ++i) {
      T* yr = yb + i * o;
      for (int64_t j = 0; j < o; ++j) {
        const T v = yr[j] * scale[j] + shift[j];
        yr[j] = relu && !(v > T(0)) ? T(0) : v;
      }
    }
  }
}

template void conv2d_affine_nhwc<float>(const float*, int64_t, int64_t, int64_t, int64_t, const float*, int64_t,
                                        int64_t, int64_t, int64_t, int64_t, int64_t, const float*, const float*, bool,
                                        float*);
template void conv2d_affine_nhwc<double>(const double*, int64_t, int64_t, int64_t, int64_t, const double*, int64_t,
                                         int64_t, int64_t, int64_t, int64_t, int64_t, const double*, const double*,
                                         bool, double*);

}  // namespace metacog::kernels
