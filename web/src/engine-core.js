// The learner engine as a hosted object (in the Worker, or in-process with worker: false): the
// wasm Engine (learner model + item bank + recommender) plus the learner's store. Every call that
// changes the learner writes the response and the new engine state in one storage transaction
// before it resolves; if the write fails the engine is rolled back, so nothing acknowledged is
// lost and nothing unacknowledged is kept. Learning maths all runs in the engine.
//
// Several engines on one learner (two tabs, or two createEngine calls): each write names the
// stored revision this engine's state was built on; if another engine wrote since, the write is
// refused (nothing stored), this engine reloads the learner from storage and applies the call
// again on top. So no engine ever overwrites another's answers, and a forget() in one tab is not
// undone by a stale engine in another. In browsers the engines of one learner also announce their
// writes on a BroadcastChannel, and an engine that hears of another's write reloads the learner
// before its next call, so reads (predict, mastery, …) follow answers given in another tab.
//
// The revision check relies on one invariant: an engine whose learner has anything in it knows a
// stored state's revision. Revision null means "nothing stored", and only an engine holding the
// empty learner may write on it. So every path that fills the learner stores a state at once —
// an import stores the document's state, or the one rebuilt from its log, with the log in one
// transaction — and a state stored before revisions existed has one derived from its contents
// (storage-backend.js revisionOf).
import { MetacogError, check, unwrap } from './errors.js';
import { databaseName, openStorage } from './storage.js';
import { normalizeResponse, describeValue, isPlainObject } from './storage-records.js';
import { parseDocument } from './storage-document.js';
import { sha256HexAsync } from './sha256.js';
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
    /** The stored revision this engine's state corresponds to (null: no state stored). */
    this._revision = null;
    /** Another engine on this learner announced a write this engine has not loaded yet. */
    this._stale = false;
    this._channel = null;
  }

  /**
   * Listens for other engines' writes on this learner (other tabs, other Workers): a
   * BroadcastChannel per learner database, browsers only (IndexedDB backend). Each engine announces
   * the revision it stored; an engine that hears another revision than its own reloads the learner
   * before its next call, so reads in one tab follow answers given in another.
   */
  _watch() {
    if (this._store.backend !== 'indexeddb' || typeof BroadcastChannel !== 'function') return;
    this._channel = new BroadcastChannel(databaseName(this._store.learnerId));
    this._channel.onmessage = (e) => {
      // null: the learner was forgotten (and maybe written again since): always reload
      if (e.data && (e.data.revision === null || e.data.revision !== this._revision)) this._stale = true;
    };
  }

  _announce() {
    this._channel?.postMessage({ revision: this._revision });
  }

  /** Reloads the learner from storage (restoreLearner); on a failure the engine keeps its state. */
  async _reload() {
    const before = this._snapshot();
    let revision;
    try {
      revision = await restoreLearner(this._h, this._store);
    } catch (err) {
      this._rollback(before);
      throw err;
    }
    this._revision = revision;
    this._saved = null;
    // a state rebuilt here is not announced: two tabs on two model versions (a deploy) would then
    // rebuild on every read in turn; the other engines find it at their next write (a conflict)
  }

  /**
   * Reloads the learner if another engine wrote since; if that fails, keeps the state it has
   * (reads stay served; the next write reloads or reports the problem).
   */
  async _fresh() {
    const h = this._live();
    if (this._stale) {
      this._stale = false;
      await this._reload().catch(() => { this._stale = true; });
    }
    return h;
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

  /**
   * Applies `change` to the engine and stores the result with `write(stateBytes, expectRevision)`;
   * on any failure the engine is rolled back. When the write is refused because another engine
   * wrote first, reloads the learner from storage and tries again (a few times).
   */
  async _mutate(change, write) {
    await this._fresh();
    for (let attempt = 1; ; attempt++) {
      const h = this._live();
      const before = this._snapshot();
      let result;
      let after;
      let saved;
      try {
        result = change(h);  // throws on bad input (having changed nothing, but rolled back anyway)
        after = unwrap(h.exportState());
        saved = await write(after, this._revision);
      } catch (err) {
        this._rollback(before);  // not stored: forget it here too
        if (!(err && err.conflict && attempt < MAX_ATTEMPTS)) throw err;
        await this._reload();  // another engine wrote first: load its learner, apply again on top
        continue;
      }
      this._saved = after;
      this._revision = saved.revision;
      this._announce();
      return { result, saved };
    }
  }

  /**
   * One learner response; adapts the model and persists the response with the new state.
   * → { responses: how many are stored, timestamp: the response's, as stored (ms) }. A timestamp
   * the caller leaves out is now, but never before the learner's latest answer (a clock set back,
   * or answers imported from a device whose clock ran ahead, must not make every answer fail).
   */
  async observe(response) {
    this._live();
    check(isPlainObject(response), `observe: pass { item, correct, timestamp?, responseTimeMs? }, got ${describeValue(response)}`);
    const defaulted = response.timestamp == null;
    let r = normalizeResponse({ ...response, timestamp: response.timestamp ?? Date.now() }, 'observe');
    // a timestamp in the future would hold back every later one (they must not go backwards)
    check(defaulted || r.timestamp <= Date.now() + DAY_MS,
      `observe: the timestamp ${r.timestamp} is more than a day after this device's clock (${new Date().toISOString()}); pass milliseconds since 1970 (Date.now()), or leave it out`);
    const { saved } = await this._mutate(
      (h) => {
        // stamped against the learner as loaded now (a retry after another engine's write reloads it)
        if (defaulted) r = { ...r, timestamp: notBefore(Date.now(), h.lastTimestamp()) };
        return unwrap(h.observe(r.item, r.correct, r.timestamp / 1000));
      },
      (after, expectRevision) => this._store.appendResponse(r, after, { expectRevision }));
    return { responses: saved.responseCount, timestamp: r.timestamp };
  }

  /** → [{ item, p }] */
  async predict(items) {
    const h = await this._fresh();
    const list = typeof items === 'string' ? [items] : items;
    check(Array.isArray(list) && list.every((i) => typeof i === 'string'), `predict: pass an item id or an array of item ids, got ${describeValue(items)}`);
    const p = unwrap(h.predict(list, NaN));
    return list.map((item, k) => ({ item, p: p[k] }));
  }

  /** → [{ skill, mastery, attempts, correct, lastSeen (ms or null) }] */
  async mastery() {
    await this._fresh();
    return unwrap(this._live().mastery(NaN)).map((m) => ({ ...m, lastSeen: ms(m.lastSeen) }));
  }

  /** → [{ item, p, skill, mastery, kind, prerequisites, sincePractice (ms or null), reason }] */
  async recommend(options = {}) {
    await this._fresh();
    check(isPlainObject(options), 'recommend: pass { count?, target?, masteryThreshold? }');
    const n = count(options.count, 'recommend: count', 5);
    const target = optionalNumber(options.target, 'recommend: target', 0, 1);
    const threshold = optionalNumber(options.masteryThreshold, 'recommend: masteryThreshold', 0, 1);
    return unwrap(this._live().recommend(n, target, threshold, NaN)).map((r) => ({ ...r, sincePractice: ms(r.sincePractice) }));
  }

  /** → [{ skill, mastery, items, reason, estimatedItems, gainPerItem, unlocks, isGoal }] */
  async learningPath(options = {}) {
    await this._fresh();
    check(isPlainObject(options), 'learningPath: pass { goals }');
    return unwrap(this._live().learningPath(goals(options.goals, 'learningPath'), NaN));
  }

  /** → [{ resource, score, skill, mastery, need, reason }] */
  async recommendResources(options = {}) {
    await this._fresh();
    check(isPlainObject(options), 'recommendResources: pass { count?, goals? }');
    return unwrap(this._live().recommendResources(count(options.count, 'recommendResources: count', 3), goals(options.goals, 'recommendResources'), NaN));
  }

  /** Why the model predicts what it does for an item: logit contributions and recent answers. */
  async explain(item) {
    await this._fresh();
    check(typeof item === 'string', `explain: pass an item id, got ${describeValue(item)}`);
    const e = unwrap(this._live().explain(item, NaN));
    return { ...e, recent: e.recent.map((r) => ({ ...r, timestamp: r.timestamp * 1000 })) };
  }

  /** Extra Reptile inner-loop steps on the learner's responses; persisted. */
  async adapt(options = {}) {
    this._live();
    check(isPlainObject(options), 'adapt: pass { steps }');
    const steps = count(options.steps, 'adapt: steps', 1);
    await this._mutate((h) => unwrap(h.adapt(steps)),
      (after, expectRevision) => this._store.writeState(after, undefined, { expectRevision }));
  }

  /** Everything stored about the learner (versioned JSON document with a checksum). */
  exportLearnerData() {
    this._live();
    return this._store.exportDocument();
  }

  /**
   * Validates a document fully (format, checksum, and that the engine accepts its state — or, for
   * a document with a response log and no state, every response of the log), then replaces.
   */
  async importLearnerData(doc) {
    const h = this._live();
    const parsed = parseDocument(doc);
    const before = this._snapshot();
    // The document's state is used as start-up uses a stored one (restoreLearner): when this model
    // reads it and wrote it; otherwise the learner is rebuilt from the document's response log.
    let rebuild = !parsed.record;
    if (parsed.record) {
      const r = h.importState(parsed.record.bytes);  // on an error the engine is unchanged
      if (r && r.__error && (r.__error === 'STATE_VERSION' || parsed.responses.length === 0)) {
        throw new MetacogError(r.__error === 'STATE_VERSION' ? 'STATE_VERSION' : 'STATE_FORMAT',
          `importLearnerData: the engine rejects the document's learner state (${r.message})`);
      }
      rebuild = !!(r && r.__error) || writtenForAnotherModel(parsed.record, this._model.modelHash);
    }
    if (rebuild) {
      h.reset();
      const { first } = replay(h, parsed.responses);
      if (first) {
        this._rollback(before);
        throw new MetacogError('STATE_FORMAT', `importLearnerData: the engine rejects response ${first.index} of the document's log (${first.message})`);
      }
    }
    // The document's log is stored with a state in one transaction, never without one: the
    // document's own as it was given (so export → import → export round-trips), or, when the
    // engine rebuilt the learner from the log, the rebuilt state.
    let stored;
    try {
      stored = await this._store.importDocument(doc, rebuild ? { state: unwrap(h.exportState()) } : {});
    } catch (err) {
      this._rollback(before);
      throw err;
    }
    this._saved = null;
    this._revision = stored.revision;
    this._stale = false;
    this._announce();
    return { responses: parsed.responses.length };
  }

  /** Deletes every trace of the learner (storage and memory); back to the model's prior. */
  async forget() {
    const h = this._live();
    await this._store.forget();
    h.reset();
    this._saved = null;
    this._revision = null;
    this._stale = false;
    this._announce();  // revision null: every other engine on this learner reloads
  }

  async info() {
    const h = await this._fresh();
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
      this._channel?.close();
      this._channel = null;
      this._h.delete();
      this._h = null;
      this._store.close?.();
    }
  }
}

