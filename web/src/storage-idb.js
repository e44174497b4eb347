// The `indexeddb` storage backend (browsers), on the `idb` promise wrapper. One database per
// learner, named `metacog-learner:<learnerId>`, so that forget() can delete it whole.
//
// Schema history (the database version is the schema version):
//   v1  stores `responses` (auto-increment keys; values { item, correct: 0 | 1, timestamp,
//       responseTimeMs }) and `learner` (key 'state' → { bytes, itemBankHash, updatedAt }).
//   v2  `learner`.'state' gains modelId and modelHash (null for states migrated from v1: the
//       model they were made with is unknown), responseCount and schemaVersion; `responses`
//       gains the index 'by-item' and `correct` becomes a boolean.
// Migrations run in the upgrade transaction, so a failed migration leaves the v1 data intact.
//
// Every change — a response with the updated state, a state alone, an import — is ONE readwrite
// transaction over both stores: a crash, a reload or a quota failure either commits all of it or
// none of it.
//
// Partitioned storage: browsers key IndexedDB by the top-level site as well as the origin when
// the page runs inside a cross-site iframe (Chromium storage partitioning, Firefox total cookie
// protection, Safari). A widget embedded in two different sites sees two different databases, and
// never the one of its own site opened directly. See docs/storage.md; export/import moves data,
// and a Storage Access API handle (`(await document.requestStorageAccess({ indexedDB: true })).indexedDB`)
// can be passed as the `indexedDB` option to reach unpartitioned storage — on the page only: an
// IDBFactory cannot be sent to a Worker, so createEngine's store stays partitioned.
import { wrap } from 'idb';
import { MetacogError } from './errors.js';
import { SCHEMA_VERSION, checkRevision, storedRecord } from './storage-backend.js';

const RESPONSES = 'responses';
const LEARNER = 'learner';
const STATE_KEY = 'state';

/** v0 → v1: the original layout. */
function createV1(db) {
  db.createObjectStore(RESPONSES, { autoIncrement: true });
  db.createObjectStore(LEARNER);
}

/** v1 → v2: index responses by item, booleans for `correct`, model id/hash and count on the state. */
async function migrateV1toV2(tx) {
  const log = tx.objectStore(RESPONSES);
  log.createIndex('by-item', 'item');
  let count = 0;
  for (let cursor = await log.openCursor(); cursor; cursor = await cursor.continue()) {
    const v = cursor.value;
    if (typeof v.correct !== 'boolean' || v.responseTimeMs === undefined) {
      await cursor.update({
        item: v.item, correct: v.correct === true || v.correct === 1, timestamp: v.timestamp,
        responseTimeMs: v.responseTimeMs ?? null,
      });
    }
    count++;
  }
  const learner = tx.objectStore(LEARNER);
  const old = await learner.get(STATE_KEY);
  if (old) {
    await learner.put({
      bytes: old.bytes, modelId: null, modelHash: null, itemBankHash: old.itemBankHash ?? null,
      updatedAt: old.updatedAt ?? null, responseCount: count, schemaVersion: 2,
    }, STATE_KEY);
  }
}

async function upgrade(db, tx, oldVersion) {
  if (oldVersion < 1) createV1(db);
  if (oldVersion < 2) await migrateV1toV2(tx);
}

/**
 * Opens (creating or migrating) a learner database with a given IDBFactory.
 * @param {IDBFactory} factory
 * @param {string} name
 * @param {() => void} onBlocked called when other tabs keep an older version open
 * @returns {Promise<IDBDatabase>}
 */
function openDatabase(factory, name, onBlocked) {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, SCHEMA_VERSION);
    let failure = null;
    request.onupgradeneeded = (event) => {
      const raw = request.transaction;
      upgrade(request.result, wrap(raw), event.oldVersion).catch((err) => {
        failure = err;
        try { raw.abort(); } catch { /* already finished */ }
      });
    };
    request.onblocked = onBlocked;
    request.onsuccess = () => resolve(request.result);
    // A failed migration is not "IndexedDB unavailable": report it (the v1 data is intact) rather
    // than let the caller fall back to an empty in-memory learner that hides the stored one.
    request.onerror = () => reject(failure ? new MetacogError('STORAGE',
      `migrating the learner database "${name}" to schema ${SCHEMA_VERSION} failed (${failure.name || 'Error'}: ${failure.message}); ` +
      'the stored data is unchanged. Export it with the previous version of the page, or report this.', { cause: failure }) : request.error);
  });
}

function copyRecord(r) {
  return r ? { ...r, bytes: new Uint8Array(r.bytes) } : null;
}

/** A storage backend keeping one learner's records in an IndexedDB database. */
export class IdbBackend {
  /**
   * @param {IDBFactory} factory usually globalThis.indexedDB
   * @param {string} name database name
   * @param {{onWarning?: (message: string) => void}} [options]
   */
  constructor(factory, name, { onWarning = () => {} } = {}) {
    this.factory = factory;
    this.name = name;
    this.kind = 'indexeddb';
    this.persistent = true;
    this._warn = onWarning;
    this._dbp = null;
    /** Deleted (by destroy(), or by another tab) and not written since: reads must not bring the
     *  database back. */
    this._deleted = false;
  }

