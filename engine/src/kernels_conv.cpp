// im2col / col2im and 2×2 max-pooling on NHWC tensors.
//
// im2col row r = (b, oy, ox) holds the k×k×C patch whose top-left input pixel is
// (oy·stride − pad, ox·stride − pad); out-of-image taps are 0. Because the layout is NHWC, each
// tap copies C contiguous values.
#include <algorithm>
#include <cstring>
#include <limits>

#include "metacog/kernels.hpp"

namespace metacog::kernels {

template <class T>
void im2col_nhwc(const T* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t k, int64_t stride, int64_t pad,
                 int64_t ho, int64_t wo, T* cols) {
  const int64_t row_len = k * k * c;
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) if (n * ho * wo * row_len > (1 << 18))
#endif
  for (int64_t b = 0; b < n; ++b) {
    const T* xb = x + b * h * w * c;
    for (int64_t oy = 0; oy < ho; ++oy) {
      for (int64_t ox = 0; ox < wo; ++ox) {
        T* dst = cols + ((b * ho + oy) * wo + ox) * row_len;
        const int64_t iy0 = oy * stride - pad, ix0 = ox * stride - pad;
        for (int64_t ky = 0; ky < k; ++ky) {
          const int64_t iy = iy0 + ky;
          if (iy < 0 || iy >= h) {
            std::memset(dst, 0, sizeof(T) * k * c);
            dst += k * c;
            continue;
          }
          for (int64_t kx = 0; kx < k; ++kx, dst += c) {
            const int64_t ix = ix0 + kx;
            if (ix < 0 || ix >= w) {
              std::memset(dst, 0, sizeof(T) * c);
            } else {
              std::memcpy(dst, xb + (iy * w + ix) * c, sizeof(T) * c);
            }
          }
        }
      }
    }
  }
}

template <class T>
void col2im_nhwc(const T* cols, int64_t n, int64_t h, int64_t w, int64_t c, int64_t k, int64_t stride, int64_t pad,
                 int64_t ho, int64_t wo, T* x) {
  const int64_t row_len = k * k * c;
  std::fill(x, x + n * h * w * c, T(0));
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) if (n * ho * wo * row_len > (1 << 18))
#endif
  for (int64_t b = 0; b < n; ++b) {  // images are independent: no write conflicts across b
    T* xb = x + b * h * w * c;
    for (int64_t oy = 0; oy < ho; ++oy) {
      for (int64_t ox = 0; ox < wo; ++ox) {
        const T* src = cols + ((b * ho + oy) * wo + ox) * row_len;
        const int64_t iy0 = oy * stride - pad, ix0 = ox * stride - pad;
        for (int64_t ky = 0; ky < k; ++ky) {
          const int64_t iy = iy0 + ky;
          if (iy < 0 || iy >= h) {
            src += k * c;
            continue;
          }
          for (int64_t kx = 0; kx < k; ++kx, src += c) {
            const int64_t ix = ix0 + kx;
            if (ix < 0 || ix >= w) continue;
            T* dst = xb + (iy * w + ix) * c;
            for (int64_t ch = 0; ch < c; ++ch) dst[ch] += src[ch];
          }
        }
      }
    }
  }
}

template <class T>
void max_pool2x2_nhwc(const T* x, int64_t n, int64_t h, int64_t w, int64_t c, T* y, int32_t* argmax) {
  const int64_t ho = h / 2, wo = w / 2;
  if (!argmax) {  // values only: a branch-free select per channel, which compilers vectorise
    for (int64_t r = 0; r < n * ho; ++r) {  // r = (b, oy); input rows 2·oy and 2·oy + 1 of image b (h may be odd)
      const int64_t b = r / ho, oy = r % ho;
      const T* top = x + (b * h + 2 * oy) * w * c;
      const T* bottom = top + w * c;
      T* yo = y + r * wo * c;
      for (int64_t ox = 0; ox < wo; ++ox, top += 2 * c, bottom += 2 * c, yo += c) {
        for (int64_t ch = 0; ch < c; ++ch) {
          T best = top[ch];  // same comparisons, same order as the argmax path below
          best = top[c + ch] > best ? top[c + ch] : best;
          best = bottom[ch] > best ? bottom[ch] : best;
          best = bottom[c + ch] > best ? bottom[c + ch] : best;
          yo[ch] = best;
        }
      }
    }
    return;
  }
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t oy = 0; oy < ho; ++oy) {
      for (int64_t ox = 0; ox < wo; ++ox) {
        T* yo = y + ((b * ho + oy) * wo + ox) * c;
        int32_t* ao = argmax ? argmax + ((b * ho + oy) * wo + ox) * c : nullptr;
        const int64_t base = ((b * h + 2 * oy) * w + 2 * ox) * c;
        const int64_t offs[4] = {0, c, w * c, w * c + c};
        for (int64_t ch = 0; ch < c; ++ch) {
          T best = x[base + ch];
          int64_t best_i = base + ch;
          for (int t = 1; t < 4; ++t) {
            const int64_t i = base + offs[t] + ch;
            if (x[i] > best) {  // first maximum wins on ties (like PyTorch)
              best = x[i];
              best_i = i;
            }
          }
          yo[ch] = best;
          if (ao) ao[ch] = static_cast<int32_t>(best_i);
        }
      }
    }
  }
}

template void im2col_nhwc<float>(const float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                                 int64_t, int64_t, float*);
template void im2col_nhwc<double>(const double*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                                  int64_t, int64_t, double*);
template void col2im_nhwc<float>(const float*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                                 int64_t, int64_t, float*);
template void col2im_nhwc<double>(const double*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                                  int64_t, int64_t, double*);
template void max_pool2x2_nhwc<float>(const float*, int64_t, int64_t, int64_t, int64_t, float*, int32_t*);
template void max_pool2x2_nhwc<double>(const double*, int64_t, int64_t, int64_t, int64_t, double*, int32_t*);

}  // namespace metacog::kernels
