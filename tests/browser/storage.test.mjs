// Learner storage on Chromium's real IndexedDB: one transaction per response, persistence across
// reloads (also mid-write), the v1 → v2 migration of a database written by Chromium, export →
// forget → import, a real quota failure, the memory fallback when IndexedDB is unavailable, and two
// tabs writing for one learner.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from './harness.mjs';

let b;

async function open(page = b.page) {
  await page.goto(b.site.url + 'tests/storage.html');
  await page.waitForSelector('body[data-ready]');
}

/** The IndexedDB database names `page` sees. */
const databaseNames = (page) => page.evaluate(() => window.v1.databaseNames());

before(async () => {
  b = await openBrowser();
  await open();
});

after(async () => {
  await b.close();
});

test('appendResponse writes the response and the state in ONE readwrite transaction', async () => {
  const out = await b.page.evaluate(async () => {
    const s = await window.metacog.openStorage({ learnerId: 'tx-ana', meta: { modelId: 'kt', modelHash: 'h1', itemBankHash: 'bank' } });
    window.v1.recordTransactions();
    const ack = await s.appendResponse({ item: 'q1', correct: true, timestamp: 1000, responseTimeMs: 900 }, new Uint8Array([1, 2, 3]));
    const txs = window.__transactions.slice();
    const raw = await window.v1.inspect('metacog-learner:tx-ana');
    s.close();
    return { backend: s.backend, persistent: s.persistent, ack, txs, raw };
  });
  assert.equal(out.backend, 'indexeddb');
  assert.equal(out.persistent, true);
  assert.equal(out.ack.responseCount, 1);
  assert.deepEqual(out.txs, [{ stores: ['learner', 'responses'], mode: 'readwrite' }]);
  assert.equal(out.raw.version, 2);
  assert.deepEqual(out.raw.stores, ['learner', 'responses']);
  assert.deepEqual(out.raw.indexes, ['by-item']);
  assert.deepEqual(out.raw.responses, [{ item: 'q1', correct: true, timestamp: 1000, responseTimeMs: 900 }]);
  assert.deepEqual(out.raw.state.bytes, [1, 2, 3]);
  assert.equal(out.raw.state.responseCount, 1);
  assert.equal(out.raw.state.modelId, 'kt');
  assert.equal(out.raw.state.schemaVersion, 2);
});

test('data persists across a reload', async () => {
  await b.page.evaluate(async () => {
    const s = await window.metacog.openStorage({ learnerId: 'reload-ana', meta: { modelId: 'kt' } });
    for (let i = 0; i < 3; i++) await s.appendResponse({ item: `q${i}`, correct: i !== 1, timestamp: i }, new Uint8Array([i + 1, 9]));
  });
  await b.page.reload();
  await b.page.waitForSelector('body[data-ready]');
  const out = await b.page.evaluate(async () => {
    const s = await window.metacog.openStorage({ learnerId: 'reload-ana' });
    const l = await s.load();
    return { state: Array.from(l.state), meta: l.meta, responses: await s.responses() };
  });
  assert.deepEqual(out.state, [3, 9]);
  assert.equal(out.meta.responseCount, 3);
  assert.equal(out.meta.modelId, 'kt');
  assert.deepEqual(out.responses.map((r) => [r.item, r.correct]), [['q0', true], ['q1', false], ['q2', true]]);
});

test('a reload in the middle of writes keeps every acknowledged response and never half a state', async (t) => {
  for (let round = 0; round < 3; round++) {
    const id = `crash-${round}`;
    await b.page.evaluate(async ({ id, delay }) => {
      sessionStorage.setItem('acked', '0');
      const s = await window.metacog.openStorage({ learnerId: id });
      for (let i = 0; i < 200; i++) {
        // The state's bytes encode how many responses it reflects: [n & 255, n >> 8].
        s.appendResponse({ item: `q${i}`, correct: true, timestamp: i }, new Uint8Array([(i + 1) & 255, (i + 1) >> 8, 7, 7]))
          .then((ack) => sessionStorage.setItem('acked', String(Math.max(ack.responseCount, Number(sessionStorage.getItem('acked'))))));
      }
      setTimeout(() => location.reload(), delay);
    }, { id, delay: 5 + 15 * round });
    await b.page.waitForEvent('load');
    await b.page.waitForSelector('body[data-ready]');
    const out = await b.page.evaluate(async (id) => {
      const s = await window.metacog.openStorage({ learnerId: id });
      const l = await s.load();
      return {
        acked: Number(sessionStorage.getItem('acked')), count: l.responseCount,
        state: l.state ? Array.from(l.state) : null, items: (await s.responses()).map((r) => r.item),
      };
    }, id);
    t.diagnostic(`round ${round}: ${out.acked} acknowledged, ${out.count} stored at the reload`);
    assert.ok(out.count >= out.acked, `round ${round}: ${out.count} stored < ${out.acked} acknowledged`);
    assert.equal(out.items.length, out.count, 'the log and the state agree');
    assert.deepEqual(out.items, Array.from({ length: out.count }, (_, i) => `q${i}`), 'a prefix, in order');
    if (out.count > 0) assert.deepEqual(out.state, [out.count & 255, out.count >> 8, 7, 7], 'the state reflects exactly the logged responses');
    else assert.equal(out.state, null);
  }
});

