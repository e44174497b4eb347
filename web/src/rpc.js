// Running an object in a dedicated module Worker (browser default) or in-process (`worker: false`,
// the default under Node), behind one interface:
//
//   const clf = await hostObject({ factory: 'prototypes', options: { dim: 2 } });
//   await clf.addExample('a', [0, 0]);        // a forwarding method per public method
//   await clf.call('classify', [0.1, 0.2]);   // or by name
//   clf.dispose();                            // calls already made finish, then the Worker is
//                                             // terminated; later calls → DISPOSED
//
// Arguments and results are copied (structured clone) in both modes, so an object behaves the same
// in a Worker and in-process, and nothing but plain data reaches the page. Errors arrive as
// MetacogError with the code and message thrown by the hosted object. The Worker is created with
// `new Worker(new URL('./metacog-worker.js', import.meta.url), { type: 'module' })`: same origin,
// no blob: or eval, so a strict CSP (script-src 'self' 'wasm-unsafe-eval'; worker-src 'self')
// allows it, and bundlers that understand this pattern (webpack 5, Vite) emit the worker file.
import { wrap } from 'comlink';
import { MetacogError, adoptPromises, check, settled } from './errors.js';
import { Host, RESERVED } from './host.js';
import { installErrorTransfer, toMetacogError, unclonableResult } from './rpc-errors.js';
import { isNode, parseUrl, requireSameOrigin } from './env.js';
import { compileBuild } from './wasm.js';

installErrorTransfer();


function baseHref() {
  if (typeof document !== 'undefined' && document.baseURI) return document.baseURI;
  if (typeof location !== 'undefined') return location.href;
  return import.meta.url;
}

/** Absolute URL of a factory module; same-origin only where there is an origin. */
function resolveModule(module) {
  if (module === undefined) return undefined;
  check(typeof module === 'string' || module instanceof URL, 'module must be a URL string or URL');
  const url = parseUrl(module, baseHref(), 'module');
  requireSameOrigin(url, 'module', 'metacog loads no code from elsewhere');
  return url.href;
}

function startWorker(workerUrl, factory) {
  const opts = { type: 'module', name: `metacog:${factory}` };
  // Keep this `new URL(..., import.meta.url)` literal: bundlers detect it and emit the worker.
  return workerUrl ? new Worker(workerUrl, opts) : new Worker(new URL('./metacog-worker.js', import.meta.url), opts);
}

/** Rejects when the Worker fails to load or to start (404, CSP refusal, syntax error). */
function whenWorkerFails(worker) {
  return new Promise((_, reject) => {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(new MetacogError('WASM_LOAD',
        `the metacog Worker could not start${event.message ? ` (${event.message})` : ''}. Check that dist/metacog-worker.js ` +
        'is served next to metacog.js from this origin and that the page CSP allows worker-src \'self\'; or pass worker: false.'));
    }, { once: true });
  });
}

/** A hosted object: call its methods by name or through the forwarding methods. */
export class RemoteObject {
  /**
   * @param {{call: (method: string, args: unknown[]) => Promise<unknown>, terminate: () => void}} channel
   * @param {{methods: string[], properties: Record<string, unknown>}} info
   * @param {boolean} inWorker
   */
  constructor(channel, info, inWorker) {
    /** @type {readonly string[]} the hosted object's public methods */
    this.methods = Object.freeze(info.methods.slice());
    /** @type {Readonly<Record<string, unknown>>} its primitive public fields at creation */
    this.properties = Object.freeze({ ...info.properties });
    /** @type {boolean} whether it runs in a Worker */
    this.inWorker = inWorker;
    this._channel = channel;
    /** calls made and not yet settled: { reject, method, result } */
    this._pending = new Set();
    this._disposed = false;
    this._terminated = false;
    /** resolves once the object is terminated (set by the first dispose()) */
    this._ended = null;
    for (const name of this.methods) {
      if (!RESERVED.includes(name) && !(name in this)) {
        Object.defineProperty(this, name, { value: (...args) => this.call(name, ...args), enumerable: false });
      }
    }
  }

