// The published type declarations (web/src/metacog.d.ts → dist/metacog.d.ts) name every runtime
// export of the library entry, and declare no runtime value the entry lacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dts = readFileSync(`${root}web/src/metacog.d.ts`, 'utf8');
const widgetsOnly = new Set(['MetacogPractice', 'MetacogSketch', 'checkAnswer']);

test('metacog.d.ts declares every public runtime export of the entry, and nothing the entry lacks', async () => {
  const lib = await import(`${root}web/src/index.js`);
  const runtime = Object.keys(lib).filter((k) => !k.startsWith('_')).sort();
  const declared = [...dts.matchAll(/^export (?:declare )?(?:async )?(?:function|class|const|let)\s+([A-Za-z_$][\w$]*)/gm)]
    .map((m) => m[1]).filter((n) => !widgetsOnly.has(n));
  const declaredSet = new Set(declared);
  assert.deepEqual(runtime.filter((k) => !declaredSet.has(k)), [], 'runtime exports without a declaration');
  assert.deepEqual([...declaredSet].filter((k) => !runtime.includes(k)).sort(), [], 'declarations without a runtime export');
});

test('metacog.d.ts is syntactically valid TypeScript (parsed by esbuild)', async () => {
  const esbuild = await import('esbuild');
  // esbuild reads it as a .ts module, where ambient constants need `declare`
  const asModule = dts.replace(/^export const /gm, 'export declare const ');
  await assert.doesNotReject(esbuild.transform(asModule, { loader: 'ts' }));
  await assert.rejects(esbuild.transform('export function broken(: string;', { loader: 'ts' }));  // the check can fail
});
