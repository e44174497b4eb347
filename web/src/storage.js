// Persistence of one learner's data: the append-only log of responses and the engine's learner
// state (opaque versioned bytes) with its metadata, behind one interface with two backends —
// IndexedDB in browsers, memory under Node and as the fallback when IndexedDB is unavailable.
//
//   const store = await openStorage({ learnerId: 'ana', meta: { modelId, modelHash, itemBankHash } });
//   const { state } = await store.load();                 // Uint8Array | null
//   await store.appendResponse(response, engineStateBytes); // one transaction: log + state
//   const doc = await store.exportDocument();              // versioned JSON, everything stored
//   await store.importDocument(doc);                       // validated whole, then replaces atomically
//   await store.forget();                                  // deletes the database
//
// Every call validates its arguments before touching storage, and every write is all or nothing,
// so a rejected call (MetacogError INVALID_ARGUMENT, STATE_FORMAT, STATE_VERSION, STORAGE, …)
// leaves the stored data exactly as it was. Calls on one store run one after another.
//
// Several writers (two tabs, two engines on one learner): every stored state carries a random
// `revision`. A write passed `{ expectRevision }` (the revision last read or written, null for
// none) is made only if the stored revision is still that one, checked inside the write's own
// transaction; otherwise it rejects with a MetacogError STORAGE whose `conflict` is true, and
// nothing is written — the caller reloads and retries (the engine does). Without
// `expectRevision` a write is unconditional (last writer wins).
//
// Partitioned storage: inside a cross-site iframe, browsers key IndexedDB by the top-level site
// too (Chromium storage partitioning): the same widget embedded on two sites has two separate
// learner databases. See docs/storage.md — offer export/import; a Storage Access API handle's
// `indexedDB` can be passed as the `indexedDB` option of a store opened on the page (not to
// createEngine, whose store lives in its Worker).
import { MetacogError, check } from './errors.js';
import { revisionOf, toStorageError } from './storage-backend.js';
import { buildDocument, parseDocument } from './storage-document.js';
import { IdbBackend } from './storage-idb.js';
import { MemoryBackend } from './storage-memory.js';
import { copyStateBytes, describeValue, normalizeModelMeta, normalizeResponse } from './storage-records.js';
import { isNode } from './env.js';

export { SCHEMA_VERSION } from './storage-backend.js';
export { DOCUMENT_FORMAT, DOCUMENT_VERSION } from './storage-document.js';


/**
 * The IndexedDB database (and memory store) name of a learner.
 * @param {string} learnerId
 * @returns {string}
 */
export function databaseName(learnerId) {
  return `metacog-learner:${learnerId}`;
}

/** One learner's persisted data. Create with openStorage(). Emits 'warning' events. */
export class LearnerStore extends EventTarget {
  /** @param {string} learnerId @param {object} meta normalised model metadata */
  constructor(learnerId, meta) {
    super();
    /** @type {string} */
    this.learnerId = learnerId;
    /** @type {{message: string, code: string}[]} every warning so far (also sent as 'warning' events) */
    this.warnings = [];
    this._meta = meta;
    this._backend = null;
    this._tail = Promise.resolve();
    this._closed = false;
  }

  /** @returns {'indexeddb'|'memory'} the backend in use */
  get backend() { return this._backend.kind; }

  /** @returns {boolean} whether the data survives a reload (false for memory) */
  get persistent() { return this._backend.persistent; }

  /** @returns {{modelId: string|null, modelHash: string|null, itemBankHash: string|null}} stamped on writes */
  get meta() { return { ...this._meta }; }

  _warn(message) {
    const detail = { code: 'STORAGE', message };
    this.warnings.push(detail);
    this.dispatchEvent(new CustomEvent('warning', { detail }));
  }

  /** Runs `fn` after every earlier call of this store; maps failures to MetacogError. */
  _serial(what, fn) {
    if (this._closed) return Promise.reject(new MetacogError('DISPOSED', `${what}: this learner store was closed; open a new one with openStorage()`));
    const run = this._tail.then(fn).catch((err) => { throw toStorageError(err, what); });
    this._tail = run.catch(() => {});
    return run;
  }

  /**
   * The stored learner state and its metadata.
   * @returns {Promise<{state: Uint8Array|null, meta: object|null, responseCount: number, revision: string|null}>}
   *   meta: { modelId, modelHash, itemBankHash, updatedAt, responseCount, schemaVersion, revision } or null;
   *   revision: the stored state's revision (null without a state), for `expectRevision`
   */
  load() {
    return this._serial('load', async () => {
      const record = await this._backend.readRecord();
      if (!record) return { state: null, meta: null, responseCount: (await this._backend.readResponses()).length, revision: null };
      const { bytes, ...meta } = record;
      return { state: bytes, meta, responseCount: record.responseCount, revision: revisionOf(record) };
    });
  }

