#!/usr/bin/env node
// Builds metacog: `node scripts/build.mjs [native] [wasm] [web] [demo]` (the first three by default).
//   native → build/ (engine, CLI build/metacog, doctest suite)
//   wasm   → build-wasm-simd/ and build-wasm-scalar/ (Embind modules into dist/, doctest suites)
//   web    → dist/metacog.js (+ .d.ts, worker), dist/metacog-widgets.js (+ .d.ts), dist/metacog-charts.js (esbuild)
//   demo   → only what `npm start` serves: the two wasm modules (not the wasm doctest suites) and web
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
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

export function buildWasm({ modulesOnly = false } = {}) {
  for (const flavor of ['simd', 'scalar']) {
    const dir = `build-wasm-${flavor}`;
    if (!existsSync(path.join(root, dir, 'build.ninja'))) {
      run('emcmake', ['cmake', '-S', '.', '-B', dir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release',
        `-DMETACOG_WASM_SIMD=${flavor === 'simd' ? 'ON' : 'OFF'}`]);
    }
    run('cmake', ['--build', dir, '-j', jobs, ...(modulesOnly ? ['--target', 'metacog_wasm'] : [])]);
  }
  if (existsSync(path.join(root, 'dist'))) writeBuildId();  // the wasm files are served by the demo too
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
  writeBuildId();
}

/** Every file under `dir`, sorted, as paths relative to the repository. */
function filesUnder(dir) {
  const out = [];
  for (const name of readdirSync(path.join(root, dir)).sort()) {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...filesUnder(rel));
    else out.push(rel);
  }
  return out;
}

/**
 * dist/build-id.js: a hash of what the demo serves (its pages, the bundles, both wasm builds and the
 * two shipped models). The demo's service worker imports it and names its cache after it, so a new
 * build is a new service worker that caches every file afresh and drops the old cache: offline, a
 * page never mixes files of two builds. Written by the web and the wasm steps (a model file retrained
 * in place is picked up by the next build).
 */
export function writeBuildId() {
  const files = [
    ...filesUnder('web/demo'),
    ...['metacog.js', 'metacog-worker.js', 'metacog-widgets.js', 'metacog-charts.js', 'uplot.min.css',
      'metacog-simd.mjs', 'metacog-simd.wasm', 'metacog-scalar.mjs', 'metacog-scalar.wasm'].map((f) => `dist/${f}`),
    'models/demo-learner.safetensors', 'models/omniglot-protonet.safetensors',
  ].filter((f) => existsSync(path.join(root, f)));
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f}\0`).update(readFileSync(path.join(root, f))).update('\0');
  const id = hash.digest('hex').slice(0, 16);
  writeFileSync(path.join(root, 'dist/build-id.js'), `// written by scripts/build.mjs: the demo service worker's cache version\nself.METACOG_BUILD = '${id}';\n`);
}

const targets = process.argv.slice(2);
const all = targets.length === 0;
if (all || targets.includes('native')) buildNative();
if (all || targets.includes('wasm')) buildWasm();
if (all || targets.includes('web')) await buildWeb();
if (targets.includes('demo')) {
  buildWasm({ modulesOnly: true });
  await buildWeb();
}
