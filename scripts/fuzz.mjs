#!/usr/bin/env node
// Fuzzes the loaders (design.md §5: "loaders survive a fuzzer") with libFuzzer + ASan + UBSan.
//
//   npm run fuzz                         every check, 60 s each
//   npm run fuzz -- --seconds 300 item_bank learner_state
//   npm run fuzz -- --merge              also add the inputs that reach new coverage to
//                                        tests/fuzz/corpus/<check>/ (small ones; the doctest suite replays them)
//
// Builds build-fuzz/ with clang (-DMETACOG_FUZZ=ON, cmake/fuzz.cmake), seeds each check's working
// corpus (build-fuzz/corpus/<check>/) with the committed corpus plus the shipped models and item bank,
// runs the fuzzer on one core, and prints one JSON object: per check the executions, seconds, corpus
// size, coverage and findings. A finding (crash, sanitizer report, an exception other than
// metacog::Error, an allocation over 256 MB, a 10 s timeout) is saved in build-fuzz/findings/ and
// makes the command exit 1: add the input to tests/fuzz/corpus/<check>/ and fix the loader.
import { spawnSync, execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = path.join(root, 'build-fuzz');
const CHECKS = ['safetensors', 'learner_model', 'conv4_model', 'item_bank', 'learner_state', 'kt_log', 'engine_calls', 'sketch_input'];
// Extra seeds that live elsewhere in the repository (never copied into tests/fuzz/corpus).
const SEEDS = {
  safetensors: ['models/demo-learner.safetensors', 'tests/fixtures/pytorch_style.safetensors'],
  learner_model: ['models/demo-learner.safetensors'],
  conv4_model: ['tests/fixtures/golden_conv4.safetensors', 'tests/fixtures/pytorch_style.safetensors'],
  item_bank: ['web/demo/item-bank.json'],
};
const MERGE_MAX_BYTES = 4096;  // inputs added to the committed corpus stay small

function usage(message) {
  console.error(`${message}\nusage: npm run fuzz -- [--seconds N] [--merge] [${CHECKS.join('|')} ...]`);
  process.exit(2);
}
const args = process.argv.slice(2);
let seconds = 60;
let merge = false;
const chosen = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seconds') {
    seconds = Number(args[++i]);
    if (!Number.isInteger(seconds) || seconds < 1) usage('--seconds takes a positive integer');
  } else if (args[i] === '--merge') merge = true;
  else if (CHECKS.includes(args[i])) chosen.push(args[i]);
  else usage(`unknown argument ${args[i]}`);
}
const checks = chosen.length ? chosen : CHECKS;

