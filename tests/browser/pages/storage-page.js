// Storage test page: exposes the library and the raw-IndexedDB fixtures to the test.
import * as metacog from '/dist/metacog.js';
import * as v1 from './idb-v1.js';

window.metacog = metacog;
window.v1 = v1;

/** Everything stored for a learner, as plain JSON (export minus timestamp and checksum, and load()). */
window.snapshot = async (store) => {
  const { exportedAt, checksum, ...doc } = await store.exportDocument();
  const l = await store.load();
  return { doc, state: l.state && Array.from(l.state), meta: l.meta, count: l.responseCount };
};
document.body.dataset.ready = 'true';
