#!/usr/bin/env node
// Set-up from nothing: makes sure the Debian packages and npm packages metacog needs are present.
//  - as root: apt-get installs what is missing (nothing is downloaded outside apt and npm);
//  - otherwise: prints the exact command and stops with exit code 1;
//  - then `npm ci` when node_modules is missing or out of date with package-lock.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages: toolchain, libraries, browser for the tests, wabt for the binary guards. */
export const APT_PACKAGES = [
  'cmake', 'ninja-build', 'g++', 'emscripten', 'libeigen3-dev', 'doctest-dev',
  'nlohmann-json3-dev', 'libcli11-dev', 'libstb-dev', 'libzip-dev', 'chromium', 'wabt',
  'fonts-wqy-microhei',  // CJK glyphs for the Chinese pages in Chromium (screenshots)
];

function missingPackages() {
  return APT_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function log(msg) { process.stderr.write(`[setup] ${msg}\n`); }

function ensureApt() {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const cmd = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    log(`missing Debian packages: ${missing.join(' ')}`);
    log('run this as root, then run the npm command again:');
    process.stderr.write(`\n  sudo sh -c '${cmd}'\n\n`);
    process.exit(1);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  execFileSync('sh', ['-c', cmd], { stdio: 'inherit' });
}

function ensureNpm() {
  // node_modules/.metacog-lock is the sha256 of the package-lock.json it was installed from.
  const lockHash = createHash('sha256').update(readFileSync(path.join(root, 'package-lock.json'))).digest('hex');
  const stamp = path.join(root, 'node_modules', '.metacog-lock');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash) return;
  log('npm ci');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, lockHash);
}

if (process.platform !== 'linux') {
  log('metacog\'s set-up script targets Debian bookworm; on other systems install the packages listed in README.md yourself.');
} else {
  ensureApt();
}
ensureNpm();
log('ok');
