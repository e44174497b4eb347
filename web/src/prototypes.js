// Prototype classification over vectors (embeddings) — the JS face of metacog/prototypes.hpp.
//   c_k = Σ s_i x_i / Σ s_i,   p(k | x) = softmax_k(−‖x − c_k‖²)
// The maths runs in the engine (wasm); this file validates arguments and converts values.
// Two halves, as for the sketch classifier (design.md §7: no Embind handle escapes the Worker):
// PrototypesCore holds the engine's handle and runs where hostObject puts it (a Worker in
// browsers); PrototypeClassifier is what the page gets, and holds only plain data.
import { MetacogError, check, unwrap } from './errors.js';
import { HostedClassifier } from './hosted-classifier.js';
import { callChecked, hostObject } from './rpc.js';
import { checkSimdOption, loadModule, resolveBase } from './wasm.js';

export const PROTOTYPES_STATE_VERSION = 1;

/** Largest vector length accepted (embeddings are hundreds to a few thousand long; the engine's
 *  dimension is a C++ int, and an unchecked larger number would wrap around on the way in). */
export const MAX_DIM = 65536;

/** @param {unknown} v @param {number} dim @param {string} what */
export function toVector(v, dim, what) {
  const ok = v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v);
  check(ok, `${what}: expected a Float32Array or an array of numbers, got ${describe(v)}`);
  check(v.length === dim, `${what}: expected a vector of length ${dim}, got length ${v.length}`);
  const out = Float32Array.from(v);
  for (let i = 0; i < out.length; i++) {
    check(Number.isFinite(out[i]) && (typeof v[i] === 'number'),
      `${what}: element ${i} is ${String(v[i])}; pass finite numbers only`);
  }
  return out;
}

export function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}

function checkLabel(label, what) {
  check(typeof label === 'string' && label.length > 0, `${what}: the label must be a non-empty string, got ${describe(label)}`);
}

/** The hosted half: owns the engine's classifier (factory `prototypes`, see factories.js). */
export class PrototypesCore {
  /** @param {any} Module @param {any} handle @param {number} dim */
  constructor(Module, handle, dim) {
    this._Module = Module;
    this._h = handle;
    this.dim = dim;
  }

  _live() {
    if (!this._h) throw new MetacogError('DISPOSED', 'this classifier was disposed; create a new one');
    return this._h;
  }

  /** Adds one support example of class `label` (weight s > 0, default 1). */
  async addExample(label, vector, weight = 1) {
    const h = this._live();
    checkLabel(label, 'addExample');
    const x = toVector(vector, this.dim, 'addExample');
    check(typeof weight === 'number' && Number.isFinite(weight) && weight > 0,
      `addExample: the weight must be a finite number > 0, got ${String(weight)}`);
    unwrap(h.addExample(label, x, weight));
  }

  /** → { label, probabilities: {label: p}, distances: {label: d} } */
  async classify(vector) {
    const h = this._live();
    const x = toVector(vector, this.dim, 'classify');
    const r = unwrap(h.classify(x));
    const probabilities = {};
    const distances = {};
    r.labels.forEach((l, k) => {
      probabilities[l] = r.probabilities[k];
      distances[l] = r.distances[k];
    });
    return { label: r.label, probabilities, distances };
  }

  async removeClass(label) {
    const h = this._live();
    checkLabel(label, 'removeClass');
    unwrap(h.removeClass(label));
  }

  async clear() { this._live().clear(); }

  /** Sorted class labels. */
  async classes() { return this._live().classes(); }

  /** Number of stored examples per class: { label: n }. */
  async counts() {
    const h = this._live();
    const out = {};
    for (const l of h.classes()) out[l] = h.count(l);
    return out;
  }

  /** A versioned, JSON-serialisable snapshot of every stored example. */
  async serialize() {
    const h = this._live();
    const examples = h.examples().map((e) => ({ label: e.label, x: Array.from(e.x), weight: e.weight }));
    return { kind: 'metacog-prototypes', version: PROTOTYPES_STATE_VERSION, dim: this.dim, examples };
  }

  /** Replaces the classes with those of a serialized state; validates everything first. */
  async restore(state) {
    const h = this._live();
    const fresh = buildFromState(this._Module, state, this.dim);
    h.delete();
    this._h = fresh;
  }

  dispose() {
    if (this._h) {
      this._h.delete();
      this._h = null;
    }
  }
}

