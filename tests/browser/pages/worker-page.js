// Worker test page: exposes the library to the test and records whether this page's CSP blocks
// code generation from strings (it must: script-src 'self' 'wasm-unsafe-eval').
import * as metacog from '/dist/metacog.js';

let evalBlocked = false;
try { new Function('return 1')(); } catch { evalBlocked = true; } // eslint-disable-line no-new-func
window.metacog = metacog;
document.body.dataset.evalBlocked = String(evalBlocked);
document.body.dataset.ready = 'true';
