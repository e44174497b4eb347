// Few-shot classification of drawings: the JS face of metacog/sketch.hpp.
//
//   const sketch = await createSketchClassifier({ model: '/models/omniglot-protonet.safetensors' });
//   await sketch.addExample('alpha', canvas);           // ImageData | canvas | Float32Array(28*28) | Uint8Array
//   const { label, probabilities, distances, top } = await sketch.classify(canvas);
//   const state = await sketch.serialize();              // JSON; createSketchClassifier({ model, state })
//
// The classifier runs in a Worker in browsers (worker: false to keep it in the page) and in-process
// under Node. Embedding, preprocessing (centre, scale, resize to 28×28 as Omniglot was) and the
// prototype maths all run in the engine; this file converts pixels and validates arguments.
import { MetacogError, adoptPromises, check, settled, unwrap } from './errors.js';
import { checkModelSource, modelBytes, modelInfo } from './model-bytes.js';
import { describe } from './prototypes.js';
import { HostedClassifier } from './hosted-classifier.js';
import { callChecked, hostObject } from './rpc.js';
import { toInk } from './sketch-image.js';
import { loadModule } from './wasm.js';

export const SKETCH_STATE_KIND = 'metacog-sketch';
export const SKETCH_STATE_VERSION = 1;

const MAX_LABEL_LENGTH = 200;
const isLabel = (label) => typeof label === 'string' && label.length > 0 && label.length <= MAX_LABEL_LENGTH;

function checkLabel(label, what) {
  check(isLabel(label), `${what}: the label must be a non-empty string (≤ ${MAX_LABEL_LENGTH} characters), got ${describe(label)}`);
}

/** The hosted object (in the Worker or in-process): owns the wasm classifier. */
export class SketchCore {
  constructor(Module, handle) {
    this._Module = Module;
    this._h = handle;
    this.imageSize = handle.imageSize();
    this.embeddingDim = handle.embeddingDim();
    this.flavor = Module.flavor;
  }

  _input({ ink, h, w, ready }) {
    check(ink instanceof Float32Array && Number.isInteger(h) && Number.isInteger(w) && ink.length === h * w,
      'sketch: internal image format');
    return ready ? ink : unwrap(this._h.preprocess(ink, h, w));
  }

  /** The 28×28 model input of a drawing (what the network sees). */
  preprocess(image) { return this._input(image); }

  addExample(label, image, weight = 1) {
    checkLabel(label, 'addExample');
    check(typeof weight === 'number' && Number.isFinite(weight) && weight > 0,
      `addExample: the weight must be a finite number > 0, got ${String(weight)}`);
    unwrap(this._h.addExample(label, this._input(image), weight));
  }

  classify(image) {
    check(this._h.classes().length > 0, 'classify: add examples of at least one class first', 'INVALID_STATE');
    const r = unwrap(this._h.classify(this._input(image)));
    const probabilities = {};
    const distances = {};
    r.labels.forEach((l, k) => {
      probabilities[l] = r.probabilities[k];
      distances[l] = r.distances[k];
    });
    const top = r.labels.map((l, k) => ({ label: l, p: r.probabilities[k] }))
      .sort((a, b) => b.p - a.p).slice(0, 3);
    return { label: r.label, probabilities, distances, top };
  }

  removeClass(label) {
    checkLabel(label, 'removeClass');
    unwrap(this._h.removeClass(label));
  }

  clear() { this._h.clear(); }

  classes() { return this._h.classes(); }

  counts() {
    const out = {};
    for (const l of this._h.classes()) out[l] = this._h.count(l);
    return out;
  }

  info() {
    return { simd: this.flavor === 'simd', imageSize: this.imageSize, embeddingDim: this.embeddingDim,
      model: modelInfo(this._h.metadata()) };
  }

  serialize() {
    const examples = this._h.examples().map((e) => ({ label: e.label, weight: e.weight, x: Array.from(e.x, (v) => Math.round(v * 1e6) / 1e6) }));
    return { kind: SKETCH_STATE_KIND, version: SKETCH_STATE_VERSION, imageSize: this.imageSize, examples };
  }

  /** Replaces every class with those of a serialized state; validates it all first. */
  restore(state) {
    const examples = validateState(state, this.imageSize);
    const fresh = this._h.examples();  // keep for rollback
    this._h.clear();
    try {
      for (const e of examples) unwrap(this._h.addExample(e.label, e.x, e.weight));
    } catch (err) {
      this._h.clear();
      for (const e of fresh) this._h.addExample(e.label, e.x, e.weight);
      throw err;
    }
  }