test('v1 → v2 migration of a database written by Chromium', async () => {
  await b.page.evaluate(async () => {
    await window.v1.createV1Database('metacog-learner:legacy', {
      responses: [
        { item: 'q1', correct: 1, timestamp: 100, responseTimeMs: 1500 },
        { item: 'q2', correct: 0, timestamp: 200 },
        { item: 'q1', correct: 1, timestamp: 300, responseTimeMs: 700 },
      ],
      state: { bytes: new Uint8Array([11, 22, 33]), itemBankHash: 'bank-v1', updatedAt: 12345 },
    });
    await window.v1.createV1Database('metacog-learner:legacy-nostate', {
      responses: [{ item: 'q5', correct: 0, timestamp: 5 }],
    });
  });
  const before = await b.page.evaluate(() => window.v1.inspect('metacog-learner:legacy'));
  assert.equal(before.version, 1);
  assert.deepEqual(before.indexes, []);
  await b.page.reload(); // the v1 data now comes from disk, not from this page's memory
  await b.page.waitForSelector('body[data-ready]');
  const out = await b.page.evaluate(async () => {
    const s = await window.metacog.openStorage({ learnerId: 'legacy' });
    const l = await s.load();
    const res = { state: Array.from(l.state), meta: l.meta, revision: l.revision, responses: await s.responses(), doc: await s.exportDocument() };
    const ns = await window.metacog.openStorage({ learnerId: 'legacy-nostate' });
    res.nostate = { load: await ns.load(), responses: await ns.responses() };
    s.close();
    ns.close();
    res.raw = await window.v1.inspect('metacog-learner:legacy');
    // The migrated data keeps working: a new response, and a re-import of the export.
    const again = await window.metacog.openStorage({ learnerId: 'legacy' });
    await again.appendResponse({ item: 'q3', correct: false, timestamp: 400 }, new Uint8Array([44]));
    res.afterAppend = (await again.load()).meta;
    res.reimport = await again.importDocument(res.doc);
    return res;
  });
  assert.deepEqual(out.state, [11, 22, 33]);
  // a record from before revisions gets one derived from its contents: null stays "nothing stored"
  assert.equal(out.revision, 'legacy:12345:3');
  assert.deepEqual(out.meta, {
    modelId: null, modelHash: null, itemBankHash: 'bank-v1', updatedAt: 12345, responseCount: 3, schemaVersion: 2,
  });
  assert.deepEqual(out.responses, [
    { item: 'q1', correct: true, timestamp: 100, responseTimeMs: 1500 },
    { item: 'q2', correct: false, timestamp: 200, responseTimeMs: null },
    { item: 'q1', correct: true, timestamp: 300, responseTimeMs: 700 },
  ]);
  assert.equal(out.raw.version, 2);
  assert.deepEqual(out.raw.indexes, ['by-item']);
  assert.equal(out.doc.meta.responseCount, 3);
  assert.deepEqual(out.nostate.load, { state: null, meta: null, responseCount: 1, revision: null });
  assert.deepEqual(out.nostate.responses, [{ item: 'q5', correct: false, timestamp: 5, responseTimeMs: null }]);
  assert.equal(out.afterAppend.responseCount, 4);
  assert.equal(out.afterAppend.modelId, null);
  assert.match(out.afterAppend.revision, /^[0-9a-f]{32}$/, 'the first write after the migration stamps a revision');
  assert.match(out.reimport.revision, /^[0-9a-f]{32}$/);
  assert.deepEqual(out.reimport, { learnerId: 'legacy', responseCount: 3, hasState: true, revision: out.reimport.revision });
});

