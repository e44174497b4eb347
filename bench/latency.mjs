#!/usr/bin/env node
// Latency of `observe` → new recommendations, as design.md §5 states the target: a learner with
// 200 past responses, an item bank of 1000 items (the demo bank's 277 items repeated with new ids
// over the same 17 skills). Prints one JSON object.
//   node bench/latency.mjs [--simd true|false] [--rounds 200] [--model PATH] [--browser]
//   --model: another learner model (default models/demo-learner.safetensors with the demo bank grown
//            to 1000 items); the bank is then 1000 items over that model's own skills (vocabBank)
//   engine:  the wasm Engine directly (observe + recommend(5)), the compute budget
//   api:     the public createEngine API in-process (adds validation, copying, memory storage)
//   --browser: the same in Debian's Chromium (bench/latency-browser-entry.mjs), plus
//   api_worker_indexeddb: the public API as a page gets it by default — the engine in its Worker,
//            every response persisted to IndexedDB. Needs `npm run build` (dist/ with the Worker).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { growBank, vocabBank, makeRand, measureEngine, measureApi } from './latency-core.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const simd = opt('simd', 'true') !== 'false';
const rounds = Number(opt('rounds', '200'));
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (args.includes('--browser')) {
  if (opt('model', null)) throw new Error('--model is measured under Node only (the browser entry serves the demo model and bank)');
  const { browserEntry } = await import('./compare/browser.mjs');
  const r = await browserEntry({
    root, entry: 'bench/latency-browser-entry.mjs', wasmDir: path.join(root, 'dist'), fn: '__runLatency',
    arg: { rounds, simd }, log: (s) => process.stderr.write(`[latency] ${s}\n`),
  });
  console.log(JSON.stringify({ where: 'chromium', simd, items: 1000, past_responses: 200, rounds, ...r }));
} else {
  const { createEngine } = await import('../dist/metacog.js');
  // the engine measured bare: the loader itself (the public entry hands out no Embind module). Since
  // session 56 this is a wasm instance of its own, beside the one the API path's Worker-less engine uses.
  const { loadModule } = await import('../web/src/wasm.js');
  const modelPath = opt('model', null);
  const model = readFileSync(modelPath ?? path.join(root, 'models/demo-learner.safetensors'));
  const bank = modelPath ? vocabBank(model)
    : growBank(JSON.parse(readFileSync(path.join(root, 'web/demo/item-bank.json'), 'utf8')));
  const rand = makeRand();
  const clock = { t: 1 };
  const Module = await loadModule({ simd, baseUrl: new URL('../dist/', import.meta.url) });
  const engine = measureEngine({ Module, model, bank, rounds, rand, clock });
  const api = await measureApi({ createEngine, model, bank, rounds, rand, clock, simd });
  console.log(JSON.stringify({ where: 'node', model: modelPath ?? 'models/demo-learner.safetensors', skills: bank.skills.length, simd, items: bank.items.length, past_responses: 200, rounds, engine, api }));
}
