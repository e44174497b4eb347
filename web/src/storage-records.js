// The records metacog stores about one learner, and their validation. Shared by both storage
// backends and by the export/import document, so that what can be written, what can be read
// back and what can be imported are exactly the same thing.
//
//   response  { item: string, correct: boolean, timestamp: number (ms since epoch),
//               responseTimeMs: number | null }
//   model meta { modelId: string | null, modelHash: string | null, itemBankHash: string | null }
//   state record (one per learner) = model meta + { bytes: Uint8Array (the engine's opaque,
//               versioned learner state), updatedAt: number, responseCount: number,
//               schemaVersion: number, revision: string (random id of this write; absent on
//               records written before revisions existed) }
//
// Invariant kept by every write: state.responseCount === number of stored responses (the state
// blob reflects exactly the logged responses), and a stored response implies a stored state.
import { MetacogError } from './errors.js';

/** Largest string accepted for ids and hashes (keeps a hostile document from ballooning). */
export const MAX_ID_LENGTH = 1024;

/** The largest timestamp a Date can hold (ms): 8.64e15, in the year 275760. */
export const MAX_TIMESTAMP = 8.64e15;

const RESPONSE_KEYS = new Set(['item', 'correct', 'timestamp', 'responseTimeMs']);
const META_KEYS = ['modelId', 'modelHash', 'itemBankHash'];

/** True for a non-null, non-array object whose prototype is Object.prototype or null. */
export function isPlainObject(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Short, safe description of a value for error messages. */
export function describeValue(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `the number ${String(v)}`;
  return typeof v;
}

function fail(code, message) {
  throw new MetacogError(code, message);
}

/**
 * Validates one learner response and returns a normalised copy (responseTimeMs: null when absent).
 * @param {unknown} r
 * @param {string} where prefix of error messages (e.g. 'appendResponse' or 'import: response 3')
 * @param {string} [code] error code on failure ('INVALID_ARGUMENT' for calls, 'STATE_FORMAT' for documents)
 * @returns {{item: string, correct: boolean, timestamp: number, responseTimeMs: number|null}}
 */
export function normalizeResponse(r, where, code = 'INVALID_ARGUMENT') {
  if (!isPlainObject(r)) fail(code, `${where}: a response must be an object { item, correct, timestamp, responseTimeMs? }, got ${describeValue(r)}`);
  for (const key of Object.keys(r)) {
    if (!RESPONSE_KEYS.has(key)) fail(code, `${where}: unknown response field "${key}"; allowed: ${[...RESPONSE_KEYS].join(', ')}`);
  }
  const { item, correct, timestamp } = r;
  if (typeof item !== 'string' || item.length === 0 || item.length > MAX_ID_LENGTH) {
    fail(code, `${where}: "item" must be a non-empty item id string, got ${describeValue(item)}`);
  }
  if (typeof correct !== 'boolean') fail(code, `${where}: "correct" must be true or false, got ${describeValue(correct)}`);
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0 || timestamp > MAX_TIMESTAMP) {
    fail(code, `${where}: "timestamp" must be a number of milliseconds since 1970 from 0 to ${MAX_TIMESTAMP} (the range of Date), got ${describeValue(timestamp)}`);
  }
  const rt = r.responseTimeMs ?? null;
  if (rt !== null && (typeof rt !== 'number' || !Number.isFinite(rt) || rt < 0)) {
    fail(code, `${where}: "responseTimeMs" must be a finite number ≥ 0 or absent, got ${describeValue(rt)}`);
  }
  return { item, correct, timestamp, responseTimeMs: rt };
}

/**
 * Validates the engine's learner-state blob and returns a private copy.
 * @param {unknown} bytes
 * @param {string} where
 * @returns {Uint8Array}
 */
export function copyStateBytes(bytes, where) {
  if (!(bytes instanceof Uint8Array)) {
    fail('INVALID_ARGUMENT', `${where}: the learner state must be a Uint8Array (the engine's serialized state), got ${describeValue(bytes)}`);
  }
  if (bytes.length === 0) fail('INVALID_ARGUMENT', `${where}: the learner state is empty; pass the engine's serialized state`);
  return bytes.slice();
}

/**
 * Validates model metadata ({ modelId, modelHash, itemBankHash }, each a string or null) and
 * returns a normalised copy with all three keys.
 * @param {unknown} meta
 * @param {string} where
 * @param {string} [code]
 * @returns {{modelId: string|null, modelHash: string|null, itemBankHash: string|null}}
 */
export function normalizeModelMeta(meta, where, code = 'INVALID_ARGUMENT') {
  if (meta === undefined) meta = {};
  if (!isPlainObject(meta)) fail(code, `${where}: meta must be an object { modelId, modelHash, itemBankHash }, got ${describeValue(meta)}`);
  const out = {};
  for (const key of META_KEYS) {
    const v = meta[key] ?? null;
    if (v !== null && (typeof v !== 'string' || v.length > MAX_ID_LENGTH)) {
      fail(code, `${where}: meta.${key} must be a string (at most ${MAX_ID_LENGTH} characters) or null, got ${describeValue(v)}`);
    }
    out[key] = v;
  }
  return out;
}
