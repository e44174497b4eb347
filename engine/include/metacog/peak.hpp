// metacog/peak.hpp — this machine's peak f32 multiply-add throughput, for "fraction of peak".
//
// `chains` independent accumulator chains x_i ← x_i·c + d (c = 0.999, d = 0.001: the values stay
// near 1, never denormal), each step 2 flops per lane, with the widest multiply-add this build has:
//   wasm SIMD128  f32x4.mul + f32x4.add (WebAssembly 1.0 SIMD has no fused multiply-add),
//   native x86    AVX2 + FMA: _mm256_fmadd_ps (8 lanes, fused),
//   otherwise     scalar float mul + add (the wasm scalar build).
// With enough chains (≥ latency × issue width) the loop is bound by the FP pipes, not by latency:
//   GFLOP/s = iterations · chains · lanes · 2 / time.
//
//     PeakKernel k = peak_kernel();                   // {isa, lanes}
//     float sink = peak_f32_mad(iterations, 12);      // time this call; sink defeats dead-code removal
#pragma once

#include <cstdint>

namespace metacog {

struct PeakKernel {
  const char* isa;  ///< "wasm-simd128 mul+add", "avx2-fma", "scalar mul+add"
  int lanes;        ///< f32 lanes per instruction
};

PeakKernel peak_kernel();

/** Runs `iterations` steps of `chains` ∈ {8, 12, 16} accumulator chains; returns their sum. */
float peak_f32_mad(int64_t iterations, int chains);

/** Flops done by peak_f32_mad(iterations, chains). */
inline double peak_flops(int64_t iterations, int chains) {
  return 2.0 * static_cast<double>(iterations) * chains * peak_kernel().lanes;
}

}  // namespace metacog
