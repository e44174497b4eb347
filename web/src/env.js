// Where the library runs, and reading a URL there: files under Node, fetch elsewhere.
import { MetacogError } from './errors.js';

/** True under Node (no window), where file: URLs are read from disk and Workers are not used. */
export const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node)
  && typeof window === 'undefined';

/**
 * `new URL(value, base)` for a URL option, as a MetacogError INVALID_ARGUMENT for a malformed one
 * (`new URL` throws a plain TypeError).
 * @param {string | URL} value
 * @param {string | URL} base
 * @param {string} what the option, for the message (e.g. 'createEngine: model')
 * @returns {URL}
 */
export function parseUrl(value, base, what) {
  try {
    return new URL(String(value), base);
  } catch (err) {
    throw new MetacogError('INVALID_ARGUMENT', `${what} is not a valid URL: ${JSON.stringify(String(value))} (${err && err.message})`, { cause: err });
  }
}

/**
 * The page's origin, or null where there is none to hold to (Node; an opaque origin such as a
 * sandboxed iframe's, which no URL can match).
 * @returns {string|null}
 */
export function pageOrigin() {
  if (typeof location === 'undefined' || !location.origin || location.origin === 'null') return null;
  return location.origin;
}

/**
 * INVALID_ARGUMENT unless `url` is on the page's origin (design.md §7: metacog loads its code,
 * models and item banks from the page's own origin; anything else is passed as bytes).
 * @param {URL} url
 * @param {string} what the option, for the message
 * @param {string} instead what to do about it
 */
export function requireSameOrigin(url, what, instead) {
  const here = pageOrigin();
  if (here !== null && url.origin !== here) {
    throw new MetacogError('INVALID_ARGUMENT', `${what} must be on this page's origin (${here}), got ${url.origin}: ${instead}`);
  }
}

/**
 * The contents of a URL: a file: URL is read from disk under Node, anything else is fetched.
 * Throws a plain Error (callers wrap it in their MetacogError with context).
 * @param {URL} url
 * @param {'bytes'|'text'} [as]
 * @returns {Promise<Uint8Array|string>}
 */
export async function readUrl(url, as = 'bytes') {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import(/* webpackIgnore: true */ 'node:fs/promises');
    return as === 'text' ? readFile(url, 'utf8') : new Uint8Array(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  return as === 'text' ? response.text() : new Uint8Array(await response.arrayBuffer());
}
