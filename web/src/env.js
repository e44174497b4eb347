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
