// Type declarations for metacog (dist/metacog.js).

export type ErrorCode =
  | 'INVALID_ARGUMENT' | 'INVALID_STATE' | 'UNKNOWN_ITEM' | 'UNKNOWN_LABEL' | 'MODEL_FORMAT'
  | 'MODEL_VERSION' | 'MODEL_KIND' | 'ITEM_BANK' | 'DATA_FORMAT' | 'STATE_FORMAT' | 'STATE_VERSION'
  | 'STORAGE' | 'DISPOSED' | 'WASM_LOAD' | 'OUT_OF_MEMORY' | 'INTERNAL' | 'IO';

/** Every failure of the API. A rejected call changes no state. */
export class MetacogError extends Error {
  readonly name: 'MetacogError';
  readonly code: ErrorCode;
  /** true on a STORAGE error from a conditional write (`expectRevision`) that another writer pre-empted */
  readonly conflict?: boolean;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown });
}
export const ERROR_CODES: readonly ErrorCode[];
export const version: string;

export type SimdOption = 'auto' | boolean;
export type Vector = Float32Array | Float64Array | number[];

export interface Classification {
  label: string;
  probabilities: Record<string, number>;
  distances: Record<string, number>;
}

export interface PrototypesState {
  kind: 'metacog-prototypes';
  version: number;
  dim: number;
  examples: { label: string; x: number[]; weight: number }[];
}

/**
 * Prototype classifier over vectors: c_k = Σ s_i x_i / Σ s_i, p(k|x) = softmax(−‖x − c_k‖²).
 * Runs in a dedicated Worker (browser default) or in-process (`worker: false`, the Node default);
 * the page holds plain data only.
 */
export class PrototypeClassifier {
  readonly dim: number;
  /** whether the classifier runs in a Worker */
  readonly inWorker: boolean;
  addExample(label: string, vector: Vector, weight?: number): Promise<void>;
  classify(vector: Vector): Promise<Classification>;
  removeClass(label: string): Promise<void>;
  clear(): Promise<void>;
  classes(): Promise<string[]>;
  counts(): Promise<Record<string, number>>;
  serialize(): Promise<PrototypesState>;
  restore(state: PrototypesState): Promise<void>;
  /** As Engine.dispose: calls already made finish, then the Worker is terminated. */
  dispose(options?: DisposeOptions): Promise<void>;
}

export function createPrototypeClassifier(options: {
  dim: number;
  state?: PrototypesState;
  simd?: SimdOption;
  /** the folder of the wasm builds, on this page's origin (default: next to metacog.js) */
  baseUrl?: string | URL;
  /** default: true in browsers, false under Node */
  worker?: boolean;
}): Promise<PrototypeClassifier>;

// ── Storage (storage.js): one learner's responses and engine state, IndexedDB or memory ──

/** One learner response as stored. */
export interface StoredResponse {
  item: string;
  correct: boolean;
  /** milliseconds since the epoch */
  timestamp: number;
  responseTimeMs: number | null;
}

/** Metadata of the model and item bank a learner state was made with. */
export interface ModelMeta {
  modelId: string | null;
  modelHash: string | null;
  itemBankHash: string | null;
}

/** Metadata stored with a learner state. */
export interface StoredStateMeta extends ModelMeta {
  updatedAt: number | null;
  /** number of logged responses the state reflects (always the length of the log) */
  responseCount: number;
  schemaVersion: number;
  /** random id of the write that stored this state (absent on states stored before revisions) */
  revision?: string;
}

/** Write only if the stored state's revision is still this one (null: no state stored); otherwise
 *  the write rejects with a MetacogError STORAGE whose `conflict` is true, and nothing is written. */
export interface WriteCondition {
  expectRevision?: string | null;
}

/** The versioned JSON document of everything stored about a learner. */
export interface LearnerDataDocument {
  format: 'metacog-learner-data';
  version: number;
  learnerId: string;
  /** ISO 8601 */
  exportedAt: string;
  meta: ModelMeta & { updatedAt: number | null; responseCount: number };
  state: null | { encoding: 'base64'; bytes: number; sha256: string; data: string };
  responses: StoredResponse[];
  /** "sha256:" + hex digest of the canonical JSON of every other field */
  checksum: string;
}

export interface StorageWarning {
  code: 'STORAGE';
  message: string;
}

