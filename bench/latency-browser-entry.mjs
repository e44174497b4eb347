// observe → recommend latency inside Chromium (bundled by bench/latency.mjs --browser): the wasm
// Engine call, the public API in the page with memory storage, and the public API as an embedding
// page gets it by default — the engine in its Worker and every response persisted to IndexedDB
// (one transaction per observe). window.__runLatency({ rounds, simd }) resolves to the results.
import { loadModule } from '../web/src/wasm.js';
import { createEngine } from '../web/src/index.js';
import { growBank, makeRand, measureEngine, measureApi } from './latency-core.mjs';

window.__runLatency = async ({ rounds, simd }) => {
  const Module = await loadModule({ simd });
  const model = new Uint8Array(await (await fetch('/models/demo-learner.safetensors')).arrayBuffer());
  const bank = growBank(await (await fetch('/item-bank.json')).json());
  const rand = makeRand(), clock = { t: 1 };
  const engine = measureEngine({ Module, model, bank, rounds, rand, clock });
  const api_memory = await measureApi({ createEngine, model, bank, rounds, rand, clock, simd });
  const api_worker_indexeddb = await measureApi({
    createEngine, model, bank, rounds, rand, clock, simd, worker: true, storage: 'indexeddb', learnerId: `bench-${Date.now()}`,
  });
  return { engine, api_memory, api_worker_indexeddb, userAgent: navigator.userAgent };
};
