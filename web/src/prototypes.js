// Prototype classification over vectors (embeddings) — the JS face of metacog/prototypes.hpp.
//   c_k = Σ s_i x_i / Σ s_i,   p(k | x) = softmax_k(−‖x − c_k‖²)
// The maths runs in the engine (wasm); this file validates arguments and converts values.
import { MetacogError, check, unwrap } from './errors.js';
import { loadModule } from './wasm.js';

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

/** A prototype classifier over fixed-length vectors. Create with createPrototypeClassifier. */
export class PrototypeClassifier {
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

/**
 * Creates a prototype classifier for vectors of length `dim`.
 * @param {{dim: number, state?: object, simd?: 'auto'|boolean, baseUrl?: string}} options
 */
export async function createPrototypeClassifier(options) {
  check(options && typeof options === 'object', 'createPrototypeClassifier: pass an options object { dim }');
  const { dim } = options;
  check(Number.isInteger(dim) && dim >= 1 && dim <= MAX_DIM, `createPrototypeClassifier: dim must be an integer from 1 to ${MAX_DIM}, got ${String(dim)}`);
  const Module = await loadModule(options);
  const handle = options.state !== undefined
    ? buildFromState(Module, options.state, dim)
    : unwrap(Module.makePrototypeClassifier(dim));
  return new PrototypeClassifier(Module, handle, dim);
}
