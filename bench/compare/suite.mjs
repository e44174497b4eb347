// The side-by-side suite, the same code under Node and in Chromium: metacog wasm SIMD, metacog
// wasm scalar and TensorFlow.js (wasm backend) on the same workloads, interleaved (every
// repetition runs each implementation once, in a rotating order), medians of per-run times.
// Before timing, the outputs are compared (max |Δ| relative to max |x|), so the comparison is
// of the same work.
import * as tfw from './tfjs-workloads.mjs';

const now = () => performance.now();
/** CPU time of this process (user + system, ms) where the platform tells it (Node), else null.
 *  On a shared machine it is less disturbed by other processes than wall time. */
const cpuMs = () => {
  if (typeof process === 'undefined' || typeof process.cpuUsage !== 'function') return null;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Workload sizes of issue #9. */
export const SIZES = {
  gemm: 256,
  conv4Images: 100,
  protonet: { nWay: 20, kShot: 5, nQuery: 1 },
  reptileResponses: 200,
  seed: 2024,
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** max |a − b| / max(|b|, 1e-30) over all entries; a and b are array-likes of the same length. */
export function relError(a, b) {
  if (a.length !== b.length) throw new Error(`output lengths differ: ${a.length} vs ${b.length}`);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; ++i) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-30);
}

function check(name, err, tol, checks) {
  checks[name] = { rel_error: err, tolerance: tol, ok: err <= tol };
  if (!(err <= tol)) throw new Error(`${name}: outputs differ (relative error ${err} > ${tol}): not the same work`);
}

function unwrap(r) {
  if (r && r.__error) throw new Error(`${r.__error}: ${r.message}`);
  return r;
}

/**
 * Times `impls` ({ name: run }) interleaved: `reps` samples each, every sample averaging enough runs
 * to last ≥ minSampleMs. Returns { name: { median_ms, runs_per_sample, samples } }.
 */
export function interleaved(impls, { reps, minSampleMs = 20, warmup = 2 }) {
  const names = Object.keys(impls);
  const inner = {};
  for (const n of names) {
    for (let i = 0; i < warmup; ++i) impls[n]();
    const t0 = now();
    impls[n]();
    const dt = Math.max(now() - t0, 1e-3);
    inner[n] = Math.max(1, Math.ceil(minSampleMs / dt));
  }
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < reps; ++r) {
    for (let k = 0; k < names.length; ++k) {
      const n = names[(r + k) % names.length];
      const c0 = cpuMs(), t0 = now();
      for (let i = 0; i < inner[n]; ++i) impls[n]();
      samples[n].push((now() - t0) / inner[n]);
      if (c0 !== null) cpu[n].push((cpuMs() - c0) / inner[n]);
    }
  }
  const round = (x) => Math.round(x * 1e4) / 1e4;
  return Object.fromEntries(names.map((n) => [n, {
    median_ms: median(samples[n]), runs_per_sample: inner[n], samples: samples[n].map(round),
    ...(cpu[n].length ? { median_cpu_ms: median(cpu[n]) } : {}),
  }]));
}

/**
 * Runs the suite. `modules` = { simd: Module, scalar: Module } (metacog Embind modules), `tf` the
 * TF.js namespace with the wasm backend active, `learnerModel` the bytes of
 * models/demo-learner.safetensors (the Reptile step starts from its meta-parameters).
 * Returns { timings, checks, sizes: SIZES }.
 */
