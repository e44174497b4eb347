#!/usr/bin/env node
// Builds metacog: `node scripts/build.mjs [native] [wasm] [web]` (all three by default).
//   native → build/ (engine, CLI build/metacog, doctest suite)
//   wasm   → build-wasm-simd/ and build-wasm-scalar/ (Embind modules into dist/, doctest suites)
//   web    → dist/metacog.js (+ .d.ts, worker), dist/metacog-widgets.js (+ .d.ts), dist/metacog-charts.js (esbuild)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const jobs = String(Math.max(1, Math.min(os.cpus().length, 8)));
// Emscripten's JS optimizer needs Debian's acorn (design.md §6).
const env = { ...process.env, NODE_PATH: ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(':') };

function run(cmd, args, opts = {}) {
  process.stderr.write(`[build] ${cmd} ${args.join(' ')}\n`);
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env, ...opts });
}

export function buildNative(dir = 'build', extra = []) {
  if (!existsSync(path.join(root, dir, 'build.ninja'))) {
    run('cmake', ['-S', '.', '-B', dir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release', ...extra]);
  }
  run('cmake', ['--build', dir, '-j', jobs]);
}

export function buildWasm() {
  for (const flavor of ['simd', 'scalar']) {
    const dir = `build-wasm-${flavor}`;
    if (!existsSync(path.join(root, dir, 'build.ninja'))) {
      run('emcmake', ['cmake', '-S', '.', '-B', dir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release',
        `-DMETACOG_WASM_SIMD=${flavor === 'simd' ? 'ON' : 'OFF'}`]);
    }
    run('cmake', ['--build', dir, '-j', jobs]);
  }
}

export async function buildWeb() {
  const esbuild = await import('esbuild');
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  const common = {
    bundle: true, format: 'esm', target: 'es2022', platform: 'neutral', sourcemap: true,
    external: ['node:*'], logLevel: 'warning', legalComments: 'linked',
    mainFields: ['module', 'main'],
  };
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'web/src/index.js')], outfile: path.join(root, 'dist/metacog.js') });
  // The Worker entry: rpc.js starts it as new URL('./metacog-worker.js', import.meta.url).
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'web/src/worker.js')], outfile: path.join(root, 'dist/metacog-worker.js') });
  // The widgets (<metacog-practice>, <metacog-sketch>; self-contained, one script tag) and the demo's
  // charts (uPlot) with uPlot's stylesheet.
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'web/src/ui/index.js')], outfile: path.join(root, 'dist/metacog-widgets.js') });
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'web/src/ui/charts.js')], outfile: path.join(root, 'dist/metacog-charts.js') });
  copyFileSync(path.join(root, 'node_modules/uplot/dist/uPlot.min.css'), path.join(root, 'dist/uplot.min.css'));
  for (const types of ['metacog.d.ts', 'metacog-widgets.d.ts']) copyFileSync(path.join(root, 'web/src', types), path.join(root, 'dist', types));
}

const targets = process.argv.slice(2);
const all = targets.length === 0;
if (all || targets.includes('native')) buildNative();
if (all || targets.includes('wasm')) buildWasm();
if (all || targets.includes('web')) await buildWeb();