  /**
   * The response log, oldest first.
   * @returns {Promise<{item: string, correct: boolean, timestamp: number, responseTimeMs: number|null}[]>}
   */
  responses() {
    return this._serial('responses', () => this._backend.readResponses());
  }

  /**
   * Appends one response and stores the engine state that includes it, in ONE transaction.
   * Resolves once both are durable; on failure neither is written.
   * @param {{item: string, correct: boolean, timestamp: number, responseTimeMs?: number|null}} response
   * @param {Uint8Array} stateBytes the engine's learner state after observing `response`
   * @param {{expectRevision?: string|null}} [options] write only if the stored state's revision is
   *   still this one (null: no state stored); otherwise reject with `conflict: true`
   * @returns {Promise<{responseCount: number, updatedAt: number, revision: string}>}
   */
  async appendResponse(response, stateBytes, options = {}) {
    const r = normalizeResponse(response, 'appendResponse');
    const bytes = copyStateBytes(stateBytes, 'appendResponse');
    const expect = expectedRevision(options, 'appendResponse');
    return this._serial('appendResponse', async () => {
      const stored = await this._backend.append(r, { bytes, ...this._meta, updatedAt: Date.now() }, expect);
      return { responseCount: stored.responseCount, updatedAt: stored.updatedAt, revision: stored.revision };
    });
  }

  /**
   * Stores a new learner state without a response (e.g. after adapt()), optionally with new
   * model metadata, which then applies to later writes too.
   * @param {Uint8Array} stateBytes
   * @param {{modelId?: string|null, modelHash?: string|null, itemBankHash?: string|null}} [meta]
   * @param {{expectRevision?: string|null}} [options] as for appendResponse
   * @returns {Promise<{responseCount: number, updatedAt: number, revision: string}>}
   */
  async writeState(stateBytes, meta, options = {}) {
    const bytes = copyStateBytes(stateBytes, 'writeState');
    const m = meta === undefined ? this._meta : normalizeModelMeta(meta, 'writeState');
    const expect = expectedRevision(options, 'writeState');
    return this._serial('writeState', async () => {
      const stored = await this._backend.putRecord({ bytes, ...m, updatedAt: Date.now() }, expect);
      this._meta = m;
      return { responseCount: stored.responseCount, updatedAt: stored.updatedAt, revision: stored.revision };
    });
  }

  /**
   * Everything stored about the learner as a versioned JSON document (see storage-document.js):
   * state as base64 with its sha256, responses, metadata, and a checksum over it all.
   * @returns {Promise<object>}
   */
  exportDocument() {
    return this._serial('exportDocument', async () => {
      const { record, responses } = await this._backend.readSnapshot();
      return buildDocument({ learnerId: this.learnerId, record, responses });
    });
  }

  /**
   * Replaces everything stored with the content of a learner-data document (object or JSON
   * text), after validating all of it: a newer version → STATE_VERSION, anything malformed,
   * inconsistent or tampered with → STATE_FORMAT, and nothing is changed.
   * @param {object|string} doc
   * @param {{state?: Uint8Array}} [options] state: the learner state to store with the document's
   *   log instead of the document's own (an engine's, after it read or rebuilt the document; it is
   *   stamped with this store's model metadata), in the same transaction
   * @returns {Promise<{learnerId: string, responseCount: number, hasState: boolean, revision: string|null}>}
   *   learnerId: the id the document was exported under; revision: the new state's (null without one)
   */
  async importDocument(doc, options = {}) {
    check(options !== null && typeof options === 'object', `importDocument: options must be an object, got ${describeValue(options)}`);
    const state = options.state === undefined ? undefined : copyStateBytes(options.state, 'importDocument');
    const parsed = parseDocument(doc);
    const record = state ? { bytes: state, ...this._meta, updatedAt: Date.now() } : parsed.record;
    return this._serial('importDocument', async () => {
      const stored = await this._backend.replace(record, parsed.responses);
      return { learnerId: parsed.learnerId, responseCount: parsed.responses.length, hasState: !!record, revision: revisionOf(stored) };
    });
  }

  /**
   * Deletes the learner's database (every response and state). The store stays usable and
   * starts empty.
   * @returns {Promise<void>}
   */
  forget() {
    return this._serial('forget', () => this._backend.destroy());
  }

  /** Closes the store; later calls reject with DISPOSED. Stored data is kept. */
  close() {
    if (this._closed) return;
    this._closed = true;
    this._tail.then(() => this._backend.close());
  }
}

function expectedRevision(options, what) {
  check(options !== null && typeof options === 'object', `${what}: options must be an object, got ${describeValue(options)}`);
  const { expectRevision } = options;
  check(expectRevision === undefined || expectRevision === null || (typeof expectRevision === 'string' && expectRevision.length > 0),
    `${what}: expectRevision must be a revision string, null or absent, got ${describeValue(expectRevision)}`);
  return expectRevision;
}

