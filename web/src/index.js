// metacog — on-device adaptive learning and few-shot classification (public entry point).
export { MetacogError, ERROR_CODES } from './errors.js';
export { createPrototypeClassifier, PrototypeClassifier } from './prototypes.js';
export { openStorage, requestPersistentStorage, databaseName, LearnerStore, SCHEMA_VERSION, DOCUMENT_FORMAT, DOCUMENT_VERSION } from './storage.js';
export { hostObject, RemoteObject } from './rpc.js';
export { createSketchClassifier, SketchClassifier } from './sketch.js';
export { createEngine, Engine } from './engine.js';

/** Library version (matches the engine's created_by). */
export const version = '0.1.0';
