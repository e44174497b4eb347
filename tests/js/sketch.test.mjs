// Sketch classifier on the shipped Omniglot ProtoNet embedding, both wasm builds, in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSketchClassifier, MetacogError } from '../../dist/metacog.js';
import { withMetadata } from './model-bytes.mjs';

const MODEL = new URL('../../models/omniglot-protonet.safetensors', import.meta.url);
const LEARNER_MODEL = new URL('../../models/demo-learner.safetensors', import.meta.url);

/** A w×h white RGBA page with black strokes drawn by `ink(x, y)` (duck-typed ImageData). */
function drawing(w, h, ink) {
  const data = new Uint8ClampedArray(w * h * 4).fill(255);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    if (ink(x, y)) data.fill(0, 4 * (y * w + x), 4 * (y * w + x) + 3);
  }
  return { width: w, height: h, data };
}
const bar = (cx, cy, len, vertical) => (x, y) => (vertical
  ? Math.abs(x - cx) <= 2 && Math.abs(y - cy) <= len / 2
  : Math.abs(y - cy) <= 2 && Math.abs(x - cx) <= len / 2);
const ring = (cx, cy, r) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) <= 2;
const cross = (cx, cy, r) => (x, y) => (Math.abs(x - cx) <= 2 && Math.abs(y - cy) <= r) || (Math.abs(y - cy) <= 2 && Math.abs(x - cx) <= r);

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof MetacogError, `expected MetacogError, got ${err}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

for (const simd of [true, false]) {
  const name = simd ? 'simd' : 'scalar';

  test(`[${name}] learns shapes from one drawing each and recognises them elsewhere and at other sizes`, async () => {
    const s = await createSketchClassifier({ model: MODEL, simd, worker: false });
    const info = await s.info();
    assert.equal(info.simd, simd);
    assert.equal(info.imageSize, 28);
    assert.equal(info.model.algo, 'protonet');
    await s.addExample('|', drawing(100, 100, bar(50, 50, 60, true)));
    await s.addExample('-', drawing(100, 100, bar(50, 50, 60, false)));
    await s.addExample('o', drawing(100, 100, ring(50, 50, 30)));
    await s.addExample('+', drawing(100, 100, cross(50, 50, 30)));
    assert.deepEqual(await s.classes(), ['+', '-', 'o', '|']);
    const cases = [['|', bar(30, 60, 40, true)], ['-', bar(120, 40, 90, false)], ['o', ring(70, 70, 20)], ['+', cross(100, 50, 40)]];
    for (const [label, ink] of cases) {
      const r = await s.classify(drawing(160, 120, ink));
      assert.equal(r.label, label, JSON.stringify(r.probabilities));
      const total = Object.values(r.probabilities).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 1e-5);
      assert.equal(r.top.length, 3);
      assert.equal(r.top[0].label, label);
      assert.ok(r.top[0].p >= r.top[1].p && r.top[1].p >= r.top[2].p);
    }
    // serialize → a new classifier from the state classifies the same
    const state = JSON.parse(JSON.stringify(await s.serialize()));
    const t = await createSketchClassifier({ model: readFileSync(MODEL), simd, worker: false, state });
    const probe = drawing(90, 90, ring(40, 45, 25));
    assert.deepEqual((await t.classify(probe)).label, (await s.classify(probe)).label);
    assert.deepEqual(await t.counts(), { '+': 1, '-': 1, o: 1, '|': 1 });
    // a raw 28×28 byte image (0..255) is a model input as a Uint8Array or a Uint8ClampedArray
    // (ImageData's pixel type), the same as its Float32Array of ink in [0, 1]
    const raw = Uint8Array.from({ length: 784 }, (_, i) => ((i % 28) > 9 && (i % 28) < 18 ? 255 : 0));
    const asFloats = Float32Array.from(raw, (v) => v / 255);
    const ref = await s.classify(asFloats);
    assert.deepEqual(await s.classify(raw), ref);
    assert.deepEqual(await s.classify(new Uint8ClampedArray(raw)), ref);
    // the model input is what Omniglot looks like: 28×28, ink = 1, centred
    const x = await s.preprocess(drawing(100, 100, bar(20, 20, 30, true)));
    assert.equal(x.length, 784);
    let mass = 0, cx = 0;
    x.forEach((v, i) => { mass += v; cx += v * (i % 28); });
    assert.ok(Math.abs(cx / mass - 13.5) < 1.0);
    s.dispose();
    t.dispose();
  });

  test(`[${name}] bad input is a typed error and changes nothing`, async () => {
    const s = await createSketchClassifier({ model: MODEL, simd, worker: false });
    await rejectsWith(s.classify(drawing(50, 50, bar(25, 25, 30, true))), 'INVALID_STATE');
    await s.addExample('a', drawing(50, 50, bar(25, 25, 30, true)));
    await rejectsWith(s.addExample('b', drawing(50, 50, () => false)), 'INVALID_ARGUMENT');  // empty drawing
    await rejectsWith(s.addExample('', drawing(50, 50, ring(25, 25, 10))), 'INVALID_ARGUMENT');
    await rejectsWith(s.addExample('b', new Float32Array(100)), 'INVALID_ARGUMENT');
    await rejectsWith(s.addExample('b', { width: 2, height: 2, data: [0, 0] }), 'INVALID_ARGUMENT');
    await rejectsWith(s.addExample('b', drawing(50, 50, ring(25, 25, 10)), -1), 'INVALID_ARGUMENT');
    await rejectsWith(s.removeClass('zzz'), 'UNKNOWN_LABEL');
    const good = await s.serialize();
    await rejectsWith(s.restore({ ...good, version: 99 }), 'STATE_VERSION');
    await rejectsWith(s.restore({ ...good, examples: [{ label: 'x', weight: 1, x: [1, 2] }] }), 'STATE_FORMAT');
    // a state holds only what addExample accepts: a label longer than 200 characters is refused too
    await rejectsWith(s.restore({ ...good, examples: [{ ...good.examples[0], label: 'x'.repeat(201) }] }), 'STATE_FORMAT');
    await rejectsWith(s.addExample('x'.repeat(201), drawing(50, 50, ring(25, 25, 10))), 'INVALID_ARGUMENT');
    await rejectsWith(s.addExample('b', new Uint8ClampedArray(100)), 'INVALID_ARGUMENT');
    // blank: no pixel with more ink than 0.05, the same rule for a raw model input as for a drawing
    const grey = (v) => ({ width: 20, height: 20, data: new Uint8ClampedArray(1600).map((_, i) => (i % 4 === 3 ? 255 : v)) });
    await rejectsWith(s.addExample('b', grey(245)), 'INVALID_ARGUMENT');  // ink 10/255
    await rejectsWith(s.addExample('b', new Float32Array(784).fill(0.04)), 'INVALID_ARGUMENT');
    await rejectsWith(s.addExample('b', new Uint8Array(784).fill(12)), 'INVALID_ARGUMENT');  // ink 12/255
    assert.equal((await s.classify(grey(242))).label, 'a');  // ink 13/255: drawn
    assert.equal((await s.classify(new Float32Array(784).fill(0.06))).label, 'a');
    assert.equal((await s.classify(new Uint8Array(784).fill(13))).label, 'a');
    assert.deepEqual(await s.classes(), ['a']);
    s.dispose();
    await rejectsWith(s.classes(), 'DISPOSED');
    await rejectsWith(s.classify('not an image'), 'DISPOSED');  // disposed is said first, before the argument
    const bytes = readFileSync(MODEL);
    await rejectsWith(createSketchClassifier({ model: bytes.subarray(0, bytes.length - 100), simd, worker: false }), 'MODEL_FORMAT');
    await rejectsWith(createSketchClassifier({ model: 42, simd, worker: false }), 'INVALID_ARGUMENT');
    // a learner model is not an image embedding; a newer format_version is refused
    await rejectsWith(createSketchClassifier({ model: LEARNER_MODEL, simd, worker: false }), 'MODEL_KIND');
    const newer = withMetadata(new Uint8Array(bytes), (m) => { m.format_version = '99'; });
    await rejectsWith(createSketchClassifier({ model: newer, simd, worker: false }), 'MODEL_VERSION');
  });
}
