// Type declarations for metacog/widgets (dist/metacog-widgets.js): the widgets bundle re-exports
// everything of the library entry (metacog.d.ts) and adds the two custom elements
// <metacog-practice> and <metacog-sketch> and the helpers they use.
export * from './metacog.js';

export interface PracticeResponseDetail {
  item: string; skills: string[]; correct: boolean; answer: string; responseTimeMs: number; timestamp: number; responses: number;
}
export interface PracticeRecommendationDetail {
  item: string; skill: string; skills: string[]; kind: 'learn' | 'review' | 'practice' | 'not-ready'; p: number; mastery: number;
  reason: string; prompt: string; alternatives: { item: string; skill: string; p: number }[];
}
export interface PracticeMasteryDetail {
  mastery: { skill: string; mastery: number; attempts: number; correct: number; lastSeen: number | null }[];
  responses: number;
}
export interface SketchResultDetail {
  mode: 'teacher' | 'learner'; label: string; top: { label: string; p: number }[]; target?: string; correct?: boolean;
}
export interface PracticeReadyDetail {
  learnerId: string; items: number; skills: number; responses: number; storage: 'indexeddb' | 'memory';
}
export interface PracticeDataDetail { action: 'export' | 'import' | 'forget'; responses: number }
export interface SketchClassesDetail { classes: Record<string, number> }
/** A failure a widget showed: `code` is a MetacogError code (INTERNAL for anything else); `during` says what failed. */
export interface WidgetErrorDetail {
  code: string; message: string;
  during: 'load' | 'answer' | 'goal' | 'export' | 'import' | 'forget'
    | 'add-example' | 'remove-class' | 'recognise' | 'check' | 'alphabet';
}

/** <metacog-practice model item-bank learner-id goal lang>; parts: choice, next, feedback, recommendation, mastery, path, resources, data, input, submit, export, import, forget. */
export class MetacogPractice extends HTMLElement {
  /** Changing model, itemBank or learnerId after the start disposes the engine and starts again; changing goal redraws the path and resources. */
  model: string; itemBank: string; learnerId: string; goal: string; lang: string;
  /** Resolves when the engine is loaded and the first exercise is shown (for the latest start; rejects with the load error; stays pending while the element is out of the page). */
  readonly ready: Promise<void>;
  /** The widget's engine once loaded (null before, and after removal). */
  readonly engine: import('./metacog.js').Engine | null;
}

/** <metacog-sketch model mode="teacher|learner" alphabet="greek|cyrillic|teacher" lang>; parts: canvas, mode, undo, clear, add-class, add-example, recognise, guesses, target, check, next-letter, feedback. */
export class MetacogSketch extends HTMLElement {
  /** mode and alphabet may change at any time; changing model starts again (the teacher's classes are dropped). */
  model: string; mode: 'teacher' | 'learner'; alphabet: 'greek' | 'cyrillic' | 'teacher'; lang: string;
  /** Resolves when the classifier is loaded and, in learner mode, the letters are built (rejects with the failure; stays pending while the element is out of the page). */
  readonly ready: Promise<void>;
  /** The teacher's classifier once loaded (null before, and after removal). */
  readonly classifier: import('./metacog.js').SketchClassifier | null;
  /** Strokes as points in [0, 1]² of the canvas side. */
  readonly strokes: { x: number; y: number }[][];
  setStrokes(strokes: { x: number; y: number }[][]): void;
}

/** Checks a typed numeric answer against an item's answer string (exact rationals). */
export function checkAnswer(input: string, content: { answer: string; prompt?: string | Record<string, string> }):
  { status: 'correct' | 'incorrect' | 'form' | 'invalid'; hint?: 'number' | 'whole' | 'decimal' | 'fraction' | 'mixed' | 'simplest' | 'improper' };

/** Whether an item's content is a multiple-choice item: "type": "choice", or no "type" and "choices" present (the engine's rule). */
export function isChoiceItem(content: { type?: string; choices?: unknown }): boolean;

/** An exact rational read from a typed answer (parseNumber). */
export interface ParsedNumber {
  kind: 'integer' | 'decimal' | 'fraction' | 'mixed';
  num: bigint;
  /** > 0 */
  den: bigint;
  /** whether num/den was written in lowest terms */
  lowest: boolean;
}

/** Parses an integer ("12"), a decimal ("0.35", ".5"), a fraction ("7/5") or a mixed number ("1 3/4"); null for anything else. */
export function parseNumber(text: string): ParsedNumber | null;

/** Which letter the sketch widget's learner mode asks for next: the most confused first (priority = (1 + e + c) / (2 + n)). */
export class PracticeOrder {
  constructor(letters: string[]);
  readonly letters: string[];
  priority(letter: string): number;
  /** The letter to practise next (never the one just practised when there is a choice); null for an empty alphabet. */
  next(): string | null;
  /** Records an attempt at `target`; true when the classifier's top label was the target. */
  record(target: string, probabilities: Record<string, number>): boolean;
  /** Letters by priority, most confused first. */
  ranking(): { letter: string; priority: number; attempts: number; correct: number }[];
}

declare global {
  interface HTMLElementTagNameMap { 'metacog-practice': MetacogPractice; 'metacog-sketch': MetacogSketch }
  interface HTMLElementEventMap {
    'metacog-response': CustomEvent<PracticeResponseDetail>;
    'metacog-recommendation': CustomEvent<PracticeRecommendationDetail>;
    'metacog-mastery': CustomEvent<PracticeMasteryDetail>;
    'metacog-sketch-result': CustomEvent<SketchResultDetail>;
    'metacog-ready': CustomEvent<PracticeReadyDetail>;
    'metacog-data': CustomEvent<PracticeDataDetail>;
    'metacog-sketch-classes': CustomEvent<SketchClassesDetail>;
    'metacog-error': CustomEvent<WidgetErrorDetail>;
  }
}