  /** Opens the database now (so that an unusable IndexedDB is found at open time). */
  async open() {
    if (!this._dbp) {
      const p = openDatabase(this.factory, this.name, () => this._warn(
        'the learner database is being upgraded but another tab keeps the old version open; close the other tabs of this site'))
        .then((db) => {
          const drop = () => { if (this._dbp === p) this._dbp = null; };
          // Another tab wants to upgrade or delete the database: let it (we reopen on next use; after
          // a deletion, newVersion null, only for a write — reads must not bring it back).
          db.onversionchange = (e) => {
            db.close();
            drop();
            if (e.newVersion === null) this._deleted = true;
          };
          db.onclose = drop;
          return db;
        });
      this._dbp = p;
      p.catch(() => { if (this._dbp === p) this._dbp = null; });
    }
    return this._dbp;
  }

  async _tx(mode) {
    const db = await this.open();
    if (mode === 'readwrite') this._deleted = false;
    // strict: the write is on disk when the transaction completes (Chromium's default, relaxed,
    // may lose acknowledged answers to an OS crash or a power cut)
    return wrap(db.transaction([LEARNER, RESPONSES], mode, mode === 'readwrite' ? { durability: 'strict' } : {}));
  }

  /** Runs `body(learner, log)` in one transaction; on any failure aborts it and throws the cause. */
  async _run(mode, body) {
    const tx = await this._tx(mode);
    const done = tx.done;
    try {
      const result = await body(tx.objectStore(LEARNER), tx.objectStore(RESPONSES));
      await done;
      return result;
    } catch (err) {
      try { tx.abort(); } catch { /* already finished */ }
      await done.catch(() => {});
      throw tx.error || err;
    }
  }

  /**
   * Whether the database is known not to exist: deleted (by this backend's destroy(), or by
   * another tab while this one had it open), and not created again since (by a write here, or by another tab: asked with IDBFactory.databases()
   * where the browser has it). Opening a database creates it, and its name holds the learner id,
   * so after forget() reads answer "empty" without opening it.
   */
  async _absent() {
    if (!this._deleted) return false;
    if (typeof this.factory.databases === 'function') {
      try {
        if (!(await this.factory.databases()).some((d) => d.name === this.name)) return true;
      } catch { /* unknown: open it */ }
    }
    this._deleted = false;
    return false;
  }

  /** @returns {Promise<object|null>} the state record or null */
  async readRecord() {
    if (await this._absent()) return null;
    return this._run('readonly', async (learner) => copyRecord(await learner.get(STATE_KEY)));
  }

  /** @returns {Promise<object[]>} the response log in order */
  async readResponses() {
    if (await this._absent()) return [];
    return this._run('readonly', (_, log) => log.getAll());
  }

  /** @returns {Promise<{record: object|null, responses: object[]}>} both, from one transaction */
  async readSnapshot() {
    if (await this._absent()) return { record: null, responses: [] };
    return this._run('readonly', async (learner, log) => {
      const [record, responses] = await Promise.all([learner.get(STATE_KEY), log.getAll()]);
      return { record: copyRecord(record), responses };
    });
  }

  /** Appends a response and replaces the state record in one transaction (if `expect` matches). */
  async append(response, record, expect) {
    return this._run('readwrite', async (learner, log) => {
      const prev = await learner.get(STATE_KEY);
      checkRevision(expect, prev);
      const before = prev ? prev.responseCount : await log.count();
      const stored = storedRecord(record, before + 1);
      await Promise.all([log.add(response), learner.put(stored, STATE_KEY)]);
      return copyRecord(stored);
    });
  }

  /** Replaces the state record only, in one transaction (if `expect` matches). */
  async putRecord(record, expect) {
    return this._run('readwrite', async (learner, log) => {
      const prev = await learner.get(STATE_KEY);
      checkRevision(expect, prev);
      const count = prev ? prev.responseCount : await log.count();
      const stored = storedRecord(record, count);
      await learner.put(stored, STATE_KEY);
      return copyRecord(stored);
    });
  }

  /** Replaces the record and the whole log in one transaction. */
  async replace(record, responses) {
    return this._run('readwrite', async (learner, log) => {
      await Promise.all([learner.clear(), log.clear()]);
      const writes = responses.map((r) => log.add(r));
      const stored = record ? storedRecord(record, responses.length) : null;
      if (stored) writes.push(learner.put(stored, STATE_KEY));
      await Promise.all(writes);
      return copyRecord(stored);
    });
  }

  /** Closes the connection and deletes the database. */
  async destroy() {
    this.close();
    await new Promise((resolve, reject) => {
      const request = this.factory.deleteDatabase(this.name);
      request.onblocked = () => this._warn('forget() waits for other tabs of this site to close the learner database');
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
    this._deleted = true;
  }

  /** Closes the connection (the next call reopens it). */
  close() {
    const p = this._dbp;
    this._dbp = null;
    if (p) p.then((db) => db.close(), () => {});
  }
}
