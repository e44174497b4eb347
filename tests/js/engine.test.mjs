// createEngine under Node (in-process, memory storage) on both wasm builds: the §3.1 calls, the
// error matrix (each error leaves the learner unchanged), export → forget → import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createEngine, MetacogError, openStorage } from '../../dist/metacog.js';
import { withMetadata } from './model-bytes.mjs';
import { resealed } from './learner-document.mjs';
import { fromBase64, toBase64 } from '../../web/src/storage-document.js';

const editState = (doc, fn) => resealed(doc, (d) => {
  d.state.data = toBase64(new TextEncoder().encode(fn(new TextDecoder().decode(fromBase64(d.state.data)))));
});

const MODEL = new URL('../../models/demo-learner.safetensors', import.meta.url);
const SKETCH_MODEL = new URL('../../models/omniglot-protonet.safetensors', import.meta.url);
const BANK_URL = new URL('../../web/demo/item-bank.json', import.meta.url);
const BANK = JSON.parse(readFileSync(BANK_URL, 'utf8'));

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof MetacogError, `expected MetacogError, got ${err}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.length > 10, err.message);
    return true;
  });
}

let learner = 0;
const fresh = (simd, extra = {}) => createEngine({ model: MODEL, itemBank: BANK, simd, learnerId: `t${learner++}`, ...extra });

for (const simd of [true, false]) {
  const name = simd ? 'simd' : 'scalar';

  test(`[${name}] observe adapts; predict, mastery, recommend, learningPath, recommendResources, explain, info`, async () => {
    const e = await fresh(simd);
    const info = await e.info();
    assert.equal(info.simd, simd);
    assert.equal(info.items, BANK.items.length);
    assert.equal(info.skills, BANK.skills.length);
    assert.equal(info.worker, false);
    assert.equal(info.storage.backend, 'memory');
    // the design's __metadata__ keys (§3.3), arch and metrics parsed
    assert.deepEqual(Object.keys(info.model).sort(), ['algo', 'arch', 'created_by', 'format', 'format_version', 'metrics', 'trained_on']);
    assert.equal(info.model.format, 'metacog');
    assert.equal(typeof info.model.arch, 'object');
    const item = BANK.items[0].id;
    const [before] = await e.predict([item]);
    assert.ok(before.p > 0 && before.p < 1);
    let t = Date.UTC(2026, 0, 1);
    for (let k = 0; k < 5; k++) assert.deepEqual(await e.observe({ item, correct: true, timestamp: (t += 30000) }), { responses: k + 1, timestamp: t });
    const [after] = await e.predict(item);
    assert.ok(after.p > before.p, `5 right answers should raise p: ${before.p} → ${after.p}`);
    const mastery = await e.mastery();
    assert.equal(mastery.length, BANK.skills.length);
    const skill0 = mastery.find((m) => m.skill === BANK.items[0].skills[0]);
    assert.equal(skill0.attempts, 5);
    assert.equal(skill0.lastSeen, t);
    const recs = await e.recommend({ count: 3 });
    assert.equal(recs.length, 3);
    for (const r of recs) {
      assert.ok(BANK.items.some((i) => i.id === r.item));
      assert.ok(r.p > 0 && r.p < 1);
      assert.ok(typeof r.reason === 'string' && r.reason.length > 10);
      assert.equal(r.repeat, false, 'fresh items were ready: nothing is a repeat');
    }
    assert.ok(!recs.some((r) => r.item === item), 'no immediate repeat');
    const goal = BANK.skills[BANK.skills.length - 1].id;
    const path = await e.learningPath({ goals: [goal] });
    assert.ok(path.length >= 1);
    assert.ok(path.every((s) => s.reason.length > 0 && Array.isArray(s.items) && (s.items.length > 0 ? s.estimatedItems >= 1 : s.estimatedItems === 0)));
    const res = await e.recommendResources({ count: 2, goals: [goal] });
    assert.equal(res.length, 2);
    assert.ok(res.every((r) => BANK.resources.some((x) => x.id === r.resource) && r.reason.length > 0));
    assert.ok(res.every((r) => typeof r.mastered === 'boolean' && r.mastered === /already mastered/.test(r.reason)));
    const why = await e.explain(item);
    assert.ok(Math.abs(why.contributions.reduce((a, c) => a + c.logit, 0) - why.logit) < 1e-6);
    await e.adapt({ steps: 3 });
    e.dispose();
    await rejectsWith(e.observe({ item, correct: true }), 'DISPOSED');
  });

  test(`[${name}] every bad call is a typed error and changes nothing`, async () => {
    const e = await fresh(simd);
    const item = BANK.items[3].id;
    await e.observe({ item, correct: false, timestamp: 1000 });
    const snapshot = JSON.stringify(await e.predict(BANK.items.map((i) => i.id)));
    const bad = [
      [e.observe(null), 'INVALID_ARGUMENT'],
      [e.observe({ item, correct: 1, timestamp: 2000 }), 'INVALID_ARGUMENT'],
      [e.observe({ item, correct: true, timestamp: NaN }), 'INVALID_ARGUMENT'],
      [e.observe({ item, correct: true, timestamp: Infinity }), 'INVALID_ARGUMENT'],
      [e.observe({ item, correct: true, timestamp: 2000, responseTimeMs: -5 }), 'INVALID_ARGUMENT'],
      [e.observe({ item, correct: true, timestamp: 2000, extra: 1 }), 'INVALID_ARGUMENT'],
      [e.observe({ item: 'no-such-item', correct: true, timestamp: 2000 }), 'UNKNOWN_ITEM'],
      [e.observe({ item, correct: true, timestamp: 500 }), 'INVALID_ARGUMENT'],
      // microseconds by mistake (or any time more than a day ahead): it would hold back every later answer
      [e.observe({ item, correct: true, timestamp: Date.now() * 1000 }), 'INVALID_ARGUMENT'],
      [e.observe({ item, correct: true, timestamp: Number.MAX_VALUE }), 'INVALID_ARGUMENT'],
      [e.observe({ item, correct: true, timestamp: Date.now() + 2 * 86_400_000 }), 'INVALID_ARGUMENT'],
      [e.predict(['no-such-item']), 'UNKNOWN_ITEM'],
      [e.predict(42), 'INVALID_ARGUMENT'],
      [e.recommend({ count: 0 }), 'INVALID_ARGUMENT'],
      [e.recommend({ count: 2.5 }), 'INVALID_ARGUMENT'],
      [e.recommend({ target: 1.5 }), 'INVALID_ARGUMENT'],
      [e.learningPath({ goals: ['no-such-skill'] }), 'INVALID_ARGUMENT'],
      [e.recommendResources({ count: -1 }), 'INVALID_ARGUMENT'],
      [e.adapt({ steps: 0 }), 'INVALID_ARGUMENT'],
      [e.explain('nope'), 'UNKNOWN_ITEM'],
    ];
    for (const [promise, code] of bad) await rejectsWith(promise, code);
    assert.equal(JSON.stringify(await e.predict(BANK.items.map((i) => i.id))), snapshot);
    assert.equal((await e.info()).responses, 1);
    e.dispose();
  });

  test(`[${name}] export → forget → import restores the learner; tampered or newer documents are refused`, async () => {
    const e = await fresh(simd);
    let t = 5000;
    for (const [k, it] of BANK.items.slice(0, 8).entries()) await e.observe({ item: it.id, correct: k % 3 !== 0, timestamp: (t += 1000) });
    const ids = BANK.items.map((i) => i.id);
    const p = await e.predict(ids);
    // mastery comes from the prerequisite-aware joint filter (the demo model carries ρ); its state travels in the document
    const m = (await e.mastery()).map((x) => x.mastery);
    const doc = await e.exportLearnerData();
    assert.equal(doc.responses.length, 8);
    await e.forget();
    assert.equal((await e.info()).responses, 0);
    const prior = await e.predict(ids);
    assert.notDeepEqual(prior, p);
    await rejectsWith(e.importLearnerData({ ...doc, version: 99 }), 'STATE_VERSION');
    await rejectsWith(e.importLearnerData({ ...doc, responses: doc.responses.slice(1) }), 'STATE_FORMAT');
    await rejectsWith(e.importLearnerData('{not json'), 'STATE_FORMAT');
    assert.deepEqual(await e.predict(ids), prior);  // refused imports changed nothing
    assert.deepEqual(await e.importLearnerData(JSON.parse(JSON.stringify(doc))), { responses: 8 });
    const back = await e.predict(ids);
    back.forEach((x, k) => assert.ok(Math.abs(x.p - p[k].p) < 1e-9));
    assert.deepEqual((await e.mastery()).map((x) => x.mastery), m);
    // a new engine for the same learner (same memory store) finds the learner again
    const again = await createEngine({ model: MODEL, itemBank: BANK, simd, learnerId: doc.learnerId });
    (await again.predict(ids)).forEach((x, k) => assert.ok(Math.abs(x.p - p[k].p) < 1e-9));
    assert.deepEqual((await again.mastery()).map((x) => x.mastery), m);
    e.dispose();
    again.dispose();
  });

  test(`[${name}] two engines on one learner (two tabs): neither overwrites the other's answers; forget is not undone`, async () => {
    const id = `two-tabs-${learner++}`;
    const open = () => createEngine({ model: MODEL, itemBank: BANK, simd, learnerId: id });
    const [a, b] = [await open(), await open()];
    const ids = BANK.items.map((i) => i.id);
    let t = Date.UTC(2026, 1, 1);
    for (let k = 0; k < 5; k++) await a.observe({ item: ids[k], correct: true, timestamp: (t += 1000) });
    // b was opened before a's answers: its write is refused, it reloads the learner and answers on top
    assert.deepEqual(await b.observe({ item: ids[5], correct: false, timestamp: (t += 1000) }), { responses: 6, timestamp: t });
    assert.equal((await b.info()).responses, 6, 'b now holds all six answers');
    const reopened = await open();
    assert.equal((await reopened.info()).responses, 6, 'the stored state holds all six answers, not only b\'s');
    const doc = await reopened.exportLearnerData();
    assert.deepEqual(doc.responses.map((r) => r.item), ids.slice(0, 6));
    // the same learner rebuilt from scratch in one engine predicts the same
    const solo = await createEngine({ model: MODEL, itemBank: BANK, simd, learnerId: `${id}-solo` });
    for (const r of doc.responses) await solo.observe(r);
    const [ps, pr] = [await solo.predict(ids), await reopened.predict(ids)];
    ps.forEach((x, k) => assert.ok(Math.abs(x.p - pr[k].p) < 1e-9, `${x.item}: ${x.p} vs ${pr[k].p}`));
    // adapt() on a stale engine also reloads first
    await a.adapt({ steps: 1 });
    assert.equal((await a.info()).responses, 6);
    // forget() in one tab; a stale engine's next answer starts from the prior instead of restoring
    await reopened.forget();
    assert.deepEqual(await a.observe({ item: ids[6], correct: true, timestamp: (t += 1000) }), { responses: 1, timestamp: t });
    assert.equal((await a.info()).responses, 1);
    const after = await open();
    assert.equal((await after.info()).responses, 1);
    assert.deepEqual((await after.exportLearnerData()).responses.map((r) => r.item), [ids[6]]);
    for (const e of [a, b, reopened, solo, after]) e.dispose();
  });

  test(`[${name}] two engines and a log-only import: the import stores a state at once, so a stale engine can neither undo a forget nor drop the imported answers`, async () => {
    const ids = BANK.items.map((i) => i.id);
    const src = await fresh(simd);
    let t = Date.UTC(2026, 0, 1);
    for (let k = 0; k < 12; k++) await src.observe({ item: ids[k % 10], correct: k % 4 !== 0, timestamp: (t += 60_000) });
    const logOnly = resealed(await src.exportLearnerData(), (d) => {
      d.state = null;
      Object.assign(d.meta, { updatedAt: null, modelId: null, modelHash: null, itemBankHash: null });
    });
    const attempts = async (e) => (await e.mastery()).reduce((n, m) => n + m.attempts, 0);
    // 1. A imports; B forgets; A answers: A must start from the prior, not bring the 12 back
    const id1 = `log-only-forget-${learner++}`;
    const open1 = () => createEngine({ model: MODEL, itemBank: BANK, simd, learnerId: id1 });
    const [a, b] = [await open1(), await open1()];
    assert.deepEqual(await a.importLearnerData(logOnly), { responses: 12 });
    assert.ok((await a.exportLearnerData()).state, 'the import stored a state with the log');
    await b.forget();
    assert.deepEqual((await a.observe({ item: ids[0], correct: false, timestamp: (t += 60_000) })).responses, 1);
    const c = await open1();
    assert.equal((await c.info()).responses, 1);
    assert.equal(await attempts(c), 1, 'the stored state holds the one answer after the forget, nothing forgotten');
    // 2. D opened before E imports; D answers: its write is refused, it reloads, and answers on top
    const id2 = `log-only-import-${learner++}`;
    const open2 = () => createEngine({ model: MODEL, itemBank: BANK, simd, learnerId: id2 });
    const [d, e] = [await open2(), await open2()];
    await e.importLearnerData(logOnly);
    assert.deepEqual((await d.observe({ item: ids[1], correct: true, timestamp: (t += 60_000) })).responses, 13);
    const f = await open2();
    assert.equal((await f.info()).responses, 13);
    assert.equal(await attempts(f), 13, 'the stored state reflects all 13 logged answers');
    for (const x of [src, a, b, c, d, e, f]) x.dispose();
  });

  test(`[${name}] a document with a response log and no state is replayed; a state from a newer engine is STATE_VERSION`, async () => {
    const e = await fresh(simd);
    let t = 9000;
    for (const it of BANK.items.slice(0, 4)) await e.observe({ item: it.id, correct: true, timestamp: (t += 1000) });
    const ids = BANK.items.map((i) => i.id);
    const p = await e.predict(ids);
    const doc = await e.exportLearnerData();
    const logOnly = resealed(doc, (d) => { d.state = null; d.meta.updatedAt = null; });
    const target = await fresh(simd);
    assert.deepEqual(await target.importLearnerData(logOnly), { responses: 4 });
    assert.equal((await target.info()).responses, 4, 'the log was replayed');
    (await target.predict(ids)).forEach((x, k) => assert.ok(Math.abs(x.p - p[k].p) < 1e-9));
    // a new engine on that learner finds the replayed learner too
    const again = await createEngine({ model: MODEL, itemBank: BANK, simd, learnerId: (await target.exportLearnerData()).learnerId });
    assert.equal((await again.info()).responses, 4);
    // a log the engine cannot replay (timestamps going backwards) is refused whole
    const backwards = resealed(logOnly, (d) => { d.responses[3].timestamp = 1; });
    const before = await target.predict(ids);
    await rejectsWith(target.importLearnerData(backwards), 'STATE_FORMAT');
    assert.deepEqual(await target.predict(ids), before);
    // a state written by a newer engine: STATE_VERSION (not STATE_FORMAT), nothing changed
    const newer = editState(doc, (text) => text.replace(/"version":(\d+)\}$/, (_, v) => `"version":${Number(v) + 1}}`));
    await rejectsWith(target.importLearnerData(newer), 'STATE_VERSION');
    assert.deepEqual(await target.predict(ids), before);
    assert.equal((await target.exportLearnerData()).responses.length, 4);
    // the same state found in storage at start-up: createEngine refuses it rather than replaying the
    // log over it (which would lose what the newer state holds); the stored data is untouched
    const newerBytes = fromBase64(newer.state.data);
    const stored = await openStorage({ learnerId: `newer-state-${learner++}` });
    for (const r of doc.responses) await stored.appendResponse(r, newerBytes);
    await rejectsWith(createEngine({ model: MODEL, itemBank: BANK, simd, learnerId: stored.learnerId }), 'STATE_VERSION');
    assert.deepEqual((await stored.load()).state, newerBytes);
    assert.equal((await stored.responses()).length, 4);
    for (const x of [e, target, again]) x.dispose();
  });

  test(`[${name}] a state another model wrote (same architecture: a model upgrade) is rebuilt from the log, at start-up and on import`, async () => {
    const id = `upgrade-${learner++}`;
    const bytes = new Uint8Array(readFileSync(MODEL));
    // the same weights under another hash: only the hash can tell a reader that the state is not its own
    const upgraded = withMetadata(bytes, (m) => { m.trained_on = `${m.trained_on} (retrained)`; });
    const ids = BANK.items.map((i) => i.id);
    const close = (ps, qs) => ps.forEach((x, k) => assert.ok(Math.abs(x.p - qs[k].p) < 1e-9, `${x.item}: ${x.p} vs ${qs[k].p}`));
    const a = await createEngine({ model: bytes, itemBank: BANK, simd, learnerId: id });
    let t = 1000;
    for (const [k, it] of BANK.items.slice(0, 6).entries()) await a.observe({ item: it.id, correct: k !== 2, timestamp: (t += 1000) });
    const replayed = await a.predict(ids);  // what a replay of the log gives
    await a.adapt({ steps: 20 });           // the state now holds more than its log: a reused state shows
    const adapted = await a.predict(ids);
    assert.ok(adapted.some((x, k) => Math.abs(x.p - replayed[k].p) > 1e-6), 'adapt() moved the predictions');
    const doc = await a.exportLearnerData();
    a.dispose();
    // the model that wrote the state reads it back as it is
    const same = await createEngine({ model: bytes, itemBank: BANK, simd, learnerId: id });
    close(await same.predict(ids), adapted);
    same.dispose();
    // another model rebuilds the learner from the log and stores the state under its own hash
    const b = await createEngine({ model: upgraded, itemBank: BANK, simd, learnerId: id });
    close(await b.predict(ids), replayed);
    const info = await b.info();
    assert.equal(info.responses, 6);
    assert.notEqual(info.modelHash, doc.meta.modelHash);
    const stored = await b.exportLearnerData();
    assert.equal(stored.meta.modelHash, info.modelHash);
    assert.deepEqual(stored.responses, doc.responses, 'the log is kept as it was');
    b.dispose();
    // importing the old model's document into the new model: rebuilt from its log too, and stored so
    const c = await createEngine({ model: upgraded, itemBank: BANK, simd, learnerId: `${id}-import` });
    assert.deepEqual(await c.importLearnerData(doc), { responses: 6 });
    close(await c.predict(ids), replayed);
    const imported = await c.exportLearnerData();
    assert.equal(imported.meta.modelHash, info.modelHash);
    // a document whose state the engine cannot read, with its log: rebuilt (not refused)
    const unreadable = editState(imported, (text) => text.slice(0, -5));
    const d = await createEngine({ model: upgraded, itemBank: BANK, simd, learnerId: `${id}-unreadable` });
    assert.deepEqual(await d.importLearnerData(unreadable), { responses: 6 });
    close(await d.predict(ids), replayed);
    // without a log there is nothing to rebuild from: still STATE_FORMAT, nothing changed
    const e = await fresh(simd);
    const prior = await e.predict(ids);
    await rejectsWith(e.importLearnerData(resealed(unreadable, (x) => { x.responses = []; x.meta.responseCount = 0; })), 'STATE_FORMAT');
    assert.deepEqual(await e.predict(ids), prior);
    assert.equal((await e.info()).responses, 0);
    for (const x of [c, d, e]) x.dispose();
  });

  test(`[${name}] a defaulted timestamp is never before the latest answer (a clock behind the stored answers)`, async () => {
    const e = await fresh(simd);
    const ids = BANK.items.map((i) => i.id);
    const before = Date.now();
    const now = await e.observe({ item: ids[0], correct: true });
    assert.ok(now.timestamp >= before && now.timestamp <= Date.now(), 'default: now');
    // answers stamped an hour ahead (another device's clock, an import): the next default is not refused
    const ahead = Date.now() + 3_600_000 + 0.7;  // a fractional ms: ms → s → ms does not round-trip exactly
    assert.deepEqual(await e.observe({ item: ids[1], correct: false, timestamp: ahead }), { responses: 2, timestamp: ahead });
    const next = await e.observe({ item: ids[2], correct: true });
    assert.equal(next.responses, 3);
    assert.ok(next.timestamp >= ahead && next.timestamp <= ahead + 2, `${next.timestamp} vs ${ahead}`);
    // an explicit earlier timestamp is still the caller's mistake
    await rejectsWith(e.observe({ item: ids[3], correct: true, timestamp: ahead - 1000 }), 'INVALID_ARGUMENT');
    const doc = await e.exportLearnerData();
    assert.deepEqual(doc.responses.map((r) => r.timestamp), [now.timestamp, ahead, next.timestamp]);
    // the log replays whole (the stamp passes the engine's check again)
    const f = await fresh(simd);
    assert.deepEqual(await f.importLearnerData(resealed(doc, (x) => { x.state = null; x.meta.updatedAt = null; })), { responses: 3 });
    assert.equal((await f.info()).responses, 3);
    e.dispose();
    f.dispose();
  });

  test(`[${name}] wrong or broken models and item banks are refused with their codes`, async () => {
    const bytes = readFileSync(MODEL);
    await rejectsWith(createEngine({ model: bytes.subarray(0, 50), itemBank: BANK, simd }), 'MODEL_FORMAT');
    await rejectsWith(createEngine({ model: SKETCH_MODEL, itemBank: BANK, simd }), 'MODEL_KIND');
    // a model written by a newer metacog (format_version above this build's) is refused, not misread
    const newer = withMetadata(new Uint8Array(bytes), (m) => { m.format_version = '99'; });
    await rejectsWith(createEngine({ model: newer, itemBank: BANK, simd }), 'MODEL_VERSION');
    // and the unedited round trip of the helper still loads
    (await createEngine({ model: withMetadata(new Uint8Array(bytes), () => {}), itemBank: BANK, simd })).dispose();
    const cyclic = JSON.parse(JSON.stringify(BANK));
    cyclic.skills[0].prerequisites = [cyclic.skills[cyclic.skills.length - 1].id];
    await rejectsWith(createEngine({ model: MODEL, itemBank: cyclic, simd }), 'ITEM_BANK');
    await rejectsWith(createEngine({ model: MODEL, itemBank: 7, simd }), 'INVALID_ARGUMENT');
    // an item bank that is not JSON data (here a BigInt) is the bank's problem, not an internal error
    await rejectsWith(createEngine({ model: MODEL, itemBank: { ...BANK, version: 1n }, simd }), 'ITEM_BANK');
    await rejectsWith(createEngine({ model: MODEL, itemBank: BANK, simd, storage: 'cloud' }), 'INVALID_ARGUMENT');
  });

  test(`[${name}] model and itemBank may be promises (a fetch the page started): same engine; a rejection is IO`, async () => {
    const bytes = new Uint8Array(readFileSync(MODEL));
    const later = (v, ms = 5) => new Promise((ok) => setTimeout(() => ok(v), ms));
    const a = await createEngine({ model: later(bytes), itemBank: later(BANK), simd, learnerId: `p${learner++}` });
    const b = await fresh(simd);
    try {
      assert.deepEqual(await a.recommend({ count: 3 }), await b.recommend({ count: 3 }));
      // a promise may resolve to any accepted form (here a URL), and is type-checked once resolved
      const c = await createEngine({ model: Promise.resolve(MODEL), itemBank: Promise.resolve(BANK_URL.href), simd, learnerId: `p${learner++}` });
      assert.deepEqual(await c.mastery(), await b.mastery());
      c.dispose();
    } finally { a.dispose(); b.dispose(); }
    await rejectsWith(createEngine({ model: MODEL, itemBank: Promise.reject(new Error('HTTP 404')), simd }), 'IO');
    await rejectsWith(createEngine({ model: Promise.reject(new TypeError('network')), itemBank: BANK, simd }), 'IO');
    await rejectsWith(createEngine({ model: Promise.resolve(7), itemBank: BANK, simd }), 'INVALID_ARGUMENT');
    await rejectsWith(createEngine({ model: MODEL, itemBank: later(7), simd }), 'INVALID_ARGUMENT');
    // a MetacogError from the promise keeps its own code
    await rejectsWith(createEngine({ model: MODEL, itemBank: Promise.reject(new MetacogError('ITEM_BANK', 'made up by the caller')), simd }), 'ITEM_BANK');
    // a refused spec is the error reported; the failing load it started is not left unhandled
    // (an unhandled rejection would end this test process)
    await rejectsWith(createEngine({ model: new URL('file:///nonexistent/x.safetensors'), itemBank: BANK, simd, worker: true }), 'INVALID_ARGUMENT');
    await rejectsWith(createEngine({ model: 7, itemBank: Promise.reject(new Error('not awaited')), simd }), 'INVALID_ARGUMENT');
    await new Promise((done) => setTimeout(done, 20));
  });
}
