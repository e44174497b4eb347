#!/usr/bin/env node
// Latency of `observe` → new recommendations, as design.md §5 states the target: a learner with
// 200 past responses, an item bank of 1000 items (the demo bank's 277 items repeated with new ids
// over the same 17 skills), wasm under Node. Prints one JSON object.
//   node bench/latency.mjs [--simd true|false] [--rounds 200]
//   engine:  the wasm Engine directly (observe + recommend(5)), the compute budget
//   api:     the public createEngine API in-process (adds validation, copying, memory storage)
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createEngine, _loadModule } from '../dist/metacog.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const simd = opt('simd', 'true') !== 'false';
const rounds = Number(opt('rounds', '200'));

const demo = JSON.parse(readFileSync(new URL('../web/demo/item-bank.json', import.meta.url), 'utf8'));
const bank = { ...demo, items: [] };
for (let k = 0; bank.items.length < 1000; k++) {
  for (const it of demo.items) {
    if (bank.items.length === 1000) break;
    bank.items.push({ ...it, id: k === 0 ? it.id : `${it.id}~${k}` });
  }
}
const model = readFileSync(new URL('../models/demo-learner.safetensors', import.meta.url));

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

// a deterministic learner: answers right with a fixed pseudo-random pattern
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

const Module = await _loadModule({ simd });
const h = Module.makeEngine(new Uint8Array(model), JSON.stringify(bank));
if (h.__error) throw new Error(h.message);
let t = 1;
for (let i = 0; i < 200; i++) h.observe(bank.items[Math.floor(rand() * 1000)].id, rand() < 0.7, t++);
const engineTimes = [];
for (let r = 0; r < rounds; r++) {
  const item = h.recommend(1, NaN, NaN, NaN)[0].item;
  const t0 = performance.now();
  h.observe(item, rand() < 0.7, t++);
  const recs = h.recommend(5, NaN, NaN, NaN);
  engineTimes.push(performance.now() - t0);
  if (recs.length !== 5) throw new Error('recommend failed');
}
h.delete();

const e = await createEngine({ model, itemBank: bank, simd, worker: false, storage: 'memory', learnerId: 'bench' });
for (let i = 0; i < 200; i++) await e.observe({ item: bank.items[Math.floor(rand() * 1000)].id, correct: rand() < 0.7, timestamp: t++ });
const apiTimes = [];
for (let r = 0; r < rounds; r++) {
  const [next] = await e.recommend({ count: 1 });
  const t0 = performance.now();
  await e.observe({ item: next.item, correct: rand() < 0.7, timestamp: t++ });
  await e.recommend({ count: 5 });
  apiTimes.push(performance.now() - t0);
}
e.dispose();

const round3 = (x) => Math.round(x * 1000) / 1000;
console.log(JSON.stringify({
  simd, items: bank.items.length, past_responses: 200, rounds,
  engine: { observe_recommend_p50_ms: round3(quantile(engineTimes, 0.5)), observe_recommend_p95_ms: round3(quantile(engineTimes, 0.95)) },
  api: { observe_recommend_p50_ms: round3(quantile(apiTimes, 0.5)), observe_recommend_p95_ms: round3(quantile(apiTimes, 0.95)) },
}));
