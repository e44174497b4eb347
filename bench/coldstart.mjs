#!/usr/bin/env node
// Page cold start to first recommendation (design.md §5: ≤ 300 ms), in Debian's Chromium through
// playwright-core, on the demo site exactly as `npm start` serves it (scripts/server.mjs: its
// strict CSP, `Cache-Control: no-cache`, from 127.0.0.1 — so no network time is counted, only the
// page's own work: HTML, CSS, the widget bundle, the Worker, compiling the wasm module, loading
// the learner model and the item bank, opening IndexedDB, the first `recommend`). Prints one JSON
// object.
//   node bench/coldstart.mjs [--runs 10] [--page /index.html]     (needs `npm run build`)
//
// Each run opens a new browser context — empty HTTP cache, no service worker, no IndexedDB, a
// first visit — and times, from the navigation's start (performance.timeOrigin):
//   recommendation_ms: the widget's first `metacog-recommendation` event (the engine is created
//                      and its first recommendation is in the widget's hands);
//   painted_ms:        the second animation frame after it (the recommendation has been painted);
//   dom_content_loaded_ms, load_ms: the page's own milestones, for context.
// Then the same page is reloaded in that context ("warm": HTTP cache revalidated with 304s, the
// service worker installed by the first visit, the learner's state read back from IndexedDB).
import os from 'node:os';
import { startServer } from '../scripts/server.mjs';
import { quantile } from './latency-core.mjs';
import { launchChromium } from './compare/browser.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const runs = Number(opt('runs', '10'));
const pagePath = opt('page', '/index.html');
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${opt('runs')}`);

// Installed before any page script: the first recommendation event, caught at the document in the
// capture phase (the widget's events bubble and are composed), and the frames after it.
function probe() {
  window.__coldstart = {};
  document.addEventListener('metacog-recommendation', () => {
    const c = window.__coldstart;
    if (c.recommendation_ms !== undefined) return;
    c.recommendation_ms = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() => { c.painted_ms = performance.now(); }));
  }, { capture: true });
}

async function timeLoad(page, load) {
  const errors = [];
  const onError = (e) => errors.push(String(e));
  page.on('pageerror', onError);
  await load();
  await page.waitForFunction(() => window.__coldstart && window.__coldstart.painted_ms !== undefined, null, { timeout: 60000 });
  page.off('pageerror', onError);
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const r = (x) => Math.round(x * 10) / 10;
    return {
      recommendation_ms: r(window.__coldstart.recommendation_ms), painted_ms: r(window.__coldstart.painted_ms),
      dom_content_loaded_ms: r(nav.domContentLoadedEventEnd), load_ms: r(nav.loadEventEnd),
    };
  });
}

const summarise = (xs) => ({ p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), min: Math.min(...xs), max: Math.max(...xs) });

const site = await startServer();
const browser = await launchChromium();
const cold = [];
const warm = [];
const load1 = os.loadavg()[0];
try {
  const url = new URL(pagePath, site.url).href;
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    await context.addInitScript(probe);
    const page = await context.newPage();
    cold.push(await timeLoad(page, () => page.goto(url)));
    // Let the first visit's service worker finish installing before the warm load.
    await page.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((done) => setTimeout(done, 15000))]));
    warm.push(await timeLoad(page, () => page.reload()));
    await context.close();
    process.stderr.write(`[coldstart] run ${i + 1}/${runs}: cold ${cold[i].painted_ms} ms, warm ${warm[i].painted_ms} ms\n`);
  }
  const field = (rows, k) => summarise(rows.map((r) => r[k]));
  const keys = ['recommendation_ms', 'painted_ms', 'dom_content_loaded_ms', 'load_ms'];
  console.log(JSON.stringify({
    where: 'chromium', chromium: browser.version(), page: pagePath, runs,
    budget_ms: 300,
    cold: Object.fromEntries(keys.map((k) => [k, field(cold, k)])),
    warm: Object.fromEntries(keys.map((k) => [k, field(warm, k)])),
    load_average_1min: { before: load1, after: os.loadavg()[0] },
    cold_runs: cold, warm_runs: warm,
  }));
} finally {
  await browser.close();
  await site.close();
}
