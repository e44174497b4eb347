// What both storage backends share: the schema version and the mapping of platform errors
// (DOMException from IndexedDB, quota failures) to MetacogError.
//
// A backend implements (all async unless noted; every write is all-or-nothing):
//   readRecord() → state record | null        readResponses() → responses in order
//   readSnapshot() → { record, responses } read consistently (one transaction)
//   append(response, record) → stored record  (one transaction: log + state)
//   putRecord(record) → stored record         replace(record | null, responses)
//   destroy()  deletes the database           close()  (sync) releases connections
// and has `kind` ('indexeddb' | 'memory') and `persistent` (survives a reload).
import { MetacogError } from './errors.js';

/** Schema version of stored data (the IndexedDB database version). */
export const SCHEMA_VERSION = 2;

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
