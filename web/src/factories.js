// The objects a Worker (or the page, with `worker: false`) can host, by factory name. Each factory
// takes one options object (structured-cloneable) and returns, possibly asynchronously, an object
// whose methods take and return plain data. Register new hostable objects here (the learner
// engine, the sketch classifier) so that both the Worker entry and the in-process path see them.
import { createPrototypesCore } from './prototypes.js';
import { createSketchCore } from './sketch.js';
import { createEngineCore } from './engine-core.js';

/** @type {Readonly<Record<string, (options: any) => any>>} factory name → factory */
export const FACTORIES = Object.freeze({
  /** A prototype classifier over vectors (see prototypes.js); options { dim, state?, simd?, baseUrl? }. */
  prototypes: (options) => createPrototypesCore(options),
  /** A drawing classifier on a Conv-4 embedding (sketch.js); options { model: Uint8Array, state?, simd? }. */
  sketch: (options) => createSketchCore(options),
  /** The learner engine (engine-core.js); options { model: Uint8Array, itemBank, learnerId?, storage?, simd? }. */
  engine: (options) => createEngineCore(options),
});
