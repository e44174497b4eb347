// Storage test page: exposes the library and the raw-IndexedDB fixtures to the test.
import * as metacog from '/dist/metacog.js';
import * as v1 from './idb-v1.js';

window.metacog = metacog;
window.v1 = v1;
document.body.dataset.ready = 'true';
