// The first end-to-end slice: engine prototype classification → Embind → JS API, on both builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrototypeClassifier, MetacogError } from '../../dist/metacog.js';

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof MetacogError, `expected MetacogError, got ${err}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.length > 10);
    return true;
  });
}

for (const simd of [true, false]) {
  const name = simd ? 'simd' : 'scalar';

  test(`[${name}] weighted prototypes and softmax over negative squared distances`, async () => {
    const clf = await createPrototypeClassifier({ dim: 2, simd });
    await clf.addExample('a', [0, 0]);
    await clf.addExample('a', [2, 0], 3); // c_a = (1.5, 0)
    await clf.addExample('b', new Float32Array([0, 4]));
    const r = await clf.classify([1, 1]);
    assert.equal(r.label, 'a');
    assert.ok(Math.abs(r.distances.a - 1.25) < 1e-6);
    assert.ok(Math.abs(r.distances.b - 10) < 1e-6);
    const pa = 1 / (1 + Math.exp(-(10 - 1.25)));
    assert.ok(Math.abs(r.probabilities.a - pa) < 1e-6);
    assert.deepEqual(await clf.classes(), ['a', 'b']);
    clf.dispose();
  });

  test(`[${name}] bad input gives a typed error and changes nothing`, async () => {
    const clf = await createPrototypeClassifier({ dim: 3, simd });
    await rejectsWith(clf.classify([1, 2, 3]), 'INVALID_STATE');
    await clf.addExample('a', [1, 2, 3]);
    const before = await clf.serialize();
    await rejectsWith(clf.addExample('a', [1, 2]), 'INVALID_ARGUMENT');
    await rejectsWith(clf.addExample('a', [1, NaN, 3]), 'INVALID_ARGUMENT');
    await rejectsWith(clf.addExample('a', [1, Infinity, 3]), 'INVALID_ARGUMENT');
    await rejectsWith(clf.addExample('a', ['1', 2, 3]), 'INVALID_ARGUMENT');
    await rejectsWith(clf.addExample('', [1, 2, 3]), 'INVALID_ARGUMENT');
    await assert.rejects(clf.addExample('', [1]), /label must be a non-empty string/);  // the label is checked first
    await rejectsWith(clf.addExample('a', [1, 2, 3], -1), 'INVALID_ARGUMENT');
    await rejectsWith(clf.addExample('a', 'not a vector'), 'INVALID_ARGUMENT');
    await rejectsWith(clf.classify([1, 2]), 'INVALID_ARGUMENT');
    await rejectsWith(clf.removeClass('nope'), 'UNKNOWN_LABEL');
    assert.deepEqual(await clf.serialize(), before);
    // finite values whose squared distance overflows float: an error, not NaN probabilities
    const huge = await createPrototypeClassifier({ dim: 2, simd });
    await huge.addExample('c', [3e38, 3e38]);
    await rejectsWith(huge.classify([0.5, 0.5]), 'INVALID_ARGUMENT');
    huge.dispose();
    clf.dispose();
    await rejectsWith(clf.classify([1, 2, 3]), 'DISPOSED');
    await rejectsWith(clf.addExample('a', [1]), 'DISPOSED');  // disposed is said first, before the argument
  });

  test(`[${name}] serialize and restore round trip; bad states are rejected whole`, async () => {
    const clf = await createPrototypeClassifier({ dim: 2, simd });
    await clf.addExample('x', [1, 1]);
    await clf.addExample('y', [-1, -1], 0.5);
    const state = await clf.serialize();
    const copy = await createPrototypeClassifier({ dim: 2, simd, state });
    assert.deepEqual(await copy.classify([0.9, 1]), await clf.classify([0.9, 1]));
    const tampered = structuredClone(state);
    tampered.examples[1].x[0] = 'oops';
    await rejectsWith(copy.restore(tampered), 'STATE_FORMAT');
    await rejectsWith(copy.restore({ ...state, version: 99 }), 'STATE_VERSION');
    assert.deepEqual(await copy.serialize(), state);
    clf.dispose();
    copy.dispose();
  });
}

test('createPrototypeClassifier validates its options', async () => {
  await rejectsWith(createPrototypeClassifier({ dim: 0 }), 'INVALID_ARGUMENT');
  // 2^32 + 2 would wrap to 2 on its way to the engine's int
  await rejectsWith(createPrototypeClassifier({ dim: 2 ** 32 + 2 }), 'INVALID_ARGUMENT');
  await rejectsWith(createPrototypeClassifier({ dim: 3e9 }), 'INVALID_ARGUMENT');
  await rejectsWith(createPrototypeClassifier(), 'INVALID_ARGUMENT');
  await rejectsWith(createPrototypeClassifier({ dim: 2, simd: 'yes' }), 'INVALID_ARGUMENT');
  (await createPrototypeClassifier({ dim: 2, simd: null })).dispose();  // null is 'auto', as for createEngine
});
