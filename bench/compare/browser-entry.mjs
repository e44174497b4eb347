// The suite inside Chromium (bundled by bench/compare/browser.mjs with esbuild): TF.js with the wasm
// backend from /tfjs/, the metacog builds next to this bundle (/wasm/), the same suite, peak and
// latency code as under Node. window.__runBench({ reps, rounds }) resolves to the raw results.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadModule } from '../../web/src/wasm.js';
import { createEngine } from '../../web/src/index.js';
import { runSuite } from './suite.mjs';
import { measurePeak } from './peak.mjs';
import { growBank, makeRand, measureEngine, measureApi, measureClassify } from '../latency-core.mjs';

window.__runBench = async ({ reps, rounds }) => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths(new URL('/tfjs/', location.href).href);
  await tf.setBackend('wasm');
  await tf.ready();
  const tfjs = {
    version: tf.version_core, backend: tf.getBackend(),
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), threads: tf.env().get('WASM_HAS_MULTITHREAD_SUPPORT') ? 'on' : 'off',
  };
  const modules = { simd: await loadModule({ simd: true }) };
  try {
    modules.scalar = await loadModule({ simd: false });
  } catch (_) {
    // no scalar build next to the bundle: SIMD and TF.js only
  }
  const model = new Uint8Array(await (await fetch('/models/demo-learner.safetensors')).arrayBuffer());
  const suite = runSuite({ tf, modules, learnerModel: model, reps });
  const peak = measurePeak(modules.simd);
  const bank = growBank(await (await fetch('/item-bank.json')).json());
  const rand = makeRand(), clock = { t: 1 };
  const engine = measureEngine({ Module: modules.simd, model, bank, rounds, rand, clock });
  const api = await measureApi({ createEngine, model, bank, rounds, rand, clock, simd: true });
  const protonet = new Uint8Array(await (await fetch('/models/omniglot-protonet.safetensors')).arrayBuffer());
  const classify = measureClassify({ Module: modules.simd, model: protonet, rounds });
  return { tfjs, suite, peak, latency: { engine, api, classify }, userAgent: navigator.userAgent };
};