test('a database from a newer metacog → STATE_VERSION, untouched, no fallback', async () => {
  const out = await b.page.evaluate(async () => {
    await window.v1.createDatabaseAtVersion('metacog-learner:future', 7);
    const err = await window.metacog.openStorage({ learnerId: 'future' }).then(() => null, (e) => ({ code: e.code, message: e.message }));
    return { err, raw: await window.v1.inspect('metacog-learner:future') };
  });
  assert.equal(out.err.code, 'STATE_VERSION');
  assert.match(out.err.message, /newer metacog/);
  assert.equal(out.raw.version, 7);
  assert.deepEqual(out.raw.stores, ['future']);
});

test('export → forget → import round trip; forget deletes the database even with another tab open', async () => {
  const other = await b.context.newPage();
  try {
    await open(other);
    const out = await b.page.evaluate(async () => {
      const s = await window.metacog.openStorage({ learnerId: 'roundtrip', meta: { modelId: 'kt', modelHash: 'h', itemBankHash: 'b' } });
      for (let i = 0; i < 5; i++) await s.appendResponse({ item: `q${i % 2}`, correct: i % 3 === 0, timestamp: 10 * i, responseTimeMs: i }, new Uint8Array([i, i, i]));
      await s.writeState(new Uint8Array([99, 98]));
      const before = await window.snapshot(s);
      const text = JSON.stringify(await s.exportDocument());
      return { before, text, names: await window.v1.databaseNames() };
    });
    assert.ok(out.names.includes('metacog-learner:roundtrip'));
    assert.equal(out.before.count, 5);
    assert.deepEqual(out.before.state, [99, 98]);
    // Another tab holds an open connection to the same learner database.
    const otherSeen = await other.evaluate(async () => {
      window.__s = await window.metacog.openStorage({ learnerId: 'roundtrip' });
      return (await window.__s.load()).responseCount;
    });
    assert.equal(otherSeen, 5);
    const afterForget = await b.page.evaluate(async () => {
      const s = await window.metacog.openStorage({ learnerId: 'roundtrip' });
      await s.forget();
      // reads after forget() answer "empty" without creating the database (its name holds the learner id)
      const exported = await s.exportDocument();
      const loaded = await s.load();
      const names = await window.v1.databaseNames();
      s.close();
      return { names, warnings: s.warnings, exported: exported.responses.length, loaded: loaded.responseCount };
    });
    assert.ok(!afterForget.names.includes('metacog-learner:roundtrip'), `the database is deleted and stays so: ${afterForget.names}`);
    assert.deepEqual([afterForget.exported, afterForget.loaded], [0, 0]);
    assert.deepEqual(afterForget.warnings, [], 'the other tab let go without blocking');
    assert.deepEqual(await other.evaluate(async () => window.__s.load()), { state: null, meta: null, responseCount: 0, revision: null },
      'the other tab sees nothing');
    assert.ok(!(await databaseNames(other)).includes('metacog-learner:roundtrip'), 'and its read did not create the database again');
    await b.page.reload();
    await b.page.waitForSelector('body[data-ready]');
    const restored = await b.page.evaluate(async (text) => {
      const s = await window.metacog.openStorage({ learnerId: 'roundtrip' });
      const empty = await s.load();
      const tampered = JSON.parse(text);
      tampered.responses[2].correct = !tampered.responses[2].correct;
      const refused = await s.importDocument(tampered).then(() => null, (e) => e.code);
      const newer = await s.importDocument({ ...JSON.parse(text), version: 2 }).then(() => null, (e) => e.code);
      const stillEmpty = await s.load();
      const result = await s.importDocument(text);
      return { empty, refused, newer, stillEmpty, result, after: await window.snapshot(s) };
    }, out.text);
    assert.deepEqual(restored.empty, { state: null, meta: null, responseCount: 0, revision: null });
    assert.equal(restored.refused, 'STATE_FORMAT');
    assert.equal(restored.newer, 'STATE_VERSION');
    assert.deepEqual(restored.stillEmpty, restored.empty, 'refused imports changed nothing');
    assert.deepEqual(restored.result, { learnerId: 'roundtrip', responseCount: 5, hasState: true, revision: restored.result.revision });
    assert.deepEqual(restored.after, out.before, 'everything restored exactly');
  } finally {
    await other.close();
  }
});

