// Structural guards: the engine never sees Emscripten, the SIMD build really uses SIMD and the
// scalar build really does not, the glue runs without any code generation from strings, and no
// browser test waits on a promise with waitForFunction (it would not wait).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

test('engine/ includes no Emscripten header and uses no Emscripten API', () => {
  const offenders = walk(path.join(root, 'engine'))
    .filter((f) => /\.(c|cc|cpp|h|hpp)$/.test(f))
    .filter((f) => /#\s*include\s*[<"]emscripten|EMSCRIPTEN_|emscripten::/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

test('browser tests wait on promises with waitUntil: waitForFunction passes an async predicate at once', () => {
  // Playwright evaluates waitForFunction's predicate synchronously: a promise is truthy, so the wait
  // ends at the first poll whatever the promise resolves to (microsoft/playwright#29132)
  const offenders = walk(path.join(root, 'tests/browser'))
    .filter((f) => f.endsWith('.mjs'))
    .filter((f) => /waitForFunction\(\s*(async\b|function\b[^;]*?\b(caches|indexedDB)\.|(\([^)]*\)|\w+)\s*=>[^;]*?(\.then\(|\b(caches|indexedDB)\.|serviceWorker\.ready))/
      .test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

function simdInstructionCount(file) {
  const text = execFileSync('wasm-objdump', ['-d', file], { maxBuffer: 1 << 28, encoding: 'utf8' });
  return (text.match(/\b(v128|[if](8|16|32|64)x\d+)\.[a-z_]+/g) || []).length;
}

test('the SIMD build contains wasm SIMD instructions; the scalar build contains none', () => {
  const simd = simdInstructionCount(path.join(root, 'dist/metacog-simd.wasm'));
  const scalar = simdInstructionCount(path.join(root, 'dist/metacog-scalar.wasm'));
  assert.ok(simd > 0, `SIMD build has ${simd} SIMD instructions`);
  assert.equal(scalar, 0, `scalar build has ${scalar} SIMD instructions`);
});

test('the library runs under node --disallow-code-generation-from-strings (no eval / new Function)', () => {
  const script = `
    import { createPrototypeClassifier } from ${JSON.stringify(path.join(root, 'dist/metacog.js'))};
    for (const simd of [true, false]) {
      const c = await createPrototypeClassifier({ dim: 2, simd });
      await c.addExample('a', [0, 0]); await c.addExample('b', [3, 3]);
      const r = await c.classify([0.2, 0.1]);
      if (r.label !== 'a') throw new Error('wrong label ' + r.label);
    }
    let blocked = false;
    try { new Function('return 1')(); } catch { blocked = true; }
    if (!blocked) throw new Error('code generation was not disallowed');
    console.log('ok');`;
  const out = execFileSync(process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(out.trim(), 'ok');
});