  /** @returns {boolean} true once dispose() was called */
  get disposed() { return this._disposed; }

  /**
   * Calls a method of the hosted object. Rejects with DISPOSED when made after dispose() (or still
   * running at a dispose({ force: true })), INVALID_ARGUMENT for an unknown method or uncloneable
   * arguments, and otherwise with the MetacogError the object threw.
   * @param {string} method
   * @param {...unknown} args
   * @returns {Promise<unknown>}
   */
  call(method, ...args) {
    if (this._disposed) return Promise.reject(disposedError(method));
    if (typeof method !== 'string' || !this.methods.includes(method)) {
      return Promise.reject(new MetacogError('INVALID_ARGUMENT', `unknown method ${JSON.stringify(String(method))}; available: ${this.methods.join(', ')}`));
    }
    const entry = { reject: null, method, result: null };
    entry.result = new Promise((resolve, reject) => {
      entry.reject = reject;
      Promise.resolve()
        .then(() => this._channel.call(method, args))
        .then(resolve, (err) => reject(toMetacogError(err)))
        .finally(() => this._pending.delete(entry));
    });
    this._pending.add(entry);
    return entry.result;
  }

  /**
   * Ends the object. Calls made before dispose() run to their end and settle as usual — one that
   * resolves took effect, one that rejects changed nothing —, then the Worker is terminated
   * (freeing its memory; in-process, the object is freed); calls made after reject with DISPOSED.
   * With `{ force: true }` the Worker is terminated at once (for a call that does not end) and the
   * calls still running reject with DISPOSED: whether they took effect is then unknown (a write
   * may or may not have been stored).
   * @param {{force?: boolean}} [options]
   * @returns {Promise<void>} resolves once the object is terminated
   */
  dispose(options = {}) {
    const force = !!(options && options.force);
    if (!this._disposed) {
      this._disposed = true;  // the pending set is final from here
      const settled = [...this._pending].map((e) => e.result.then(() => {}, () => {}));
      this._ended = Promise.all(settled).then(() => this._terminate());
    }
    if (force) {
      this._terminate();
      for (const { reject, method } of this._pending) reject(disposedError(method, true));
    }
    return this._ended;
  }

  _terminate() {
    if (this._terminated) return;
    this._terminated = true;
    this._channel.terminate();
  }
}

/**
 * remote.call(method, ...args()) where `args` checks and converts the arguments on the caller's side
 * (throwing INVALID_ARGUMENT); on a disposed object DISPOSED comes first, as it does in-process.
 * @param {RemoteObject} remote @param {string} method @param {() => unknown[]} args
 * @returns {Promise<unknown>}
 */
export async function callChecked(remote, method, args) {
  if (remote.disposed) return remote.call(method);
  return remote.call(method, ...args());
}

function disposedError(method, running = false) {
  return new MetacogError('DISPOSED', running
    ? `${method}: the object was disposed (force) while this call ran; whether it took effect is unknown`
    : `${method}: this object was disposed; create a new one`);
}

/** The options once settled (a rejection → IO, or its own MetacogError), checked like given ones. */
async function settledOptions(pending) {
  const options = await settled(pending, 'hostObject: options');
  check(options === undefined || (options !== null && typeof options === 'object'), 'hostObject: options must be an object (or a promise of one)');
  return options;
}

async function inProcess(factory, pendingOptions, module) {
  const host = new Host();
  const options = await settledOptions(pendingOptions);
  const info = await host.create(factory, options === undefined ? undefined : structuredClone(options), module);
  const channel = {
    call: async (method, args) => {
      const result = await host.call(method, structuredClone(args));
      try { return structuredClone(result); } catch (err) { throw unclonableResult(err); }
    },
    terminate: () => { try { host.dispose(); } catch { /* disposing never fails the caller */ } },
  };
  return new RemoteObject(channel, info, false);
}

