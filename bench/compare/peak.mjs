// Peak f32 multiply-add throughput of this core as the wasm builds see it (metacog/peak.hpp:
// independent x ← x·c + d chains; SIMD128 has no FMA, so mul + add), and the fraction of peak that
// the GEMM and Conv-4 timings of the suite reach.
const now = () => performance.now();

/** Conv-4 forward flops on N 28×28×1 images, 64 filters, max-pool (2·M·K·N per layer's GEMM). */
export function conv4Flops(images = 100) {
  let flops = 0, side = 28, c = 1;
  for (let l = 0; l < 4; ++l) {
    flops += 2 * images * side * side * 9 * c * 64;
    side = Math.floor(side / 2);
    c = 64;
  }
  return flops;
}

/** { isa, lanes, gflops (best chain count), chains: { 8, 12, 16 } } of one module, medians of `reps`. */
export function measurePeak(Module, reps = 5) {
  const k = Module.peakKernel();
  const chains = {};
  for (const n of [8, 12, 16]) {
    let iters = 1 << 14;
    for (;;) {
      const t0 = now();
      const r = Module.peakF32(iters, n);
      if (r && r.__error) throw new Error(r.message);
      if (now() - t0 > 10) break;
      iters *= 2;
    }
    iters *= 5;  // ~50 ms per run
    const g = [];
    for (let r = 0; r < reps; ++r) {
      const t0 = now();
      Module.peakF32(iters, n);
      g.push(2 * iters * n * k.lanes / ((now() - t0) * 1e6));
    }
    g.sort((a, b) => a - b);
    chains[n] = g[g.length >> 1];
  }
  return { isa: k.isa, lanes: k.lanes, gflops: Math.max(...Object.values(chains)), chains };
}

/** Fractions of peak: wasm (suite timings vs wasm SIMD peak) and native (metacog bench vs native peak). */
export function fractions(timings, wasmPeak, native) {
  const n = 256;
  const gemm = (ms) => 2 * n ** 3 / (ms * 1e6);
  const conv = (ms) => conv4Flops(100) / (ms * 1e6);
  const out = { wasm_simd_peak_gflops: wasmPeak.gflops, wasm: {}, native: null };
  for (const [k, v] of Object.entries(timings.gemm)) if (v.median_ms) out.wasm[`gemm_${k}`] = gemm(v.median_ms) / wasmPeak.gflops;
  for (const [k, v] of Object.entries(timings.conv4_forward)) if (v.median_ms) out.wasm[`conv4_forward_${k}`] = conv(v.median_ms) / wasmPeak.gflops;
  if (native && native.peak && native.peak.gflops && native.bench) {
    out.native = {
      peak_gflops: native.peak.gflops,
      gemm_256: native.bench.gemm_gflops['256'] / native.peak.gflops,
      gemm_512: native.bench.gemm_gflops['512'] / native.peak.gflops,
      // conv4_forward_ms of `metacog bench` runs BN in training mode; the convolutions are the flops
      conv4_forward: conv(native.bench.conv4_forward_ms) / native.peak.gflops,
    };
  }
  return out;
}
