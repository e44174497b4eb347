// Loading the engine's WebAssembly module: picks the SIMD or scalar build and instantiates it in
// browsers, Workers and Node 20 alike. The Emscripten glue never fetches anything itself: we hand
// it the compiled module through `instantiateWasm` (the 3.1.6 glue cannot fetch file paths under
// Node, design.md §6).
import { simd as detectSimd } from 'wasm-feature-detect';
import { MetacogError } from './errors.js';
import { isNode, parseUrl, readUrl } from './env.js';


/** Base URL of dist/ (where this module and the wasm builds live). */
const defaultBase = new URL('./', import.meta.url);

/**
 * Resolves which build to load.
 * @param {'auto'|boolean|undefined} simd
 * @returns {Promise<boolean>} true for the SIMD build
 */
export async function resolveSimd(simd = 'auto') {
  if (simd === true || simd === false) return simd;
  if (simd !== 'auto') {
    throw new MetacogError('INVALID_ARGUMENT', `simd must be 'auto', true or false, got ${String(simd)}`);
  }
  return detectSimd();
}


async function compile(url) {
  if (!isNode && typeof WebAssembly.compileStreaming === 'function') {
    try {
      return await WebAssembly.compileStreaming(fetch(url));
    } catch (_) {
      // Wrong MIME type on some static servers: fall back to bytes.
    }
  }
  return WebAssembly.compile(await readUrl(url));
}

const cache = new Map();

/**
 * Loads (once per build) and returns the Embind module.
 * @param {{simd?: 'auto'|boolean, baseUrl?: string|URL}} [options]
 */
export async function loadModule(options = {}) {
  const useSimd = await resolveSimd(options.simd ?? 'auto');
  const base = options.baseUrl ? parseUrl(options.baseUrl, defaultBase, 'baseUrl') : defaultBase;
  const flavor = useSimd ? 'simd' : 'scalar';
  const key = `${base.href}|${flavor}`;
  if (!cache.has(key)) {
    cache.set(key, (async () => {
      try {
        const glue = await import(/* webpackIgnore: true */ new URL(`metacog-${flavor}.mjs`, base).href);
        const wasmModule = await compile(new URL(`metacog-${flavor}.wasm`, base));
        const Module = await glue.default({
          instantiateWasm(imports, done) {
            WebAssembly.instantiate(wasmModule, imports).then((instance) => done(instance));
            return {};
          },
          print: () => {},
          printErr: (s) => console.warn('[metacog]', s),
        });
        Module.flavor = flavor;
        return Module;
      } catch (err) {
        cache.delete(key);
        throw new MetacogError('WASM_LOAD',
          `could not load the ${flavor} WebAssembly build from ${base.href}: ${err && err.message}. ` +
          'Check that dist/ was built (npm run build) and is served with the page.', { cause: err });
      }
    })());
  }
  return cache.get(key);
}