const MAX_ATTEMPTS = 4;
const DAY_MS = 24 * 3600 * 1000;

/**
 * `now` (ms), or the earliest ms the engine accepts after an answer at `lastSeconds` (null: none
 * yet) when the clock is behind it. The engine compares seconds (ms / 1000, as observe and replay
 * pass them), so the result is checked in seconds: ms → s → ms need not round-trip exactly.
 */
function notBefore(now, lastSeconds) {
  if (lastSeconds === null || now / 1000 >= lastSeconds) return now;
  let t = Math.ceil(lastSeconds * 1000);
  if (t / 1000 < lastSeconds) t += 1;
  return t;
}

/**
 * Replays responses into the engine in order, skipping items the item bank no longer has and any
 * response the engine refuses. → { refused: how many were refused, first: { index, message } of
 * the first refused, or null }.
 */
function replay(h, responses) {
  let refused = 0;
  let first = null;
  responses.forEach((resp, index) => {
    const o = h.observe(resp.item, resp.correct, resp.timestamp / 1000);
    if (o && o.__error && o.__error !== 'UNKNOWN_ITEM') {
      refused++;
      first ??= { index, message: o.message };
    }
  });
  return { refused, first };
}

/**
 * Whether a learner state was written by an engine with another model than `modelHash`: its fast
 * weights and contexts were fitted to that model's meta-parameters, so they mean nothing to this
 * one even when the shapes match (a retrained model of the same architecture). A state without a
 * hash (migrated from storage schema v1) is not evidence either way: the engine decides.
 * @param {{modelHash: string|null}} record
 * @param {string} modelHash
 */
