// Loading the wasm builds (web/src/wasm.js): a build compiled once elsewhere — by the page, while
// the engine's Worker starts — is what loadModule({ module, key }) instantiates, without fetching
// the .wasm again, but only for the same build (folder and flavor) and only if it links with that
// folder's glue; and Host.create waits for Host.preload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileBuild, loadModule } from '../../web/src/wasm.js';
import { Host } from '../../web/src/host.js';
import { MetacogError } from '../../web/src/errors.js';

const dist = new URL('../../dist/', import.meta.url);
const isWasmLoad = (err) => err instanceof MetacogError && err.code === 'WASM_LOAD';

/** A folder holding `files` copied from dist/; removed by the returned cleanup. */
function folderWith(files) {
  const dir = mkdtempSync(path.join(tmpdir(), 'metacog-build-'));
  for (const f of files) copyFileSync(fileURLToPath(new URL(f, dist)), path.join(dir, f));
  return { base: pathToFileURL(`${dir}/`), key: (flavor) => `${pathToFileURL(`${dir}/`).href}|${flavor}`, done: () => rmSync(dir, { recursive: true, force: true }) };
}

// A module importing env.zzz, which no glue provides: it cannot link.
const unlinkable = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0,
  2, 0x0b, 1, 3, 0x65, 0x6e, 0x76, 3, 0x7a, 0x7a, 0x7a, 0, 0]));

for (const simd of [true, false]) {
  const flavor = simd ? 'simd' : 'scalar';

  test(`[${flavor}] loadModule({ module, key }) instantiates a build compiled elsewhere and fetches no .wasm`, async () => {
    const compiled = await compileBuild({ simd, baseUrl: dist });
    assert.equal(compiled.flavor, flavor);
    assert.ok(compiled.module instanceof WebAssembly.Module);
    assert.equal((await compileBuild({ simd, baseUrl: dist })).module, compiled.module, 'compiled once per build');
    const glueOnly = folderWith([`metacog-${flavor}.mjs`]);  // its .wasm cannot be fetched
    try {
      // another build's key: the module is not used, and the folder has no .wasm to compile
      await assert.rejects(loadModule({ simd, baseUrl: glueOnly.base, module: compiled.module, key: compiled.key }), isWasmLoad);
      await assert.rejects(loadModule({ simd, baseUrl: glueOnly.base }), isWasmLoad);
      const Module = await loadModule({ simd, baseUrl: glueOnly.base, module: compiled.module, key: glueOnly.key(flavor) });
      assert.equal(Module.flavor, flavor);
      assert.equal(typeof Module.makeEngine, 'function');
      assert.equal(await loadModule({ simd, baseUrl: glueOnly.base }), Module, 'later loads get the same instance');
    } finally {
      glueOnly.done();
    }
  });

  test(`[${flavor}] a module that does not link with the glue is refused, not waited on: the folder's own build is loaded`, async () => {
    const full = folderWith([`metacog-${flavor}.mjs`, `metacog-${flavor}.wasm`]);
    const glueOnly = folderWith([`metacog-${flavor}.mjs`]);
    try {
      const Module = await loadModule({ simd, baseUrl: full.base, module: unlinkable, key: full.key(flavor) });
      assert.equal(typeof Module.makeEngine, 'function');
      await assert.rejects(loadModule({ simd, baseUrl: glueOnly.base, module: unlinkable, key: glueOnly.key(flavor) }), isWasmLoad);
    } finally {
      full.done();
      glueOnly.done();
    }
  });
}

test('Host.preload never throws; create() waits for it, and a failed preload does not fail create()', async () => {
  const counter = new URL('../browser/pages/counter.js', import.meta.url).href;
  const host = new Host();
  // not a module, and web/src/ holds no build: the load fails quietly
  assert.equal(host.preload({ simd: 'sideways', module: { not: 'a module' } }), undefined);
  assert.equal(host.preload(null), undefined);
  const created = await host.create('createCounter', { start: 2 }, counter);
  assert.ok(created.methods.includes('add'));
  assert.equal(await host.call('add', [3]), 5);
  host.dispose();
  // create() does not run the factory before the preload has settled
  const waiting = new Host();
  let release;
  waiting._preloaded = new Promise((done) => { release = done; });
  let made = false;
  const creating = waiting.create('createCounter', { start: 1 }, counter).then(() => { made = true; });
  await new Promise((done) => setTimeout(done, 30));
  assert.equal(made, false, 'create waited for the preload');
  release();
  await creating;
  assert.equal(made, true);
  waiting.dispose();
});