  dispose() {
    if (this._h) { this._h.delete(); this._h = null; }
  }
}

function validateState(state, side) {
  check(state !== null && typeof state === 'object', 'restore: the state must be an object from serialize()', 'STATE_FORMAT');
  check(state.kind === SKETCH_STATE_KIND, `restore: not a sketch-classifier state (kind ${String(state.kind)})`, 'STATE_FORMAT');
  check(Number.isInteger(state.version) && state.version >= 1, 'restore: missing state version', 'STATE_FORMAT');
  if (state.version > SKETCH_STATE_VERSION) {
    throw new MetacogError('STATE_VERSION', `restore: state version ${state.version} is newer than this library reads (${SKETCH_STATE_VERSION}); upgrade metacog`);
  }
  check(state.imageSize === side, `restore: the state is for ${state.imageSize}×${state.imageSize} images, the model takes ${side}×${side}`, 'STATE_FORMAT');
  check(Array.isArray(state.examples), 'restore: examples must be an array', 'STATE_FORMAT');
  return state.examples.map((e, i) => {
    check(e && typeof e === 'object' && isLabel(e.label),
      `restore: example ${i} needs a label, a non-empty string of at most ${MAX_LABEL_LENGTH} characters`, 'STATE_FORMAT');
    check(typeof e.weight === 'number' && Number.isFinite(e.weight) && e.weight > 0, `restore: example ${i} has a bad weight`, 'STATE_FORMAT');
    check(Array.isArray(e.x) && e.x.length === side * side, `restore: example ${i} must hold ${side * side} pixels`, 'STATE_FORMAT');
    const x = Float32Array.from(e.x);
    for (let j = 0; j < x.length; j++) {
      check(typeof e.x[j] === 'number' && Number.isFinite(x[j]) && x[j] >= 0 && x[j] <= 1, `restore: example ${i} pixel ${j} is not in [0, 1]`, 'STATE_FORMAT');
    }
    return { label: e.label, weight: e.weight, x };
  });
}

/** Factory used by the Worker host and the in-process path: options { model: Uint8Array, state?, simd? }. */
export async function createSketchCore(options) {
  const Module = await loadModule({ simd: options.simd ?? 'auto' });
  const handle = unwrap(Module.makeSketchClassifier(options.model));
  const core = new SketchCore(Module, handle);
  if (options.state !== undefined) {
    try {
      core.restore(options.state);
    } catch (err) {
      core.dispose();
      throw err;
    }
  }
  return core;
}

/** The page-side classifier: converts images, forwards to the hosted core. */
export class SketchClassifier extends HostedClassifier {
  constructor(remote) {
    super(remote);
    this.imageSize = remote.properties.imageSize;
    this.embeddingDim = remote.properties.embeddingDim;
  }

  _image(image, what) { return toInk(image, this.imageSize, what); }

  /** Adds a drawing as an example of `label` (weight > 0, default 1). */
  addExample(label, image, weight = 1) { return callChecked(this._remote, 'addExample', () => [label, this._image(image, 'addExample'), weight]); }
  /** → { label, probabilities: {label: p}, distances: {label: d}, top: [{label, p}] (best 3) } */
  classify(image) { return callChecked(this._remote, 'classify', () => [this._image(image, 'classify')]); }
  /** The model input (Float32Array of imageSize² values, ink = 1) the network sees for a drawing. */
  preprocess(image) { return callChecked(this._remote, 'preprocess', () => [this._image(image, 'preprocess')]); }
  /** { simd, imageSize, embeddingDim, model }: the build and the embedding model in use. */
  info() { return this._remote.call('info'); }
}

/**
 * @param {{model: string|URL|ArrayBuffer|Uint8Array, state?: object, simd?: 'auto'|boolean, worker?: boolean}} options
 * @returns {Promise<SketchClassifier>}
 */
export async function createSketchClassifier(options) {
  check(options !== null && typeof options === 'object', 'createSketchClassifier: pass { model, state?, simd?, worker? }');
  const { state, simd } = options;
  adoptPromises(options.model);
  checkModelSource(options.model, 'createSketchClassifier');  // before a Worker is started
  const loading = settled(options.model, 'createSketchClassifier: model')
    .then((m) => modelBytes(m, 'createSketchClassifier'))
    .then((model) => ({ model, state, simd }));
  const remote = await hostObject({ factory: 'sketch', options: loading, worker: options.worker, preload: { simd } });
  return new SketchClassifier(remote);
}