function writtenForAnotherModel(record, modelHash) {
  return record.modelHash != null && record.modelHash !== modelHash;
}

/**
 * Loads the stored learner into the engine handle and returns the revision it corresponds to
 * (null: nothing stored). The stored state is used when the engine accepts it and this model
 * wrote it; a state from a newer metacog is refused (STATE_VERSION: replaying over it would lose
 * what it holds); otherwise — no state (a log-only store), a state the model no longer reads, or
 * one another model wrote (a model upgrade) — the response log is replayed and the rebuilt state
 * stored. Responses the engine refuses during a rebuild are skipped with a warning (the log itself
 * is kept as it is).
 */
async function restoreLearner(h, store) {
  for (let attempt = 1; ; attempt++) {
    const loaded = await store.load();
    h.reset();
    if (loaded.state) {
      const r = h.importState(loaded.state);
      if (r && r.__error === 'STATE_VERSION') {
        throw new MetacogError('STATE_VERSION', `the stored learner state was written by a newer metacog (${r.message}); ` +
          'nothing was changed. Use the newer version of the page, or export the learner data there.');
      }
      if (!(r && r.__error) && !writtenForAnotherModel(loaded.meta, store.meta.modelHash)) return loaded.revision;
      h.reset();
    }
    const responses = await store.responses();
    if (!loaded.state && responses.length === 0) return loaded.revision;
    const { refused } = replay(h, responses);
    if (refused > 0) store._warn(`rebuilding the learner from its response log skipped ${refused} response(s) the engine refuses; the log is kept unchanged`);
    try {
      const saved = await store.writeState(unwrap(h.exportState()), undefined, { expectRevision: loaded.revision });
      return saved.revision;
    } catch (err) {
      if (!(err && err.conflict && attempt < MAX_ATTEMPTS)) throw err;
    }
  }
}

