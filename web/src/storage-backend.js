// What both storage backends share: the schema version and the mapping of platform errors
// (DOMException from IndexedDB, quota failures) to MetacogError.
//
// A backend implements (all async unless noted; every write is all-or-nothing):
//   readRecord() → state record | null        readResponses() → responses in order
//   readSnapshot() → { record, responses } read consistently (one transaction)
//   append(response, record, expect?) → stored record  (one transaction: log + state)
//   putRecord(record, expect?) → stored record         replace(record | null, responses)
// Every record written carries a fresh random `revision`. A write given `expect` (a revision, or
// null for "no state stored") first compares it with the stored record's, in the same transaction,
// and throws conflictError() without writing when they differ: another tab or window changed the
// learner since the caller last read it (optimistic concurrency; see docs/storage.md).
//   destroy()  deletes the database           close()  (sync) releases connections
// and has `kind` ('indexeddb' | 'memory') and `persistent` (survives a reload).
import { MetacogError } from './errors.js';

/** Schema version of stored data (the IndexedDB database version). */
export const SCHEMA_VERSION = 2;

/**
 * A new revision id for a stored record: 128 random bits as hex. Not a modelling choice (nothing
 * learned depends on it), so it comes from the platform's CSPRNG, not a seeded stream: two tabs
 * must never draw the same id.
 * @returns {string}
 */
export function newRevision() {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * The record as a backend stores it: the caller's fields, the log length it reflects, the schema
 * version and a fresh revision (every write renews it).
 * @param {object} record
 * @param {number} responseCount
 * @returns {object}
 */
export function storedRecord(record, responseCount) {
  return { ...record, responseCount, schemaVersion: SCHEMA_VERSION, revision: newRevision() };
}

/**
 * The revision of a stored record: null when there is none. A record written before revisions
 * existed (schema v1, and v2 before revisions) gets one derived from what it holds, so that null
 * keeps meaning "nothing stored" — an engine that loaded such a record must not pass a check
 * meant for an empty learner (and nothing has to be written to give it one). Only one state
 * record exists per learner, and the first write replaces it with a random revision.
 * @param {object|null|undefined} record
 * @returns {string|null}
 */
export function revisionOf(record) {
  if (!record) return null;
  return record.revision || `legacy:${record.updatedAt ?? 'unknown'}:${record.responseCount ?? 'unknown'}`;
}

/**
 * Throws conflictError() unless `expect` is undefined (unconditional write) or equals the stored
 * record's revision.
 * @param {string|null|undefined} expect
 * @param {object|null|undefined} stored
 */
export function checkRevision(expect, stored) {
  if (expect !== undefined && expect !== revisionOf(stored)) throw conflictError();
}

/**
 * The learner's stored data changed since the caller last read it (another tab, window or engine on
 * the same learner). A MetacogError STORAGE with `conflict: true`; nothing was written.
 * @returns {MetacogError}
 */
export function conflictError() {
  const err = new MetacogError('STORAGE',
    'the learner\'s stored data was changed by another tab, window or engine since this one last read it; ' +
    'nothing was written. Reload the learner (the engine does this itself) and try again.');
  err.conflict = true;
  return err;
}

/**
 * A QuotaExceededError like the one browsers raise.
 * @param {string} message
 * @returns {Error}
 */
export function quotaError(message) {
  if (typeof DOMException === 'function') return new DOMException(message, 'QuotaExceededError');
  return Object.assign(new Error(message), { name: 'QuotaExceededError' });
}

/**
 * Converts an error from a backend into a MetacogError (MetacogErrors pass through).
 * @param {unknown} err
 * @param {string} what the operation, for the message
 * @returns {MetacogError}
 */
export function toStorageError(err, what) {
  if (err instanceof MetacogError) return err;
  const name = err && err.name;
  const detail = err && err.message ? `: ${err.message}` : '';
  if (name === 'QuotaExceededError') {
    return new MetacogError('STORAGE',
      `${what} failed: the storage quota is exceeded${detail}. Nothing was changed. ` +
      'Free space on the device or for this site, or export the learner data and forget older learners.', { cause: err });
  }
  if (name === 'VersionError') {
    return new MetacogError('STATE_VERSION',
      `${what} failed: the stored learner data was written by a newer metacog (schema above ${SCHEMA_VERSION}). ` +
      'Upgrade metacog, or export the data with the newer version.', { cause: err });
  }
  return new MetacogError('STORAGE', `${what} failed (${name || 'error'}${detail}). Nothing was changed; try again, or export the learner data.`, { cause: err });
}
