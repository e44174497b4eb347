// hostObject in Chromium: the object runs in a dedicated module Worker started from
// dist/metacog-worker.js under the strict CSP; errors keep their codes; dispose() terminates it
// (after the calls already made, or at once with force).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from './harness.mjs';
import { CSP } from '../../scripts/server.mjs';

let b;
let pageResponse;

async function freshPage() {
  pageResponse = await b.page.goto(b.site.url + 'tests/worker.html');
  await b.page.waitForSelector('body[data-ready]');
}

before(async () => {
  b = await openBrowser();
  await freshPage();
});

after(async () => {
  await b.close();
});

const COUNTER = { module: '/tests/counter.js', factory: 'createCounter' };

test('an object from a factory module runs in a module Worker; calls, copies and order', async () => {
  const out = await b.page.evaluate(async (spec) => {
    const c = await window.metacog.hostObject({ ...spec, options: { start: 1 } });
    const res = {
      inWorker: c.inWorker, methods: c.methods, properties: c.properties,
      where: await c.where(), add: await c.add(2), get: await c.call('get'),
    };
    const echoed = await c.echo({ f: new Float32Array([1.5, -2]), nested: { s: 'x' } });
    res.echo = { isF32: echoed.f instanceof Float32Array, f: Array.from(echoed.f), nested: echoed.nested };
    const order = [];
    await Promise.all([c.slow(40, 'a').then((t) => order.push(t)), c.slow(1, 'b').then((t) => order.push(t)), c.add(1).then(() => order.push('c'))]);
    res.order = order;
    window.__c = c;
    return res;
  }, COUNTER);
  assert.equal(out.inWorker, true);
  assert.equal(out.where, 'worker');
  assert.deepEqual(out.properties, { value: 1, label: 'counter' });
  assert.ok(out.methods.includes('add') && !out.methods.includes('_hidden') && !out.methods.includes('dispose'));
  assert.equal(out.add, 3);
  assert.equal(out.get, 3);
  assert.deepEqual(out.echo, { isF32: true, f: [1.5, -2], nested: { s: 'x' } });
  assert.deepEqual(out.order, ['a', 'b', 'c']);
  assert.equal(b.page.workers().length, 1);
  assert.ok(b.page.workers()[0].url().endsWith('/dist/metacog-worker.js'), b.page.workers()[0].url());
  await b.page.evaluate(() => window.__c.dispose());
});

test('errors thrown in the Worker arrive as MetacogError with the same code and message', async () => {
  const out = await b.page.evaluate(async (spec) => {
    const { hostObject, MetacogError } = window.metacog;
    const c = await hostObject(spec);
    const attempt = async (fn) => {
      try { await fn(); return { ok: true }; } catch (err) {
        return { isMetacogError: err instanceof MetacogError, isError: err instanceof Error, name: err.name, code: err.code, message: err.message };
      }
    };
    const res = {
      unknownItem: await attempt(() => c.fail('UNKNOWN_ITEM', 'no item "q9"; check the item bank')),
      later: await attempt(() => c.failLater('STATE_VERSION', 'state version 7 is newer; upgrade metacog')),
      badArg: await attempt(() => c.add('x')),
      crash: await attempt(() => c.crash()),
      string: await attempt(() => c.throwString()),
      unknownMethod: await attempt(() => c.call('nope')),
      privateMethod: await attempt(() => c.call('_hidden')),
      uncloneableArg: await attempt(() => c.echo(() => 1)),
      uncloneableResult: await attempt(() => c.returnsFunction()),
      valueAfter: await c.get(),
    };
    c.dispose();
    return res;
  }, COUNTER);
  for (const [name, r] of Object.entries(out)) {
    if (name === 'valueAfter') continue;
    assert.equal(r.isMetacogError, true, `${name}: ${JSON.stringify(r)}`);
    assert.equal(r.isError, true, name);
    assert.equal(r.name, 'MetacogError', name);
  }
  assert.deepEqual([out.unknownItem.code, out.unknownItem.message], ['UNKNOWN_ITEM', 'no item "q9"; check the item bank']);
  assert.deepEqual([out.later.code, out.later.message], ['STATE_VERSION', 'state version 7 is newer; upgrade metacog']);
  assert.equal(out.badArg.code, 'INVALID_ARGUMENT');
  assert.match(out.badArg.message, /finite number/);
  assert.equal(out.crash.code, 'INTERNAL');
  assert.match(out.crash.message, /TypeError/);
  assert.equal(out.string.code, 'INTERNAL');
  assert.match(out.string.message, /plain string/);
  assert.equal(out.unknownMethod.code, 'INVALID_ARGUMENT');
  assert.equal(out.privateMethod.code, 'INVALID_ARGUMENT');
  assert.equal(out.uncloneableArg.code, 'INVALID_ARGUMENT');
  assert.match(out.uncloneableArg.message, /could not be copied/);
  assert.equal(out.uncloneableResult.code, 'INTERNAL');
  assert.match(out.uncloneableResult.message, /cannot be copied to the page/);
  assert.equal(out.valueAfter, 0, 'failed calls changed nothing');
});

