// Peak f32 multiply-add throughput kernels (peak.hpp): independent x ← x·c + d chains.
#include "metacog/peak.hpp"

#include "metacog/error.hpp"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace metacog {

namespace {

#if defined(__wasm_simd128__)
using Vec = v128_t;
inline Vec splat(float x) { return wasm_f32x4_splat(x); }
inline Vec mad(Vec x, Vec c, Vec d) { return wasm_f32x4_add(wasm_f32x4_mul(x, c), d); }
inline float lane_sum(Vec x) {
  return wasm_f32x4_extract_lane(x, 0) + wasm_f32x4_extract_lane(x, 1) + wasm_f32x4_extract_lane(x, 2) +
         wasm_f32x4_extract_lane(x, 3);
}
constexpr PeakKernel kKernel{"wasm-simd128 mul+add", 4};
#elif defined(__AVX2__) && defined(__FMA__)
using Vec = __m256;
inline Vec splat(float x) { return _mm256_set1_ps(x); }
inline Vec mad(Vec x, Vec c, Vec d) { return _mm256_fmadd_ps(x, c, d); }
inline float lane_sum(Vec x) {
  alignas(32) float v[8];
  _mm256_store_ps(v, x);
  return v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
}
constexpr PeakKernel kKernel{"avx2-fma", 8};
#else
using Vec = float;
inline Vec splat(float x) { return x; }
inline Vec mad(Vec x, Vec c, Vec d) { return x * c + d; }
inline float lane_sum(Vec x) { return x; }
constexpr PeakKernel kKernel{"scalar mul+add", 1};
#endif

template <int N>
float run_chains(int64_t iterations) {
  Vec x[N];
  for (int i = 0; i < N; ++i) x[i] = splat(0.5f + 0.01f * static_cast<float>(i));
  const Vec c = splat(0.999f), d = splat(0.001f);
  for (int64_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < N; ++i) x[i] = mad(x[i], c, d);
  }
  float s = 0;
  for (int i = 0; i < N; ++i) s += lane_sum(x[i]);
  return s;
}

}  // namespace

PeakKernel peak_kernel() { return kKernel; }

float peak_f32_mad(int64_t iterations, int chains) {
  require(iterations >= 0, ErrorCode::InvalidArgument, "peak: iterations must be ≥ 0");
  switch (chains) {
    case 8: return run_chains<8>(iterations);
    case 12: return run_chains<12>(iterations);
    case 16: return run_chains<16>(iterations);
    default: throw Error(ErrorCode::InvalidArgument, "peak: chains must be 8, 12 or 16");
  }
}

}  // namespace metacog
