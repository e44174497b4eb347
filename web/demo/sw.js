// The demo's service worker: after the first visit the whole demo works with the network off.
// It caches this site's own files only (pages, scripts, wasm, models, item bank, the bundled
// explanation pages) and never talks to any other origin. Network first, so a rebuilt demo shows
// up at once; the cache answers when the network is gone.
// The cache is named after the build (dist/build-id.js, a hash of everything the demo serves, written
// by scripts/build.mjs). The browser re-checks imported scripts for updates (site.js registers with
// updateViaCache: 'none', so neither check is answered by the HTTP cache), so a new build is a new
// service worker: it caches every file of the new build, and on activation the old cache is deleted.
// A file the cache holds is never replaced by a later fetch (within a build the files do not change),
// so while a new build installs, the old worker's fetches do not put the new build's files into the
// old build's cache; only a page neither build cached before is taken from the network as it comes.
// Offline, a page therefore does not mix files of two builds.
importScripts('dist/build-id.js');
const CACHE = `metacog-demo-${self.METACOG_BUILD}`;
const FILES = [
  './', 'index.html', 'embed.html', 'privacy.html', 'how.html', 'widget.html',
  'favicon.svg', 'styles/site.css', 'js/lang.js', 'js/site.js', 'js/how.js', 'js/frame.js', 'js/privacy.js',
  'item-bank.json', 'resources/resource.css', 'resources/lang.js',
  'dist/metacog.js', 'dist/metacog-worker.js', 'dist/metacog-widgets.js', 'dist/metacog-charts.js', 'dist/uplot.min.css',
  'dist/metacog-simd.mjs', 'dist/metacog-simd.wasm', 'dist/metacog-scalar.mjs', 'dist/metacog-scalar.wasm',
  'models/demo-learner.safetensors', 'models/omniglot-protonet.safetensors',
];

async function precache() {
  const cache = await caches.open(CACHE);
  // past the HTTP cache: a static host's max-age must not put the previous build's files in this one
  await cache.addAll(FILES.map((f) => new Request(f, { cache: 'reload' })));
  // the explanation pages the item bank links to
  const bank = await (await cache.match('item-bank.json')).json();
  const pages = [...new Set((bank.resources || []).map((r) => r.url).filter((u) => !/^[a-z]+:/i.test(u)))];
  await cache.addAll(pages.map((f) => new Request(f, { cache: 'reload' })));
}

self.addEventListener('install', (event) => {
  // an install that fails (a file missing, the network gone) leaves no half-filled cache behind: the
  // worker is discarded, the previous build's worker and cache stay, and the next visit tries again
  event.waitUntil(precache().then(() => self.skipWaiting(), async (err) => {
    await caches.delete(CACHE);
    throw err;
  }));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith((async () => {
    try {
      const res = await fetch(req);
      // kept under the path without its query: a page's query (widget.html?learner=…) may name a
      // learner, and the cache must not keep it after "Forget me"; pages read their query themselves
      if (res.ok && res.type === 'basic') event.waitUntil(keep(url.origin + url.pathname, res.clone()));
      return res;
    } catch (err) {
      const hit = await caches.match(req, { ignoreSearch: true, cacheName: CACHE });
      if (hit) return hit;
      throw err;
    }
  })());
});

/** Puts a file this build's cache lacks; never re-creates the cache after a newer worker deleted it. */
async function keep(key, res) {
  if (!(await caches.has(CACHE))) return;
  const cache = await caches.open(CACHE);
  if (!(await cache.match(key))) await cache.put(key, res);
}
