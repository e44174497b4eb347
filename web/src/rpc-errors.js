// Errors across the Worker boundary. Structured cloning keeps only an Error's message, so the
// worker sends { code, message, conflict? } and the page rebuilds a MetacogError with the same code and
// message. Installed as comlink's 'throw' transfer handler on both sides (each bundle has its own
// comlink, so each side installs it).
import { transferHandlers } from 'comlink';
import { ERROR_CODES, MetacogError } from './errors.js';

/** True for a MetacogError from any copy of errors.js (the worker bundle has its own class). */
function isMetacogError(err) {
  return err instanceof MetacogError || (err instanceof Error && err.name === 'MetacogError'
    && typeof err.code === 'string' && ERROR_CODES.includes(err.code));
}

/**
 * Any thrown value → MetacogError. MetacogErrors pass through; values that cannot be cloned to or
 * from a Worker become INVALID_ARGUMENT; exhausted wasm memory OUT_OF_MEMORY; the rest INTERNAL.
 * @param {unknown} err
 * @returns {MetacogError}
 */
export function toMetacogError(err) {
  if (err instanceof MetacogError) return err;
  if (isMetacogError(err)) return fromWireError(err);
  const name = err && typeof err === 'object' ? err.name : undefined;
  const message = err && typeof err === 'object' && typeof err.message === 'string' ? err.message : String(err);
  if (message === 'Unserializable return value') return unclonableResult(err);
  if (name === 'DataCloneError') {
    return new MetacogError('INVALID_ARGUMENT',
      `a value could not be copied to or from the engine (${message}); pass plain data: numbers, strings, arrays, plain objects, typed arrays`, { cause: err });
  }
  if (/out of memory|Cannot enlarge memory|Maximum memory size|Memory\.grow/i.test(message)) {
    return new MetacogError('OUT_OF_MEMORY', `the engine ran out of memory (${message}); dispose unused engines or classifiers`, { cause: err });
  }
  return new MetacogError('INTERNAL', `unexpected ${name || 'error'}: ${message}. This is a bug in metacog; please report it`, { cause: err });
}

/**
 * The error for a hosted method whose result cannot be copied out of it (the same in a Worker and
 * in-process): a bug in the hosted object, which must return plain data.
 * @param {unknown} [cause]
 * @returns {MetacogError}
 */
export function unclonableResult(cause) {
  return new MetacogError('INTERNAL',
    'the hosted object returned a value that cannot be copied to the page (a function, a class instance with ' +
    'private state, a wasm handle…); hosted methods must return plain data. This is a bug in metacog; please report it', { cause });
}

/**
 * The wire form of a thrown value (plain data that survives structured cloning).
 * @param {unknown} err
 * @returns {{code: string, message: string, conflict?: true}}
 */
export function toWireError(err) {
  const e = toMetacogError(err);
  return e.conflict ? { code: e.code, message: e.message, conflict: true } : { code: e.code, message: e.message };
}

/**
 * Rebuilds a MetacogError from its wire form (unknown codes become INTERNAL).
 * @param {{code?: unknown, message?: unknown}} wire
 * @returns {MetacogError}
 */
export function fromWireError(wire) {
  const code = wire && ERROR_CODES.includes(wire.code) ? wire.code : 'INTERNAL';
  const message = wire && typeof wire.message === 'string' ? wire.message : 'unknown error from the Worker';
  const err = new MetacogError(code, message);
  if (wire && wire.conflict === true) err.conflict = true;  // a storage write refused for another tab's
  return err;
}

let installed = false;

/** Makes comlink carry errors as MetacogError (idempotent; call on both sides of the Worker). */
export function installErrorTransfer() {
  if (installed) return;
  const original = transferHandlers.get('throw');
  transferHandlers.set('throw', {
    canHandle: original.canHandle,
    serialize: ({ value }) => [{ isError: true, value: toWireError(value) }, []],
    deserialize: (serialized) => {
      throw serialized && serialized.isError ? fromWireError(serialized.value) : toMetacogError(serialized && serialized.value);
    },
  });
  installed = true;
}
