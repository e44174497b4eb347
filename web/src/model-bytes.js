// Resolving a `model` option (URL string, URL, ArrayBuffer or Uint8Array) to bytes, in the page,
// before the bytes go to the engine (in a Worker or in-process).
import { MetacogError, check, isThenable } from './errors.js';
import { describe } from './prototypes.js';
import { parseUrl, readUrl, requireSameOrigin } from './env.js';


/**
 * Resolves a URL option (a string or URL) against the page (or this module); parseUrl's
 * INVALID_ARGUMENT for a malformed one, and for one on another origin than the page's (design.md
 * §7: models and item banks come from the page's origin or as bytes — a page that wants one from
 * elsewhere fetches it itself and passes the bytes, or the promise).
 * @param {string | URL} value
 * @param {string} what e.g. 'createEngine: model'
 * @returns {URL}
 */
export function resolveUrl(value, what) {
  const base = typeof document !== 'undefined' && document.baseURI ? document.baseURI : import.meta.url;
  const url = parseUrl(value, base, what);
  requireSameOrigin(url, what, 'metacog fetches nothing from elsewhere; fetch it yourself and pass the bytes (or the promise)');
  return url;
}

/**
 * INVALID_ARGUMENT unless `model` is one of the accepted forms (or a promise, checked once settled).
 * Synchronous, so that a wrong type is refused before a Worker is started for it.
 * @param {unknown} model
 * @param {string} what e.g. 'createSketchClassifier'
 * @returns {URL|undefined} the resolved URL when `model` is one
 */
export function checkModelSource(model, what) {
  if (model instanceof Uint8Array || model instanceof ArrayBuffer || isThenable(model)) return undefined;
  check(typeof model === 'string' || model instanceof URL,
    `${what}: model must be a URL, an ArrayBuffer or a Uint8Array of a .safetensors file, got ${describe(model)}`);
  return resolveUrl(model, `${what}: model`);
}

/**
 * @param {unknown} model
 * @param {string} what e.g. 'createSketchClassifier'
 * @returns {Promise<Uint8Array>}
 */
export async function modelBytes(model, what) {
  if (model instanceof Uint8Array) return model;
  if (model instanceof ArrayBuffer) return new Uint8Array(model);
  const url = checkModelSource(model, what);
  try {
    return await readUrl(url);
  } catch (err) {
    throw new MetacogError('IO', `${what}: could not load the model from ${url.href} (${err && err.message}); check the URL`, { cause: err });
  }
}

/**
 * A model's provenance as the engine reports it (arch and metrics as JSON text) → plain objects.
 * @param {{arch: string, metrics: string}} m
 */
export function modelInfo(m) {
  return { ...m, arch: JSON.parse(m.arch || '{}'), metrics: m.metrics ? JSON.parse(m.metrics) : {} };
}