test('dispose lets calls already made finish, then terminates the Worker; force terminates at once', async () => {
  const closed = new Promise((resolve) => b.page.once('worker', (w) => w.once('close', resolve)));
  const out = await b.page.evaluate(async (spec) => {
    const c = await window.metacog.hostObject(spec);
    const running = c.slow(300, 'late').then((t) => t, (e) => e.code);
    const ended = c.dispose();
    const after = await c.get().then(() => 'resolved', (e) => e.code);
    const result = { running: await running, after };
    await ended;
    return result;
  }, COUNTER);
  assert.deepEqual(out, { running: 'late', after: 'DISPOSED' });
  await closed;
  assert.equal(b.page.workers().length, 0, 'the Worker closed once its call had finished');
});

test('dispose({ force: true }) terminates the Worker at once: no more heartbeats, running and later calls → DISPOSED', async () => {
  const closed = new Promise((resolve) => b.page.once('worker', (w) => w.once('close', () => resolve(w.url()))));
  await b.page.evaluate(async (spec) => {
    window.__beats = 0;
    window.__bc = new BroadcastChannel('metacog-heartbeat');
    window.__bc.onmessage = () => { window.__beats++; };
    window.__c = await window.metacog.hostObject(spec);
    await window.__c.heartbeat('metacog-heartbeat', 10);
  }, COUNTER);
  await b.page.waitForFunction(() => window.__beats >= 5);
  assert.equal(b.page.workers().length, 1);
  const codes = await b.page.evaluate(async () => {
    const c = window.__c;
    const pending = c.slow(2000, 'late').then(() => 'resolved', (e) => e.code);
    c.dispose({ force: true });
    return { pending: await pending, after: await c.get().then(() => 'resolved', (e) => e.code), disposed: c.disposed };
  });
  assert.deepEqual(codes, { pending: 'DISPOSED', after: 'DISPOSED', disposed: true });
  assert.ok((await closed).endsWith('/dist/metacog-worker.js'), 'the Worker closed');
  const beatsAtClose = await b.page.evaluate(() => window.__beats);
  await b.page.waitForTimeout(150);
  assert.equal(await b.page.evaluate(() => window.__beats), beatsAtClose, 'no heartbeat after terminate');
  assert.equal(b.page.workers().length, 0);
});

