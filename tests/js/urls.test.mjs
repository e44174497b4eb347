// A malformed model, item-bank, factory-module or wasm base URL is a MetacogError (INVALID_ARGUMENT),
// like every other failure, not the TypeError that `new URL` throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createEngine, createPrototypeClassifier, createSketchClassifier, hostObject, MetacogError } from '../../dist/metacog.js';

const MODEL = readFileSync(new URL('../../models/demo-learner.safetensors', import.meta.url));
const BANK = JSON.parse(readFileSync(new URL('../../web/demo/item-bank.json', import.meta.url), 'utf8'));

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof MetacogError, `expected MetacogError, got ${err}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

for (const bad of ['http://', 'http://[::1']) {
  test(`createSketchClassifier: model '${bad}' rejects with a MetacogError`, async () => {
    await rejectsWith(createSketchClassifier({ model: bad, worker: false }), 'INVALID_ARGUMENT',
      /^createSketchClassifier: .*model/);
  });

  test(`createEngine: model '${bad}' rejects with a MetacogError`, async () => {
    await rejectsWith(createEngine({ model: bad, itemBank: BANK, storage: 'memory', worker: false }),
      'INVALID_ARGUMENT', /^createEngine: .*model/);
  });

  test(`createEngine: itemBank '${bad}' rejects with a MetacogError`, async () => {
    await rejectsWith(createEngine({ model: MODEL, itemBank: bad, storage: 'memory', worker: false }),
      'INVALID_ARGUMENT', /^createEngine: .*itemBank/);
  });

  test(`hostObject: module '${bad}' rejects with a MetacogError`, async () => {
    await rejectsWith(hostObject({ module: bad, factory: 'x', worker: false }), 'INVALID_ARGUMENT', /module is not a valid URL/);
  });

  test(`createPrototypeClassifier: the wasm baseUrl '${bad}' rejects with a MetacogError`, async () => {
    await rejectsWith(createPrototypeClassifier({ dim: 2, baseUrl: bad, worker: false }), 'INVALID_ARGUMENT', /baseUrl is not a valid URL/);
  });
}
