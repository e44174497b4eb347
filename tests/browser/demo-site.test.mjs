// The demo site in Chromium: strict headers, every page without foreign requests, CSP violations
// or console errors, an automated accessibility check (axe-core), offline use through the service
// worker, "How it works" numbers equal to the model files' metadata, and screenshots of every page
// (desktop and a 390-px phone) under test-results/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { openBrowser, screenshot, repoRoot, waitUntil } from './harness.mjs';
import { CSP } from '../../scripts/server.mjs';
import { answerCurrent, nextExercise } from './practice-helpers.mjs';

const PAGES = ['index', 'embed', 'privacy', 'how'];
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

function metadata(file) {
  const buf = readFileSync(path.join(repoRoot, file));
  const n = Number(buf.readBigUInt64LE(0));
  return JSON.parse(buf.subarray(8, 8 + n).toString('utf8')).__metadata__;
}

let b;
before(async () => { b = await openBrowser(); });
after(async () => { await b?.close(); });

async function ready(page, name) {
  if (name === 'index') {
    await page.locator('metacog-practice [part~="recommendation"]').waitFor({ timeout: 60000 });
    await page.locator('metacog-sketch [part~="target"]').waitFor({ timeout: 60000 });
  }
  if (name === 'how') await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
  if (name === 'privacy') await page.waitForFunction(() => !document.getElementById('held').textContent.includes('…'));
}

test('headers: strict CSP, nosniff, wasm MIME; the server prints nothing foreign', async () => {
  const res = await fetch(b.site.url);
  assert.equal(res.headers.get('content-security-policy'), CSP);
  assert.equal(CSP, "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'");
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const wasm = await fetch(b.site.url + 'dist/metacog-simd.wasm', { method: 'HEAD' });
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  const sw = await fetch(b.site.url + 'sw.js', { method: 'HEAD' });
  assert.match(sw.headers.get('content-type'), /javascript/);
});

test('every page: loads, no foreign request, no CSP violation, no console error, axe finds no serious issue', async () => {
  const page = b.page;
  for (const name of PAGES) {
    await page.goto(`${b.site.url}${name}.html`);
    await ready(page, name);
    assert.deepEqual(await b.cspViolations(), [], name);
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    });
    const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious, [], `${name}: ${JSON.stringify(serious)}`);
    if (result.length) console.log(`# ${name}: minor axe findings ${JSON.stringify(result)}`);
  }
  assert.deepEqual(b.foreign, []);
  assert.deepEqual(b.consoleErrors, []);
});

test('how it works: mastery replayed from the stored answers; model numbers equal the metadata', async () => {
  const page = b.page;
  await page.goto(b.site.url + 'index.html');
  await ready(page, 'index');
  for (let i = 0; i < 4; i++) { await answerCurrent(page, i !== 1); await nextExercise(page); }
  await page.goto(b.site.url + 'how.html');
  await ready(page, 'how');
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
  assert.equal(await page.locator('#mastery-chart .uplot').count(), 1, 'mastery chart drawn');
  assert.match(await page.locator('#mastery-note').textContent(), /4 answers replayed/);
  assert.equal(await page.locator('#mastery-note tbody tr').count(), 5, 'one row per answer plus the start');

  const learner = JSON.parse(metadata('models/demo-learner.safetensors').metrics);
  if (learner.cold_start && Array.isArray(learner.cold_start.by_k) && learner.cold_start.by_k.length) {
    assert.equal(await page.locator('#cold-chart .uplot').count(), 1);
    const first = learner.cold_start.by_k[0];
    assert.match(await page.locator('#cold-note').textContent(), new RegExp(first.auc.toFixed(4)));
  } else {
    assert.equal(await page.locator('#cold-chart').count(), 0, 'no cold-start chart without a recorded curve');
    assert.match(await page.locator('#cold-note').textContent(), /records no cold-start curve/);
  }
  if (learner.test && typeof learner.test.auc === 'number') {
    assert.match(await page.locator('#test-note').textContent(), new RegExp(learner.test.auc.toFixed(4)));
  } else {
    assert.match(await page.locator('#test-note').textContent(), /records no test-split/);
  }

  if (learner.validation && typeof learner.validation.auc === 'number') {
    assert.match(await page.locator('#learner-model').textContent(), new RegExp(learner.validation.auc.toFixed(4)));
  }
  const omni = JSON.parse(metadata('models/omniglot-protonet.safetensors').metrics);
  const rows = Object.entries(omni).filter(([k, v]) => /\d+way_\d+shot$/.test(k) && typeof v.accuracy === 'number');
  assert.ok(rows.length > 0, 'the sketch model records few-shot results');
  const text = await page.locator('#omni-note').textContent();
  for (const [, v] of rows) assert.ok(text.includes(`${(100 * v.accuracy).toFixed(2)}%`), `${(100 * v.accuracy).toFixed(2)}% shown`);
  assert.equal(await page.locator('#omni-chart .uplot').count(), 1);
  assert.deepEqual(b.consoleErrors, []);
  assert.deepEqual(await b.cspViolations(), []);
});