test('creation failures: codes from inside the Worker, and the Worker is not left running', async () => {
  const out = await b.page.evaluate(async () => {
    const { hostObject } = window.metacog;
    const code = (p) => p.then((o) => { o.dispose(); return 'resolved'; }, (e) => `${e.code}: ${e.message}`);
    return {
      unknownFactory: await code(hostObject({ factory: 'nonesuch' })),
      broken: await code(hostObject({ module: '/tests/counter.js', factory: 'createBroken' })),
      missingExport: await code(hostObject({ module: '/tests/counter.js', factory: 'nope' })),
      missingModule: await code(hostObject({ module: '/tests/missing.js', factory: 'f' })),
      otherOrigin: await code(hostObject({ module: 'https://example.com/x.js', factory: 'f' })),
      missingWorker: await code(hostObject({ factory: 'prototypes', workerUrl: '/dist/no-such-worker.js' })),
    };
  });
  assert.match(out.unknownFactory, /^INVALID_ARGUMENT: unknown factory "nonesuch"/);
  assert.match(out.broken, /^MODEL_FORMAT: createBroken: this model is broken on purpose$/);
  assert.match(out.missingExport, /^INVALID_ARGUMENT: .*no exported function "nope"/);
  assert.match(out.missingModule, /^IO: could not import the factory module/);
  assert.match(out.otherOrigin, /^INVALID_ARGUMENT: module must be on this page's origin/);
  assert.match(out.missingWorker, /^WASM_LOAD: the metacog Worker could not start/);
  for (let i = 0; i < 40 && b.page.workers().length > 0; i++) await b.page.waitForTimeout(50);
  assert.equal(b.page.workers().length, 0, 'failed creations terminate their Worker');
  assert.deepEqual(b.foreign, [], 'no request to another origin (the cross-origin module was refused before loading)');
});

test('the built-in prototypes factory runs the wasm classifier inside the Worker (SIMD and scalar)', async () => {
  const out = await b.page.evaluate(async () => {
    const res = [];
    for (const simd of [true, false]) {
      const clf = await window.metacog.hostObject({ factory: 'prototypes', options: { dim: 2, simd } });
      await clf.addExample('north', [0, 5]);
      await clf.addExample('east', new Float32Array([5, 0]));
      const r = await clf.classify([0.5, 4]);
      const err = await clf.removeClass('west').catch((e) => e);
      const nan = await clf.addExample('north', [NaN, 1]).catch((e) => e);
      res.push({ inWorker: clf.inWorker, dim: clf.properties.dim, label: r.label, p: r.probabilities.north,
        removeCode: err.code, nanCode: nan.code, counts: await clf.counts() });
      clf.dispose();
    }
    return res;
  });
  for (const r of out) {
    assert.equal(r.inWorker, true);
    assert.equal(r.dim, 2);
    assert.equal(r.label, 'north');
    assert.ok(r.p > 0.9);
    assert.equal(r.removeCode, 'UNKNOWN_LABEL');
    assert.equal(r.nanCode, 'INVALID_ARGUMENT');
    assert.deepEqual(r.counts, { north: 1, east: 1 });
  }
  assert.ok(b.requests.some((u) => u.endsWith('/dist/metacog-simd.wasm')));
  assert.ok(b.requests.some((u) => u.endsWith('/dist/metacog-scalar.wasm')));
});

test('createPrototypeClassifier runs in a Worker by default: the page holds no Embind handle (design.md §7)', async () => {
  const out = await b.page.evaluate(async () => {
    // An Embind object carries `$$` (its pointer record) and a `deleteLater` method; look for one
    // among everything reachable from the page-side classifier through properties and collections.
    const embind = (v) => '$$' in v || typeof v.deleteLater === 'function';
    const seen = (root) => {
      const visited = new Set();
      const walk = (v, depth) => {
        if (v === null || typeof v !== 'object' || visited.has(v) || depth > 6) return false;
        visited.add(v);
        if (embind(v)) return true;
        const inner = v instanceof Map || v instanceof Set ? [...v.values()] : Object.getOwnPropertyNames(v).map((k) => v[k]);
        return inner.some((x) => walk(x, depth + 1));
      };
      return walk(root, 0);
    };
    const clf = await window.metacog.createPrototypeClassifier({ dim: 2 });
    await clf.addExample('north', [0, 5]);
    await clf.addExample('east', [5, 0], 2);
    const r = await clf.classify([0.5, 4]);
    const state = await clf.serialize();
    const copy = await window.metacog.createPrototypeClassifier({ dim: 2, state });
    const same = JSON.stringify(await copy.classify([0.5, 4])) === JSON.stringify(r);
    const bad = await clf.addExample('north', [1]).catch((e) => `${e.code}: ${e.message}`);
    const local = await window.metacog.createPrototypeClassifier({ dim: 2, state, worker: false });
    const out = { inWorker: [clf.inWorker, copy.inWorker, local.inWorker], handle: seen(clf) || seen(copy), label: r.label,
      control: seen({ a: [new Set([{ $$: { ptr: 8 } }])] }),
      same, bad, dim: clf.dim, localLabel: (await local.classify([0.5, 4])).label };
    await clf.dispose();
    out.disposed = await clf.classify([0, 1]).catch((e) => e.code);
    await copy.dispose();
    await local.dispose();
    return out;
  });
  assert.deepEqual(out.inWorker, [true, true, false]);
  assert.equal(out.control, true, 'the search finds a handle-like object nested in arrays and sets');
  assert.equal(out.handle, false, 'no Embind object is reachable from the page-side classifier');
  assert.equal(out.label, 'north');
  assert.equal(out.localLabel, 'north');
  assert.equal(out.same, true, 'a classifier restored from serialize() classifies the same');
  assert.equal(out.dim, 2);
  assert.match(out.bad, /^INVALID_ARGUMENT: addExample: expected a vector of length 2, got length 1/);
  assert.equal(out.disposed, 'DISPOSED');
});

test('engines in Workers: the page compiles the wasm build once, while the Workers start; promised options; a failed load ends its Worker', async () => {
  await freshPage();
  const wasmRequests = () => b.requests.filter((u) => u.endsWith('/dist/metacog-simd.wasm')).length;
  const before = wasmRequests();
  const out = await b.page.evaluate(async () => {
    const { createEngine, createSketchClassifier } = window.metacog;
    const bank = fetch('/item-bank.json').then((r) => r.json());
    const model = fetch('/models/demo-learner.safetensors').then((r) => r.arrayBuffer());
    const [e1, e2, sketch] = await Promise.all([
      createEngine({ model, itemBank: bank, learnerId: 'w1', storage: 'memory' }),
      createEngine({ model: '/models/demo-learner.safetensors', itemBank: '/item-bank.json', learnerId: 'w2', storage: 'memory' }),
      createSketchClassifier({ model: fetch('/models/omniglot-protonet.safetensors').then((r) => r.arrayBuffer()) }),
    ]);
    const r1 = await e1.recommend({ count: 2 });
    const r2 = await e2.recommend({ count: 2 });
    const res = { inWorker: [e1.inWorker, e2.inWorker, sketch.inWorker], same: JSON.stringify(r1) === JSON.stringify(r2),
      items: r1.length, imageSize: sketch.imageSize, workers: 0 };
    e1.dispose(); e2.dispose(); sketch.dispose();
    const failed = await createEngine({ model: '/models/demo-learner.safetensors', itemBank: Promise.reject(new Error('HTTP 404')), storage: 'memory' })
      .then(() => 'resolved', (e) => e.code);
    res.failed = failed;
    return res;
  });
  assert.deepEqual(out.inWorker, [true, true, true]);
  assert.equal(out.same, true, 'an engine from promised bytes and bank equals one from URLs');
  assert.equal(out.items, 2);
  assert.equal(out.imageSize, 28);
  assert.equal(out.failed, 'IO');
  assert.equal(wasmRequests() - before, 1, 'the SIMD build was fetched once, by the page, for three Workers');
  for (let i = 0; i < 40 && b.page.workers().length > 0; i++) await b.page.waitForTimeout(50);
  assert.equal(b.page.workers().length, 0, 'disposed and failed engines leave no Worker running');
});

test('strict CSP: page and Worker run with no unsafe-eval, no violation, nothing from other origins', async () => {
  await freshPage();
  const csp = pageResponse.headers()['content-security-policy'];
  assert.equal(csp, CSP);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'|blob:/);
  assert.equal(await b.page.getAttribute('body', 'data-eval-blocked'), 'true', 'eval is blocked on the page');
  const inWorker = await b.page.evaluate(async (spec) => {
    const c = await window.metacog.hostObject(spec);
    const r = { canEval: await c.canEval(), where: await c.where() };
    c.dispose();
    return r;
  }, COUNTER);
  assert.deepEqual(inWorker, { canEval: false, where: 'worker' }, 'eval is blocked in the Worker too');
  // The one violation is the page's own probe (worker-page.js tries new Function once).
  assert.deepEqual(await b.cspViolations(), ['script-src eval']);
  assert.deepEqual(b.foreign, []);
  assert.deepEqual(b.consoleErrors.filter((e) => !/404|Failed to load resource|no-such-worker|missing\.js/.test(e)), []);
});

test('a CSP that forbids Workers gives WASM_LOAD with advice; worker: false still works there', async () => {
  const strictNoWorkers = CSP.replace("worker-src 'self'", "worker-src 'none'");
  const nb = await openBrowser({ extraHeaders: () => ({ 'Content-Security-Policy': strictNoWorkers }) });
  try {
    await nb.page.goto(nb.site.url + 'tests/worker.html');
    await nb.page.waitForSelector('body[data-ready]');
    const out = await nb.page.evaluate(async () => {
      const { hostObject } = window.metacog;
      const failed = await hostObject({ factory: 'prototypes', options: { dim: 2 } }).then(() => null, (e) => ({ code: e.code, message: e.message }));
      const local = await hostObject({ factory: 'prototypes', options: { dim: 2 }, worker: false });
      await local.addExample('a', [1, 1]);
      const label = (await local.classify([1, 1])).label;
      local.dispose();
      return { failed, local: { inWorker: local.inWorker, label } };
    });
    assert.equal(out.failed.code, 'WASM_LOAD');
    assert.match(out.failed.message, /worker-src 'self'/);
    assert.deepEqual(out.local, { inWorker: false, label: 'a' });
    assert.equal(nb.page.workers().length, 0);
  } finally {
    await nb.close();
  }
});

test('models, item banks and wasm builds load only from the page\'s origin (design.md §7); bytes work from anywhere', async () => {
  const out = await b.page.evaluate(async () => {
    const { createEngine, createSketchClassifier, createPrototypeClassifier } = window.metacog;
    const elsewhere = 'https://elsewhere.example';
    const code = (p) => p.then((o) => { o.dispose(); return 'resolved'; }, (e) => `${e.code}: ${e.message}`);
    const bank = { version: 1, skills: [{ id: 's', name: 'S' }], items: [{ id: 'q', skills: ['s'], content: { prompt: '1 + 1', answer: '2' } }] };
    return {
      model: await code(createEngine({ model: `${elsewhere}/m.safetensors`, itemBank: bank, storage: 'memory' })),
      itemBank: await code(createEngine({ model: new Uint8Array(8), itemBank: new URL('/bank.json', elsewhere), storage: 'memory' })),
      sketch: await code(createSketchClassifier({ model: `${elsewhere}/omniglot.safetensors` })),
      wasm: await code(createPrototypeClassifier({ dim: 2, baseUrl: `${elsewhere}/dist/` })),
    };
  });
  for (const [what, result] of Object.entries(out)) assert.match(result, /^INVALID_ARGUMENT: .*must be on this page's origin .*got https:\/\/elsewhere\.example/, what);
  assert.match(out.model, /fetch it yourself and pass the bytes/);
  assert.deepEqual(b.foreign, [], 'nothing was requested from elsewhere');
});
