// createEngine — the adaptive-learning engine for one learner (design.md §3.1).
//
//   const engine = await createEngine({ model: '/models/demo-learner.safetensors', itemBank: '/item-bank.json' });
//   await engine.observe({ item: 'q17', correct: true });          // adapts, persists (one transaction)
//   const next = await engine.recommend({ count: 3 });              // [{ item, p, skill, reason, ... }]
//
// In browsers the engine runs in a dedicated module Worker and stores the learner in IndexedDB;
// under Node it runs in-process with in-memory storage. Options: model (URL, ArrayBuffer or
// Uint8Array of a learner-model .safetensors), itemBank (object or URL of the JSON) — either may
// also be a promise of one, e.g. a fetch the page has already started —, learnerId ('default'),
// storage ('indexeddb' | 'memory'), worker (boolean), simd ('auto' | true | false).
// The Worker starts, and begins compiling the wasm build, while the model and item bank load.
import { MetacogError, adoptPromises, check, isThenable, settled } from './errors.js';
import { checkModelSource, modelBytes, resolveUrl } from './model-bytes.js';
import { describe } from './prototypes.js';
import { hostObject } from './rpc.js';
import { readUrl } from './env.js';


/**
 * INVALID_ARGUMENT unless `itemBank` is an object, a URL or a promise (checked once settled).
 * @returns {URL|undefined} the resolved URL when `itemBank` is one
 */
function checkItemBankSource(itemBank) {
  if (isThenable(itemBank) || (itemBank !== null && typeof itemBank === 'object' && !(itemBank instanceof URL))) return undefined;
  check(typeof itemBank === 'string' || itemBank instanceof URL,
    `createEngine: itemBank must be an item-bank object or its URL, got ${describe(itemBank)}`);
  return resolveUrl(itemBank, 'createEngine: itemBank');
}

async function itemBankObject(pending) {
  const itemBank = await settled(pending, 'createEngine: itemBank');
  const url = checkItemBankSource(itemBank);
  if (url === undefined) return itemBank;
  let text;
  try {
    text = await readUrl(url, 'text');
  } catch (err) {
    throw new MetacogError('IO', `createEngine: could not load the item bank from ${url.href} (${err && err.message})`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MetacogError('ITEM_BANK', `createEngine: the item bank at ${url.href} is not valid JSON (${err.message})`);
  }
}

/** The page-side engine: every call forwards to the hosted EngineCore and returns plain data. */
export class Engine {
  constructor(remote) { this._remote = remote; }
  /** @param {{item: string, correct: boolean, timestamp?: number, responseTimeMs?: number}} response */
  observe(response) { return this._remote.call('observe', response); }
  predict(itemIds) { return this._remote.call('predict', itemIds); }
  mastery() { return this._remote.call('mastery'); }
  recommend(options = {}) { return this._remote.call('recommend', options); }
  learningPath(options = {}) { return this._remote.call('learningPath', options); }
  recommendResources(options = {}) { return this._remote.call('recommendResources', options); }
  explain(item) { return this._remote.call('explain', item); }
  adapt(options = {}) { return this._remote.call('adapt', options); }
  exportLearnerData() { return this._remote.call('exportLearnerData'); }
  importLearnerData(doc) { return this._remote.call('importLearnerData', doc); }
  forget() { return this._remote.call('forget'); }
  async info() { return { ...(await this._remote.call('info')), worker: this._remote.inWorker }; }
  get inWorker() { return this._remote.inWorker; }
  dispose(options) { return this._remote.dispose(options); }
}

/**
 * @param {{model: string|URL|ArrayBuffer|Uint8Array, itemBank: object|string|URL, learnerId?: string,
 *   storage?: 'indexeddb'|'memory', worker?: boolean, simd?: 'auto'|boolean}} options
 * @returns {Promise<Engine>}
 */
export async function createEngine(options) {
  check(options !== null && typeof options === 'object', 'createEngine: pass { model, itemBank, learnerId?, storage?, worker?, simd? }');
  adoptPromises(options.model, options.itemBank);
  const { learnerId = 'default', storage, simd, worker } = options;
  check(typeof learnerId === 'string' && learnerId.length > 0 && learnerId.length <= 256,
    `createEngine: learnerId must be a non-empty string (≤ 256 characters), got ${describe(learnerId)}`);
  check(storage === undefined || storage === 'indexeddb' || storage === 'memory',
    `createEngine: storage must be 'indexeddb' or 'memory', got ${String(storage)}`);
  // Wrong types are refused here, before a Worker is started; promises are checked once settled.
  checkModelSource(options.model, 'createEngine');
  checkItemBankSource(options.itemBank);
  const loading = Promise.all([
    settled(options.model, 'createEngine: model').then((m) => modelBytes(m, 'createEngine')),
    itemBankObject(options.itemBank),
  ]).then(([model, itemBank]) => ({ model, itemBank, learnerId, storage, simd }));
  const remote = await hostObject({ factory: 'engine', options: loading, worker, preload: { simd } });
  return new Engine(remote);
}