/** Starts an engine for `learnerId` on the demo model and bank in `page` (as window.__e) → where it runs. */
const startEngine = (page, learnerId) => page.evaluate(async (learnerId) => {
  window.__e = await window.metacog.createEngine({ model: '/models/demo-learner.safetensors', itemBank: '/item-bank.json', learnerId });
  window.__ids = (await (await fetch('/item-bank.json')).json()).items.map((i) => i.id);
  return { worker: window.__e.inWorker, backend: (await window.__e.info()).storage.backend };
}, learnerId);

test('two tabs answering for one learner keep every answer; a forget in one tab is not undone by the other', async () => {
  const tab = await b.context.newPage();
  try {
    await open(tab);
    const start = (page) => startEngine(page, 'two-tabs');
    const answer = (page, k, correct, t) => page.evaluate(async ([k, correct, t]) => window.__e.observe({ item: window.__ids[k], correct, timestamp: t }), [k, correct, t]);
    const held = (page) => page.evaluate(async () => (await window.__e.info()).responses);
    assert.deepEqual(await start(b.page), { worker: true, backend: 'indexeddb' });
    assert.deepEqual(await start(tab), { worker: true, backend: 'indexeddb' });
    let t = 1_700_000_000_000;
    for (let k = 0; k < 5; k++) assert.deepEqual(await answer(b.page, k, true, (t += 1000)), { responses: k + 1, timestamp: t });
    // the second tab opened before those answers: it reloads the learner and answers on top
    assert.deepEqual(await answer(tab, 5, false, (t += 1000)), { responses: 6, timestamp: t });
    assert.equal(await held(tab), 6);
    assert.deepEqual(await answer(b.page, 6, true, (t += 1000)), { responses: 7, timestamp: t });
    assert.equal(await held(b.page), 7);
    // a reload finds all seven answers in the stored state, not only the last writer's
    await b.page.evaluate(() => window.__e.dispose());
    await open();
    await start(b.page);
    assert.equal(await held(b.page), 7);
    const items = await b.page.evaluate(async () => (await window.__e.exportLearnerData()).responses.map((r) => r.item));
    assert.equal(items.length, 7);
    // forget() in one tab; the other tab's next answer starts from the prior
    await b.page.evaluate(() => window.__e.forget());
    assert.deepEqual(await answer(tab, 8, true, (t += 1000)), { responses: 1, timestamp: t });
    assert.equal(await held(tab), 1);
    await b.page.evaluate(() => window.__e.dispose());
    await open();
    await start(b.page);
    assert.equal(await held(b.page), 1, 'the forgotten answers did not come back');
    await tab.evaluate(() => window.__e.dispose());
    await b.page.evaluate(async () => { await window.__e.forget(); window.__e.dispose(); });
  } finally {
    await tab.close();
  }
});

test('reads in one tab follow answers and a forget given in another (BroadcastChannel), without answering there', async () => {
  const tab = await b.context.newPage();
  try {
    await open(tab);
    for (const page of [b.page, tab]) await startEngine(page, 'follow');
    /** polls the engine's response count until it is `n` (≤ 5 s) → the count seen last */
    const settle = (page, n) => page.evaluate(async (n) => {
      let seen = -1;
      for (let k = 0; k < 100 && seen !== n; k++) {
        seen = (await window.__e.info()).responses;
        if (seen !== n) await new Promise((r) => setTimeout(r, 50));
      }
      return seen;
    }, n);
    const predictions = (page) => page.evaluate(async () => (await window.__e.predict(window.__ids.slice(0, 20))).map((x) => x.p));
    const before = await predictions(tab);
    await b.page.evaluate(async () => {
      let t = 1_710_000_000_000;
      for (let k = 0; k < 3; k++) await window.__e.observe({ item: window.__ids[k], correct: k !== 1, timestamp: (t += 1000) });
    });
    assert.equal(await settle(tab, 3), 3, 'the other tab\'s engine reloaded the learner');
    const [pa, pb] = [await predictions(b.page), await predictions(tab)];
    pb.forEach((p, k) => assert.ok(Math.abs(p - pa[k]) < 1e-9, `item ${k}: ${p} vs ${pa[k]}`));
    assert.notDeepEqual(pb, before);
    await b.page.evaluate(() => window.__e.forget());
    assert.equal(await settle(tab, 0), 0, 'and followed the forget');
    (await predictions(tab)).forEach((p, k) => assert.ok(Math.abs(p - before[k]) < 1e-9));
    for (const page of [b.page, tab]) await page.evaluate(() => window.__e.dispose());
  } finally {
    await tab.close();
  }
});

