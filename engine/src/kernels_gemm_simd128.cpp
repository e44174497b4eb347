// Register-blocked f32 GEMM for WebAssembly SIMD128 (compiled only with -msimd128; kernels.hpp).
//
// C = α·op(A)·op(B) + β·C is cut into MR×NR = 4×8 tiles. A tile lives in 8 f32x4 accumulators;
// each step kk of the K loop loads one 8-wide row of the packed B panel (2 vectors), broadcasts
// 4 values of op(A) (v128.load32_splat) and does 8 f32x4.mul + 8 f32x4.add (SIMD128 has no fused
// multiply-add): 64 flops per 6 loads. 8 accumulators + 2 B vectors + 1 broadcast fit the 16 vector
// registers of x64 and arm64 engines without spills.
//   op(B) is packed per K block of KC rows into NR-wide column panels, [kc × NR] contiguous and
//   zero-padded at the right edge, so the micro-kernel reads B sequentially (L1/L2 resident).
//   op(A) is packed per block of MC rows into [kc × MR] panels (one sequential read of A).
// The K blocks accumulate into C: the first block applies β, the next ones add (β = 1).
// Blocks: KC ≤ 640 (an A and a B panel fit L1), B block ≤ 256 KB, MC = 64 rows (A block in L2).
//
// conv2d_affine_f32_simd128 is the same micro-kernel as an implicit GEMM: the weights are packed
// once; for inputs with c ≥ 4 channels it is an indirect GEMM — per 4-pixel tile and kernel tap the
// kernel reads the tap's c input channels in place through 4 row pointers (a zero row for padding),
// so nothing is unfolded; narrower inputs (the first layer, c = 1) unfold each block of MC output
// pixels straight into packed A panels. The epilogue applies the folded batch norm
// y = acc·scale + shift and the ReLU while the tile is still in registers — no im2col matrix, no
// separate BN/ReLU passes over memory.
#include "metacog/kernels.hpp"

#if defined(__wasm_simd128__)

#include <wasm_simd128.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace metacog::kernels::detail {