/**
 * Sends Host.preload to a starting Worker: with the wasm build compiled by the page when the
 * Worker is ours (its default URL sits next to the builds), so compiling overlaps the Worker's
 * start-up; otherwise — or if the page cannot compile it — the Worker loads the build itself.
 * Resolves once the message is sent; never rejects.
 */
async function sendPreload(remote, preload, pageCompiles) {
  let message = { simd: preload.simd };
  if (pageCompiles) {
    try {
      const { flavor, key, module } = await compileBuild({ simd: preload.simd ?? 'auto' });
      message = { simd: flavor === 'simd', module, key };
    } catch { /* the Worker loads it, and create() reports a failure */ }
  }
  remote.preload(message).catch(() => {});
}

async function inWorker(factory, pendingOptions, module, workerUrl, preload) {
  let worker;
  try {
    worker = startWorker(workerUrl, factory);
  } catch (err) {
    throw new MetacogError('WASM_LOAD', `the metacog Worker could not be created (${err && err.name}: ${err && err.message}); ` +
      'the Worker script must be on this origin and allowed by the CSP (worker-src \'self\'), or pass worker: false.', { cause: err });
  }
  const failed = whenWorkerFails(worker);
  const remote = wrap(worker);
  // The wasm build compiles while the Worker starts and the options (model bytes, item bank) load.
  const preloaded = preload ? sendPreload(remote, preload, workerUrl === undefined) : undefined;
  let info;
  try {
    const ready = Promise.all([settledOptions(pendingOptions), preloaded]);
    info = await Promise.race([ready.then(([options]) => remote.create(factory, options, module)), failed]);
  } catch (err) {
    worker.terminate();
    throw toMetacogError(err);
  }
  failed.catch(() => {}); // later worker errors are reported per call, not here
  const channel = { call: (method, args) => remote.call(method, args), terminate: () => worker.terminate() };
  return new RemoteObject(channel, info, true);
}

/**
 * Creates an object from a factory and hosts it in a dedicated module Worker or in-process.
 * @param {object} spec
 * @param {string} spec.factory a built-in factory name (factories.js) or the export name in `module`
 * @param {object|Promise<object>} [spec.options] passed to the factory (structured-cloned); or a
 *   promise of them, awaited after the Worker has started (its rejection rejects hostObject and
 *   terminates the Worker)
 * @param {{simd?: 'auto'|boolean}} [spec.preload] start loading that wasm build in the Worker at once
 *   (Host.preload), in parallel with the options' promise
 * @param {string|URL} [spec.module] a same-origin ES module exporting the factory
 * @param {boolean} [spec.worker] default: true in browsers, false under Node
 * @param {string|URL} [spec.workerUrl] the Worker script (default: metacog-worker.js next to metacog.js)
 * @returns {Promise<RemoteObject>}
 */
export async function hostObject(spec) {
  check(spec !== null && typeof spec === 'object', 'hostObject: pass { factory, options?, module?, worker? }');
  const { factory, options, worker, workerUrl, preload } = spec;
  adoptPromises(options);
  check(typeof factory === 'string' && factory.length > 0, `hostObject: factory must be a non-empty string, got ${typeof factory}`);
  check(options === undefined || (options !== null && typeof options === 'object'), 'hostObject: options must be an object');
  check(preload === undefined || (preload !== null && typeof preload === 'object'), 'hostObject: preload must be an object ({ simd })');
  check(worker === undefined || typeof worker === 'boolean', 'hostObject: worker must be true or false');
  check(workerUrl === undefined || typeof workerUrl === 'string' || workerUrl instanceof URL, 'hostObject: workerUrl must be a URL');
  const module = resolveModule(spec.module);
  const useWorker = worker ?? (!isNode && typeof Worker === 'function');
  if (useWorker) {
    check(typeof Worker === 'function', 'hostObject: Workers are not available here; pass worker: false');
    return inWorker(factory, options, module, workerUrl, preload);
  }
  try {
    return await inProcess(factory, options, module);
  } catch (err) {
    throw toMetacogError(err);
  }
}