function indexedDbFactory(explicit) {
  if (explicit !== undefined) return { factory: explicit, reason: explicit ? null : 'the indexedDB option is null' };
  try {
    const factory = globalThis.indexedDB;
    return { factory, reason: factory ? null : 'IndexedDB is not available in this environment' };
  } catch (err) {
    return { factory: null, reason: `IndexedDB is not accessible here (${err && err.name}: ${err && err.message})` };
  }
}

async function chooseBackend(store, options) {
  const name = databaseName(store.learnerId);
  const requested = options.backend ?? (isNode ? 'memory' : 'indexeddb');
  if (requested === 'memory') return new MemoryBackend(name, options);
  const { factory, reason } = indexedDbFactory(options.indexedDB);
  let why = reason;
  if (factory) {
    const idb = new IdbBackend(factory, name, { onWarning: (m) => store._warn(m) });
    try {
      await idb.open();
      return idb;
    } catch (err) {
      // A newer schema or a full disk is not "unavailable": falling back would hide the data.
      // Nor is a failed migration (a MetacogError from the backend).
      if (err instanceof MetacogError || (err && (err.name === 'VersionError' || err.name === 'QuotaExceededError'))) throw toStorageError(err, 'openStorage');
      why = `IndexedDB could not be opened (${err && err.name}: ${err && err.message})`;
    }
  }
  const message = `${why}; learner data for "${store.learnerId}" is kept in memory only and will be lost ` +
    'when the page is closed. Offer the learner exportLearnerData() to keep it.';
  store._warn(message);
  if (typeof console !== 'undefined') console.warn('[metacog]', message);
  return new MemoryBackend(name, options);
}

/**
 * Opens the store of one learner.
 * @param {object} [options]
 * @param {string} [options.learnerId] key of the learner's data, default 'default'
 * @param {'indexeddb'|'memory'} [options.backend] default: 'indexeddb' in browsers, 'memory'
 *   under Node; 'indexeddb' falls back to 'memory' with a warning when IndexedDB is unavailable
 * @param {{modelId?: string|null, modelHash?: string|null, itemBankHash?: string|null}} [options.meta]
 *   metadata of the model and item bank in use, stamped on every state written
 * @param {IDBFactory} [options.indexedDB] the IndexedDB factory to use (e.g. a Storage Access
 *   handle's `indexedDB` inside a cross-site iframe); default globalThis.indexedDB
 * @param {number} [options.quotaBytes] memory backend only: refuse writes past this size
 * @param {(warning: {code: string, message: string}) => void} [options.onWarning] receives
 *   warnings, including those raised while opening (they are also 'warning' events and `store.warnings`)
 * @returns {Promise<LearnerStore>}
 */
export async function openStorage(options = {}) {
  check(options !== null && typeof options === 'object', `openStorage: pass an options object, got ${describeValue(options)}`);
  const { learnerId = 'default', backend, quotaBytes, onWarning } = options;
  check(typeof learnerId === 'string' && learnerId.length > 0 && learnerId.length <= 256,
    `openStorage: learnerId must be a non-empty string of at most 256 characters, got ${describeValue(learnerId)}`);
  check(backend === undefined || backend === 'indexeddb' || backend === 'memory',
    `openStorage: backend must be 'indexeddb' or 'memory', got ${describeValue(backend)}`);
  check(quotaBytes === undefined || (typeof quotaBytes === 'number' && quotaBytes >= 0),
    `openStorage: quotaBytes must be a number ≥ 0, got ${describeValue(quotaBytes)}`);
  check(onWarning === undefined || typeof onWarning === 'function', 'openStorage: onWarning must be a function');
  const idb = options.indexedDB;
  check(idb === undefined || idb === null || (typeof idb === 'object' && typeof idb.open === 'function'),
    `openStorage: indexedDB must be an IDBFactory, null or absent, got ${describeValue(idb)}`);
  const store = new LearnerStore(learnerId, normalizeModelMeta(options.meta, 'openStorage'));
  if (onWarning) store.addEventListener('warning', (e) => onWarning(e.detail));
  store._backend = await chooseBackend(store, options);
  return store;
}

/**
 * Asks the browser to keep this site's storage under storage pressure (navigator.storage.persist()).
 * @returns {Promise<boolean>} true when storage is (now) persistent; false where unsupported or refused
 */
export async function requestPersistentStorage() {
  try {
    const storage = globalThis.navigator && globalThis.navigator.storage;
    if (!storage || typeof storage.persist !== 'function') return false;
    return (await storage.persisted()) || (await storage.persist());
  } catch {
    return false;
  }
}
