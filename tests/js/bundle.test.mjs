// The package from a bundler: a tiny app that imports 'metacog' (resolved through package.json
// "exports", as from node_modules) is bundled with esbuild and run in Node, with the wasm builds
// copied next to the bundle the way an app ships them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

const APP = `
import { createEngine, MetacogError } from 'metacog';
import { readFileSync } from 'node:fs';
const model = new Uint8Array(readFileSync(process.argv[2]));
const itemBank = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const engine = await createEngine({ model, itemBank, worker: false, storage: 'memory', simd: process.argv[4] === 'simd' });
const item = itemBank.items[0].id;
const before = (await engine.predict(item))[0].p;
for (let k = 0; k < 4; k++) await engine.observe({ item, correct: true, timestamp: 1767225600000 + k * 60000 });
const after = (await engine.predict(item))[0].p;
const recs = await engine.recommend({ count: 2 });
let code = null;
try { await engine.observe({ item: 'no-such-item', correct: true }); } catch (e) { code = e instanceof MetacogError ? e.code : String(e); }
const info = await engine.info();
engine.dispose();
console.log(JSON.stringify({ before, after, recs: recs.length, code, simd: info.simd, responses: info.responses }));
`;

test('a tiny app importing metacog bundles with esbuild and runs (both builds)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'metacog-bundle-'));
  try {
    // an app folder with metacog installed as a dependency (a link to this package)
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(root, path.join(dir, 'node_modules', 'metacog'), 'dir');
    writeFileSync(path.join(dir, 'app.mjs'), APP);
    const out = path.join(dir, 'out');
    const result = await build({
      entryPoints: [path.join(dir, 'app.mjs')], bundle: true, format: 'esm', platform: 'node',
      outfile: path.join(out, 'app.js'), absWorkingDir: dir, logLevel: 'silent', metafile: true,
    });
    // the library itself was bundled in (not left as an external import)
    assert.ok(Object.keys(result.metafile.inputs).some((f) => f.endsWith('dist/metacog.js')), Object.keys(result.metafile.inputs).join(', '));
    for (const f of ['metacog-simd.mjs', 'metacog-simd.wasm', 'metacog-scalar.mjs', 'metacog-scalar.wasm']) {
      copyFileSync(path.join(root, 'dist', f), path.join(out, f));
    }
    for (const flavor of ['simd', 'scalar']) {
      const stdout = execFileSync(process.execPath, [path.join(out, 'app.js'), path.join(root, 'models/demo-learner.safetensors'),
        path.join(root, 'web/demo/item-bank.json'), flavor], { cwd: dir, encoding: 'utf8' });
      const r = JSON.parse(stdout.trim().split('\n').pop());
      assert.equal(r.simd, flavor === 'simd');
      assert.equal(r.responses, 4);
      assert.ok(r.after > r.before, `four right answers raise p: ${r.before} → ${r.after}`);
      assert.equal(r.recs, 2);
      assert.equal(r.code, 'UNKNOWN_ITEM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
