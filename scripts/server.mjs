// A small static server for the demo and the browser tests, with the strict headers of
// design.md §7: CSP without 'unsafe-eval', correct MIME types (application/wasm), no caching
// surprises, nothing served from outside the public folders (dist, models, web/demo, the test
// pages) of the checkout at `root`. A URL cannot climb out of them; symlinks inside them are
// followed (a browser test serves a copy of the site made of symlinks).
import http from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; " +
  "worker-src 'self'; object-src 'none'; base-uri 'none'";

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.safetensors': 'application/octet-stream', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.map': 'application/json; charset=utf-8', '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8', '.ico': 'image/x-icon',
};

/** URL prefix → folder. The demo is the site root; the library, models and test pages sit beside it. */
function mounts(root) {
  return [
    ['/dist/', path.join(root, 'dist')],
    ['/models/', path.join(root, 'models')],
    ['/tests/', path.join(root, 'tests', 'browser', 'pages')], // browser-test pages and fixtures
    ['/', path.join(root, 'web', 'demo')],
  ];
}

function resolve(urlPath, folders) {
  for (const [prefix, dir] of folders) {
    if (urlPath.startsWith(prefix)) {
      let rel;
      try {
        rel = decodeURIComponent(urlPath.slice(prefix.length)) || 'index.html';
      } catch {
        return null;  // a malformed %-escape names no file
      }
      const file = path.resolve(dir, rel);
      if (!file.startsWith(dir + path.sep) && file !== dir) return null;
      return file;
    }
  }
  return null;
}

/**
 * Starts the server. `extraHeaders(urlPath)` may add or override headers (tests use it); `root`
 * serves another checkout's layout (a test's copy of the site standing for another build).
 * @returns {Promise<{server: http.Server, url: string, close: () => Promise<void>}>}
 */
export function startServer({ port = 0, host = '127.0.0.1', extraHeaders, quiet = true, root = repoRoot } = {}) {
  const folders = mounts(path.resolve(root));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let file = resolve(url.pathname, folders);
    let stat = null;
    try {
      stat = file && statSync(file);
      if (stat && stat.isDirectory()) {
        file = path.join(file, 'index.html');
        stat = statSync(file);
      }
    } catch { stat = null; }
    const headers = {
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': 'no-cache',
      ...(extraHeaders ? extraHeaders(url.pathname) : {}),
    };
    if (!stat || !stat.isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found');
      if (!quiet) process.stderr.write(`404 ${url.pathname}\n`);
      return;
    }
    const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': stat.size });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      ok({
        server,
        url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${p}/`,
        close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }),
      });
    });
  });
}
