// The demo's offline cache across a new build: a visitor who has the old build cached gets the new
// one on their next visit, the old cache is deleted, and offline they then see only the new build.
//
// The second build is made the way scripts/build.mjs makes one, without compiling twice: a copy of
// the site whose dist/build-id.js holds another id (what a rebuild writes when anything served
// changes) and whose index.html differs. Every other file is a symlink to this checkout's build.
import { test, after } from 'node:test';
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

const firstId = ID.exec(readFileSync(path.join(repoRoot, 'dist/build-id.js'), 'utf8'))[1];
const secondId = firstId === '0123456789abcdef' ? 'fedcba9876543210' : '0123456789abcdef';
const opened = [];

/** A copy of the site served in a fresh browser, its first build cached for offline use. */
async function cachedSite() {
  const site = mkdtempSync(path.join(tmpdir(), 'metacog-site-'));
  mirror(path.join(repoRoot, 'web/demo'), path.join(site, 'web/demo'), ['index.html']);
  mirror(path.join(repoRoot, 'dist'), path.join(site, 'dist'), ['build-id.js']);
  symlinkSync(path.join(repoRoot, 'models'), path.join(site, 'models'));
  // a host that lets browsers cache scripts for a day: the update check must still see the new id
  // (site.js registers with updateViaCache: 'none')
  const cached = new Set(['/sw.js', '/dist/build-id.js']);
  const b = await openBrowser({ root: site, extraHeaders: (p) => (cached.has(p) ? { 'Cache-Control': 'public, max-age=86400' } : {}) });
  opened.push({ site, b });
  await b.page.goto(b.site.url + 'index.html');
  await b.page.waitForFunction(() => document.documentElement.dataset.offline === 'ready', null, { timeout: 60000 });
  assert.deepEqual(await cacheNames(b.page), [`metacog-demo-${firstId}`]);
  assert.ok(!(await cachedIndex(b.page)).includes(MARK));
  return { site, b };
}

/** Deploys the second build over the copy: another build id and a changed index.html. */
function deploySecond(site) {
  const index = path.join(site, 'web/demo/index.html');
  writeFileSync(index, readFileSync(index, 'utf8').replace('<head>', `<head>\n  ${MARK}`));
  writeFileSync(path.join(site, 'dist/build-id.js'),
    readFileSync(path.join(site, 'dist/build-id.js'), 'utf8').replace(ID, `self.METACOG_BUILD = '${secondId}';`));
}

after(async () => {
  for (const { site, b } of opened) {
    await b.close();
    rmSync(site, { recursive: true, force: true });
  }
});

const cacheNames = (page) => page.evaluate(() => caches.keys());
/** index.html in the one cache there is (null if there is not exactly one). */
const cachedIndex = (page) => page.evaluate(async () => {
  const names = await caches.keys();
  const hit = names.length === 1 ? await caches.match('index.html', { cacheName: names[0] }) : null;
  return hit ? hit.text() : null;
});
const widgetsReady = async (page) => {
  await page.locator('metacog-practice [part~="recommendation"]').waitFor({ timeout: 60000 });
  await page.locator('metacog-sketch [part~="target"]').waitFor({ timeout: 60000 });
};

test('a new build replaces the offline cache on the next visit; offline then serves only the new build', async () => {
  const { site, b } = await cachedSite();
  const page = b.page;
  deploySecond(site);

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

test('an update that fails to install leaves the old build whole offline', async () => {
  const { site, b } = await cachedSite();
  const page = b.page;
  deploySecond(site);
  rmSync(path.join(site, 'web/demo/favicon.svg'));  // a file of the new build is missing: its install fails
  // the visit after the deploy is the new build, from the network, served through the old worker
  await page.goto(b.site.url + 'index.html');
  assert.equal(await page.locator('meta[name="metacog-test-build"]').count(), 1);
  const outcome = await page.evaluate(() => new Promise((done) => {
    navigator.serviceWorker.getRegistration().then((reg) => {
      const watch = (w) => w && w.addEventListener('statechange', () => {
        if (w.state === 'redundant' || w.state === 'activated') done(w.state);
      });
      watch(reg.installing);
      reg.addEventListener('updatefound', () => watch(reg.installing));
      reg.update().catch(() => {});
    });
  }));
  assert.equal(outcome, 'redundant');
  assert.deepEqual(await cacheNames(page), [`metacog-demo-${firstId}`]);
  // the old worker did not put the new build's index.html into the old build's cache
  assert.ok(!(await cachedIndex(page)).includes(MARK));
  await b.context.setOffline(true);
  try {
    await page.goto(b.site.url + 'index.html');
    assert.equal(await page.locator('meta[name="metacog-test-build"]').count(), 0);
    await widgetsReady(page);
  } finally {
    await b.context.setOffline(false);
  }
  assert.deepEqual(b.foreign, []);
});