test('quota exceeded (Chromium quota override) → STORAGE; append, writeState and import change nothing', async () => {
  const qb = await openBrowser();
  try {
    const cdp = await qb.context.newCDPSession(qb.page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: qb.origin, quotaSize: 256 * 1024 });
    await qb.page.goto(qb.site.url + 'tests/storage.html');
    await qb.page.waitForSelector('body[data-ready]');
    const out = await qb.page.evaluate(async () => {
      const s = await window.metacog.openStorage({ learnerId: 'quota' });
      await s.appendResponse({ item: 'q1', correct: true, timestamp: 1 }, new Uint8Array(1000).fill(1));
      await s.appendResponse({ item: 'q2', correct: false, timestamp: 2 }, new Uint8Array(2000).fill(2));
      const before = await window.snapshot(s);
      const big = new Uint8Array(8 << 20).fill(3);
      const attempt = (p) => p.then(() => null, (e) => ({ code: e.code, message: e.message, cause: e.cause && e.cause.name }));
      const append = await attempt(s.appendResponse({ item: 'q3', correct: true, timestamp: 3 }, big));
      const write = await attempt(s.writeState(big));
      const mem = await window.metacog.openStorage({ learnerId: 'quota-source', backend: 'memory' });
      for (let i = 0; i < 3; i++) await mem.appendResponse({ item: `m${i}`, correct: true, timestamp: i }, big);
      const imported = await attempt(s.importDocument(await mem.exportDocument()));
      const doc = await s.exportDocument();
      const after = await window.snapshot(s);
      await s.appendResponse({ item: 'q3', correct: true, timestamp: 3 }, new Uint8Array(500));
      return { before, append, write, imported, after, count: (await s.load()).responseCount, exported: doc.meta.responseCount };
    });
    for (const failure of [out.append, out.write, out.imported]) {
      assert.equal(failure.code, 'STORAGE');
      assert.equal(failure.cause, 'QuotaExceededError');
      assert.match(failure.message, /quota is exceeded\. Nothing was changed/);
    }
    assert.deepEqual(out.after, out.before, 'the failed writes left everything as it was');
    assert.equal(out.exported, 2);
    assert.equal(out.count, 3, 'still usable within the quota');
  } finally {
    await qb.close();
  }
});

test('IndexedDB unavailable → memory fallback with a warning event, data kept for the session', async () => {
  const scenarios = {
    // Access denied (e.g. storage blocked by the user's settings): reading indexedDB throws.
    denied: () => Object.defineProperty(window, 'indexedDB', {
      configurable: true, get() { throw new DOMException('Access to IndexedDB is denied', 'SecurityError'); },
    }),
    // open() fails (as in some private-browsing modes).
    openFails: () => {
      IDBFactory.prototype.open = function open() {
        const target = new EventTarget();
        const req = Object.assign(target, { result: undefined, error: new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError') });
        setTimeout(() => { if (req.onerror) req.onerror(new Event('error')); }, 0);
        return req;
      };
    },
  };
  for (const [name, init] of Object.entries(scenarios)) {
    const page = await b.context.newPage();
    try {
      await page.addInitScript(init);
      await open(page);
      const out = await page.evaluate(async () => {
        const seen = [];
        const s = await window.metacog.openStorage({ learnerId: 'fallback', onWarning: (w) => seen.push(w) });
        await s.appendResponse({ item: 'q1', correct: true, timestamp: 1 }, new Uint8Array([5]));
        const again = await window.metacog.openStorage({ learnerId: 'fallback' });
        return { backend: s.backend, persistent: s.persistent, seen, warnings: s.warnings, laterCount: (await again.load()).responseCount };
      });
      assert.equal(out.backend, 'memory', name);
      assert.equal(out.persistent, false, name);
      assert.equal(out.seen.length, 1, name);
      assert.equal(out.seen[0].code, 'STORAGE');
      assert.match(out.seen[0].message, name === 'denied' ? /not accessible here \(SecurityError/ : /could not be opened \(InvalidStateError/);
      assert.match(out.seen[0].message, /kept in memory only and will be lost when the page is closed/);
      assert.deepEqual(out.warnings, out.seen);
      assert.equal(out.laterCount, 1, `${name}: a second store of the learner sees the session's data`);
    } finally {
      await page.close();
    }
  }
});
