#!/usr/bin/env node
// Builds the native engine and doctest suite with ASan + UBSan (build-asan/) and runs the suite.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
if (!existsSync(path.join(root, 'build-asan/build.ninja'))) {
  run('cmake', ['-S', '.', '-B', 'build-asan', '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
    '-DMETACOG_SANITIZE=ON', '-DMETACOG_OPENMP=OFF']);
}
run('cmake', ['--build', 'build-asan', '-j', '2', '--target', 'metacog_tests']);
run(path.join(root, 'build-asan/metacog_tests'), process.argv.slice(2),
  { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' });
