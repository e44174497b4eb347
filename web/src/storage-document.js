// The learner-data document: everything stored about one learner as versioned JSON, for export
// (the learner's copy, a move to another device or site) and import (validated whole before
// anything is replaced).
//
// {
//   "format": "metacog-learner-data", "version": 1,
//   "learnerId": "default", "exportedAt": "2025-01-01T00:00:00.000Z",
//   "meta": { "modelId", "modelHash", "itemBankHash", "updatedAt", "responseCount" },
//   "state": null | { "encoding": "base64", "bytes": n, "sha256": "<hex>", "data": "<base64>" },
//   "responses": [{ "item", "correct", "timestamp", "responseTimeMs" }, ...],
//   "checksum": "sha256:<hex of the canonical JSON of every other field>"
// }
//
// Canonical JSON = JSON with object keys sorted, no white space. The checksum detects corruption
// and hand edits (e.g. a changed answer, a dropped response); it is not a signature.
import { MetacogError } from './errors.js';
import { sha256Hex } from './sha256.js';
import {
  describeValue, isPlainObject, normalizeModelMeta, normalizeResponse, MAX_ID_LENGTH,
} from './storage-records.js';

/** The `format` field of every learner-data document. */
export const DOCUMENT_FORMAT = 'metacog-learner-data';
/** The newest document version this library reads and the one it writes. */
export const DOCUMENT_VERSION = 1;

const TOP_KEYS = ['format', 'version', 'learnerId', 'exportedAt', 'meta', 'state', 'responses', 'checksum'];
const META_KEYS = ['modelId', 'modelHash', 'itemBankHash', 'updatedAt', 'responseCount'];
const STATE_KEYS = ['encoding', 'bytes', 'sha256', 'data'];
const HEX64 = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Bytes → standard base64 (RFC 4648, with padding).
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Standard base64 → bytes; null when `text` is not canonical padded base64.
 * @param {string} text
 * @returns {Uint8Array|null}
 */
export function fromBase64(text) {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return null;
  let binary;
  try { binary = atob(text); } catch { return null; }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return toBase64(out) === text ? out : null;
}

/**
 * JSON with sorted object keys and no white space (the input must be plain JSON data).
 * @param {unknown} value
 * @returns {string}
 */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function checksumOf(doc) {
  const body = {};
  for (const key of TOP_KEYS) if (key !== 'checksum') body[key] = doc[key];
  return `sha256:${sha256Hex(canonicalJson(body))}`;
}

/**
 * Builds the document for a stored snapshot.
 * @param {{learnerId: string, record: object|null, responses: object[], exportedAt?: Date}} snapshot
 *   `record` is the stored state record (see storage-records.js) or null when nothing is stored.
 * @returns {object} a learner-data document (plain JSON data)
 */
export function buildDocument({ learnerId, record, responses, exportedAt = new Date() }) {
  const doc = {
    format: DOCUMENT_FORMAT,
    version: DOCUMENT_VERSION,
    learnerId,
    exportedAt: exportedAt.toISOString(),
    meta: {
      modelId: record ? record.modelId : null,
      modelHash: record ? record.modelHash : null,
      itemBankHash: record ? record.itemBankHash : null,
      updatedAt: record ? record.updatedAt : null,
      responseCount: responses.length,
    },
    state: record ? {
      encoding: 'base64', bytes: record.bytes.length, sha256: sha256Hex(record.bytes), data: toBase64(record.bytes),
    } : null,
    responses: responses.map((r) => ({ ...r })),
  };
  doc.checksum = checksumOf(doc);
  return doc;
}

function bad(message) {
  throw new MetacogError('STATE_FORMAT', `import: ${message}`);
}

function exactKeys(obj, keys, what) {
  for (const key of Object.keys(obj)) if (!keys.includes(key)) bad(`${what} has an unknown field "${key}"; was the document edited or made by another tool?`);
  for (const key of keys) if (!(key in obj)) bad(`${what} is missing the field "${key}"`);
}

function parseState(state) {
  if (state === null) return null;
  if (!isPlainObject(state)) bad(`"state" must be null or an object, got ${describeValue(state)}`);
  exactKeys(state, STATE_KEYS, '"state"');
  if (state.encoding !== 'base64') bad(`state.encoding must be "base64", got ${describeValue(state.encoding)}`);
  if (!Number.isInteger(state.bytes) || state.bytes < 1) bad(`state.bytes must be an integer ≥ 1, got ${describeValue(state.bytes)}`);
  if (typeof state.sha256 !== 'string' || !HEX64.test(state.sha256)) bad('state.sha256 must be 64 lowercase hex digits');
  if (typeof state.data !== 'string') bad(`state.data must be a base64 string, got ${describeValue(state.data)}`);
  const bytes = fromBase64(state.data);
  if (!bytes) bad('state.data is not valid base64 (it was truncated or edited)');
  if (bytes.length !== state.bytes) bad(`state.data decodes to ${bytes.length} bytes but state.bytes says ${state.bytes} (truncated?)`);
  if (sha256Hex(bytes) !== state.sha256) bad('the learner state does not match its sha256 (corrupted or edited)');
  return bytes;
}

