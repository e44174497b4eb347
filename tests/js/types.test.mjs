// The published type declarations (web/src/metacog.d.ts → dist/metacog.d.ts, and
// metacog-widgets.d.ts for 'metacog/widgets') name every runtime export of their entry, and declare
// no runtime value the entry lacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dts = readFileSync(`${root}web/src/metacog.d.ts`, 'utf8');
const widgetsDts = readFileSync(`${root}web/src/metacog-widgets.d.ts`, 'utf8');
const declaredValues = (text) => [...text.matchAll(/^export (?:declare )?(?:async )?(?:function|class|const|let)\s+([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);

test('metacog.d.ts declares every public runtime export of the entry, and nothing the entry lacks', async () => {
  const lib = await import(`${root}web/src/index.js`);
  const runtime = Object.keys(lib).filter((k) => !k.startsWith('_')).sort();
  const declaredSet = new Set(declaredValues(dts));
  assert.deepEqual(runtime.filter((k) => !declaredSet.has(k)), [], 'runtime exports without a declaration');
  assert.deepEqual([...declaredSet].filter((k) => !runtime.includes(k)).sort(), [], 'declarations without a runtime export');
});

// The widgets entry (web/src/ui/index.js) needs a DOM to import, so its exports are read from its
// source: `export { … } from` lines plus `export * from '../index.js'` (the library entry).
test('metacog-widgets.d.ts re-exports the library typings and declares exactly the widgets entry\'s own exports', () => {
  const entry = readFileSync(`${root}web/src/ui/index.js`, 'utf8');
  assert.match(entry, /^export \* from '\.\.\/index\.js';$/m);
  assert.match(widgetsDts, /^export \* from '\.\/metacog\.js';$/m);
  const own = [...entry.matchAll(/^export \{([^}]*)\} from /gm)].flatMap((m) => m[1].split(',').map((n) => n.trim())).filter(Boolean).sort();
  assert.ok(own.length >= 5, own.join());
  assert.deepEqual(declaredValues(widgetsDts).sort(), own);
  assert.deepEqual(declaredValues(dts).filter((n) => own.includes(n)), [], 'widget exports are not declared by the library entry\'s typings');
});

test('metacog.d.ts and metacog-widgets.d.ts are syntactically valid TypeScript (parsed by esbuild)', async () => {
  const esbuild = await import('esbuild');
  // esbuild reads them as .ts modules, where ambient constants need `declare`
  for (const text of [dts, widgetsDts]) {
    const asModule = text.replace(/^export const /gm, 'export declare const ');
    await assert.doesNotReject(esbuild.transform(asModule, { loader: 'ts' }));
  }
  await assert.rejects(esbuild.transform('export function broken(: string;', { loader: 'ts' }));  // the check can fail
});
