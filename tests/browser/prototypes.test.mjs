// First slice in a real browser: the demo page classifies through the wasm build, under the
// strict CSP, with zero requests to any other origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from './harness.mjs';

test('prototype classification runs in Chromium through wasm, offline-clean', async () => {
  const b = await openBrowser();
  try {
    await b.page.goto(b.site.url + 'prototypes.html');
    await b.page.waitForSelector('body[data-state]', { timeout: 30000 });
    assert.equal(await b.page.getAttribute('body', 'data-state'), 'done',
      await b.page.textContent('#result'));
    assert.equal(await b.page.getAttribute('#result', 'data-label'), 'north');
    const shown = JSON.parse(await b.page.textContent('#result'));
    assert.ok(shown.probabilities.north > 0.9);
    assert.deepEqual(b.foreign, [], 'requests to other origins');
    assert.deepEqual(await b.cspViolations(), []);
    assert.deepEqual(b.consoleErrors, []);
    assert.ok(b.requests.some((u) => u.endsWith('.wasm')), 'the wasm build was loaded');
  } finally {
    await b.close();
  }
});
