// privacy.html: lists what this site holds in this browser right now (IndexedDB databases, the
// offline cache) and deletes all of it on request. Local APIs only.
const zh = document.documentElement.dataset.lang === 'zh';
const held = document.getElementById('held');
const status = document.getElementById('delete-status');

async function inventory() {
  const dbs = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name).filter(Boolean) : [];
  const caches_ = 'caches' in self ? await caches.keys() : [];
  let cached = 0;
  for (const k of caches_) cached += (await (await caches.open(k)).keys()).length;
  return { dbs, caches: caches_, cached };
}

async function show() {
  const { dbs, caches: cs, cached } = await inventory();
  const ul = document.createElement('ul');
  const li = (text) => { const x = document.createElement('li'); x.textContent = text; ul.append(x); };
  if (dbs.length === 0) li(zh ? '没有 IndexedDB 数据库。' : 'No IndexedDB databases.');
  for (const d of dbs) li(zh ? `IndexedDB 数据库：${d}` : `IndexedDB database: ${d}`);
  li(zh ? `离线缓存：${cs.length} 个缓存，${cached} 个文件` : `Offline cache: ${cs.length} cache${cs.length === 1 ? '' : 's'}, ${cached} files`);
  held.replaceChildren(ul);
}

document.getElementById('delete-all').addEventListener('click', async () => {
  const { dbs, caches: cs } = await inventory();
  await Promise.all(dbs.map((name) => new Promise((ok) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = r.onerror = r.onblocked = () => ok();
  })));
  await Promise.all(cs.map((k) => caches.delete(k)));
  const regs = navigator.serviceWorker ? await navigator.serviceWorker.getRegistrations() : [];
  await Promise.all(regs.map((r) => r.unregister()));
  status.textContent = zh ? `已删除 ${dbs.length} 个数据库和 ${cs.length} 个缓存。` : `Deleted ${dbs.length} database(s) and ${cs.length} cache(s).`;
  await show();
});

show();
