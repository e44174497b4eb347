#!/usr/bin/env node
// Runs the test layers: `node scripts/test.mjs [native] [wasm] [js] [guards] [browser]` (all by default).
//   native  — the doctest suite built natively (build/metacog_tests)
//   wasm    — the same doctest sources compiled to wasm SIMD and wasm scalar, run under Node
//   js      — node --test tests/js (library API on both builds, structural guards)
//   guards  — only the structural guards (tests/js/guards.test.mjs; part of js)
//   browser — node --test tests/browser (Debian's Chromium through playwright-core)
// Exits non-zero if any layer fails; prints a summary line per layer.
// The native layer runs beside the wasm and JS layers when they are asked for too (on CI's two cores
// this saves the native suite's time); its output is printed when it ends.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
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

/** Runs one command to its end: resolves to { ok, seconds, why }, never rejects (a command that
 *  cannot start is a failed layer; why says so). */
function run(cmd, argv, env, stdio) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok, why = '') => {
      if (settled) return;
      settled = true;
      resolve({ ok, seconds: ((Date.now() - t0) / 1000).toFixed(1), why });
    };
    const child = spawn(cmd, argv, { cwd: root, stdio, env: { ...process.env, ...env } });
    child.on('error', (e) => done(false, `could not start ${cmd}: ${e.message}`));
    child.on('close', (code) => done(code === 0));
  });
}

/** A layer in the foreground, its output straight to the terminal. */
async function layer(name, cmd, argv, env = {}) {
  process.stderr.write(`\n=== ${name}: ${cmd} ${argv.join(' ')}\n`);
  const { ok, seconds, why } = await run(cmd, argv, env, 'inherit');
  if (why) process.stderr.write(`${why}\n`);
  results.push({ name, ok, seconds });
}

/** A layer beside the foreground ones: its output (stdout and stderr, in order) is held in a scratch
 *  file and printed, under its header, when it ends. Resolves to its summary entry. */
async function backgroundLayer(name, cmd, argv, env = {}) {
  process.stderr.write(`\n=== ${name}: started beside the next layers; its output follows when it ends\n`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'metacog-test-'));
  const logPath = path.join(dir, 'output.log');
  const fd = openSync(logPath, 'w');
  try {
    const { ok, seconds, why } = await run(cmd, argv, env, ['ignore', fd, fd]);
    process.stderr.write(`\n=== ${name}: ${cmd} ${argv.join(' ')}\n`);
    process.stderr.write(readFileSync(logPath));
    if (why) process.stderr.write(`${why}\n`);
    return { name, ok, seconds };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

function testFiles(dir) {
  return readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.test.mjs')).sort()
    .map((f) => path.join(dir, f));
}

const doctestArgs = ['--no-colors=true', ...(process.env.DOCTEST_ARGS ? process.env.DOCTEST_ARGS.split(' ') : [])];
// One OpenMP thread: the tests use small matrices, where OpenMP's spinning threads only cost time
// (59 s instead of 1.7 s for the few-shot tests on a busy 2-core machine).
const ompEnv = { OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' };
const nativeArgs = ['doctest (native)', path.join(root, 'build/metacog_tests'), doctestArgs, ompEnv];
const want = (name) => all || args.includes(name);
const jsLayer = want('js') ? ['JS (node --test)', process.execPath, ['--test', ...testFiles('tests/js')]]
  : args.includes('guards') ? ['guards (node --test)', process.execPath, ['--test', 'tests/js/guards.test.mjs']] : null;
// The native suite (the longest, one thread) runs beside the wasm suites and the JS tests (one thread
// each, one after the other); the browser tests start when both lanes are done.
const native = want('native') && (want('wasm') || jsLayer) ? backgroundLayer(...nativeArgs) : null;
if (want('native') && !native) await layer(...nativeArgs);
if (want('wasm')) {
  for (const flavor of ['simd', 'scalar']) {
    await layer(`doctest (wasm ${flavor}, Node)`, process.execPath,
      [path.join(root, `build-wasm-${flavor}/metacog_tests.cjs`), ...doctestArgs]);
  }
}
if (jsLayer) await layer(...jsLayer);
if (native) results.unshift(await native);
if (want('browser')) {
  await layer('browser (Chromium)', process.execPath, ['--test', '--test-concurrency=1', ...testFiles('tests/browser')]);
}

process.stderr.write('\n=== summary\n');
for (const r of results) process.stderr.write(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${r.seconds} s)\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
