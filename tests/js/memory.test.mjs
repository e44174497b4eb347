// Bounded memory (issue: 100 000 observe calls keep the wasm heap bounded). The engine keeps an O(1)
// learner state — counters, context vectors, fast weights and a window of recent responses — so
// neither the wasm heap nor the state written on every observe grows with the history
// (learner_session.hpp, "Bounded state"). In-process engine (worker: false), memory storage.
// The measured numbers are printed as a test diagnostic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createEngine } from '../../dist/metacog.js';
import { mulberry32 } from './seeded-random.mjs';

const MODEL = new URL('../../models/demo-learner.safetensors', import.meta.url);
const BANK = JSON.parse(readFileSync(new URL('../../web/demo/item-bank.json', import.meta.url), 'utf8'));

/** A seeded generator for the answers. */
const rng = mulberry32;

const CASES = [
  { simd: true, total: 100000, checkpoint: 5000 },
  { simd: false, total: 10000, checkpoint: 5000 },  // the scalar build: same bound, shorter run
];

for (const { simd, total, checkpoint } of CASES) {
  test(`[${simd ? 'simd' : 'scalar'}] ${total} observe calls keep the wasm heap and the stored state bounded`, async (t) => {
    const e = await createEngine({ model: MODEL, itemBank: BANK, simd, worker: false, storage: 'memory', learnerId: `memory-${simd}` });
    const items = BANK.items.map((i) => i.id);
    const next = rng(20260101);
    let time = Date.UTC(2026, 0, 1);
    const start = (await e.info()).memory;
    let at = null;
    const began = Date.now();
    for (let k = 1; k <= total; k++) {
      await e.observe({ item: items[Math.floor(next() * items.length)], correct: next() < 0.65, timestamp: (time += 20000) });
      if (k === checkpoint) at = (await e.info()).memory;
    }
    const info = await e.info();
    const end = info.memory;
    const seconds = (Date.now() - began) / 1000;
    t.diagnostic(JSON.stringify({ build: simd ? 'simd' : 'scalar', observes: total, seconds,
      wasmHeapBytes: { start: start.wasmHeapBytes, [`after${checkpoint}`]: at.wasmHeapBytes, [`after${total}`]: end.wasmHeapBytes },
      stateBytes: { start: start.stateBytes, [`after${checkpoint}`]: at.stateBytes, [`after${total}`]: end.stateBytes } }));
    assert.equal(info.responses, total);
    // the heap after `total` equals the heap after `checkpoint` (a bound of 1 MiB for allocator slack)
    assert.ok(end.wasmHeapBytes - at.wasmHeapBytes <= 1 << 20,
      `wasm heap grew from ${at.wasmHeapBytes} to ${end.wasmHeapBytes} bytes between ${checkpoint} and ${total} observes`);
    // the stored state: the same fields, only longer numbers (within 5 %)
    assert.ok(end.stateBytes <= at.stateBytes * 1.05, `state grew from ${at.stateBytes} to ${end.stateBytes} bytes`);
    assert.ok(end.stateBytes < 64 * 1024, `state is ${end.stateBytes} bytes`);
    // and the engine still answers sensibly: the learner got 65 % right at random, so the predictions
    // stay spread around that rate instead of saturating at 0 or 1 (they did before the history
    // features were clamped to their training range and the inner loop's steps safeguarded)
    const ps = (await e.predict(items)).map((x) => x.p);
    const mean = ps.reduce((s, x) => s + x, 0) / ps.length;
    t.diagnostic(JSON.stringify({ meanPrediction: mean, min: Math.min(...ps), max: Math.max(...ps) }));
    assert.ok(ps.every((p) => Number.isFinite(p) && p >= 0 && p <= 1));
    assert.ok(mean > 0.3 && mean < 0.9, `mean prediction ${mean} after ${total} answers, 65 % of them right`);
    assert.ok(Math.min(...ps) > 0.01 && Math.max(...ps) < 0.99, `predictions in [${Math.min(...ps)}, ${Math.max(...ps)}]`);
    assert.equal((await e.recommend({ count: 3 })).length, 3);
    e.dispose();
  });
}
