// TensorFlow.js under Node for the comparison: tfjs-core with its wasm backend (the SIMD build;
// threads off, so it runs on one thread like metacog), .wasm files from node_modules (no network).
// tfjs-core's Node bundle registers no gradients (the @tensorflow/tfjs umbrella package does), so
// dist/register_all_gradients.js is bundled with esbuild and loaded once; the registries are global.
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function loadTfNode(root) {
  const require = createRequire(path.join(root, 'package.json'));
  const tf = require('@tensorflow/tfjs-core');
  const tfwasm = require('@tensorflow/tfjs-backend-wasm');
  const esbuild = await import('esbuild');
  const grads = await esbuild.build({
    entryPoints: [require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js')], bundle: true,
    format: 'cjs', platform: 'node', write: false, logLevel: 'warning',
  });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'metacog-bench-')), 'tfjs-gradients.cjs');
  writeFileSync(file, grads.outputFiles[0].contents);
  require(file);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tfwasm.setWasmPaths(path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep);
  await tf.setBackend('wasm');
  await tf.ready();
  const info = {
    version: tf.version_core, backend: tf.getBackend(),
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), threads: tf.env().get('WASM_HAS_MULTITHREAD_SUPPORT') ? 'on' : 'off',
  };
  return { tf, info };
}