/**
 * Factory for the host: options { model: Uint8Array, itemBank: object, learnerId?, storage?, simd? }.
 * Restores the stored learner (restoreLearner: its state, or a replay of its response log when
 * there is no state or the model no longer reads it — nothing is lost on a model upgrade).
 */
export async function createEngineCore(options) {
  const Module = await loadModule({ simd: options.simd ?? 'auto' });
  let bankText;
  try {
    bankText = JSON.stringify(options.itemBank);
  } catch (err) {
    throw new MetacogError('ITEM_BANK', `createEngine: the item bank is not JSON data (${err && err.message}); pass the parsed JSON document`, { cause: err });
  }
  const handle = unwrap(Module.makeEngine(options.model, bankText));
  let store;
  try {
    const [modelDigest, bankDigest] = await Promise.all([sha256HexAsync(options.model), sha256HexAsync(new TextEncoder().encode(bankText))]);
    const modelHash = `sha256:${modelDigest}`;
    const itemBankHash = `sha256:${bankDigest}`;
    const info = handle.info();
    store = await openStorage({
      learnerId: options.learnerId ?? 'default',
      backend: options.storage,
      meta: { modelId: `${info.model.algo}:${info.model.trained_on}`.slice(0, 256), modelHash, itemBankHash },
    });
    const revision = await restoreLearner(handle, store);
    const core = new EngineCore(Module, handle, store, { modelHash }, { itemBankHash });
    core._revision = revision;
    core._watch();
    core._announce();  // a start-up that rebuilt and stored the learner is news to other engines
    return core;
  } catch (err) {
    handle.delete();
    store?.close?.();
    throw err;
  }
}
