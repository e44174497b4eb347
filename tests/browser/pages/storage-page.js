// Storage test page: exposes the library and the raw-IndexedDB fixtures to the test.
import * as metacog from '/dist/metacog.js';
import * as v1 from './idb-v1.js';

window.metacog = metacog;
window.v1 = v1;

/** Everything stored for a learner, as plain JSON (export minus timestamp and checksum, and load()
 * minus the revision: a write token that every write, a re-import of the same data too, renews). */
window.snapshot = async (store) => {
  const { exportedAt, checksum, ...doc } = await store.exportDocument();
  const l = await store.load();
  const meta = l.meta && { ...l.meta };
  if (meta) delete meta.revision;
  return { doc, state: l.state && Array.from(l.state), meta, count: l.responseCount };
};
document.body.dataset.ready = 'true';