function parseMeta(meta) {
  if (!isPlainObject(meta)) bad(`"meta" must be an object, got ${describeValue(meta)}`);
  exactKeys(meta, META_KEYS, '"meta"');
  const model = normalizeModelMeta(
    { modelId: meta.modelId, modelHash: meta.modelHash, itemBankHash: meta.itemBankHash }, 'import: meta', 'STATE_FORMAT');
  const { updatedAt, responseCount } = meta;
  if (updatedAt !== null && (typeof updatedAt !== 'number' || !Number.isFinite(updatedAt) || updatedAt < 0)) {
    bad(`meta.updatedAt must be a finite number ≥ 0 or null, got ${describeValue(updatedAt)}`);
  }
  if (!Number.isInteger(responseCount) || responseCount < 0) bad(`meta.responseCount must be an integer ≥ 0, got ${describeValue(responseCount)}`);
  return { ...model, updatedAt, responseCount };
}

/**
 * Validates a learner-data document completely (structure, types, version, counts, state hash,
 * checksum) without touching any storage. Accepts the document object or its JSON text.
 * Throws MetacogError 'STATE_VERSION' for a document newer than DOCUMENT_VERSION and
 * 'STATE_FORMAT' for anything malformed, inconsistent or tampered with.
 * @param {unknown} input
 * @returns {{learnerId: string, record: object|null, responses: object[]}} what to store
 */
export function parseDocument(input) {
  let doc = input;
  if (typeof doc === 'string') {
    try { doc = JSON.parse(doc); } catch (err) { bad(`the document is not valid JSON (${err.message})`); }
  }
  if (!isPlainObject(doc)) bad(`expected a learner-data document object, got ${describeValue(doc)}`);
  if (doc.format !== DOCUMENT_FORMAT) bad(`not a metacog learner-data document (format ${describeValue(doc.format)}, expected "${DOCUMENT_FORMAT}")`);
  if (!Number.isInteger(doc.version) || doc.version < 1) bad(`the document version must be an integer ≥ 1, got ${describeValue(doc.version)}`);
  if (doc.version > DOCUMENT_VERSION) {
    throw new MetacogError('STATE_VERSION', `import: the document has version ${doc.version}, but this metacog reads versions up to ${DOCUMENT_VERSION}; upgrade metacog to import it`);
  }
  exactKeys(doc, TOP_KEYS, 'the document');
  const { learnerId, exportedAt } = doc;
  if (typeof learnerId !== 'string' || learnerId.length === 0 || learnerId.length > MAX_ID_LENGTH) bad(`learnerId must be a non-empty string, got ${describeValue(learnerId)}`);
  if (typeof exportedAt !== 'string' || Number.isNaN(Date.parse(exportedAt))) bad(`exportedAt must be an ISO date string, got ${describeValue(exportedAt)}`);
  const meta = parseMeta(doc.meta);
  const bytes = parseState(doc.state);
  if (!Array.isArray(doc.responses)) bad(`"responses" must be an array, got ${describeValue(doc.responses)}`);
  const responses = doc.responses.map((r, i) => normalizeResponse(r, `import: response ${i}`, 'STATE_FORMAT'));
  if (responses.length !== meta.responseCount) bad(`meta.responseCount is ${meta.responseCount} but the document holds ${responses.length} responses`);
  if (!bytes && meta.updatedAt !== null) bad('meta.updatedAt is set but the document has no learner state');
  if (bytes && meta.updatedAt === null) bad('meta.updatedAt is missing for the stored learner state');
  if (typeof doc.checksum !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(doc.checksum)) bad('checksum must be "sha256:" followed by 64 hex digits');
  if (checksumOf(doc) !== doc.checksum) bad('the checksum does not match the content: the document was edited or corrupted');
  const record = bytes ? {
    bytes, modelId: meta.modelId, modelHash: meta.modelHash, itemBankHash: meta.itemBankHash,
    updatedAt: meta.updatedAt, responseCount: responses.length,
  } : null;
  return { learnerId, record, responses };
}
