// The learner engine as a hosted object (in the Worker, or in-process with worker: false): the
// wasm Engine (learner model + item bank + recommender) plus the learner's store. Every call that
// changes the learner writes the response and the new engine state in one storage transaction
// before it resolves; if the write fails the engine is rolled back, so nothing acknowledged is
// lost and nothing unacknowledged is kept. Learning maths all runs in the engine.
import { MetacogError, check, unwrap } from './errors.js';
import { openStorage } from './storage.js';
import { normalizeResponse, describeValue, isPlainObject } from './storage-records.js';
import { parseDocument } from './storage-document.js';
import { sha256Hex } from './sha256.js';
import { loadModule } from './wasm.js';
import { modelInfo } from './model-bytes.js';

const ms = (seconds) => (seconds === null ? null : seconds * 1000);

function optionalNumber(v, what, lo, hi) {
  if (v === undefined) return NaN;
  check(typeof v === 'number' && Number.isFinite(v) && v > lo && v < hi, `${what} must be a number in (${lo}, ${hi}), got ${describeValue(v)}`);
  return v;
}

function count(v, what, dflt) {
  if (v === undefined) return dflt;
  check(Number.isInteger(v) && v >= 1 && v <= 1000, `${what} must be an integer from 1 to 1000, got ${describeValue(v)}`);
  return v;
}

function goals(v, what) {
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  check(Array.isArray(list) && list.every((g) => typeof g === 'string' && g.length > 0),
    `${what}: goals must be a skill id or an array of skill ids, got ${describeValue(v)}`);
  return list;
}

export class EngineCore {
  constructor(Module, handle, store, modelMeta, bankInfo) {
    this._Module = Module;
    this._h = handle;
    this._store = store;
    this._model = modelMeta;
    this._bank = bankInfo;
    this.simd = Module.flavor === 'simd';
    /** The engine state as last stored (the rollback point; saves one export per observe). */
    this._saved = null;
  }

  _snapshot() {
    if (!this._saved) this._saved = unwrap(this._h.exportState());
    return this._saved;
  }

  _rollback(before) {
    unwrap(this._h.importState(before));
    this._saved = before;
  }

  _live() {
    if (!this._h) throw new MetacogError('DISPOSED', 'this engine was disposed; create a new one');
    return this._h;
  }

  /** One learner response; adapts the model and persists the response with the new state. */
  async observe(response) {
    const h = this._live();
    check(isPlainObject(response), `observe: pass { item, correct, timestamp?, responseTimeMs? }, got ${describeValue(response)}`);
    const r = normalizeResponse({ ...response, timestamp: response.timestamp ?? Date.now() }, 'observe');
    const before = this._snapshot();
    unwrap(h.observe(r.item, r.correct, r.timestamp / 1000));
    const after = unwrap(h.exportState());
    try {
      const saved = await this._store.appendResponse(r, after);
      this._saved = after;
      return { responses: saved.responseCount };
    } catch (err) {
      this._rollback(before);  // the response was not stored: forget it here too
      throw err;
    }
  }

  /** → [{ item, p }] */
  predict(items) {
    const h = this._live();
    const list = typeof items === 'string' ? [items] : items;
    check(Array.isArray(list) && list.every((i) => typeof i === 'string'), `predict: pass an item id or an array of item ids, got ${describeValue(items)}`);
    const p = unwrap(h.predict(list, NaN));
    return list.map((item, k) => ({ item, p: p[k] }));
  }

  /** → [{ skill, mastery, attempts, correct, lastSeen (ms or null) }] */
  mastery() {
    return unwrap(this._live().mastery(NaN)).map((m) => ({ ...m, lastSeen: ms(m.lastSeen) }));
  }

  /** → [{ item, p, skill, mastery, kind, prerequisites, sincePractice (ms or null), reason }] */
  recommend(options = {}) {
    check(isPlainObject(options), 'recommend: pass { count?, target?, masteryThreshold? }');
    const n = count(options.count, 'recommend: count', 5);
    const target = optionalNumber(options.target, 'recommend: target', 0, 1);
    const threshold = optionalNumber(options.masteryThreshold, 'recommend: masteryThreshold', 0, 1);
    return unwrap(this._live().recommend(n, target, threshold, NaN)).map((r) => ({ ...r, sincePractice: ms(r.sincePractice) }));
  }

  /** → [{ skill, mastery, items, reason, estimatedItems, gainPerItem, unlocks, isGoal }] */
  learningPath(options = {}) {
    check(isPlainObject(options), 'learningPath: pass { goals }');
    return unwrap(this._live().learningPath(goals(options.goals, 'learningPath'), NaN));
  }