export function runSuite({ tf, modules, learnerModel, reps = 9, log = () => {} }) {
  const { gemm: n, conv4Images, protonet: pn, reptileResponses, seed } = SIZES;
  const timings = {}, checks = {};
  const flavors = Object.keys(modules);

  // ---- GEMM
  {
    log('gemm');
    const mc = Object.fromEntries(flavors.map((f) => [f, unwrap(modules[f].makeGemmWorkload(n, seed))]));
    const ref = mc[flavors[0]];
    const t = tfw.gemm(tf, { n, a: ref.a(), b: ref.b() });
    for (const f of flavors) {
      mc[f].run();
      check(`gemm ${f} vs tfjs`, relError(mc[f].c(), t.output()), 1e-5, checks);
    }
    timings.gemm = interleaved({ ...Object.fromEntries(flavors.map((f) => [`metacog_${f}`, () => mc[f].run()])), tfjs: () => t.run() }, { reps });
    timings.gemm.gflops = Object.fromEntries(Object.entries(timings.gemm).map(([k, v]) => [k, 2 * n ** 3 / (v.median_ms * 1e6)]));
    t.dispose();
    for (const f of flavors) mc[f].delete();
  }

  // ---- Conv-4 forward
  {
    log('conv4');
    const mc = Object.fromEntries(flavors.map((f) => [f, unwrap(modules[f].makeConv4Workload(conv4Images, seed))]));
    const ref = mc[flavors[0]];
    const inputs = { images: conv4Images, x: ref.x(), weights: ref.weights() };
    const layers = tfw.conv4(tf, inputs, 'layers'), fused = tfw.conv4(tf, inputs, 'fused');
    const tl = layers.output();
    check('conv4 tfjs fused vs layers', relError(fused.output(), tl), 1e-4, checks);
    for (const f of flavors) {
      unwrap(mc[f].run());
      check(`conv4 ${f} vs tfjs`, relError(mc[f].out(), tl), 1e-4, checks);
    }
    timings.conv4_forward = interleaved({
      ...Object.fromEntries(flavors.map((f) => [`metacog_${f}`, () => unwrap(mc[f].run())])),
      tfjs_layers: () => layers.run(), tfjs_fused: () => fused.run(),
    }, { reps });
    layers.dispose(); fused.dispose();
    for (const f of flavors) mc[f].delete();
  }

  // ---- ProtoNet classification
  {
    log('protonet');
    const mc = Object.fromEntries(flavors.map((f) => [f, unwrap(modules[f].makeProtoNetWorkload(pn.nWay, pn.kShot, pn.nQuery, seed))]));
    const ref = mc[flavors[0]];
    const inputs = { ...pn, images: ref.images(), weights: ref.weights() };
    const layers = tfw.protonet(tf, inputs, 'layers'), fused = tfw.protonet(tf, inputs, 'fused');
    const tl = layers.output();
    check('protonet tfjs fused vs layers', relError(fused.output(), tl), 1e-3, checks);
    for (const f of flavors) {
      unwrap(mc[f].run());
      check(`protonet ${f} vs tfjs`, relError(mc[f].logProbs(), tl), 1e-3, checks);
    }
    timings.protonet_classify = interleaved({
      ...Object.fromEntries(flavors.map((f) => [`metacog_${f}`, () => unwrap(mc[f].run())])),
      tfjs_layers: () => layers.run(), tfjs_fused: () => fused.run(),
    }, { reps });
    layers.dispose(); fused.dispose();
    for (const f of flavors) mc[f].delete();
  }

  // ---- Reptile step of the learner model
  {
    log('reptile');
    const mc = Object.fromEntries(flavors.map((f) => [f, unwrap(modules[f].makeLearnerReptileWorkload(reptileResponses, seed, learnerModel))]));
    const ref = mc[flavors[0]];
    const model = ref.model();
    const trace = unwrap(ref.trace());
    const t = tfw.reptile(tf, { model, trace });
    const tg = t.gradient();
    check('reptile phi_t (JS inner loop vs metacog trace)', relError(tg.phi, trace.phi), 1e-4, checks);
    for (const f of flavors) {
      const g = unwrap(mc[f].gradient());
      check(`reptile loss ${f} vs tfjs`, Math.abs(g.loss - tg.loss) / Math.abs(g.loss), 1e-4, checks);
      let worst = 0;
      for (const [name, { offset }] of Object.entries(t.shapes)) {
        const mine = tg.grads[name];
        worst = Math.max(worst, relError(mine, g.grad.subarray(offset, offset + mine.length)));
      }
      check(`reptile gradient ${f} vs tfjs`, worst, 1e-3, checks);
    }
    timings.reptile_step = interleaved({
      ...Object.fromEntries(flavors.map((f) => [`metacog_${f}`, () => unwrap(mc[f].run())])),
      tfjs: () => t.run(),
    }, { reps });
    t.dispose();
    for (const f of flavors) mc[f].delete();
  }
  return { timings, checks, sizes: SIZES };
}

/** TF.js time / metacog SIMD time per workload (TF.js: its faster formulation); key = median_ms or median_cpu_ms. */
export function ratios(timings, key = 'median_ms') {
  const best = (t) => Math.min(...Object.entries(t).filter(([k, v]) => k.startsWith('tfjs') && v[key]).map(([, v]) => v[key]));
  const r = (t) => best(t) / t.metacog_simd[key];
  return {
    gemm_vs_tfjs: r(timings.gemm),
    conv4_forward_vs_tfjs: r(timings.conv4_forward),
    reptile_step_vs_tfjs: r(timings.reptile_step),
    protonet_classify_vs_tfjs: r(timings.protonet_classify),
  };
}
