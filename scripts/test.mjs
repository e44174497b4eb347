#!/usr/bin/env node
// Runs the test layers: `node scripts/test.mjs [native] [wasm] [js] [guards] [browser]` (all by default).
//   native  — the doctest suite built natively (build/metacog_tests)
//   wasm    — the same doctest sources compiled to wasm SIMD and wasm scalar, run under Node
//   js      — node --test tests/js (library API on both builds, structural guards)
//   guards  — only the structural guards (tests/js/guards.test.mjs; part of js)
//   browser — node --test tests/browser (Debian's Chromium through playwright-core)
// Exits non-zero if any layer fails; prints a summary line per layer.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const all = args.length === 0;
const LAYERS = ['native', 'wasm', 'js', 'guards', 'browser'];
const unknown = args.filter((a) => !LAYERS.includes(a));
if (unknown.length) {
  process.stderr.write(`unknown test layer ${unknown.join(', ')}; layers: ${LAYERS.join(' ')}\n`);
  process.exit(2);
}
const results = [];

function layer(name, cmd, argv, env = {}) {
  process.stderr.write(`\n=== ${name}: ${cmd} ${argv.join(' ')}\n`);
  const t0 = Date.now();
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  results.push({ name, ok: r.status === 0, seconds });
}

function testFiles(dir) {
  return readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.test.mjs')).sort()
    .map((f) => path.join(dir, f));
}

const doctestArgs = ['--no-colors=true', ...(process.env.DOCTEST_ARGS ? process.env.DOCTEST_ARGS.split(' ') : [])];
// One OpenMP thread: the tests use small matrices, where OpenMP's spinning threads only cost time
// (59 s instead of 1.7 s for the few-shot tests on a busy 2-core machine).
const ompEnv = { OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' };
if (all || args.includes('native')) layer('doctest (native)', path.join(root, 'build/metacog_tests'), doctestArgs, ompEnv);
if (all || args.includes('wasm')) {
  for (const flavor of ['simd', 'scalar']) {
    layer(`doctest (wasm ${flavor}, Node)`, process.execPath,
      [path.join(root, `build-wasm-${flavor}/metacog_tests.cjs`), ...doctestArgs]);
  }
}
if (all || args.includes('js')) layer('JS (node --test)', process.execPath, ['--test', ...testFiles('tests/js')]);
else if (args.includes('guards')) layer('guards (node --test)', process.execPath, ['--test', 'tests/js/guards.test.mjs']);
if (all || args.includes('browser')) {
  layer('browser (Chromium)', process.execPath, ['--test', '--test-concurrency=1', ...testFiles('tests/browser')]);
}

process.stderr.write('\n=== summary\n');
for (const r of results) process.stderr.write(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${r.seconds} s)\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
