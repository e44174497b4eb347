// Shared by the demo pages: language switch (links keep ?lang=), widgets' lang attribute, the
// service worker for offline use, and copy buttons. Nothing here makes a request to anywhere but
// this site's own files.
const zh = document.documentElement.dataset.lang === 'zh';
export const lang = zh ? 'zh-Hans' : 'en';

for (const el of document.querySelectorAll('metacog-practice, metacog-sketch')) el.setAttribute('lang', lang);

// keep the language on internal links
for (const a of document.querySelectorAll('a[href]')) {
  const href = a.getAttribute('href');
  if (a.dataset.lang !== undefined) continue;
  if (zh && /^[\w./-]+\.html(#.*)?$/.test(href)) {
    const [path, hash] = href.split('#');
    a.setAttribute('href', `${path}?lang=zh${hash ? `#${hash}` : ''}`);
  }
}
const here = location.pathname.replace(/\/$/, '/index.html').split('/').pop();
for (const a of document.querySelectorAll('.site-nav a')) {
  if (a.getAttribute('href').split('?')[0] === here) a.setAttribute('aria-current', 'page');
}
const switcher = document.querySelector('a.lang-switch');
if (switcher) {
  const u = new URL(location.href);
  if (zh) u.searchParams.delete('lang'); else u.searchParams.set('lang', 'zh');
  switcher.href = u.pathname + u.search + u.hash;
}

// copy buttons: <button class="copy" data-copy="id-of-pre">
for (const b of document.querySelectorAll('button.copy')) {
  b.addEventListener('click', async () => {
    const text = document.getElementById(b.dataset.copy).textContent;
    const status = document.getElementById(`${b.dataset.copy}-status`);
    try {
      await navigator.clipboard.writeText(text);
      if (status) status.textContent = zh ? '已复制。' : 'Copied.';
    } catch {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById(b.dataset.copy));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      if (status) status.textContent = zh ? '已选中，请按 Ctrl+C 复制。' : 'Selected: press Ctrl+C to copy.';
    }
  });
}

// Offline: a service worker caches this site's own files. data-offline on <html> says when the
// cache is complete (tests wait for it). It is registered only once the page's widgets are ready
// (or have failed, or after 10 s): its install fetches the whole site — both wasm builds, both
// models — and on a first visit that competed with the widgets' own loading, ≈ 0.4 s later to the
// first recommendation (bench/coldstart.mjs). Widgets are looked for at DOMContentLoaded, after
// every module script (frame.js adds its widget then), or at once if that has passed.
function widgetsSettled() {
  const widgets = [...document.querySelectorAll('metacog-practice, metacog-sketch')];
  return Promise.all(widgets.map(async (el) => {
    await customElements.whenDefined(el.localName);
    await el.ready.catch(() => {});
  }));
}

function registerOffline() {
  navigator.serviceWorker.register('sw.js', { updateViaCache: 'none' }).then(() => navigator.serviceWorker.ready).then(() => {
    document.documentElement.dataset.offline = 'ready';
  }).catch((err) => {
    document.documentElement.dataset.offline = 'unavailable';
    console.warn('[metacog demo] offline cache unavailable:', err.message);
  });
}

if ('serviceWorker' in navigator) {
  // Module scripts run while readyState is already 'interactive' but before DOMContentLoaded, so
  // readyState alone cannot say whether it has fired; the navigation timing entry can.
  const nav = performance.getEntriesByType?.('navigation')[0];
  const fired = document.readyState === 'complete' || (nav && nav.domContentLoadedEventStart > 0);
  const parsed = fired ? Promise.resolve()
    : new Promise((done) => document.addEventListener('DOMContentLoaded', done, { once: true }));
  Promise.race([parsed.then(widgetsSettled), new Promise((done) => setTimeout(done, 10000))]).then(registerOffline);
} else {
  document.documentElement.dataset.offline = 'unavailable';
}
