// Learner storage under Node (memory backend): the append/load/export/import/forget contract, the
// export-document validation matrix, quota failures, and the rule that every rejected call leaves
// the stored data exactly as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MetacogError } from '../../web/src/errors.js';
import { openStorage, databaseName, DOCUMENT_VERSION, SCHEMA_VERSION } from '../../web/src/storage.js';
import { canonicalJson, fromBase64, toBase64 } from '../../web/src/storage-document.js';
import { sha256Hex, sha256HexAsync } from '../../web/src/sha256.js';

let counter = 0;
const uniqueId = (name) => `${name}-${process.pid}-${++counter}`;
const r = (item, correct, timestamp, responseTimeMs) => ({ item, correct, timestamp, ...(responseTimeMs === undefined ? {} : { responseTimeMs }) });

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof MetacogError, `expected MetacogError, got ${err && err.stack}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

/** Everything stored, comparable (the export minus its timestamp and checksum; the load minus the
 * revision, a write token that every write — a re-import of the same data too — renews). */
async function snapshot(store) {
  const { exportedAt, checksum, ...rest } = await store.exportDocument();
  const { revision, ...load } = await store.load();
  if (load.meta) delete load.meta.revision;
  return { rest, load, responses: await store.responses() };
}

/** A store with three responses and a state whose bytes encode the count. */
async function filledStore(meta = { modelId: 'kt-1', modelHash: 'abc', itemBankHash: 'bank-1' }) {
  const store = await openStorage({ learnerId: uniqueId('filled'), meta });
  await store.appendResponse(r('q1', true, 1000, 2500), new Uint8Array([1, 10, 20]));
  await store.appendResponse(r('q2', false, 2000), new Uint8Array([2, 10, 20, 30]));
  await store.appendResponse(r('q1', true, 3000, 800.5), new Uint8Array([3, 1]));
  return store;
}

/** Recomputes the checksum after a deliberate edit, so that only the targeted check can fire. */
function reseal(doc) {
  const { checksum, ...body } = doc;
  return { ...doc, checksum: `sha256:${createHash('sha256').update(canonicalJson(body)).digest('hex')}` };
}

test('sha256Hex matches node:crypto on many lengths', () => {
  for (let n = 0; n < 200; n += 7) {
    const bytes = Uint8Array.from({ length: n * 3 }, (_, i) => (i * 131 + n) & 255);
    assert.equal(sha256Hex(bytes), createHash('sha256').update(bytes).digest('hex'));
  }
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('sha256HexAsync (WebCrypto, or the plain implementation without it) gives the same digests', async () => {
  const inputs = [0, 55, 56, 63, 64, 65, 1000, 120000].map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 29 + n) & 255));
  const subtle = globalThis.crypto.subtle;
  let digests = 0;
  const digest = subtle.digest;
  subtle.digest = function counted(...args) { digests += 1; return digest.apply(this, args); };
  try {
    for (const bytes of inputs) assert.equal(await sha256HexAsync(bytes), createHash('sha256').update(bytes).digest('hex'));
  } finally {
    delete subtle.digest;
  }
  assert.equal(digests, inputs.length, 'WebCrypto did the hashing');
  const own = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true, writable: true });
  try {
    for (const bytes of inputs) assert.equal(await sha256HexAsync(bytes), createHash('sha256').update(bytes).digest('hex'));
  } finally {
    if (own) Object.defineProperty(globalThis, 'crypto', own); else delete globalThis.crypto;
  }
  assert.ok(globalThis.crypto && globalThis.crypto.subtle, 'restored');
});

test('base64 round trip; non-canonical base64 is refused', () => {
  for (const n of [0, 1, 2, 3, 4, 100, 70000]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);
    assert.equal(toBase64(bytes), Buffer.from(bytes).toString('base64'));
    assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
  }
  for (const bad of ['AQI', 'AQ=D', 'A Q==', 'AQ==AQ==', 'AR==']) assert.equal(fromBase64(bad), null, bad);
});

test('under Node the default backend is memory, not persistent, with no warning', async () => {
  const store = await openStorage({ learnerId: uniqueId('default') });
  assert.equal(store.backend, 'memory');
  assert.equal(store.persistent, false);
  assert.deepEqual(store.warnings, []);
  assert.deepEqual(await store.load(), { state: null, meta: null, responseCount: 0, revision: null });
  assert.deepEqual(await store.responses(), []);
  assert.equal(databaseName('ana'), 'metacog-learner:ana');
});

test('appendResponse stores the response and the state together; load and responses read them back', async () => {
  const store = await filledStore();
  const { state, meta, responseCount } = await store.load();
  assert.deepEqual(state, new Uint8Array([3, 1]));
  assert.equal(responseCount, 3);
  assert.equal(meta.responseCount, 3);
  assert.equal(meta.schemaVersion, SCHEMA_VERSION);
  assert.equal(meta.modelId, 'kt-1');
  assert.equal(meta.modelHash, 'abc');
  assert.equal(meta.itemBankHash, 'bank-1');
  assert.ok(Number.isFinite(meta.updatedAt));
  assert.deepEqual(await store.responses(), [
    { item: 'q1', correct: true, timestamp: 1000, responseTimeMs: 2500 },
    { item: 'q2', correct: false, timestamp: 2000, responseTimeMs: null },
    { item: 'q1', correct: true, timestamp: 3000, responseTimeMs: 800.5 },
  ]);
});

test('stored bytes and responses are private copies', async () => {
  const store = await openStorage({ learnerId: uniqueId('copies') });
  const bytes = new Uint8Array([5, 6, 7]);
  const resp = r('q9', true, 5);
  const pending = store.appendResponse(resp, bytes);
  bytes[0] = 99; // mutating after the call must not matter
  resp.item = 'changed';
  await pending;
  const loaded = await store.load();
  assert.deepEqual(loaded.state, new Uint8Array([5, 6, 7]));
  loaded.state[1] = 0;
  (await store.responses())[0].item = 'also changed';
  assert.deepEqual((await store.load()).state, new Uint8Array([5, 6, 7]));
  assert.equal((await store.responses())[0].item, 'q9');
});

test('concurrent calls run in order: counts are 1..n and the last state wins', async () => {
  const store = await openStorage({ learnerId: uniqueId('order') });
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    store.appendResponse(r(`q${i}`, i % 2 === 0, i), new Uint8Array([i + 1]))));
  assert.deepEqual(results.map((x) => x.responseCount), Array.from({ length: 50 }, (_, i) => i + 1));
  assert.deepEqual((await store.load()).state, new Uint8Array([50]));
  assert.deepEqual((await store.responses()).map((x) => x.item), Array.from({ length: 50 }, (_, i) => `q${i}`));
});

test('two stores of one learner share data; other learners are separate', async () => {
  const id = uniqueId('shared');
  const a = await openStorage({ learnerId: id });
  const b = await openStorage({ learnerId: id });
  const other = await openStorage({ learnerId: uniqueId('other') });
  await a.appendResponse(r('q1', true, 1), new Uint8Array([1]));
  assert.equal((await b.load()).responseCount, 1);
  assert.equal((await other.load()).responseCount, 0);
});

test('expectRevision: a write built on a revision another store replaced is refused (conflict) and changes nothing', async () => {
  const id = uniqueId('revision');
  const a = await openStorage({ learnerId: id });
  const b = await openStorage({ learnerId: id });
  assert.equal((await a.load()).revision, null);
  const first = await a.appendResponse(r('q1', true, 1), new Uint8Array([1]), { expectRevision: null });
  assert.match(first.revision, /^[0-9a-f]{32}$/);
  assert.equal((await b.load()).revision, first.revision);
  // b writes on top of what it read; a still believes `first` is stored
  const second = await b.appendResponse(r('q2', false, 2), new Uint8Array([2]), { expectRevision: first.revision });
  assert.notEqual(second.revision, first.revision);
  const before = await snapshot(a);
  for (const write of [
    () => a.appendResponse(r('q3', true, 3), new Uint8Array([3]), { expectRevision: first.revision }),
    () => a.writeState(new Uint8Array([9]), undefined, { expectRevision: first.revision }),
    () => a.appendResponse(r('q3', true, 3), new Uint8Array([3]), { expectRevision: null }),
  ]) {
    await assert.rejects(write(), (err) => err instanceof MetacogError && err.code === 'STORAGE' && err.conflict === true && /another tab/.test(err.message));
  }
  assert.deepEqual(await snapshot(a), before);
  // forget() elsewhere: a write expecting the old revision is refused, one expecting none goes in
  await b.forget();
  await assert.rejects(a.appendResponse(r('q3', true, 3), new Uint8Array([3]), { expectRevision: second.revision }), (err) => err.conflict === true);
  assert.equal((await a.load()).responseCount, 0);
  const fresh = await a.appendResponse(r('q3', true, 3), new Uint8Array([3]), { expectRevision: null });
  assert.equal(fresh.responseCount, 1);
  // without expectRevision a write is unconditional; import sets a new revision
  const forced = await b.writeState(new Uint8Array([4]));
  assert.notEqual(forced.revision, fresh.revision);
  const imported = await a.importDocument(await b.exportDocument());
  assert.match(imported.revision, /^[0-9a-f]{32}$/);
  assert.equal((await b.load()).revision, imported.revision);
  await rejectsWith(a.appendResponse(r('q4', true, 4), new Uint8Array([4]), { expectRevision: 7 }), 'INVALID_ARGUMENT', /expectRevision/);
  await rejectsWith(a.writeState(new Uint8Array([4]), undefined, null), 'INVALID_ARGUMENT', /options/);
});

test('appendResponse argument matrix: each bad call is INVALID_ARGUMENT and changes nothing', async () => {
  const store = await filledStore();
  const before = await snapshot(store);
  const ok = new Uint8Array([1]);
  const cases = [
    [null, ok], [[], ok], ['q1', ok], [{ correct: true, timestamp: 1 }, ok],
    [r('', true, 1), ok], [r(7, true, 1), ok], [r('q1', 1, 1), ok], [r('q1', 'yes', 1), ok],
    [{ item: 'q1', timestamp: 1 }, ok], [r('q1', true, NaN), ok], [r('q1', true, Infinity), ok],
    [r('q1', true, -1), ok], [r('q1', true, '1'), ok], [r('q1', true, 1, -5), ok],
    [r('q1', true, 1, NaN), ok], [r('q1', true, 1, '5'), ok], [{ ...r('q1', true, 1), extra: 1 }, ok],
    [r('x'.repeat(5000), true, 1), ok],
    [r('q1', true, 1), [1, 2]], [r('q1', true, 1), new ArrayBuffer(2)], [r('q1', true, 1), new Float32Array(2)],
    [r('q1', true, 1), new Uint8Array(0)], [r('q1', true, 1), undefined],
  ];
  for (const [resp, bytes] of cases) {
    await rejectsWith(store.appendResponse(resp, bytes), 'INVALID_ARGUMENT');
  }
  assert.deepEqual(await snapshot(store), before);
});

test('writeState replaces the state, keeps the log, and can switch the model metadata', async () => {
  const store = await filledStore();
  await store.writeState(new Uint8Array([42, 42]));
  let { state, meta } = await store.load();
  assert.deepEqual(state, new Uint8Array([42, 42]));
  assert.equal(meta.responseCount, 3);
  assert.equal(meta.modelId, 'kt-1');
  await store.writeState(new Uint8Array([7]), { modelId: 'kt-2', modelHash: 'def' });
  ({ meta } = await store.load());
  assert.equal(meta.modelId, 'kt-2');
  assert.equal(meta.itemBankHash, null);
  assert.deepEqual(store.meta, { modelId: 'kt-2', modelHash: 'def', itemBankHash: null });
  await store.appendResponse(r('q3', false, 4000), new Uint8Array([4]));
  assert.equal((await store.load()).meta.modelId, 'kt-2', 'later writes carry the new metadata');
  const before = await snapshot(store);
  await rejectsWith(store.writeState(new Uint8Array([1]), { modelId: 5 }), 'INVALID_ARGUMENT', /modelId/);
  await rejectsWith(store.writeState(new Uint8Array([1]), 'meta'), 'INVALID_ARGUMENT');
  await rejectsWith(store.writeState('bytes'), 'INVALID_ARGUMENT');
  assert.deepEqual(await snapshot(store), before);
});

test('exportDocument: versioned, complete, self-checking JSON', async () => {
  const store = await filledStore();
  const doc = await store.exportDocument();
  assert.equal(doc.format, 'metacog-learner-data');
  assert.equal(doc.version, DOCUMENT_VERSION);
  assert.equal(doc.learnerId, store.learnerId);
  assert.ok(!Number.isNaN(Date.parse(doc.exportedAt)));
  assert.deepEqual(Object.keys(doc.meta).sort(), ['itemBankHash', 'modelHash', 'modelId', 'responseCount', 'updatedAt']);
  assert.equal(doc.meta.responseCount, 3);
  assert.equal(doc.responses.length, 3);
  const bytes = Buffer.from(doc.state.data, 'base64');
  assert.deepEqual(new Uint8Array(bytes), new Uint8Array([3, 1]));
  assert.equal(doc.state.bytes, 2);
  assert.equal(doc.state.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.deepEqual(reseal(doc), doc, 'the checksum is the sha256 of the canonical JSON of the other fields');
  assert.deepEqual(JSON.parse(JSON.stringify(doc)), doc, 'plain JSON data');
  const empty = await (await openStorage({ learnerId: uniqueId('empty') })).exportDocument();
  assert.equal(empty.state, null);
  assert.deepEqual(empty.responses, []);
  assert.equal(empty.meta.updatedAt, null);
});

test('export → forget → import restores everything exactly (object and JSON text)', async () => {
  const store = await filledStore();
  const before = await snapshot(store);
  const doc = await store.exportDocument();
  await store.forget();
  assert.deepEqual(await store.load(), { state: null, meta: null, responseCount: 0, revision: null });
  assert.deepEqual(await store.responses(), []);
  const imported = await store.importDocument(doc);
  assert.match(imported.revision, /^[0-9a-f]{32}$/);
  assert.deepEqual(imported, { learnerId: store.learnerId, responseCount: 3, hasState: true, revision: imported.revision });
  assert.deepEqual(await snapshot(store), before);
  await store.forget();
  await store.importDocument(JSON.stringify(doc));
  assert.deepEqual(await snapshot(store), before);
});

test('importDocument replaces what was stored; an empty document clears it', async () => {
  const source = await filledStore({ modelId: 'm-src' });
  const target = await openStorage({ learnerId: uniqueId('target') });
  await target.appendResponse(r('zz', false, 9), new Uint8Array([9, 9, 9]));
  const res = await target.importDocument(await source.exportDocument());
  assert.equal(res.learnerId, source.learnerId);
  assert.deepEqual(await target.responses(), await source.responses());
  assert.deepEqual((await target.load()).state, (await source.load()).state);
  assert.equal((await target.load()).meta.modelId, 'm-src');
  await target.importDocument(await (await openStorage({ learnerId: uniqueId('blank') })).exportDocument());
  assert.deepEqual(await target.load(), { state: null, meta: null, responseCount: 0, revision: null });
});

test('importDocument accepts a log without a state (to be replayed by the engine)', async () => {
  const store = await openStorage({ learnerId: uniqueId('nostate') });
  const doc = await (await filledStore()).exportDocument();
  const stateless = reseal({ ...doc, state: null, meta: { ...doc.meta, updatedAt: null } });
  await store.importDocument(stateless);
  assert.deepEqual(await store.load(), { state: null, meta: null, responseCount: 3, revision: null });
});

test('importDocument validation matrix: every bad document is refused whole', async () => {
  const store = await filledStore();
  const good = await store.exportDocument();
  const before = await snapshot(store);
  const edit = (fn) => { const d = structuredClone(good); fn(d); return d; };
  const sealed = (fn) => reseal(edit(fn));
  const cases = [
    // [name, document, code, message pattern]
    ['null', null, 'STATE_FORMAT', /document object/],
    ['number', 42, 'STATE_FORMAT', /document object/],
    ['array', [], 'STATE_FORMAT', /document object/],
    ['bad JSON text', '{"format":', 'STATE_FORMAT', /not valid JSON/],
    ['other format', sealed((d) => { d.format = 'something-else'; }), 'STATE_FORMAT', /format/],
    ['newer version', sealed((d) => { d.version = DOCUMENT_VERSION + 1; }), 'STATE_VERSION', /upgrade metacog/],
    ['newer version, unknown layout', { format: 'metacog-learner-data', version: 99, whatever: true }, 'STATE_VERSION', /version 99/],
    ['version 0', sealed((d) => { d.version = 0; }), 'STATE_FORMAT', /version/],
    ['version 1.5', sealed((d) => { d.version = 1.5; }), 'STATE_FORMAT', /version/],
    ['version as text', sealed((d) => { d.version = '1'; }), 'STATE_FORMAT', /version/],
    ['extra field', sealed((d) => { d.note = 'hi'; }), 'STATE_FORMAT', /unknown field "note"/],
    ['missing responses', sealed((d) => { delete d.responses; }), 'STATE_FORMAT', /missing the field "responses"/],
    ['empty learnerId', sealed((d) => { d.learnerId = ''; }), 'STATE_FORMAT', /learnerId/],
    ['bad exportedAt', sealed((d) => { d.exportedAt = 'yesterday'; }), 'STATE_FORMAT', /exportedAt/],
    ['meta not object', sealed((d) => { d.meta = 'x'; }), 'STATE_FORMAT', /meta/],
    ['meta extra field', sealed((d) => { d.meta.learnerName = 'Ana'; }), 'STATE_FORMAT', /unknown field "learnerName"/],
    ['modelId number', sealed((d) => { d.meta.modelId = 5; }), 'STATE_FORMAT', /modelId/],
    ['updatedAt negative', sealed((d) => { d.meta.updatedAt = -1; }), 'STATE_FORMAT', /updatedAt/],
    ['updatedAt null with a state', sealed((d) => { d.meta.updatedAt = null; }), 'STATE_FORMAT', /updatedAt/],
    ['responseCount too high', sealed((d) => { d.meta.responseCount = 4; }), 'STATE_FORMAT', /responseCount is 4 but the document holds 3/],
    ['response dropped', sealed((d) => { d.responses.pop(); }), 'STATE_FORMAT', /responseCount is 3 but the document holds 2/],
    ['responseCount fractional', sealed((d) => { d.meta.responseCount = 2.5; }), 'STATE_FORMAT', /responseCount/],
    ['responses not array', sealed((d) => { d.responses = {}; }), 'STATE_FORMAT', /responses/],
    ['response correct as number', sealed((d) => { d.responses[1].correct = 0; }), 'STATE_FORMAT', /response 1: "correct"/],
    ['response NaN-like timestamp', sealed((d) => { d.responses[0].timestamp = null; }), 'STATE_FORMAT', /response 0: "timestamp"/],
    ['response unknown field', sealed((d) => { d.responses[2].score = 1; }), 'STATE_FORMAT', /unknown response field "score"/],
    ['state encoding', sealed((d) => { d.state.encoding = 'hex'; }), 'STATE_FORMAT', /encoding/],
    ['state bytes wrong', sealed((d) => { d.state.bytes = 3; }), 'STATE_FORMAT', /decodes to 2 bytes/],
    ['state truncated', sealed((d) => { d.state.data = d.state.data.slice(0, 2); }), 'STATE_FORMAT', /base64/],
    ['state bytes edited', sealed((d) => { d.state.data = 'AwI='; }), 'STATE_FORMAT', /sha256/],
    ['state sha256 malformed', sealed((d) => { d.state.sha256 = 'abc'; }), 'STATE_FORMAT', /sha256/],
    ['state extra field', sealed((d) => { d.state.compressed = false; }), 'STATE_FORMAT', /unknown field "compressed"/],
    ['state not object', sealed((d) => { d.state = 'AQID'; }), 'STATE_FORMAT', /"state" must be null or an object/],
    ['answer flipped, checksum kept', edit((d) => { d.responses[1].correct = true; }), 'STATE_FORMAT', /checksum does not match/],
    ['model id edited, checksum kept', edit((d) => { d.meta.modelId = 'other'; }), 'STATE_FORMAT', /checksum does not match/],
    ['checksum missing', edit((d) => { delete d.checksum; }), 'STATE_FORMAT', /checksum/],
    ['checksum malformed', edit((d) => { d.checksum = 'md5:00'; }), 'STATE_FORMAT', /checksum/],
  ];
  for (const [name, doc, code, pattern] of cases) {
    await assert.rejects(store.importDocument(doc), (err) => {
      assert.ok(err instanceof MetacogError, `${name}: ${err}`);
      assert.equal(err.code, code, `${name}: ${err.message}`);
      assert.match(err.message, pattern, name);
      return true;
    }, name);
  }
  assert.deepEqual(await snapshot(store), before, 'no rejected import changed anything');
  await store.importDocument(good); // and the untouched document still imports
  assert.deepEqual(await snapshot(store), before);
});

test('quota exceeded → STORAGE, and the stored data is unchanged (append, writeState, import)', async () => {
  const store = await openStorage({ learnerId: uniqueId('quota'), quotaBytes: 1000 });
  await store.appendResponse(r('q1', true, 1), new Uint8Array(100));
  await store.appendResponse(r('q2', true, 2), new Uint8Array(200));
  const before = await snapshot(store);
  await rejectsWith(store.appendResponse(r('q3', true, 3), new Uint8Array(2000)), 'STORAGE', /quota/);
  await rejectsWith(store.writeState(new Uint8Array(5000)), 'STORAGE', /Nothing was changed/);
  const big = await (await filledStore()).exportDocument();
  big.state.data = toBase64(new Uint8Array(4000));
  big.state.bytes = 4000;
  big.state.sha256 = sha256Hex(new Uint8Array(4000));
  await rejectsWith(store.importDocument(reseal(big)), 'STORAGE', /quota/);
  assert.deepEqual(await snapshot(store), before);
  await store.appendResponse(r('q3', false, 3), new Uint8Array(300)); // still usable
  assert.equal((await store.load()).responseCount, 3);
});

test('forget deletes the learner for every store of that learner; the store stays usable', async () => {
  const id = uniqueId('forget');
  const a = await openStorage({ learnerId: id });
  const b = await openStorage({ learnerId: id });
  await a.appendResponse(r('q1', true, 1), new Uint8Array([1]));
  await a.forget();
  assert.deepEqual(await b.load(), { state: null, meta: null, responseCount: 0, revision: null });
  await a.appendResponse(r('q2', true, 2), new Uint8Array([2]));
  assert.equal((await b.load()).responseCount, 1);
});

test('close: later calls are DISPOSED, the data stays', async () => {
  const id = uniqueId('close');
  const store = await openStorage({ learnerId: id });
  await store.appendResponse(r('q1', true, 1), new Uint8Array([1]));
  store.close();
  store.close();
  await rejectsWith(store.load(), 'DISPOSED');
  await rejectsWith(store.appendResponse(r('q2', true, 2), new Uint8Array([2])), 'DISPOSED');
  await rejectsWith(store.exportDocument(), 'DISPOSED');
  assert.equal((await (await openStorage({ learnerId: id })).load()).responseCount, 1);
});

test('openStorage validates its options', async () => {
  await rejectsWith(openStorage(null), 'INVALID_ARGUMENT');
  await rejectsWith(openStorage({ learnerId: '' }), 'INVALID_ARGUMENT', /learnerId/);
  await rejectsWith(openStorage({ learnerId: 42 }), 'INVALID_ARGUMENT', /learnerId/);
  await rejectsWith(openStorage({ backend: 'localStorage' }), 'INVALID_ARGUMENT', /backend/);
  await rejectsWith(openStorage({ quotaBytes: -1 }), 'INVALID_ARGUMENT', /quotaBytes/);
  await rejectsWith(openStorage({ meta: { modelHash: {} } }), 'INVALID_ARGUMENT', /modelHash/);
  await rejectsWith(openStorage({ onWarning: 'log' }), 'INVALID_ARGUMENT', /onWarning/);
  await rejectsWith(openStorage({ indexedDB: 42 }), 'INVALID_ARGUMENT', /IDBFactory/);
  await rejectsWith(openStorage({ indexedDB: {} }), 'INVALID_ARGUMENT', /IDBFactory/);
});

test('IndexedDB requested where there is none → memory with a warning event, data still kept', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const seen = [];
  const store = await openStorage({ learnerId: uniqueId('fallback'), backend: 'indexeddb', onWarning: (w) => seen.push(w) });
  assert.equal(store.backend, 'memory');
  assert.equal(store.persistent, false);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].code, 'STORAGE');
  assert.match(seen[0].message, /IndexedDB is not available.*kept in memory only.*export/);
  assert.deepEqual(store.warnings, seen);
  assert.equal(warn.mock.callCount(), 1, 'also reported on the console');
  await store.appendResponse(r('q1', true, 1), new Uint8Array([1]));
  assert.equal((await store.load()).responseCount, 1);
  const nullFactory = await openStorage({ learnerId: uniqueId('fallback'), backend: 'indexeddb', indexedDB: null });
  assert.equal(nullFactory.backend, 'memory');
  assert.match(nullFactory.warnings[0].message, /indexedDB option is null/);
});

test('an IndexedDB factory that fails to open → memory fallback; a newer schema → STATE_VERSION', async (t) => {
  t.mock.method(console, 'warn', () => {});
  const failing = (name) => ({
    open() {
      const req = {};
      setTimeout(() => { req.error = Object.assign(new Error('open failed'), { name }); req.onerror?.(); }, 0);
      return req;
    },
  });
  const store = await openStorage({ learnerId: uniqueId('broken'), backend: 'indexeddb', indexedDB: failing('InvalidStateError') });
  assert.equal(store.backend, 'memory');
  assert.match(store.warnings[0].message, /could not be opened \(InvalidStateError: open failed\)/);
  await rejectsWith(openStorage({ learnerId: uniqueId('newer'), backend: 'indexeddb', indexedDB: failing('VersionError') }), 'STATE_VERSION', /newer metacog/);
  await rejectsWith(openStorage({ learnerId: uniqueId('full'), backend: 'indexeddb', indexedDB: failing('QuotaExceededError') }), 'STORAGE', /quota/);
});