namespace {

constexpr int MR = 4, NR = 8;
constexpr int64_t KC = 640;         // K block: a [KC × MR] A panel + [KC × NR] B panel fit L1
constexpr int64_t MC = 64;          // M block: the packed A block [MC × KC] stays in L2
constexpr int64_t kL2Floats = 65536; // packed B block ≤ 256 KB

/** Packs op(B)[k0:k0+kc, jb:jb+nc] into ⌈nc/NR⌉ panels of [kc × NR] (zero-padded). */
void pack_b(bool trans_b, const float* b, int64_t n, int64_t k, int64_t jb, int64_t nc, int64_t k0, int64_t kc,
            float* out) {
  const int64_t panels = (nc + NR - 1) / NR;
  for (int64_t p = 0; p < panels; ++p) {
    const int64_t j0 = jb + p * NR, nj = std::min<int64_t>(NR, jb + nc - j0);
    float* dst = out + p * kc * NR;
    if (!trans_b) {  // op(B)(kk, j) = b[kk·n + j]
      for (int64_t kk = 0; kk < kc; ++kk, dst += NR) {
        const float* src = b + (k0 + kk) * n + j0;
        if (nj == NR) {
          wasm_v128_store(dst, wasm_v128_load(src));
          wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
        } else {
          for (int64_t j = 0; j < NR; ++j) dst[j] = j < nj ? src[j] : 0.0f;
        }
      }
    } else {  // op(B)(kk, j) = b[j·k + kk]
      for (int64_t j = 0; j < NR; ++j) {
        if (j < nj) {
          const float* src = b + (j0 + j) * k + k0;
          for (int64_t kk = 0; kk < kc; ++kk) dst[kk * NR + j] = src[kk];
        } else {
          for (int64_t kk = 0; kk < kc; ++kk) dst[kk * NR + j] = 0.0f;
        }
      }
    }
  }
}

/**
 * Packs op(A)[i0:i0+mc, k0:k0+kc] into ⌈mc/MR⌉ panels of [kc × MR] (zero-padded rows). Row-major A
 * is read one row at a time (sequential, prefetch-friendly); transposed A one K row at a time.
 */
void pack_a(bool trans_a, const float* a, int64_t m, int64_t k, int64_t i0, int64_t mc, int64_t k0, int64_t kc,
            float* out) {
  for (int64_t p0 = 0; p0 < mc; p0 += MR) {
    const int64_t ni = std::min<int64_t>(MR, mc - p0);
    float* dst = out + (p0 / MR) * kc * MR;
    if (!trans_a) {  // op(A)(i, kk) = a[i·k + kk]
      for (int64_t r = 0; r < MR; ++r) {
        if (r < ni) {
          const float* src = a + (i0 + p0 + r) * k + k0;
          for (int64_t kk = 0; kk < kc; ++kk) dst[kk * MR + r] = src[kk];
        } else {
          for (int64_t kk = 0; kk < kc; ++kk) dst[kk * MR + r] = 0.0f;
        }
      }
    } else {  // op(A)(i, kk) = a[kk·m + i]
      for (int64_t kk = 0; kk < kc; ++kk) {
        const float* src = a + (k0 + kk) * m + i0 + p0;
        for (int64_t r = 0; r < MR; ++r) dst[kk * MR + r] = r < ni ? src[r] : 0.0f;
      }
    }
  }
}

/** Writes a finished tile as C = α·acc + β·C (β = 0 never reads C). */
struct AlphaBeta {
  float alpha, beta;
  void row(const v128_t acc[2], float* cr, int /*col0*/) const {
    v128_t y0 = wasm_f32x4_mul(wasm_f32x4_splat(alpha), acc[0]), y1 = wasm_f32x4_mul(wasm_f32x4_splat(alpha), acc[1]);
    if (beta != 0.0f) {
      y0 = wasm_f32x4_add(y0, wasm_f32x4_mul(wasm_f32x4_splat(beta), wasm_v128_load(cr)));
      y1 = wasm_f32x4_add(y1, wasm_f32x4_mul(wasm_f32x4_splat(beta), wasm_v128_load(cr + 4)));
    }
    wasm_v128_store(cr, y0);
    wasm_v128_store(cr + 4, y1);
  }
  float scalar(float acc, float old, int /*col*/) const { return alpha * acc + (beta != 0.0f ? beta * old : 0.0f); }
};

/** Writes a finished tile as y = act(acc·scale[col] + shift[col]) (batch norm folded, optional ReLU). */
struct Affine {
  const float* scale;  // padded to a multiple of NR
  const float* shift;
  bool relu;
  void row(const v128_t acc[2], float* cr, int col0) const {
    v128_t y0 = wasm_f32x4_add(wasm_f32x4_mul(acc[0], wasm_v128_load(scale + col0)), wasm_v128_load(shift + col0));
    v128_t y1 = wasm_f32x4_add(wasm_f32x4_mul(acc[1], wasm_v128_load(scale + col0 + 4)), wasm_v128_load(shift + col0 + 4));
    if (relu) {  // pmax(0, y) = (0 < y ? y : 0): one maxps, and NaN → 0 as in scalar()
      y0 = wasm_f32x4_pmax(wasm_f32x4_splat(0.0f), y0);
      y1 = wasm_f32x4_pmax(wasm_f32x4_splat(0.0f), y1);
    }
    wasm_v128_store(cr, y0);
    wasm_v128_store(cr + 4, y1);
  }
  float scalar(float acc, float /*old*/, int col) const {
    const float y = acc * scale[col] + shift[col];
    return relu && !(y > 0.0f) ? 0.0f : y;
  }
};

/** Writes rows r < rows, columns c < cols of a finished tile through the epilogue. */
template <class Epilogue>
inline void store_tile(const v128_t (&acc)[MR][2], float* c, int64_t ldc, int rows, int cols, int col0,
                       const Epilogue& ep) {
  if (cols == NR) {
    for (int r = 0; r < rows; ++r) ep.row(acc[r], c + r * ldc, col0);
    return;
  }
  alignas(16) float tile[MR][NR];
  for (int r = 0; r < MR; ++r) {
    wasm_v128_store(tile[r], acc[r][0]);
    wasm_v128_store(tile[r] + 4, acc[r][1]);
  }
  for (int r = 0; r < rows; ++r) {
    float* cr = c + r * ldc;
    for (int j = 0; j < cols; ++j) cr[j] = ep.scalar(tile[r][j], cr[j], col0 + j);
  }
}

/**
 * The 4×8 accumulator tile in registers; step() adds one K step, acc(r, :) += a_r · b(:) with a_r
 * = *a_r splatted and b the 8 floats of one packed B row. The K loops stay rolled: unrolled,
 * LLVM regroups the steps per accumulator and keeps every step's B vectors live, more than the 16
 * vector registers.
 */
struct Acc {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  inline void step(const float* a0, const float* a1, const float* a2, const float* a3, const float* b) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    const v128_t x0 = wasm_v128_load32_splat(a0);
    const v128_t x1 = wasm_v128_load32_splat(a1);
    const v128_t x2 = wasm_v128_load32_splat(a2);
    const v128_t x3 = wasm_v128_load32_splat(a3);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x0, b1));
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x1, b1));
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x2, b1));
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x3, b1));
  }
  template <class Epilogue>
  void store(float* c, int64_t ldc, int rows, int cols, int col0, const Epilogue& ep) const {
    store_tile({{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}}, c, ldc, rows, cols, col0, ep);
  }
};

