#!/usr/bin/env node
// `npm run bench:core`: the core micro-benchmarks (GEMM GFLOP/s, Conv-4 forward and forward +
// backward on 100 28×28 images) natively (build/metacog bench) and in wasm SIMD and scalar under
// Node, side by side. Prints one JSON object; medians of --repeats runs (default 5).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// the loader itself (the public entry hands out no Embind module, design.md §7)
import { loadModule } from '../web/src/wasm.js';

const args = process.argv.slice(2);
const i = args.indexOf('--repeats');
const repeats = i >= 0 ? Number(args[i + 1]) : 5;
const out = { repeats };
const cli = fileURLToPath(new URL('../build/metacog', import.meta.url));
if (existsSync(cli)) {
  out.native = JSON.parse(execFileSync(cli, ['bench', '--json', '--repeats', String(repeats)], { encoding: 'utf8' }));
}
for (const simd of [true, false]) {
  // the benchmark module (dist/bench/: the library's bindings plus the benchmark ones)
  const Module = await loadModule({ simd, baseUrl: new URL('../dist/bench/', import.meta.url) });
  const r = Module.coreBench(repeats);
  if (typeof r !== 'string') throw new Error(r.message);
  out[simd ? 'wasm_simd' : 'wasm_scalar'] = JSON.parse(r);
}
console.log(JSON.stringify(out));