export interface OpenStorageOptions {
  /** default 'default' */
  learnerId?: string;
  /** default 'indexeddb' in browsers (falls back to 'memory' with a warning), 'memory' under Node */
  backend?: 'indexeddb' | 'memory';
  /** stamped on every state written */
  meta?: Partial<ModelMeta>;
  /** e.g. a Storage Access API handle's indexedDB inside a cross-site iframe */
  indexedDB?: IDBFactory | null;
  /** memory backend: refuse writes past this many bytes */
  quotaBytes?: number;
  onWarning?: (warning: StorageWarning) => void;
}

/** One learner's persisted data. Every write is one transaction; a rejected call changes nothing. */
export class LearnerStore extends EventTarget {
  readonly learnerId: string;
  readonly backend: 'indexeddb' | 'memory';
  /** false for memory: the data is lost with the page */
  readonly persistent: boolean;
  readonly meta: ModelMeta;
  readonly warnings: StorageWarning[];
  load(): Promise<{ state: Uint8Array | null; meta: StoredStateMeta | null; responseCount: number; revision: string | null }>;
  responses(): Promise<StoredResponse[]>;
  appendResponse(
    response: { item: string; correct: boolean; timestamp: number; responseTimeMs?: number | null },
    stateBytes: Uint8Array,
    options?: WriteCondition,
  ): Promise<{ responseCount: number; updatedAt: number; revision: string }>;
  writeState(stateBytes: Uint8Array, meta?: Partial<ModelMeta>, options?: WriteCondition): Promise<{ responseCount: number; updatedAt: number; revision: string }>;
  exportDocument(): Promise<LearnerDataDocument>;
  /** Throws STATE_VERSION for a newer document, STATE_FORMAT for a malformed or tampered one.
   *  `options.state`: store this learner state (an engine's) with the document's log instead of the
   *  document's own, in the same transaction. */
  importDocument(doc: LearnerDataDocument | string, options?: { state?: Uint8Array }): Promise<{ learnerId: string; responseCount: number; hasState: boolean; revision: string | null }>;
  forget(): Promise<void>;
  close(): void;
  addEventListener(type: 'warning', listener: (event: CustomEvent<StorageWarning>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}

export function openStorage(options?: OpenStorageOptions): Promise<LearnerStore>;
/** navigator.storage.persist(); false where unsupported or refused. */
export function requestPersistentStorage(): Promise<boolean>;
/** The IndexedDB database name of a learner: "metacog-learner:<learnerId>". */
export function databaseName(learnerId: string): string;
export const SCHEMA_VERSION: number;
export const DOCUMENT_FORMAT: 'metacog-learner-data';
export const DOCUMENT_VERSION: number;

// ── Hosting an object in a Worker (rpc.js) ──

export interface HostObjectSpec {
  /** a built-in factory ('prototypes', …) or the export name in `module` */
  factory: string;
  /** passed to the factory (structured-cloned), or a promise of them: awaited once the Worker has
   *  started; its rejection rejects hostObject and terminates the Worker */
  options?: object | Promise<object>;
  /** start loading this wasm build for the Worker at once (compiled in the page when the Worker
   *  is the default one, then handed over), while `options` load */
  preload?: { simd?: SimdOption };
  /** a same-origin ES module exporting the factory */
  module?: string | URL;
  /** default true in browsers, false under Node */
  worker?: boolean;
  /** default: metacog-worker.js next to metacog.js */
  workerUrl?: string | URL;
}

export interface DisposeOptions {
  /** terminate at once instead of after the calls already made (for a call that does not end) */
  force?: boolean;
}

/** A hosted object: forwarding methods for each of `methods`, plus call() and dispose(). */
export class RemoteObject {
  readonly methods: readonly string[];
  readonly properties: Readonly<Record<string, string | number | boolean | null>>;
  readonly inWorker: boolean;
  readonly disposed: boolean;
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  /**
   * Calls made before dispose() finish and settle as usual, then the Worker is terminated; later
   * calls reject with DISPOSED. `force`: terminate at once; calls still running reject with
   * DISPOSED and whether they took effect is unknown. Resolves once terminated.
   */
  dispose(options?: DisposeOptions): Promise<void>;
  [method: string]: unknown;
}

export function hostObject(spec: HostObjectSpec): Promise<RemoteObject>;

// ── createEngine: the adaptive-learning engine (design.md §3.1) ──

export type ModelSource = string | URL | ArrayBuffer | Uint8Array;

export interface EngineOptions {
  /** a .safetensors learner model (URL, or its bytes), or a promise of one (e.g. a fetch already
   *  started): the engine's Worker starts and compiles the wasm build while it loads */
  model: ModelSource | Promise<ModelSource>;
  /** the item bank (design.md §3.4) or its URL, or a promise of either */
  itemBank: object | string | URL | Promise<object | string | URL>;
  /** key of the persisted learner state; default 'default' (≤ 256 characters) */
  learnerId?: string;
  /** 'indexeddb' (browser default) or 'memory' (Node default) */
  storage?: 'indexeddb' | 'memory';
  /** run the engine in a dedicated Worker (browser default true; Node: in process) */
  worker?: boolean;
  /** which wasm build: 'auto' (detect SIMD), true or false */
  simd?: SimdOption;
}

export interface Observation {
  item: string;
  correct: boolean;
  /** milliseconds since the epoch; default now (but never before the learner's latest answer).
   *  Must not be before the learner's latest answer (INVALID_ARGUMENT), nor more than a day after
   *  this device's clock (microseconds by mistake, say). */
  timestamp?: number;
  responseTimeMs?: number;
}

export interface Prediction { item: string; p: number }
/**
 * `mastery` is P(skill mastered | the learner's answers). With a model that carries ρ (`mastery.rho`,
 * the demo model) and a bank of ≤ 17 skills it comes from the prerequisite-aware joint filter
 * (engine/include/metacog/learner_joint.hpp), otherwise from the per-skill knowledge filter or the
 * network's calibrated success rate.
 */
/** attempts / correct: the learner's answers on items of the skill and how many were right; lastSeen: ms since the epoch of the latest, or null */
export interface SkillMastery { skill: string; mastery: number; attempts: number; correct: number; lastSeen: number | null; [key: string]: unknown }
/**
 * `p` is the recommender's P(correct) for the item. With a model that carries the knowledge filter
 * (the demo model), it takes its level from the filter (the joint filter's P(correct) for the item,
 * or the per-skill filter's P(mastered)) and only the item's difficulty
 * within its skill from the network, so it can differ from `predict()` (the network's own P(correct));
 * without a filter the two are equal. See engine/include/metacog/recommender_learner.hpp (2).
 */
export interface Recommendation {
  item: string; p: number;
  /** the item's main skill (its least-mastered one; for a review, the one most due) and its mastery */
  skill: string; mastery: number;
  /** 'learn': a skill not yet mastered; 'review': mastered, due for review; 'practice': mastered, not due; 'not-ready': prerequisites not mastered */
  kind: 'learn' | 'review' | 'practice' | 'not-ready';
  /** the main skill's prerequisites */
  prerequisites: string[];
  /** time since the main skill was last practised (null: never) */
  sincePractice: number | null;
  /** answered a moment ago (within the no-repeat window): it comes back only when no other exercise is ready */
  repeat: boolean;
  reason: string; [key: string]: unknown;
}
export interface PathStep {
  skill: string; mastery: number; gainPerItem: number;
  /** items to reach the mastery threshold; 0 when the bank has no item of this skill (then `items` is empty) */
  estimatedItems: number;
  items: string[]; unlocks: string[]; isGoal: boolean; reason: string; [key: string]: unknown;
}
export interface ResourceRecommendation {
  resource: string; score: number;
  /** its skill with the largest need, that skill's mastery and need */
  skill: string; mastery: number; need: number;
  /** every skill it covers is mastered (such resources come after all others) */
  mastered: boolean;
  reason: string; [key: string]: unknown;
}

export interface EngineInfo {
  version: string;
  simd: boolean;
  /** the model file's __metadata__ keys of design.md §3.3 (format, format_version, algo, arch and
   *  metrics parsed from their JSON, trained_on, created_by); other keys (e.g. a learner model's
   *  vocabulary) are not repeated here */
  model: { format: 'metacog'; format_version: number; algo: string; arch: Record<string, unknown>; trained_on: string; metrics: Record<string, unknown>; created_by: string; [key: string]: unknown };
  items: number;
  skills: number;
  resources: number;
  /** responses stored for this learner */
  responses: number;
  /** where the learner's data lives; 'memory' (persistent: false) when IndexedDB is unavailable, with the reason in warnings */
  storage: { backend: 'indexeddb' | 'memory'; persistent: boolean; warnings: StorageWarning[] };
  /** the wasm module's linear memory and the size of the engine state stored per observe */
  memory: { wasmHeapBytes: number; stateBytes: number };
  /** "sha256:<hex>" of the model bytes and of the item bank's JSON as loaded (a stored learner state is reused only with the same modelHash) */
  modelHash: string;
  itemBankHash: string;
  /** true when the engine runs in a Worker */
  worker: boolean;
  [key: string]: unknown;
}

export class Engine {
  /** One learner response: adapts the learner model and persists response + state in one transaction.
   *  → how many responses are stored, and this one's timestamp as stored (ms). */
  observe(response: Observation): Promise<{ responses: number; timestamp: number }>;
  predict(itemIds: string[]): Promise<Prediction[]>;
  mastery(): Promise<SkillMastery[]>;
  /**
   * The next exercises. count: how many (default 5); target: predicted success to aim for (default
   * 0.7); masteryThreshold: P(mastered) at which a skill counts as mastered, for prerequisites and
   * need (default 0.95).
   */
  recommend(options?: { count?: number; target?: number; masteryThreshold?: number; [key: string]: unknown }): Promise<Recommendation[]>;
  /** goals: a skill id or skill ids (default: the bank's terminal skills, those no other skill needs) */
  learningPath(options?: { goals?: string | string[]; [key: string]: unknown }): Promise<PathStep[]>;
  recommendResources(options?: { count?: number; goals?: string | string[]; [key: string]: unknown }): Promise<ResourceRecommendation[]>;
  /** Why the model predicts what it does for an item (feature-group contributions, recent responses). */
  explain(item: string): Promise<Record<string, unknown>>;
  /** An explicit Reptile fine-tuning pass (observe() adapts too). */
  adapt(options?: { steps?: number }): Promise<void>;
  /** Everything stored about the learner, versioned and checksummed. */
  exportLearnerData(): Promise<LearnerDataDocument>;
  /** Validates the whole document (object or JSON text) before replacing anything. Its state is
   *  used when this model wrote it; otherwise the learner is rebuilt from its response log. */
  importLearnerData(doc: LearnerDataDocument | string): Promise<{ responses: number }>;
  /** Deletes the learner's stored data and in-memory state; back to the model's prior. */
  forget(): Promise<void>;
  info(): Promise<EngineInfo>;
  /** true when the engine runs in a Worker */
  readonly inWorker: boolean;
  /** Calls already made finish, then the Worker is terminated (or the in-process engine freed);
   *  later calls reject with DISPOSED. See RemoteObject.dispose for `force`. */
  dispose(options?: DisposeOptions): Promise<void>;
}

export function createEngine(options: EngineOptions): Promise<Engine>;

// ── createSketchClassifier: few-shot drawings with a meta-learned embedding ──

/**
 * A drawing of any size (ImageData, a canvas), or a 28×28 model input (ink in [0, 1] as a Float32Array,
 * 0..255 as a byte array). A blank one (no pixel with more ink than 0.05) is INVALID_ARGUMENT.
 */
export type SketchImage = ImageData | HTMLCanvasElement | OffscreenCanvas | Float32Array | Uint8Array | Uint8ClampedArray;

export interface SketchClassification {
  label: string;
  probabilities: Record<string, number>;
  distances: Record<string, number>;
  /** the (up to) three most probable classes, most probable first */
  top: Array<{ label: string; p: number }>;
  [key: string]: unknown;
}

export class SketchClassifier {
  /** the model's input side (28) */
  readonly imageSize: number;
  readonly embeddingDim: number;
  /** true when the classifier runs in a Worker */
  readonly inWorker: boolean;
  addExample(label: string, image: SketchImage, weight?: number): Promise<unknown>;
  classify(image: SketchImage): Promise<SketchClassification>;
  /** The 28×28 input the embedding sees. */
  preprocess(image: SketchImage): Promise<Float32Array>;
  removeClass(label: string): Promise<unknown>;
  clear(): Promise<unknown>;
  classes(): Promise<string[]>;
  counts(): Promise<Record<string, number>>;
  info(): Promise<Record<string, unknown>>;
  /** A state to pass back as createSketchClassifier({ model, state }) or restore(). */
  serialize(): Promise<unknown>;
  restore(state: unknown): Promise<unknown>;
  /** As Engine.dispose. */
  dispose(options?: DisposeOptions): Promise<void>;
}

export function createSketchClassifier(options: { model: ModelSource | Promise<ModelSource>; state?: unknown; simd?: SimdOption; worker?: boolean }):
  Promise<SketchClassifier>;
