// Loading the engine's WebAssembly module: picks the SIMD or scalar build and instantiates it in
// browsers, Workers and Node 20 alike. The Emscripten glue never fetches anything itself: we hand
// it the compiled module through `instantiateWasm` (the 3.1.6 glue cannot fetch file paths under
// Node, design.md §6).
import { simd as detectSimd } from 'wasm-feature-detect';
import { MetacogError } from './errors.js';
import { isNode, parseUrl, readUrl, requireSameOrigin } from './env.js';


/** Base URL of dist/ (where this module and the wasm builds live). */
const defaultBase = new URL('./', import.meta.url);

/**
 * Resolves which build to load.
 * @param {'auto'|boolean|undefined} simd
 * @returns {Promise<boolean>} true for the SIMD build
 */
export async function resolveSimd(simd = 'auto') {
  checkSimdOption(simd);
  if (simd === true || simd === false) return simd;
  return detectSimd();
}

/** Throws INVALID_ARGUMENT unless `simd` is undefined, 'auto', true or false. */
export function checkSimdOption(simd) {
  if (simd !== undefined && simd !== 'auto' && simd !== true && simd !== false) {
    throw new MetacogError('INVALID_ARGUMENT', `simd must be 'auto', true or false, got ${String(simd)}`);
  }
}

/**
 * The folder of the wasm builds: `baseUrl` resolved against dist/ (same origin only), or dist/.
 * @param {string|URL|undefined} baseUrl
 * @returns {URL}
 */
export function resolveBase(baseUrl) {
  if (!baseUrl) return defaultBase;
  const base = parseUrl(baseUrl, defaultBase, 'baseUrl');
  requireSameOrigin(base, 'baseUrl', 'metacog loads no code from elsewhere');
  return base;
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

const compiled = new Map();
const cache = new Map();

async function build(options) {
  const useSimd = await resolveSimd(options.simd ?? 'auto');
  const base = resolveBase(options.baseUrl);
  const flavor = useSimd ? 'simd' : 'scalar';
  return { base, flavor, key: `${base.href}|${flavor}` };
}

/**
 * Fetches and compiles (once per build) the chosen build's WebAssembly.Module, without
 * instantiating it. The page does this while a Worker starts, then hands the module to the
 * Worker (a WebAssembly.Module is structured-cloneable) with its `key`, and the Worker's
 * loadModule({ module, key }) uses it.
 * @param {{simd?: 'auto'|boolean, baseUrl?: string|URL}} [options]
 * @returns {Promise<{flavor: 'simd'|'scalar', key: string, module: WebAssembly.Module}>}
 *   key: the build's URL folder and flavor
 */
export async function compileBuild(options = {}) {
  const { base, flavor, key } = await build(options);
  if (!compiled.has(key)) {
    compiled.set(key, compile(new URL(`metacog-${flavor}.wasm`, base)).catch((err) => { compiled.delete(key); throw err; }));
  }
  return { flavor, key, module: await compiled.get(key) };
}

/**
 * Instantiates `wasmModule` through the Emscripten glue; rejects (instead of waiting forever, as
 * the glue would) when the module does not link against the glue's imports.
 */
async function instantiate(glue, wasmModule) {
  let fail;
  const failed = new Promise((_, reject) => { fail = reject; });
  return Promise.race([glue.default({
    instantiateWasm(imports, done) {
      WebAssembly.instantiate(wasmModule, imports).then((instance) => done(instance), fail);
      return {};
    },
    print: () => {},
    printErr: (s) => console.warn('[metacog]', s),
  }), failed]);
}

/**
 * Loads (once per build) and returns the Embind module.
 * @param {{simd?: 'auto'|boolean, baseUrl?: string|URL, module?: WebAssembly.Module, key?: string}} [options]
 *   module, key: that build already compiled elsewhere (compileBuild, e.g. by the page). It is used
 *   only when `key` is this build's (the same folder and flavor) and only if it links with this
 *   folder's glue (a page that kept a module across a redeploy of dist/ offers an older build);
 *   otherwise the build is fetched and compiled here.
 */
export async function loadModule(options = {}) {
  const { base, flavor, key } = await build(options);
  const offered = options.module instanceof WebAssembly.Module && options.key === key ? options.module : undefined;
  if (!cache.has(key)) {
    cache.set(key, (async () => {
      try {
        const glue = await import(/* webpackIgnore: true */ new URL(`metacog-${flavor}.mjs`, base).href);
        let Module = null;
        if (offered) Module = await instantiate(glue, offered).catch(() => null);
        if (!Module) Module = await instantiate(glue, (await compileBuild({ simd: flavor === 'simd', baseUrl: base })).module);
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