/**
 * One MR×NR tile from packed panels: acc = Σ_kk Ap(kk, r)·Bp(kk, c), then the epilogue writes rows
 * r < rows, columns c < cols of C (col0 = the tile's first column, for per-column epilogues).
 */
template <class Epilogue>
void micro_kernel(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int rows, int cols, int col0,
                  const Epilogue& ep) {
  Acc acc;
  for (int kk = static_cast<int>(kc); kk > 0; --kk, ap += MR, bp += NR) acc.step(ap, ap + 1, ap + 2, ap + 3, bp);
  acc.store(c, ldc, rows, cols, col0, ep);
}

/**
 * One MR×NR convolution tile straight from the NHWC input (indirect GEMM, no unfolding): `rows`
 * holds, for each of the `taps` = k² kernel taps, MR pointers to the c input channels that tap reads
 * for the tile's MR output pixels (a zero row for padding taps and for rows past the last pixel), so
 *   acc(r, :) = Σ_t Σ_ch rows[t][r][ch] · Bp(t·c + ch, :)
 * with Bp the packed weights, K ordered (tap, channel) as in im2col_nhwc.
 */
template <class Epilogue>
void micro_kernel_indirect(int64_t taps, int64_t c, const float* const* rows, const float* bp, float* out,
                           int64_t ldc, int nrows, int cols, int col0, const Epilogue& ep) {
  Acc acc;
  for (int64_t t = 0; t < taps; ++t, rows += MR) {
    const float *a0 = rows[0], *a1 = rows[1], *a2 = rows[2], *a3 = rows[3];
    // one shared index: bumping the four pointers instead lets LLVM pack them into an i32x4 and
    // extract a lane per load (measured 1.7× slower in V8)
    for (int64_t ch = 0; ch < c; ++ch, bp += NR) acc.step(a0 + ch, a1 + ch, a2 + ch, a3 + ch, bp);
  }
  acc.store(out, ldc, nrows, cols, col0, ep);
}

/**
 * Unfolds output rows i0..i0+mc of a convolution (row i = (b, oy, ox)) straight into packed A panels
 * [kc × MR], column q = (ky·k + kx)·c + ch as in im2col_nhwc; out-of-image taps and padding rows are 0.
 */