  /** → [{ resource, score, skill, mastery, need, reason }] */
  recommendResources(options = {}) {
    check(isPlainObject(options), 'recommendResources: pass { count?, goals? }');
    return unwrap(this._live().recommendResources(count(options.count, 'recommendResources: count', 3), goals(options.goals, 'recommendResources'), NaN));
  }

  /** Why the model predicts what it does for an item: logit contributions and recent answers. */
  explain(item) {
    check(typeof item === 'string', `explain: pass an item id, got ${describeValue(item)}`);
    const e = unwrap(this._live().explain(item, NaN));
    return { ...e, recent: e.recent.map((r) => ({ ...r, timestamp: r.timestamp * 1000 })) };
  }

  /** Extra Reptile inner-loop steps on the learner's responses; persisted. */
  async adapt(options = {}) {
    const h = this._live();
    check(isPlainObject(options), 'adapt: pass { steps }');
    const steps = count(options.steps, 'adapt: steps', 1);
    const before = this._snapshot();
    unwrap(h.adapt(steps));
    const after = unwrap(h.exportState());
    try {
      await this._store.writeState(after);
      this._saved = after;
    } catch (err) {
      this._rollback(before);
      throw err;
    }
  }

  /** Everything stored about the learner (versioned JSON document with a checksum). */
  exportLearnerData() {
    this._live();
    return this._store.exportDocument();
  }

  /** Validates a document fully (format, checksum, and that the engine accepts its state), then replaces. */
  async importLearnerData(doc) {
    const h = this._live();
    const parsed = parseDocument(doc);
    const before = this._snapshot();
    if (parsed.record) {
      const r = h.importState(parsed.record.bytes);
      if (r && r.__error) throw new MetacogError('STATE_FORMAT', `importLearnerData: the engine rejects the document's learner state (${r.message})`);
    } else {
      h.reset();
    }
    try {
      await this._store.importDocument(doc);
      this._saved = null;
    } catch (err) {
      this._rollback(before);
      throw err;
    }
    return { responses: parsed.responses.length };
  }

  /** Deletes every trace of the learner (storage and memory); back to the model's prior. */
  async forget() {
    const h = this._live();
    await this._store.forget();
    h.reset();
    this._saved = null;
  }

  info() {
    const h = this._live();
    const i = h.info();
    return {
      version: '0.1.0',
      simd: this.simd,
      model: modelInfo(i.model),
      items: i.items,
      skills: i.skills,
      resources: i.resources,
      responses: h.numResponses(),
      storage: { backend: this._store.backend, persistent: this._store.persistent, warnings: this._store.warnings.slice() },
      // the wasm module's linear memory (shared by the engines and classifiers of one module
      // instance; it grows but never shrinks) and the size of the engine state stored per observe
      memory: { wasmHeapBytes: this._Module.HEAP8.length, stateBytes: this._snapshot().length },
      modelHash: this._model.modelHash,
      itemBankHash: this._bank.itemBankHash,
    };
  }

  dispose() {
    if (this._h) {
      this._h.delete();
      this._h = null;
      this._store.close?.();
    }
  }
}

/**
 * Factory for the host: options { model: Uint8Array, itemBank: object, learnerId?, storage?, simd? }.
 * Restores the stored learner: from the stored state, or — when the model changed and the state no
 * longer loads — by replaying the stored response log (nothing is lost on a model upgrade).
 */
export async function createEngineCore(options) {
  const Module = await loadModule({ simd: options.simd ?? 'auto' });
  const bankText = JSON.stringify(options.itemBank);
  const handle = unwrap(Module.makeEngine(options.model, bankText));
  let store;
  try {
    const modelHash = `sha256:${await sha256Hex(options.model)}`;
    const itemBankHash = `sha256:${await sha256Hex(new TextEncoder().encode(bankText))}`;
    const info = handle.info();
    store = await openStorage({
      learnerId: options.learnerId ?? 'default',
      backend: options.storage,
      meta: { modelId: `${info.model.algo}:${info.model.trained_on}`.slice(0, 256), modelHash, itemBankHash },
    });
    const loaded = await store.load();
    if (loaded.state) {
      const r = handle.importState(loaded.state);
      if (r && r.__error) {
        // e.g. a model upgrade: rebuild the learner from the response log, then store the new state
        for (const resp of await store.responses()) {
          const o = handle.observe(resp.item, resp.correct, resp.timestamp / 1000);
          if (o && o.__error && o.__error !== 'UNKNOWN_ITEM') unwrap(o);
        }
        await store.writeState(unwrap(handle.exportState()));
      }
    }
    return new EngineCore(Module, handle, store, { modelHash }, { itemBankHash });
  } catch (err) {
    handle.delete();
    store?.close?.();
    throw err;
  }
}