// libFuzzer ships with clang (Debian: clang + libclang-rt-14-dev); fuzzing is not part of `npm test`,
// so its packages are not installed by scripts/setup.mjs.
const hasClang = spawnSync('clang++', ['--version'], { stdio: 'ignore' }).status === 0;
const fuzzerRuntime = hasClang ? spawnSync('clang++', ['-print-file-name=libclang_rt.fuzzer-x86_64.a'], { encoding: 'utf8' }).stdout.trim() : '';
if (!hasClang || !existsSync(fuzzerRuntime)) {
  console.error('npm run fuzz needs clang with libFuzzer: apt-get install clang libclang-rt-14-dev');
  process.exit(2);
}
const run = (cmd, argv) => execFileSync(cmd, argv, { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
if (!existsSync(path.join(build, 'build.ninja'))) {
  run('cmake', ['-S', '.', '-B', build, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DCMAKE_CXX_COMPILER=clang++',
    '-DMETACOG_FUZZ=ON', '-DMETACOG_OPENMP=OFF']);
}
run('cmake', ['--build', build, '-j', '2', '--target', ...checks.map((c) => `fuzz_${c}`)]);

const files = (dir) => (existsSync(dir) ? readdirSync(dir).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile()) : []);
const results = {};
let findings = 0;
for (const check of checks) {
  const committed = path.join(root, 'tests/fuzz/corpus', check);
  const work = path.join(build, 'corpus', check);
  const found = path.join(build, 'findings');
  mkdirSync(work, { recursive: true });
  mkdirSync(found, { recursive: true });
  for (const seed of [...files(committed), ...(SEEDS[check] ?? []).map((s) => path.join(root, s))]) {
    copyFileSync(seed, path.join(work, path.basename(seed)));
  }
  const before = new Set(readdirSync(found));
  const t0 = Date.now();
  // libFuzzer logs every new input: to a file (a pipe would overflow spawnSync's buffer in long runs).
  const logPath = path.join(build, 'logs', `${check}.log`);
  mkdirSync(path.dirname(logPath), { recursive: true });
  const logFd = openSync(logPath, 'w');
  const r = spawnSync(path.join(build, `fuzz_${check}`), [
    `-max_total_time=${seconds}`, '-timeout=10', '-malloc_limit_mb=256', '-rss_limit_mb=2048', '-print_final_stats=1',
    `-artifact_prefix=${found}/${check}-`, work,
  ], { cwd: root, stdio: ['ignore', logFd, logFd], env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' } });
  closeSync(logFd);
  const log = readFileSync(logPath, 'utf8');
  const stat = (name) => Number((log.match(new RegExp(`^stat::${name}:\\s*(\\d+)`, 'm')) ?? [])[1] ?? NaN);
  const last = [...log.matchAll(/^#\d+\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/gm)].pop();
  const newFindings = readdirSync(found).filter((f) => !before.has(f));
  // A finding is what libFuzzer reports (an artifact, or its exit status); failing to run it is not.
  if (r.error || (r.signal && newFindings.length === 0)) {
    console.error(`fuzz ${check}: the fuzzer did not run to its end (${r.error?.message ?? r.signal}); log: ${path.relative(root, logPath)}`);
    process.exit(2);
  }
  const crashed = r.status !== 0 || newFindings.length > 0;
  if (crashed) {
    findings++;
    process.stderr.write(log.split('\n').slice(-60).join('\n') + '\n');
  }
  results[check] = {
    ok: !crashed,
    executions: stat('number_of_executed_units'),
    seconds: Math.round((Date.now() - t0) / 100) / 10,
    coverage: last ? Number(last[1]) : null,
    features: last ? Number(last[2]) : null,
    corpus: last ? Number(last[3]) : null,
    peak_rss_mb: stat('peak_rss_mb'),
    findings: newFindings.map((f) => path.relative(root, path.join(found, f))),
    log: path.relative(root, logPath),
  };
  if (merge && !crashed) {
    // Keep the small inputs of the working corpus that reach coverage the committed corpus does not:
    // `-merge=1 A B` adds to A the inputs of B that add coverage to A. B holds only the small inputs
    // (libFuzzer would cut larger ones to -max_len and commit the prefixes).
    const fresh = path.join(build, 'merge', check);
    const small = path.join(build, 'merge-small', check);
    for (const dir of [fresh, small]) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
    mkdirSync(committed, { recursive: true });
    for (const f of files(committed)) copyFileSync(f, path.join(fresh, path.basename(f)));
    for (const f of files(work)) if (statSync(f).size <= MERGE_MAX_BYTES) copyFileSync(f, path.join(small, path.basename(f)));
    const known = new Set(readdirSync(fresh));
    const m = spawnSync(path.join(build, `fuzz_${check}`), ['-merge=1', fresh, small], { cwd: root, stdio: 'ignore' });
    if (m.status !== 0) {
      console.error(`fuzz ${check}: the corpus merge failed (exit ${m.status ?? m.signal})`);
      process.exit(2);
    }
    let added = 0;
    for (const f of files(fresh)) {
      if (known.has(path.basename(f))) continue;
      copyFileSync(f, path.join(committed, path.basename(f)));
      added++;
    }
    results[check].merged_into_committed_corpus = added;
  }
  process.stderr.write(`fuzz ${check}: ${JSON.stringify(results[check])}\n`);
}
console.log(JSON.stringify({ seconds_per_check: seconds, checks: results, findings }, null, 2));
process.exit(findings ? 1 : 0);