test('offline: after the first visit the demo works with the network off', async () => {
  const page = b.page;
  await page.goto(b.site.url + 'index.html');
  await page.waitForFunction(() => document.documentElement.dataset.offline === 'ready', null, { timeout: 60000 });
  await b.context.setOffline(true);
  try {
    for (const name of ['index', 'how', 'privacy']) {
      await page.goto(`${b.site.url}${name}.html`);
      await ready(page, name);
    }
    await page.goto(b.site.url + 'resources/frac-equiv.html');
    assert.match(await page.locator('h1').first().textContent(), /\w/);
    await page.goto(b.site.url + 'index.html');
    await ready(page, 'index');
    const before = await page.locator('metacog-practice [data-responses]').getAttribute('data-responses');
    await answerCurrent(page, true);
    assert.equal(Number(await page.locator('metacog-practice [data-responses]').getAttribute('data-responses')), Number(before) + 1);
  } finally {
    await b.context.setOffline(false);
  }
  const errors = b.consoleErrors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e));
  assert.deepEqual(errors, []);
  // a page's query may name a learner (widget.html?learner=…): the offline cache keeps no query.
  // prototypes.html is not precached, so its entry can only come from this visit's cache.put
  await page.goto(b.site.url + 'prototypes.html?learner=cache-probe-7');
  await waitUntil(page, async () => {
    for (const name of await caches.keys()) {
      for (const req of await (await caches.open(name)).keys()) if (new URL(req.url).pathname.endsWith('/prototypes.html')) return true;
    }
    return false;
  }, null, { timeout: 30000 });
  const { names, keys } = await page.evaluate(async () => {
    const out = [];
    const names = await caches.keys();
    for (const name of names) for (const req of await (await caches.open(name)).keys()) out.push(req.url);
    return { names, keys: out };
  });
  // one cache, named after this build (dist/build-id.js): a new build installs a new one and drops this
  const build = /self\.METACOG_BUILD = '([0-9a-f]{16})';/.exec(readFileSync(path.join(repoRoot, 'dist/build-id.js'), 'utf8'))[1];
  assert.deepEqual(names, [`metacog-demo-${build}`]);
  assert.ok(keys.some((k) => k.endsWith('/prototypes.html')), 'the visited page is cached');
  assert.deepEqual(keys.filter((k) => k.includes('?')), [], 'no cached URL keeps its query');
});

test('screenshots of every page, desktop and 390-px phone, English and Chinese', async () => {
  const page = b.page;
  const shots = [];
  for (const [w, h, tag] of [[1280, 900, 'desktop'], [390, 844, 'mobile']]) {
    await page.setViewportSize({ width: w, height: h });
    for (const name of PAGES) {
      for (const lang of ['en', 'zh']) {
        if (lang === 'zh' && name !== 'index' && tag === 'mobile') continue;
        await page.goto(`${b.site.url}${name}.html${lang === 'zh' ? '?lang=zh' : ''}`);
        await ready(page, name);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 1, `${name} ${tag}: no horizontal scrolling (overflow ${overflow}px)`);
        shots.push(await screenshot(page, `${name}-${lang}-${tag}`));
      }
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  console.log(`# screenshots:\n${shots.map((s) => `#   ${path.relative(repoRoot, s)}`).join('\n')}`);
  assert.deepEqual(b.consoleErrors, []);
  assert.deepEqual(b.foreign, []);
});
