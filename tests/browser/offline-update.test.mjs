// The demo's offline cache across a new build: a visitor who has the old build cached gets the new
// one on their next visit, the old cache is deleted, and offline they then see only the new build.
//
// The second build is made the way scripts/build.mjs makes one, without compiling twice: a copy of
// the site whose dist/build-id.js holds another id (what a rebuild writes when anything served
// changes) and whose index.html differs. Every other file is a symlink to this checkout's build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBrowser, repoRoot, waitUntil } from './harness.mjs';
import { answerCurrent } from './practice-helpers.mjs';

const ID = /self\.METACOG_BUILD = '([0-9a-f]{16})';/;
const MARK = '<meta name="metacog-test-build" content="second">';

/** A folder mirroring `from` by symlinks, except `copied` (real copies the test may rewrite). */
function mirror(from, to, copied) {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (copied.includes(name)) copyFileSync(path.join(from, name), path.join(to, name));
    else symlinkSync(path.join(from, name), path.join(to, name));
  }
}

let site;
let b;
const firstId = ID.exec(readFileSync(path.join(repoRoot, 'dist/build-id.js'), 'utf8'))[1];
const secondId = firstId === '0123456789abcdef' ? 'fedcba9876543210' : '0123456789abcdef';

before(async () => {
  site = mkdtempSync(path.join(tmpdir(), 'metacog-site-'));
  mirror(path.join(repoRoot, 'web/demo'), path.join(site, 'web/demo'), ['index.html']);
  mirror(path.join(repoRoot, 'dist'), path.join(site, 'dist'), ['build-id.js']);
  symlinkSync(path.join(repoRoot, 'models'), path.join(site, 'models'));
  // a host that lets browsers cache scripts for a day: the update check must still see the new id
  // (site.js registers with updateViaCache: 'none')
  const cached = new Set(['/sw.js', '/dist/build-id.js']);
  b = await openBrowser({ root: site, extraHeaders: (p) => (cached.has(p) ? { 'Cache-Control': 'public, max-age=86400' } : {}) });
});
after(async () => {
  await b?.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

const cacheNames = (page) => page.evaluate(() => caches.keys());
const cachedIndex = (page) => page.evaluate(async () => {
  const names = await caches.keys();
  const hit = await (await caches.open(names[0])).match('index.html');
  return hit ? hit.text() : null;
});
const widgetsReady = async (page) => {
  await page.locator('metacog-practice [part~="recommendation"]').waitFor({ timeout: 60000 });
  await page.locator('metacog-sketch [part~="target"]').waitFor({ timeout: 60000 });
};

test('a new build replaces the offline cache on the next visit; offline then serves only the new build', async () => {
  const page = b.page;
  await page.goto(b.site.url + 'index.html');
  await page.waitForFunction(() => document.documentElement.dataset.offline === 'ready', null, { timeout: 60000 });
  assert.deepEqual(await cacheNames(page), [`metacog-demo-${firstId}`]);
  assert.ok(!(await cachedIndex(page)).includes(MARK));

  // the second build is deployed
  const index = path.join(site, 'web/demo/index.html');
  writeFileSync(index, readFileSync(index, 'utf8').replace('<head>', `<head>\n  ${MARK}`));
  writeFileSync(path.join(site, 'dist/build-id.js'),
    readFileSync(path.join(site, 'dist/build-id.js'), 'utf8').replace(ID, `self.METACOG_BUILD = '${secondId}';`));

  // the next visit: network first, so the page is the new build at once; the navigation makes the
  // browser check sw.js and its imported build-id.js, finds the new id, and the new worker takes over
  await page.goto(b.site.url + 'index.html');
  assert.equal(await page.locator('meta[name="metacog-test-build"]').count(), 1);
  await waitUntil(page, (name) => caches.keys().then((k) => k.length === 1 && k[0] === name), `metacog-demo-${secondId}`);
  assert.ok((await cachedIndex(page)).includes(MARK), 'the new cache holds the new build\'s index.html');
  await widgetsReady(page);

  // offline: the new build, whole (the widgets load their wasm and models from the new cache)
  await b.context.setOffline(true);
  try {
    await page.goto(b.site.url + 'index.html');
    assert.equal(await page.locator('meta[name="metacog-test-build"]').count(), 1);
    await widgetsReady(page);
    const before = Number(await page.locator('metacog-practice [data-responses]').getAttribute('data-responses'));
    await answerCurrent(page, true);
    assert.equal(Number(await page.locator('metacog-practice [data-responses]').getAttribute('data-responses')), before + 1);
  } finally {
    await b.context.setOffline(false);
  }
  assert.deepEqual(b.foreign, []);
  assert.deepEqual(b.consoleErrors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e)), []);
});
