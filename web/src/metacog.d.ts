// Type declarations for metacog (dist/metacog.js).

export type ErrorCode =
  | 'INVALID_ARGUMENT' | 'INVALID_STATE' | 'UNKNOWN_ITEM' | 'UNKNOWN_LABEL' | 'MODEL_FORMAT'
  | 'MODEL_VERSION' | 'MODEL_KIND' | 'ITEM_BANK' | 'DATA_FORMAT' | 'STATE_FORMAT' | 'STATE_VERSION'
  | 'STORAGE' | 'DISPOSED' | 'WASM_LOAD' | 'OUT_OF_MEMORY' | 'INTERNAL' | 'IO';

/** Every failure of the API. A rejected call changes no state. */
export class MetacogError extends Error {
  readonly name: 'MetacogError';
  readonly code: ErrorCode;
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

/** Prototype classifier over vectors: c_k = Σ s_i x_i / Σ s_i, p(k|x) = softmax(−‖x − c_k‖²). */
export interface PrototypeClassifier {
  readonly dim: number;
  addExample(label: string, vector: Vector, weight?: number): Promise<void>;
  classify(vector: Vector): Promise<Classification>;
  removeClass(label: string): Promise<void>;
  clear(): Promise<void>;
  classes(): Promise<string[]>;
  counts(): Promise<Record<string, number>>;
  serialize(): Promise<PrototypesState>;
  restore(state: PrototypesState): Promise<void>;
  dispose(): void;
}

export function createPrototypeClassifier(options: {
  dim: number;
  state?: PrototypesState;
  simd?: SimdOption;
  baseUrl?: string | URL;
}): Promise<PrototypeClassifier>;
