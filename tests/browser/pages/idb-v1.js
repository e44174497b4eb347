// Raw IndexedDB fixtures for the storage tests, independent of the library: write a learner
// database exactly as schema v1 did (web/src/storage-idb.js documents the layout), and inspect a
// database without upgrading it.

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Creates a v1 learner database: `responses` (auto-increment; { item, correct: 0|1, timestamp,
 * responseTimeMs? }) and `learner` ('state' → { bytes, itemBankHash, updatedAt }).
 */
export function createV1Database(name, { responses = [], state = null } = {}) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore('responses', { autoIncrement: true });
      req.result.createObjectStore('learner');
    };
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['responses', 'learner'], 'readwrite');
      for (const r of responses) tx.objectStore('responses').add(r);
      if (state) tx.objectStore('learner').put(state, 'state');
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onabort = () => reject(tx.error);
    };
  });
}

/** Creates an empty database at `version` (e.g. one "from a newer metacog"). */
export function createDatabaseAtVersion(name, version) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = () => req.result.createObjectStore('future');
    req.onsuccess = () => { req.result.close(); resolve(); };
    req.onerror = () => reject(req.error);
  });
}

/** Names of the databases of this origin. */
export async function databaseNames() {
  return (await indexedDB.databases()).map((d) => d.name).sort();
}

/** Version, stores, response indexes and contents of an existing database (null if absent). */
export async function inspect(name) {
  if (!(await databaseNames()).includes(name)) return null;
  const db = await request(indexedDB.open(name));
  try {
    const stores = [...db.objectStoreNames].sort();
    const tx = db.transaction(stores, 'readonly');
    const out = { version: db.version, stores, indexes: [], responses: [], state: null };
    if (stores.includes('responses')) {
      const log = tx.objectStore('responses');
      out.indexes = [...log.indexNames];
      out.responses = await request(log.getAll());
    }
    if (stores.includes('learner')) {
      const s = await request(tx.objectStore('learner').get('state'));
      out.state = s ? { ...s, bytes: s.bytes ? Array.from(s.bytes) : null } : null;
    }
    return out;
  } finally {
    db.close();
  }
}

/** Records every IDBDatabase.transaction() call as { stores, mode } in window.__transactions. */
export function recordTransactions() {
  window.__transactions = [];
  const original = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function transaction(stores, mode, ...rest) {
    window.__transactions.push({ stores: [].concat(stores).sort(), mode: mode || 'readonly' });
    return original.call(this, stores, mode, ...rest);
  };
}
