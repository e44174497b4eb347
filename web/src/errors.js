// MetacogError — the one error type of the JS API. `code` is stable and machine-readable.

/** @type {readonly string[]} */
export const ERROR_CODES = Object.freeze([
  'INVALID_ARGUMENT', 'INVALID_STATE', 'UNKNOWN_ITEM', 'UNKNOWN_LABEL', 'MODEL_FORMAT',
  'MODEL_VERSION', 'MODEL_KIND', 'ITEM_BANK', 'DATA_FORMAT', 'STATE_FORMAT', 'STATE_VERSION',
  'STORAGE', 'DISPOSED', 'WASM_LOAD', 'OUT_OF_MEMORY', 'INTERNAL', 'IO',
]);

/** Every failure of the metacog API: `code` says what kind, `message` says what to do. */
export class MetacogError extends Error {
  /**
   * @param {string} code one of ERROR_CODES
   * @param {string} message what was wrong and what to do
   * @param {{cause?: unknown}} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'MetacogError';
    this.code = code;
  }

  /** A plain object that survives structured cloning (Worker → page). */
  toJSON() {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Throws MetacogError('INVALID_ARGUMENT', message) unless cond. */
export function check(cond, message, code = 'INVALID_ARGUMENT') {
  if (!cond) throw new MetacogError(code, message);
}

/**
 * Unwraps a value returned by a wasm binding: bindings return `{ __error, message }` instead of
 * throwing across the wasm boundary.
 */
export function unwrap(result) {
  if (result !== null && typeof result === 'object' && typeof result.__error === 'string') {
    throw new MetacogError(result.__error, result.message);
  }
  return result;
}

/** True for a promise (any thenable). */
export function isThenable(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function';
}

/**
 * Marks the promises among `values` as handled: options we take over must not surface as unhandled
 * rejections when the call is refused before they are awaited (the refusal is the error reported).
 */
export function adoptPromises(...values) {
  for (const v of values) if (isThenable(v)) v.then(undefined, () => {});
}

/**
 * Awaits an option given as a promise (e.g. a fetch the page already started); a rejection becomes
 * an IO error naming the option, unless it is a MetacogError already (its code is kept). Other
 * values are returned as they are.
 * @param {unknown} value
 * @param {string} what e.g. 'createEngine: model'
 */
export async function settled(value, what) {
  if (!isThenable(value)) return value;
  try {
    return await value;
  } catch (err) {
    if (err instanceof MetacogError) throw err;
    throw new MetacogError('IO', `${what}: the promise passed for it was rejected (${err && err.message})`, { cause: err });
  }
}