void pack_conv_rows(const float* x, int64_t h, int64_t w, int64_t c, int64_t k, int64_t stride, int64_t pad,
                    int64_t ho, int64_t wo, int64_t i0, int64_t mc, float* out) {
  const int64_t kc = k * k * c;
  for (int64_t p0 = 0; p0 < mc; p0 += MR) {
    float* dst = out + (p0 / MR) * kc * MR;
    for (int64_t r = 0; r < MR; ++r) {
      if (p0 + r >= mc) {
        for (int64_t q = 0; q < kc; ++q) dst[q * MR + r] = 0.0f;
        continue;
      }
      const int64_t i = i0 + p0 + r;
      const int64_t b = i / (ho * wo), oy = (i / wo) % ho, ox = i % wo;
      const float* xb = x + b * h * w * c;
      int64_t q = 0;
      for (int64_t ky = 0; ky < k; ++ky) {
        const int64_t iy = oy * stride - pad + ky;
        for (int64_t kx = 0; kx < k; ++kx, q += c) {
          const int64_t ix = ox * stride - pad + kx;
          float* d = dst + q * MR + r;
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
            for (int64_t ch = 0; ch < c; ++ch) d[ch * MR] = 0.0f;
          } else {
            const float* src = xb + (iy * w + ix) * c;
            for (int64_t ch = 0; ch < c; ++ch) d[ch * MR] = src[ch];
          }
        }
      }
    }
  }
}

}  // namespace

void gemm_f32_simd128(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                      const float* b, float beta, float* c) {
  // K blocks of ≤ KC (balanced), N blocks so a packed B block stays ≤ ~256 KB (L2), M blocks of MC rows.
  const int64_t kblocks = (k + KC - 1) / KC;
  const int64_t kc_max = (k + kblocks - 1) / kblocks;
  const int64_t nc_max = std::max<int64_t>(NR, (kL2Floats / kc_max) / NR * NR);
  const int64_t mc_max = MC;
  // thread_local scratch: grows to the largest problem seen, no allocation on repeated calls
  thread_local std::vector<float> bpack, apack;
  const size_t bsize = static_cast<size_t>(kc_max * ((std::min(n, nc_max) + NR - 1) / NR) * NR);
  const size_t asize = static_cast<size_t>(kc_max * ((std::min(m, mc_max) + MR - 1) / MR) * MR);
  if (bpack.size() < bsize) bpack.resize(bsize);
  if (apack.size() < asize) apack.resize(asize);
  for (int64_t j0 = 0; j0 < n; j0 += nc_max) {
    const int64_t nc = std::min(nc_max, n - j0);
    const int64_t panels = (nc + NR - 1) / NR;
    for (int64_t k0 = 0; k0 < k; k0 += kc_max) {
      const int64_t kc = std::min(kc_max, k - k0);
      const float b_eff = k0 == 0 ? beta : 1.0f;
      pack_b(trans_b, b, n, k, j0, nc, k0, kc, bpack.data());
      for (int64_t i0 = 0; i0 < m; i0 += mc_max) {
        const int64_t mc = std::min(mc_max, m - i0);
        pack_a(trans_a, a, m, k, i0, mc, k0, kc, apack.data());
        for (int64_t p0 = 0; p0 < mc; p0 += MR) {
          const int rows = static_cast<int>(std::min<int64_t>(MR, mc - p0));
          const float* ap = apack.data() + (p0 / MR) * kc * MR;
          for (int64_t p = 0; p < panels; ++p) {
            const int cols = static_cast<int>(std::min<int64_t>(NR, nc - p * NR));
            micro_kernel(kc, ap, bpack.data() + p * kc * NR, c + (i0 + p0) * n + j0 + p * NR, n, rows, cols, 0,
                         AlphaBeta{alpha, b_eff});
          }
        }
      }
    }
  }
}

