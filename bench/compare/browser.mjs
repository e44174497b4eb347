// Runs a benchmark entry module in Debian's Chromium (playwright-core, as the browser tests do):
// esbuild bundles the entry in memory, a local server serves it at /wasm/bench.js next to a
// directory of metacog wasm builds (so the library finds them, and the library's Worker,
// dist/metacog-worker.js, at /wasm/metacog-worker.js), TF.js's wasm binaries at /tfjs/, the models
// and the demo item bank. Nothing is fetched from the network.
//   browserRun:    the comparison suite (bench/compare/browser-entry.mjs) against <dist>/bench/
//   browserEntry:  any entry that defines window[fn](arg) → result
import http from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Debian's Chromium, headless, as every benchmark here runs it (never a downloaded browser). */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-dev-shm-usage'],
  });
}
const MIME = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.html': 'text/html' };

/** Bundles `entry`, serves it with `wasmDir` at /wasm/, opens it in Chromium and resolves to window[fn](arg). */
export async function browserEntry({ root, entry, wasmDir, fn, arg, log }) {
  const esbuild = await import('esbuild');
  const bundle = await esbuild.build({
    entryPoints: [path.join(root, entry)], bundle: true, format: 'esm',
    platform: 'browser', target: 'es2022', write: false, logLevel: 'warning', external: ['node:*'],
  });
  const code = bundle.outputFiles[0].contents;
  const files = (url) => {
    if (url === '/wasm/bench.js') return { body: code, type: MIME['.js'] };
    const map = [['/wasm/metacog-worker.js', path.join(root, 'dist')], ['/wasm/', wasmDir],
      ['/tfjs/', path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')], ['/models/', path.join(root, 'models')]];
    for (const [prefix, dir] of map) {
      if (url.startsWith(prefix)) {
        const f = path.join(dir, path.basename(url));
        if (existsSync(f)) return { body: readFileSync(f), type: MIME[path.extname(f)] || 'application/octet-stream' };
      }
    }
    if (url === '/item-bank.json') return { body: readFileSync(path.join(root, 'web/demo/item-bank.json')), type: MIME['.json'] };
    if (url === '/') return { body: '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/wasm/bench.js"></script>', type: MIME['.html'] };
    return null;
  };
  const server = http.createServer((req, res) => {
    const f = files(new URL(req.url, 'http://x').pathname);
    if (!f) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': f.type, 'Cache-Control': 'no-store' });
    res.end(f.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction((name) => typeof window[name] === 'function', fn, { timeout: 60000 });
    log(`chromium ${browser.version()}`);
    const r = await page.evaluate(([name, a]) => window[name](a), [fn, arg]);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    r.chromium = browser.version();
    return r;
  } finally {
    await browser.close();
    server.close();
  }
}

/** The comparison suite in Chromium (bench/compare.mjs --browser). */
export function browserRun({ root, dist, reps, rounds, log }) {
  return browserEntry({
    root, entry: 'bench/compare/browser-entry.mjs', wasmDir: path.join(dist, 'bench'), fn: '__runBench', arg: { reps, rounds }, log,
  });
}
