// Every page of the demo carries the strict CSP of design.md §7 in a <meta> element too, so the
// privacy page's "the Content-Security-Policy enforces it" holds on any static host, not only
// behind scripts/server.mjs (which also sends it as a header: the two must be the same policy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSP } from '../../scripts/server.mjs';

const demo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/demo');
const pages = [
  ...readdirSync(demo).filter((f) => f.endsWith('.html')),
  ...readdirSync(path.join(demo, 'resources')).filter((f) => f.endsWith('.html')).map((f) => `resources/${f}`),
];

test('every demo page has the server\'s CSP as a <meta> element, before any script or stylesheet', () => {
  assert.ok(pages.length > 10);
  for (const page of pages) {
    const html = readFileSync(path.join(demo, page), 'utf8');
    const metas = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g)];
    assert.equal(metas.length, 1, `${page}: one CSP meta element`);
    assert.equal(metas[0][1], CSP, `${page}: the same policy as the server's header`);
    const at = metas[0].index;
    for (const tag of ['<script', '<link rel="stylesheet"', '<style']) {
      const first = html.indexOf(tag);
      assert.ok(first === -1 || first > at, `${page}: ${tag} comes after the CSP`);
    }
  }
});
