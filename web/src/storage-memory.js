// The `memory` storage backend: the default under Node and the fallback when IndexedDB is not
// available. Data lives as long as the JavaScript realm (process, page or Worker): two stores
// opened for the same learner id share it, as they would share an IndexedDB database, and
// forget() removes it. Nothing survives a reload — the store says so (`persistent: false`).
//
// Every write validates and sizes the change first and then applies it with no await and nothing
// that can throw in between, so a rejected write leaves the data exactly as it was.
import { checkRevision, quotaError, storedRecord } from './storage-backend.js';

/** @type {Map<string, {record: object|null, responses: object[], bytes: number}>} */
const databases = new Map();

const RESPONSE_OVERHEAD = 64; // rough per-response bytes, for the optional quota

function responseSize(r) {
  return RESPONSE_OVERHEAD + 2 * r.item.length;
}

/** A storage backend keeping one learner's records in memory. */
export class MemoryBackend {
  /**
   * @param {string} name database name (one per learner)
   * @param {{quotaBytes?: number}} [options] quotaBytes: refuse writes past this many bytes
   *   (approximate: state bytes + a fixed size per response), like a browser quota would
   */
  constructor(name, { quotaBytes = Infinity } = {}) {
    this.name = name;
    this.kind = 'memory';
    this.persistent = false;
    this.quotaBytes = quotaBytes;
  }

  _db(create) {
    let db = databases.get(this.name);
    if (!db && create) {
      db = { record: null, responses: [], bytes: 0 };
      databases.set(this.name, db);
    }
    return db;
  }

  _checkQuota(bytes) {
    if (bytes > this.quotaBytes) throw quotaError(`memory store would hold ${bytes} bytes, over its quota of ${this.quotaBytes}`);
  }

  /** @returns {Promise<object|null>} the state record (a copy) or null */
  async readRecord() {
    const db = this._db(false);
    return db && db.record ? { ...db.record, bytes: db.record.bytes.slice() } : null;
  }

  /** @returns {Promise<object[]>} the response log in order (copies) */
  async readResponses() {
    const db = this._db(false);
    return db ? db.responses.map((r) => ({ ...r })) : [];
  }

  /** @returns {Promise<{record: object|null, responses: object[]}>} everything, consistently */
  async readSnapshot() {
    const db = this._db(false);
    if (!db) return { record: null, responses: [] };
    return {
      record: db.record ? { ...db.record, bytes: db.record.bytes.slice() } : null,
      responses: db.responses.map((r) => ({ ...r })),
    };
  }

  /** Appends a response and replaces the state record, all or nothing (if `expect` matches). */
  async append(response, record, expect) {
    checkRevision(expect, this._db(false)?.record);
    const db = this._db(true);
    const size = db.bytes - (db.record ? db.record.bytes.length : 0) + record.bytes.length + responseSize(response);
    this._checkQuota(size);
    db.responses.push({ ...response });
    db.record = storedRecord(record, db.responses.length);
    db.bytes = size;
    return { ...db.record, bytes: db.record.bytes.slice() };
  }

  /** Replaces the state record only (the response log is unchanged), if `expect` matches. */
  async putRecord(record, expect) {
    checkRevision(expect, this._db(false)?.record);
    const db = this._db(true);
    const size = db.bytes - (db.record ? db.record.bytes.length : 0) + record.bytes.length;
    this._checkQuota(size);
    db.record = storedRecord(record, db.responses.length);
    db.bytes = size;
    return { ...db.record, bytes: db.record.bytes.slice() };
  }

  /** Replaces everything (record and log), all or nothing. */
  async replace(record, responses) {
    const size = (record ? record.bytes.length : 0) + responses.reduce((s, r) => s + responseSize(r), 0);
    this._checkQuota(size);
    const db = this._db(true);
    db.responses = responses.map((r) => ({ ...r }));
    db.record = record ? storedRecord(record, responses.length) : null;
    db.bytes = size;
    return db.record ? { ...db.record, bytes: db.record.bytes.slice() } : null;
  }

  /** Deletes the database. */
  async destroy() {
    databases.delete(this.name);
  }

  /** Nothing to release. */
  close() {}
}
