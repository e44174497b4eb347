// hostObject in-process (worker: false, the Node default): the same contract as in a Worker —
// copied arguments and results, MetacogError codes kept, FIFO calls, DISPOSED after dispose().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostObject, MetacogError, RemoteObject } from '../../dist/metacog.js';
import { fromWireError, toWireError } from '../../web/src/rpc-errors.js';

const counterModule = new URL('../browser/pages/counter.js', import.meta.url).href;
const counter = (options) => hostObject({ module: counterModule, factory: 'createCounter', options });

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof MetacogError, `expected MetacogError, got ${err && err.stack}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

test('hosts an object from a factory module in-process; forwarding methods and call()', async () => {
  const c = await counter({ start: 5 });
  assert.ok(c instanceof RemoteObject);
  assert.equal(c.inWorker, false);
  assert.deepEqual(c.methods, ['add', 'canEval', 'crash', 'echo', 'fail', 'failLater', 'get', 'heartbeat', 'returnsFunction', 'slow', 'throwString', 'where']);
  assert.deepEqual(c.properties, { value: 5, label: 'counter' });
  assert.equal(await c.add(2), 7);
  assert.equal(await c.call('add', 3), 10);
  assert.equal(await c.get(), 10);
  assert.equal(await c.where(), 'main');
  c.dispose();
});

test('arguments and results are copies, as across a Worker', async () => {
  const c = await counter();
  const arg = { list: [1, 2], bytes: new Float32Array([0.5]) };
  const back = await c.echo(arg);
  assert.notEqual(back, arg);
  assert.deepEqual(back, arg);
  await rejectsWith(c.echo(() => 1), 'INVALID_ARGUMENT', /could not be copied/);
  await rejectsWith(c.returnsFunction(), 'INTERNAL', /cannot be copied to the page/);
  c.dispose();
});

test('errors keep their code and message; unexpected errors are INTERNAL', async () => {
  const c = await counter();
  await rejectsWith(c.fail('UNKNOWN_ITEM', 'no item "q9"; check the item bank'), 'UNKNOWN_ITEM', /^no item "q9"; check the item bank$/);
  await rejectsWith(c.failLater('STATE_VERSION', 'too new'), 'STATE_VERSION', /^too new$/);
  await rejectsWith(c.add('x'), 'INVALID_ARGUMENT', /finite number/);
  await rejectsWith(c.crash(), 'INTERNAL', /TypeError/);
  await rejectsWith(c.throwString(), 'INTERNAL', /plain string/);
  await rejectsWith(c.call('nope'), 'INVALID_ARGUMENT', /unknown method "nope"/);
  await rejectsWith(c.call('_hidden'), 'INVALID_ARGUMENT', /unknown method/);
  await rejectsWith(c.call('dispose'), 'INVALID_ARGUMENT', /unknown method/);
  assert.equal(await c.get(), 0, 'failed calls changed nothing');
  c.dispose();
});

test('the wire form of an error keeps `conflict` (a storage write refused for another tab\'s), and only then', () => {
  const conflict = Object.assign(new MetacogError('STORAGE', 'changed by another tab'), { conflict: true });
  const back = fromWireError(structuredClone(toWireError(conflict)));
  assert.deepEqual([back.code, back.message, back.conflict], ['STORAGE', 'changed by another tab', true]);
  assert.equal(fromWireError(structuredClone(toWireError(new MetacogError('STORAGE', 'disk full')))).conflict, undefined);
  assert.equal(fromWireError({ code: 'STORAGE', message: 'm', conflict: 'yes' }).conflict, undefined);
});

test('calls run in call order even when earlier ones are slower', async () => {
  const c = await counter();
  const order = [];
  await Promise.all([
    c.slow(30, 'a').then((t) => order.push(t)),
    c.slow(1, 'b').then((t) => order.push(t)),
    c.add(1).then(() => order.push('c')),
  ]);
  assert.deepEqual(order, ['a', 'b', 'c']);
  c.dispose();
});

test('dispose: calls already made settle as usual, then the object ends; later calls reject with DISPOSED', async () => {
  const c = await counter({ start: 1 });
  const order = [];
  const running = c.slow(50, 'late').then((t) => { order.push(t); return t; });
  const queued = c.add(2).then((v) => { order.push(`add → ${v}`); return v; });
  const failing = c.failLater('UNKNOWN_ITEM', 'no such item');
  const ended = c.dispose();
  assert.equal(c.dispose(), ended, 'a second dispose() is the same ending');
  assert.equal(c.disposed, true);
  await rejectsWith(c.get(), 'DISPOSED', /disposed; create a new one/);
  await rejectsWith(c.call('add', 1), 'DISPOSED');
  assert.equal(await running, 'late');
  assert.equal(await queued, 3, 'a call queued before dispose() still ran');
  await rejectsWith(failing, 'UNKNOWN_ITEM', /no such item/);  // its own error, not DISPOSED
  await ended;
  order.push('ended');
  assert.deepEqual(order, ['late', 'add → 3', 'ended']);
});

test('dispose({ force: true }): ends at once; calls still running reject with DISPOSED (effect unknown)', async () => {
  const c = await counter();
  const running = c.slow(50, 'late');
  const ended = c.dispose({ force: true });
  await rejectsWith(running, 'DISPOSED', /force.*unknown/);
  await ended;
  await rejectsWith(c.get(), 'DISPOSED', /disposed; create a new one/);
  // a graceful dispose can still be forced while it waits
  const d = await counter();
  const slow = d.slow(500, 'never');
  const waiting = d.dispose();
  d.dispose({ force: true });
  await rejectsWith(slow, 'DISPOSED', /unknown/);
  await waiting;
});

test('creation errors: bad spec, unknown factory, failing factory, missing module', async () => {
  await rejectsWith(hostObject(), 'INVALID_ARGUMENT');
  await rejectsWith(hostObject({ factory: '' }), 'INVALID_ARGUMENT', /factory/);
  await rejectsWith(hostObject({ factory: 'prototypes', options: 3 }), 'INVALID_ARGUMENT', /options/);
  await rejectsWith(hostObject({ factory: 'prototypes', worker: 'yes' }), 'INVALID_ARGUMENT', /worker/);
  await rejectsWith(hostObject({ factory: 'prototypes', worker: true }), 'INVALID_ARGUMENT', /Workers are not available/);
  await rejectsWith(hostObject({ factory: 'nonesuch' }), 'INVALID_ARGUMENT', /unknown factory "nonesuch"; built-in factories: prototypes/);
  await rejectsWith(hostObject({ module: counterModule, factory: 'createBroken' }), 'MODEL_FORMAT', /broken on purpose/);
  await rejectsWith(hostObject({ module: counterModule, factory: 'notExported' }), 'INVALID_ARGUMENT', /no exported function/);
  await rejectsWith(hostObject({ module: counterModule, factory: 'createCounter', options: { start: 'x' } }), 'INVALID_ARGUMENT', /start/);
  await rejectsWith(hostObject({ module: new URL('./missing.js', counterModule).href, factory: 'f' }), 'IO', /could not import/);
});

test('the built-in prototypes factory runs the wasm classifier in-process, on both builds', async () => {
  for (const simd of [true, false]) {
    const clf = await hostObject({ factory: 'prototypes', options: { dim: 2, simd } });
    assert.equal(clf.properties.dim, 2);
    await clf.addExample('a', [0, 0]);
    await clf.addExample('b', new Float32Array([4, 4]));
    const r = await clf.classify([0.5, 0.5]);
    assert.equal(r.label, 'a');
    await rejectsWith(clf.removeClass('zzz'), 'UNKNOWN_LABEL');
    await rejectsWith(clf.addExample('a', [1, NaN]), 'INVALID_ARGUMENT');
    assert.deepEqual(await clf.counts(), { a: 1, b: 1 });
    clf.dispose();
    await rejectsWith(clf.classes(), 'DISPOSED');
  }
});

test('hostObject and openStorage run under node --disallow-code-generation-from-strings', async () => {
  const { execFileSync } = await import('node:child_process');
  const dist = new URL('../../dist/metacog.js', import.meta.url).href;
  const script = `
    import { hostObject, openStorage } from ${JSON.stringify(dist)};
    const c = await hostObject({ module: ${JSON.stringify(counterModule)}, factory: 'createCounter' });
    if (await c.add(2) !== 2 || await c.canEval() !== false) throw new Error('counter');
    const code = await c.fail('UNKNOWN_ITEM', 'x').catch((e) => e.code);
    if (code !== 'UNKNOWN_ITEM') throw new Error('code ' + code);
    c.dispose();
    const s = await openStorage({ learnerId: 'csp' });
    await s.appendResponse({ item: 'q', correct: true, timestamp: 1 }, new Uint8Array([1]));
    await s.importDocument(JSON.stringify(await s.exportDocument()));
    console.log('ok');`;
  const out = execFileSync(process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(out.trim(), 'ok');
});