void conv2d_affine_f32_simd128(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, const float* weight,
                               int64_t o, int64_t k, int64_t stride, int64_t pad, int64_t ho, int64_t wo,
                               const float* scale, const float* shift, bool relu, float* y) {
  const int64_t kc = k * k * c, m = n * ho * wo, panels = (o + NR - 1) / NR, taps = k * k;
  // Wide inputs (c ≥ kIndirectChannels) read each tap's c channels in place through row pointers;
  // narrow ones (the first layer's c = 1: 9 values per pixel) are unfolded into packed A panels,
  // which needs all of K in one block (kc ≤ KC), else the im2col + GEMM route.
  constexpr int64_t kIndirectChannels = 4;
  const bool indirect = c >= kIndirectChannels;
  if (!indirect && kc > KC) {
    std::vector<float> cols(static_cast<size_t>(m * kc));
    im2col_nhwc(x, n, h, w, c, k, stride, pad, ho, wo, cols.data());
    gemm_f32_simd128(false, true, m, o, kc, 1.0f, cols.data(), weight, 0.0f, y);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < o; ++j) {
        const float v = y[i * o + j] * scale[j] + shift[j];
        y[i * o + j] = relu && !(v > 0.0f) ? 0.0f : v;
      }
    }
    return;
  }
  // The weights as op(B) = Wᵀ [kc × o] (W is [o × kc] row-major: trans_b), packed once.
  thread_local std::vector<float> bpack, apack, sc, sh, zeros;
  thread_local std::vector<const float*> ptrs;
  bpack.resize(static_cast<size_t>(panels * kc * NR));
  sc.assign(static_cast<size_t>(panels * NR), 0.0f);
  sh.assign(static_cast<size_t>(panels * NR), 0.0f);
  for (int64_t j = 0; j < o; ++j) {
    sc[static_cast<size_t>(j)] = scale[j];
    sh[static_cast<size_t>(j)] = shift[j];
  }
  pack_b(true, weight, o, kc, 0, o, 0, kc, bpack.data());
  const Affine ep{sc.data(), sh.data(), relu};
  if (indirect) {
    zeros.assign(static_cast<size_t>(c), 0.0f);
    ptrs.resize(static_cast<size_t>(((MC + MR - 1) / MR) * taps * MR));
  } else {
    apack.resize(static_cast<size_t>(((MC + MR - 1) / MR) * kc * MR));
  }
  for (int64_t i0 = 0; i0 < m; i0 += MC) {
    const int64_t mc = std::min<int64_t>(MC, m - i0);
    if (indirect) {
      // ptrs[(p0/MR)·taps·MR + t·MR + r] = the c channels tap t reads for output pixel i0 + p0 + r
      for (int64_t p0 = 0; p0 < mc; p0 += MR) {
        const int64_t rows = std::min<int64_t>(MR, mc - p0);
        const float** pp = ptrs.data() + (p0 / MR) * taps * MR;
        for (int64_t r = 0; r < MR; ++r) {
          const int64_t i = i0 + p0 + std::min(r, rows - 1);  // rows past the end repeat the last (not stored)
          const int64_t b = i / (ho * wo), oy = (i / wo) % ho, ox = i % wo;
          for (int64_t ky = 0; ky < k; ++ky) {
            const int64_t iy = oy * stride - pad + ky;
            for (int64_t kx = 0; kx < k; ++kx) {
              const int64_t ix = ox * stride - pad + kx;
              const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
              pp[(ky * k + kx) * MR + r] = inside ? x + ((b * h + iy) * w + ix) * c : zeros.data();
            }
          }
        }
      }
      // one B panel (L1) against all the block's tiles
      for (int64_t p = 0; p < panels; ++p) {
        const int cols = static_cast<int>(std::min<int64_t>(NR, o - p * NR));
        for (int64_t p0 = 0; p0 < mc; p0 += MR) {
          const int rows = static_cast<int>(std::min<int64_t>(MR, mc - p0));
          micro_kernel_indirect(taps, c, ptrs.data() + (p0 / MR) * taps * MR, bpack.data() + p * kc * NR,
                                y + (i0 + p0) * o + p * NR, o, rows, cols, static_cast<int>(p * NR), ep);
        }
      }
      continue;
    }
    pack_conv_rows(x, h, w, c, k, stride, pad, ho, wo, i0, mc, apack.data());
    for (int64_t p0 = 0; p0 < mc; p0 += MR) {
      const int rows = static_cast<int>(std::min<int64_t>(MR, mc - p0));
      const float* ap = apack.data() + (p0 / MR) * kc * MR;
      for (int64_t p = 0; p < panels; ++p) {
        const int cols = static_cast<int>(std::min<int64_t>(NR, o - p * NR));
        micro_kernel(kc, ap, bpack.data() + p * kc * NR, y + (i0 + p0) * o + p * NR, o, rows, cols,
                     static_cast<int>(p * NR), ep);
      }
    }
  }
}

}  // namespace metacog::kernels::detail

#endif  // __wasm_simd128__
