// Where the library runs, and reading a URL there: files under Node, fetch elsewhere.

/** True under Node (no window), where file: URLs are read from disk and Workers are not used. */
export const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node)
  && typeof window === 'undefined';

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
