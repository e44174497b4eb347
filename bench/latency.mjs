#!/usr/bin/env node
// Latency of `observe` → new recommendations, as design.md §5 states the target: a learner with
// 200 past responses, an item bank of 1000 items (the demo bank's 277 items repeated with new ids
// over the same 17 skills), wasm under Node. Prints one JSON object.
//   node bench/latency.mjs [--simd true|false] [--rounds 200]
//   engine:  the wasm Engine directly (observe + recommend(5)), the compute budget
//   api:     the public createEngine API in-process (adds validation, copying, memory storage)
import { readFileSync } from 'node:fs';
import { createEngine, _loadModule } from '../dist/metacog.js';
import { growBank, makeRand, measureEngine, measureApi } from './latency-core.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const simd = opt('simd', 'true') !== 'false';
const rounds = Number(opt('rounds', '200'));

const bank = growBank(JSON.parse(readFileSync(new URL('../web/demo/item-bank.json', import.meta.url), 'utf8')));
const model = readFileSync(new URL('../models/demo-learner.safetensors', import.meta.url));
const rand = makeRand();
const clock = { t: 1 };
const Module = await _loadModule({ simd });
const engine = measureEngine({ Module, model, bank, rounds, rand, clock });
const api = await measureApi({ createEngine, model, bank, rounds, rand, clock, simd });
console.log(JSON.stringify({ simd, items: bank.items.length, past_responses: 200, rounds, engine, api }));
