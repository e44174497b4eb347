// Hosts ONE object made by a factory — inside a Worker (worker.js exposes a Host through comlink)
// or in-process (rpc.js uses it directly). The factory is a built-in name (factories.js) or an
// export of a same-origin ES module. Calls run one after another, in the order they arrive.
import { MetacogError, check } from './errors.js';
import { FACTORIES } from './factories.js';
import { loadModule } from './wasm.js';

/** Method names a RemoteObject reserves for itself (never forwarded to the hosted object). */
export const RESERVED = Object.freeze(['call', 'dispose', 'disposed', 'methods', 'properties', 'inWorker', 'then', 'constructor']);

/** Public method names of `obj`: functions on it or its prototypes, not `_private`, not reserved. */
export function methodNames(obj) {
  const names = new Set();
  for (let o = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      const d = Object.getOwnPropertyDescriptor(o, name);
      if (d && typeof d.value === 'function' && !name.startsWith('_') && !RESERVED.includes(name)) names.add(name);
    }
  }
  return [...names].sort();
}

/** Own enumerable public fields of `obj` holding primitives (e.g. a classifier's `dim`). */
export function propertySnapshot(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    if (!k.startsWith('_') && (v === null || ['string', 'number', 'boolean'].includes(typeof v))) out[k] = v;
  }
  return out;
}

async function resolveFactory(factory, module) {
  if (module === undefined) {
    check(Object.hasOwn(FACTORIES, factory),
      `unknown factory "${factory}"; built-in factories: ${Object.keys(FACTORIES).join(', ')} (or pass module: a same-origin ES module URL exporting it)`);
    return FACTORIES[factory];
  }
  let mod;
  try {
    mod = await import(/* webpackIgnore: true */ module);
  } catch (err) {
    throw new MetacogError('IO', `could not import the factory module ${module}: ${err && err.message}; check the URL and the page's CSP`, { cause: err });
  }
  check(typeof mod[factory] === 'function', `the module ${module} has no exported function "${factory}"`);
  return mod[factory];
}

/** Creates, calls and disposes one hosted object. */
export class Host {
  constructor() {
    this._obj = null;
    this._methods = [];
    this._tail = Promise.resolve();
    this._preloaded = undefined;
  }

  /**
   * Starts loading the engine's WebAssembly build that the factories use, so that create() finds
   * it ready: hostObject sends this before create(), with the build the page has already compiled
   * (`module`, a WebAssembly.Module) when it could. Never fails — a load error is reported by
   * create(), which waits for this load to settle.
   * @param {{simd?: 'auto'|boolean, module?: WebAssembly.Module, key?: string}} [options] module and
   *   key as compileBuild returns them (loadModule uses the module only for the same build)
   */
  preload(options = {}) {
    const { simd, module, key } = options !== null && typeof options === 'object' ? options : {};
    this._preloaded = loadModule({ simd, module, key }).catch(() => {});
  }

  /**
   * Creates the hosted object.
   * @param {string} factory built-in factory name, or export name in `module`
   * @param {object} [options] passed to the factory
   * @param {string} [module] absolute URL of an ES module exporting `factory`
   * @returns {Promise<{methods: string[], properties: Record<string, unknown>}>}
   */
  async create(factory, options, module) {
    check(this._obj === null, 'this host already holds an object; start another Worker for another object', 'INVALID_STATE');
    check(typeof factory === 'string' && factory.length > 0, `factory must be a non-empty string, got ${typeof factory}`);
    const make = await resolveFactory(factory, module);
    await this._preloaded;
    const obj = await make(options);
    check(obj !== null && typeof obj === 'object', `factory "${factory}" did not return an object`, 'INTERNAL');
    this._obj = obj;
    this._methods = methodNames(obj);
    return { methods: this._methods.slice(), properties: propertySnapshot(obj) };
  }

  /**
   * Calls a method of the hosted object after every earlier call has finished.
   * @param {string} method
   * @param {unknown[]} args
   * @returns {Promise<unknown>}
   */
  call(method, args) {
    const run = this._tail.then(() => {
      check(this._obj !== null, 'no object is hosted (it was disposed or never created)', 'DISPOSED');
      check(this._methods.includes(method), `unknown method "${method}"; available: ${this._methods.join(', ')}`);
      return this._obj[method](...args);
    });
    this._tail = run.catch(() => {});
    return run;
  }

  /** Disposes the hosted object (calls its dispose() if it has one). */
  dispose() {
    const obj = this._obj;
    this._obj = null;
    if (obj && typeof obj.dispose === 'function') obj.dispose();
  }
}
