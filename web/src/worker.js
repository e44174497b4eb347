// The Worker entry point (bundled to dist/metacog-worker.js). It hosts ONE object made by a
// factory (factories.js, or an export of a same-origin module) and answers calls from the page
// through comlink; errors travel back as MetacogError with their code and message. The page
// terminates the Worker to dispose of the object — the only way to return wasm memory.
// No eval, no new Function, no blob: URLs — it runs under script-src 'self' 'wasm-unsafe-eval'.
import { expose } from 'comlink';
import { Host } from './host.js';
import { installErrorTransfer } from './rpc-errors.js';

installErrorTransfer();
expose(new Host());
