// Browser-test harness: Debian's Chromium driven by playwright-core (never a downloaded browser),
// the repository's strict-CSP static server, and a record of every request, console error and
// CSP violation so tests can assert that nothing leaves the device.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/server.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Launches the server and Chromium; returns helpers and a close(). */
export async function openBrowser({ extraHeaders, viewport, root } = {}) {
  const site = await startServer({ extraHeaders, root });
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'metacog-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: viewport || { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const origin = new URL(site.url).origin;
  const requests = [];
  const foreign = [];
  const consoleErrors = [];
  context.on('request', (req) => {
    requests.push(req.url());
    const u = new URL(req.url());
    if (!['data:', 'blob:'].includes(u.protocol) && u.origin !== origin) foreign.push(req.url());
  });
  const watch = async (page) => {
    page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
  };
  context.on('page', watch);
  const page = context.pages()[0] || (await context.newPage());
  await watch(page);
  return {
    site, context, page, origin, requests, foreign, consoleErrors,
    async cspViolations(p = page) { return p.evaluate(() => window.__cspViolations || []); },
    async close() {
      await context.close();
      await site.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until `fn(arg)`, evaluated in the page, resolves truthy; returns that value. For conditions
 * that need a promise (caches, IndexedDB): Playwright's waitForFunction does not await one, so an
 * async predicate there passes at once (microsoft/playwright#29132).
 */
export async function waitUntil(page, fn, arg, { timeout = 60000, interval = 100 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await page.evaluate(fn, arg);
      if (last) return last;
    } catch (err) {  // a navigation replaced the page meanwhile: ask the new one
      if (!/Execution context was destroyed|because of a navigation/.test(String(err && err.message))) throw err;
      last = `(${err.message})`;
    }
    if (Date.now() > end) throw new Error(`waitUntil: still ${JSON.stringify(last)} after ${timeout} ms: ${fn}`);
    await new Promise((ok) => setTimeout(ok, interval));
  }
}

/** Saves a screenshot under test-results/ and returns its path. */
export async function screenshot(page, name) {
  const dir = path.join(repoRoot, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
