#!/usr/bin/env node
// `npm run bench -- [--json] [--browser] [--repeats 9] [--dist DIR] [--rounds 200]`
// metacog wasm SIMD, metacog wasm scalar and TensorFlow.js 4.22 with its wasm backend (SIMD build,
// threads off: one thread like metacog) on the same work, interleaved, medians (bench/compare/suite.mjs):
// 256×256 GEMM, Conv-4 forward on 100 28×28 images (BN inference mode), one Reptile step of the
// learner model on 200 responses, ProtoNet 20-way 5-shot classification of 20 queries; then
// observe → recommend and classify latency (bench/latency-core.mjs, metacog only), the peak f32 multiply-add
// throughput of this core (wasm SIMD128 mul+add, and native AVX2 FMA via `build/metacog peak`) with
// the fraction of it that GEMM and Conv-4 reach, and the download sizes.
//   --browser  runs the same suite in Debian's Chromium (playwright-core) instead of Node.
//   --dist     where the shipped metacog-{simd,scalar}.{mjs,wasm} are (default dist/; sizes); the
//              benchmark module with the same kernels and the workload bindings is in <dist>/bench/.
//   --peak-cli a native metacog CLI with the `peak` command, if build/metacog has none yet.
// ratio = TF.js time / metacog SIMD time (> 1: metacog is faster); TF.js is timed in both of its
// formulations where there are two (layers / fused) and the faster one is used.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import { runSuite, ratios } from './compare/suite.mjs';
import { loadTfNode } from './compare/tfjs-node.mjs';
import { measurePeak, fractions } from './compare/peak.mjs';
import { growBank, makeRand, measureEngine, measureApi, measureClassify } from './latency-core.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const json = args.includes('--json');
const browser = args.includes('--browser');
const reps = Number(opt('repeats', '9'));
const rounds = Number(opt('rounds', '200'));
const dist = path.resolve(root, opt('dist', 'dist'));
const log = (s) => { if (!json) process.stderr.write(`[bench] ${s}\n`); };

const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
function sizes() {
  const f = (n) => path.join(dist, n);
  const lib = path.join(root, 'dist/metacog.js');
  return {
    wasm_simd_bytes: statSync(f('metacog-simd.wasm')).size,
    wasm_simd_gzip_bytes: gz(f('metacog-simd.wasm')),
    wasm_scalar_gzip_bytes: gz(f('metacog-scalar.wasm')),
    // the JavaScript a page loads: the library bundle and the Emscripten glue of one build
    js_gzip_bytes: (existsSync(lib) ? gz(lib) : 0) + gz(f('metacog-simd.mjs')),
  };
}

/** `build/metacog bench` and `build/metacog peak` (native, one thread), when the CLI is built. */
function native() {
  const cli = path.join(root, 'build/metacog');
  if (!existsSync(cli)) return { skipped: 'build/metacog not built' };
  const env = { ...process.env, OMP_NUM_THREADS: '1' };
  const run = (a) => JSON.parse(execFileSync(cli, a, { encoding: 'utf8', env }));
  let bench;
  try {
    bench = run(['bench', '--json', '--repeats', '5', '--no-protonet']);
  } catch {
    bench = run(['bench', '--json', '--repeats', '5']);  // a CLI without --no-protonet
  }
  const out = { bench };
  const peakCli = opt('peak-cli', cli);
  try {
    out.peak = JSON.parse(execFileSync(peakCli, ['peak', '--json'], { encoding: 'utf8', env }));
    out.peak.cli = peakCli;
  } catch (e) {
    out.peak = { skipped: `${peakCli} peak failed (an older build?): ${String(e.message).split('\n')[0]}` };
  }
  return out;
}

async function nodeRun() {
  const { tf, info: tfInfo } = await loadTfNode(root);
  const { loadModule } = await import(pathToFileURL(path.join(root, 'web/src/wasm.js')).href);
  const baseUrl = pathToFileURL(path.join(dist, 'bench') + path.sep);
  const modules = { simd: await loadModule({ simd: true, baseUrl }) };
  try {
    modules.scalar = await loadModule({ simd: false, baseUrl });
  } catch (e) {
    log(`no scalar build in ${baseUrl.pathname}: ${e.message}`);
  }
  const model = new Uint8Array(readFileSync(path.join(root, 'models/demo-learner.safetensors')));
  const suite = runSuite({ tf, modules, learnerModel: model, reps, log });
  log('peak');
  const peak = measurePeak(modules.simd);
  log('latency');
  const bank = growBank(JSON.parse(readFileSync(path.join(root, 'web/demo/item-bank.json'), 'utf8')));
  const rand = makeRand(), clock = { t: 1 };
  const engine = measureEngine({ Module: modules.simd, model, bank, rounds, rand, clock });
  let api = null;
  if (existsSync(path.join(root, 'dist/metacog.js'))) {
    const { createEngine } = await import(pathToFileURL(path.join(root, 'dist/metacog.js')).href);
    api = await measureApi({ createEngine, model, bank, rounds, rand, clock, simd: true });
  }
  const classify = measureClassify({ Module: modules.simd, model: readFileSync(path.join(root, 'models/omniglot-protonet.safetensors')), rounds });
  return { tfjs: tfInfo, suite, peak, latency: { engine, api, classify } };
}

const env = { node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadavg: os.loadavg() };
const r = browser ? await (await import('./compare/browser.mjs')).browserRun({ root, dist, reps, rounds, log }) : await nodeRun();
log('native');
const nat = native();
const t = r.suite.timings;
const out = {
  ratios: ratios(t),
  latency: {
    // the public API path in Node (createEngine from dist/metacog.js); the engine path in Chromium
    observe_recommend_p50_ms: (r.latency.api || r.latency.engine).observe_recommend_p50_ms,
    observe_recommend_p95_ms: (r.latency.api || r.latency.engine).observe_recommend_p95_ms,
    // the sketch classifier's classify() of one drawing with 20 classes × 5 examples added (p50)
    classify_ms: r.latency.classify.classify_p50_ms,
  },
  size: sizes(),
  raw: {
    where: browser ? 'chromium' : 'node', env, tfjs: r.tfjs, repeats: reps, sizes: r.suite.sizes,
    // the same ratios on process CPU time (Node only): less disturbed by other load on the machine
    ratios_cpu_time: browser ? null : ratios(t, 'median_cpu_ms'),
    timings: t, checks: r.suite.checks, latency: r.latency,
    peak: { wasm: r.peak, native: nat.peak ?? null, fraction_of_peak: fractions(t, r.peak, nat) },
    native_bench: nat.bench ?? nat,
    dist,
  },
};
console.log(json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