function buildFromState(Module, state, dim) {
  check(state && typeof state === 'object', 'restore: the state must be an object from serialize()', 'STATE_FORMAT');
  check(state.kind === 'metacog-prototypes', `restore: not a prototype-classifier state (kind ${String(state.kind)})`, 'STATE_FORMAT');
  check(Number.isInteger(state.version) && state.version >= 1, 'restore: missing state version', 'STATE_FORMAT');
  if (state.version > PROTOTYPES_STATE_VERSION) {
    throw new MetacogError('STATE_VERSION', `restore: state version ${state.version} is newer than this library supports (${PROTOTYPES_STATE_VERSION}); upgrade metacog`);
  }
  check(state.dim === dim, `restore: the state has dimension ${state.dim}, the classifier ${dim}`, 'STATE_FORMAT');
  check(Array.isArray(state.examples), 'restore: examples must be an array', 'STATE_FORMAT');
  const h = unwrap(Module.makePrototypeClassifier(dim));
  try {
    for (const [i, e] of state.examples.entries()) {
      check(e && typeof e === 'object', `restore: example ${i} is not an object`, 'STATE_FORMAT');
      checkLabel(e.label, `restore: example ${i}`);
      const x = toVector(e.x, dim, `restore: example ${i}`);
      const w = e.weight ?? 1;
      check(typeof w === 'number' && Number.isFinite(w) && w > 0, `restore: example ${i} has an invalid weight`, 'STATE_FORMAT');
      unwrap(h.addExample(e.label, x, w));
    }
  } catch (err) {
    h.delete();
    if (err instanceof MetacogError && err.code === 'INVALID_ARGUMENT') {
      throw new MetacogError('STATE_FORMAT', err.message);
    }
    throw err;
  }
  return h;
}

function checkDim(dim, what) {
  check(Number.isInteger(dim) && dim >= 1 && dim <= MAX_DIM, `${what}: dim must be an integer from 1 to ${MAX_DIM}, got ${String(dim)}`);
}

/**
 * Factory of the hosted half (Worker or in-process): options { dim, state?, simd?, baseUrl? }.
 * @returns {Promise<PrototypesCore>}
 */
export async function createPrototypesCore(options) {
  check(options && typeof options === 'object', 'createPrototypeClassifier: pass an options object { dim }');
  const { dim } = options;
  checkDim(dim, 'createPrototypeClassifier');
  const Module = await loadModule(options);
  const handle = options.state !== undefined
    ? buildFromState(Module, options.state, dim)
    : unwrap(Module.makePrototypeClassifier(dim));
  return new PrototypesCore(Module, handle, dim);
}

/** The page-side classifier: checks vectors, forwards to the hosted core; plain data only. */
export class PrototypeClassifier extends HostedClassifier {
  /** @param {import('./rpc.js').RemoteObject} remote */
  constructor(remote) {
    super(remote);
    /** @type {number} the vector length */
    this.dim = remote.properties.dim;
  }

  /** Adds one support example of class `label` (weight s > 0, default 1). */
  addExample(label, vector, weight = 1) {
    return callChecked(this._remote, 'addExample', () => {
      checkLabel(label, 'addExample');
      return [label, toVector(vector, this.dim, 'addExample'), weight];
    });
  }
  /** → { label, probabilities: {label: p}, distances: {label: d} } */
  classify(vector) { return callChecked(this._remote, 'classify', () => [toVector(vector, this.dim, 'classify')]); }
}

/**
 * Creates a prototype classifier for vectors of length `dim`, in a dedicated Worker (browser
 * default) or in-process (`worker: false`; the Node default).
 * @param {{dim: number, state?: object, simd?: 'auto'|boolean, baseUrl?: string|URL, worker?: boolean}} options
 *   baseUrl: the folder of the wasm builds (same origin only; default: next to metacog.js)
 * @returns {Promise<PrototypeClassifier>}
 */
export async function createPrototypeClassifier(options) {
  check(options !== null && typeof options === 'object', 'createPrototypeClassifier: pass an options object { dim, state?, simd?, worker? }');
  const { dim, state, simd, worker } = options;
  checkDim(dim, 'createPrototypeClassifier');
  checkSimdOption(simd ?? undefined);  // before a Worker is started; null means 'auto', as for loadModule
  const baseUrl = options.baseUrl ? resolveBase(options.baseUrl).href : undefined;
  // The page compiles the default build while the Worker starts; another folder is the Worker's to load.
  const preload = baseUrl === undefined ? { simd } : undefined;
  const remote = await hostObject({ factory: 'prototypes', options: { dim, state, simd, baseUrl }, worker, preload });
  return new PrototypeClassifier(remote);
}
