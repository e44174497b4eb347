// <metacog-sketch>: draw, teach, recognise — few-shot drawing classification with the
// Omniglot-trained ProtoNet embedding.
//
//   <metacog-sketch model="models/omniglot-protonet.safetensors" mode="teacher" lang="en"></metacog-sketch>
//
// Teacher mode: add classes and a few example drawings per class (or type a character to add it
// rendered from a system font); recognise a new drawing → top-3 with probabilities.
// Learner mode: letters of a new alphabet rendered from system fonts (or the teacher's classes)
// are the prototypes; the learner draws the letter asked for, sees the top-3, and the next letter
// is the one they confuse most (practice-order.js). Drawing: pointer events (mouse, touch, pen),
// undo, clear. Classification, preprocessing (centre, scale, 28×28) and prototypes run in the
// engine in a Worker; nothing is sent anywhere. Events: metacog-sketch-result, metacog-sketch-classes,
// metacog-error. `mode` and `alphabet` may change at any time (attribute or buttons); the learner's
// letters are built one change at a time. Changing `model` starts again with a new classifier (the
// teacher's classes are dropped); removing the element disposes its Workers, also while loading.
import { LitElement, html, svg, css, nothing } from 'lit';
import { createSketchClassifier } from '../sketch.js';
import { resolveUrl } from '../model-bytes.js';
import { renderStrokes, renderGlyph, hasInk } from './strokes.js';
import { PracticeOrder } from './practice-order.js';
import { sketchStrings, ALPHABETS, GLYPH_FONTS } from './sketch-i18n.js';
import { langTag } from './i18n.js';
import { base } from './styles.js';
import { WidgetLifecycle, disposeQuietly, errorDetail, fetchOk } from './lifecycle.js';
import { MetacogError } from '../errors.js';

const SIDE = 280;       // canvas backing size in pixels
const GLYPH_SIDE = 105; // reference glyphs are rendered like Omniglot's 105×105 drawings

export class MetacogSketch extends LitElement {
  static properties = {
    model: { type: String },
    mode: { type: String, reflect: true },
    alphabet: { type: String },
    lang: { type: String, reflect: true },
    _status: { state: true },
    _error: { state: true },
    _counts: { state: true },
    _active: { state: true },
    _result: { state: true },
    _message: { state: true },
    _target: { state: true },
    _verdict: { state: true },
    _ranking: { state: true },
    _seen: { state: true },
    _busy: { state: true },
  };

  static styles = [base, css`
    .wrap { display: grid; gap: 1rem; grid-template-columns: auto minmax(0, 1fr); align-items: start; }
    @container (max-width: 640px) { .wrap { grid-template-columns: minmax(0, 1fr); } }
    .pad { display: grid; gap: .5rem; justify-items: start; }
    canvas.draw { width: min(280px, 80vw); aspect-ratio: 1; border: 2px solid var(--mc-muted); border-radius: var(--mc-radius);
      background: #fff; touch-action: none; cursor: crosshair; display: block; }
    .modes button[aria-pressed="true"] { background: var(--mc-accent); color: var(--mc-accent-fg); }
    .classes { list-style: none; padding: 0; margin: 0; display: grid; gap: .35rem; }
    .classes li { display: flex; align-items: center; gap: .5rem; flex-wrap: wrap; }
    .classes label { display: flex; align-items: center; gap: .4rem; font-weight: 600; }
    .classes input[type=radio] { width: 1.2rem; height: 1.2rem; }
    .remove { min-height: 32px; padding: .1rem .5rem; }
    .guesses { list-style: none; padding: 0; margin: 0; display: grid; gap: .35rem; }
    .guesses li { display: grid; grid-template-columns: 6rem 1fr 3.5rem; gap: .5rem; align-items: center; }
    .guesses .lbl { font-weight: 700; overflow-wrap: anywhere; }
    .pbar { height: .6rem; background: #dde2ea; border-radius: 999px; overflow: hidden; }
    .pbar svg { display: block; width: 100%; height: 100%; }
    .pbar rect { fill: var(--mc-accent); }
    fieldset.plain { border: none; padding: 0; margin: .75rem 0; }
    .spaced { margin-top: .75rem; }
    .target { font: 4rem/1.1 serif; padding: .25rem 1rem; border: 2px dashed var(--mc-border); border-radius: var(--mc-radius); background: #fff; }
    canvas.sees { width: 84px; height: 84px; image-rendering: pixelated; border: 1px solid var(--mc-border); background: #000; }
    .small { font-size: .875rem; }
    section + section { margin-top: 1rem; }
    .ranking { margin: 0; padding-left: 1.2rem; }
  `];

  constructor() {
    super();
    this.mode = 'teacher';
    this.alphabet = 'greek';
    this.lang = 'en';
    this._status = 'loading';
    this._counts = {};
    this._active = null;
    this._strokes = [];
    this._stroke = null;
    this._life = new WidgetLifecycle();
    this._learnerJob = Promise.resolve();
  }

  /** Resolves when the classifier is loaded (and, in learner mode, the letters are ready). */
  get ready() { return this._life.ready; }
  get _t() { return sketchStrings(this.lang); }
  /** The teacher's classifier (createSketchClassifier) once loaded. */
  get classifier() { return this._teacher; }

  connectedCallback() {
    super.connectedCallback();
    if (!this._started) { this._started = true; queueMicrotask(() => this._start()); }
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this._life.afterDisconnect(this, () => {
      this._disposeClassifiers();
      this._started = false;
      this._status = 'loading';
    });
  }

  _disposeClassifiers() {
    disposeQuietly(this._teacher);
    disposeQuietly(this._learner);
    this._teacher = this._learner = this._learnerClassifier = null;
    this._learnerAlphabet = null;
    this._target = null;
    this._letters = null;
  }

  async _start() {
    const run = this._life.begin();
    this._startedModel = this.model ?? null;  // null, not undefined: a model set later still restarts
    this._status = 'loading';
    this._counts = {};
    this._active = null;
    this._result = this._verdict = this._message = this._seen = null;
    try {
      if (!this.model) throw new MetacogError('INVALID_ARGUMENT', 'set the model attribute');
      // this page's origin only (design.md §7)
      const bytes = fetchOk(resolveUrl(this.model, 'model'), 'model').then(async (response) => new Uint8Array(await response.arrayBuffer()));
      // The classifier's Worker starts (and the wasm build compiles) while the model loads; a failed
      // fetch shows its own error, as when it was fetched first.
      const [bytesResult, teacherResult] = await Promise.allSettled([bytes, createSketchClassifier({ model: bytes.then((b) => b.slice()) })]);
      if (!this._life.current(run)) {  // removed or restarted meanwhile: nothing of this run is kept
        if (teacherResult.status === 'fulfilled') disposeQuietly(teacherResult.value);
        return;
      }
      if (bytesResult.status === 'rejected') throw bytesResult.reason;
      if (teacherResult.status === 'rejected') throw teacherResult.reason;
      this._modelBytes = bytesResult.value;
      this._teacher = teacherResult.value;  // from here on, whoever supersedes this run disposes it
      this._appliedMode = this.mode;
      this._status = 'ready';
      if (this.mode === 'learner') {
        const failed = await this._syncLearner({ report: false });
        if (failed && this._life.current(run)) throw failed;  // `ready` promises the letters too
      }
      if (!this._life.current(run)) return;
      this._life.succeed(run);
    } catch (err) {
      if (!this._life.current(run)) return;
      this._status = 'error';
      this._error = err.message || String(err);
      this._emit('metacog-error', errorDetail(err, 'load'));
      this._life.fail(run, err);
    }
  }

  willUpdate(changed) {
    if (this._started && this._startedModel !== undefined && (this.model ?? null) !== this._startedModel) {
      this._disposeClassifiers();
      this._start();
      return;
    }
    if (this._status !== 'ready') return;
    // a mode or alphabet set from outside (attribute, property) is applied like the buttons' changes
    if (changed.has('mode') && this.mode !== this._appliedMode) {
      this._appliedMode = this.mode;
      this._message = null;
      this._clear();
      if (this.mode === 'learner') this._syncLearner();
    } else if (changed.has('alphabet') && this.mode === 'learner') {
      this._clear();
      this._syncLearner();
    }
  }

  /**
   * Builds the learner's letters for the current alphabet, one build at a time: a change made
   * while a build runs waits for it and then builds what is wanted by then. Resolves with the
   * failure (or undefined); a failure is shown and reported unless `report` is false (the start
   * reports it as a load error instead).
   */
  _syncLearner({ report = true } = {}) {
    const teacher = this._teacher;
    this._preparing = true;
    this._target = null;  // no letter is asked for until the new letters are built
    this.requestUpdate();
    const job = this._learnerJob.then(async () => {
      if (teacher !== this._teacher) return undefined;  // restarted meanwhile
      try {
        await this._enterLearner();
        return undefined;
      } catch (err) {
        if (teacher === this._teacher && report) this._report(err, 'alphabet');
        return err;
      }
    });
    this._learnerJob = job;
    job.then(() => {
      if (this._learnerJob === job) { this._preparing = false; this.requestUpdate(); }
    });
    return job;
  }

  /** Shows a failed action in the status line and reports it as metacog-error. */
  _report(err, during) {
    this._message = this._errorText = this._t.failed(err && err.message ? err.message : String(err));
    this._emit('metacog-error', errorDetail(err, during));
  }

  updated(changed) {
    if (this._status === 'ready') {
      if (!this._ctx) {
        const c = this.renderRoot.querySelector('canvas.draw');
        if (c) { this._ctx = c.getContext('2d', { willReadFrequently: true }); this._redraw(); }
      }
    }
    this._paintSeen();
    if (changed.has('_status') || changed.has('mode')) {
      const c = this.renderRoot.querySelector('canvas.draw');
      if (c && this._ctx && this._ctx.canvas !== c) { this._ctx = c.getContext('2d', { willReadFrequently: true }); this._redraw(); }
    }
  }

  _emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true })); }

  // ── drawing ──

  _point(e) {
    const r = e.target.getBoundingClientRect();
    return { x: Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)), y: Math.min(1, Math.max(0, (e.clientY - r.top) / r.height)) };
  }

  _down(e) {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    try { e.target.setPointerCapture(e.pointerId); } catch { /* not an active pointer (synthetic input): draw without capture */ }
    this._stroke = [this._point(e)];
    this._strokes.push(this._stroke);
    this._redraw();
  }

  _move(e) {
    if (!this._stroke) return;
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const ev of (events.length ? events : [e])) this._stroke.push(this._point(ev));
    this._redraw();
  }

  _up() {
    if (!this._stroke) return;
    this._stroke = null;
    this.requestUpdate();
  }

  _redraw() { if (this._ctx) renderStrokes(this._ctx, this._strokes, SIDE); }

  _undo() { this._strokes.pop(); this._redraw(); this.requestUpdate(); }

  _clear() { this._strokes = []; this._redraw(); this._result = null; this._verdict = null; this.requestUpdate(); }

  /** Replaces the drawing with strokes given as points in [0, 1]² (host pages, tests, replays). */
  setStrokes(strokes) {
    this._strokes = strokes.map((s) => s.map((p) => ({ x: p.x, y: p.y })));
    this._redraw();
    this.requestUpdate();
  }

  get strokes() { return this._strokes.map((s) => s.map((p) => ({ ...p }))); }

  _drawingCanvas() {
    const c = document.createElement('canvas');
    c.width = c.height = SIDE;
    renderStrokes(c.getContext('2d'), this._strokes, SIDE);
    return c;
  }

  // ── teacher ──

  async _addClass(e) {
    e.preventDefault();
    const input = this.renderRoot.querySelector('#class-name');
    const label = input.value.trim();
    if (!label) { input.focus(); return; }
    if (!(label in this._counts)) this._counts = { ...this._counts, [label]: 0 };
    this._active = label;
    input.value = '';
    this._message = null;
  }

  /** The teacher classifier's counts; false (nothing changed) when the classifier was replaced meanwhile. */
  async _refreshCounts(teacher) {
    const counts = await teacher.counts();
    if (teacher !== this._teacher) return false;
    this._counts = counts;
    this._emit('metacog-sketch-classes', { classes: { ...this._counts } });
    return true;
  }

  /**
   * Runs a drawing action against `classifier`. Every action re-checks after each await that the
   * widget still has that classifier (a new model or a removal replaces it): a stale action changes
   * nothing and reports nothing. A failure is shown and reported as metacog-error.
   */
  async _action(during, classifier, action) {
    this._busy = true;
    try {
      await action();
    } catch (err) {
      if (classifier === this._teacher || classifier === this._learnerClassifier) this._report(err, during);
    } finally { this._busy = false; }
  }

  async _addExample() {
    const t = this._t;
    if (!this._active) return;
    if (!hasInk(this._strokes)) { this._message = t.drawFirst; return; }
    const teacher = this._teacher;
    const label = this._active;
    await this._action('add-example', teacher, async () => {
      await teacher.addExample(label, this._drawingCanvas());
      const pending = Object.entries(this._counts).filter(([l, n]) => n === 0 && l !== label);
      if (!await this._refreshCounts(teacher)) return;
      for (const [l] of pending) this._counts = { ...this._counts, [l]: this._counts[l] ?? 0 };
      this._message = t.added(label, this._counts[label]);
      this._clear();
    });
  }

  async _addGlyph(e) {
    e.preventDefault();
    const input = this.renderRoot.querySelector('#glyph');
    const ch = input.value.trim();
    if (!ch || !this._active) { input.focus(); return; }
    const teacher = this._teacher;
    const label = this._active;
    await this._action('add-example', teacher, async () => {
      const c = document.createElement('canvas');
      c.width = c.height = GLYPH_SIDE;
      renderGlyph(c.getContext('2d'), ch, GLYPH_SIDE, GLYPH_FONTS[0]);
      await teacher.addExample(label, c);
      if (!await this._refreshCounts(teacher)) return;
      this._message = this._t.added(label, this._counts[label]);
      input.value = '';
    });
  }

  async _removeClass(label) {
    const teacher = this._teacher;
    await this._action('remove-class', teacher, async () => {
      if ((this._counts[label] ?? 0) > 0) await teacher.removeClass(label);
      if (teacher !== this._teacher) return;
      const { [label]: _, ...rest } = this._counts;
      this._counts = rest;
      if (this._active === label) this._active = Object.keys(rest)[0] ?? null;
      this._emit('metacog-sketch-classes', { classes: { ...this._counts } });
    });
  }

  async _recognise() {
    const t = this._t;
    if (!hasInk(this._strokes)) { this._message = t.drawFirst; return; }
    const teacher = this._teacher;
    await this._action('recognise', teacher, async () => {
      const classes = await teacher.classes();
      if (teacher !== this._teacher) return;
      if (classes.length === 0) { this._message = t.needClass; return; }
      const canvas = this._drawingCanvas();
      const [r, seen] = await Promise.all([teacher.classify(canvas), teacher.preprocess(canvas)]);
      if (teacher !== this._teacher) return;
      this._result = r;
      this._seen = seen;
      this._message = null;
      this._emit('metacog-sketch-result', { mode: 'teacher', label: r.label, top: r.top.map((x) => ({ ...x })) });
    });
  }

  // ── learner ──

  _setMode(mode) {
    this.mode = mode;  // applied in willUpdate, as a mode set from outside
  }

  async _enterLearner() {
    const alphabet = this.alphabet in ALPHABETS || this.alphabet === 'teacher' ? this.alphabet : 'greek';
    if (alphabet === 'teacher') {
      this._learnerClassifier = this._teacher;
      this._letters = await this._teacher.classes();
    } else {
      if (!this._learner) {
        const teacher = this._teacher;
        const learner = await createSketchClassifier({ model: this._modelBytes.slice() });
        if (teacher !== this._teacher) {  // removed or restarted meanwhile: keep no Worker
          disposeQuietly(learner);
          return;
        }
        this._learner = learner;
      }
      if (this._learnerAlphabet !== alphabet) {
        await this._learner.clear();
        const c = document.createElement('canvas');
        c.width = c.height = GLYPH_SIDE;
        const ctx = c.getContext('2d', { willReadFrequently: true });
        for (const letter of ALPHABETS[alphabet]) {
          for (const font of GLYPH_FONTS) {
            renderGlyph(ctx, letter, GLYPH_SIDE, font);
            await this._learner.addExample(letter, ctx.getImageData(0, 0, GLYPH_SIDE, GLYPH_SIDE));
          }
        }
        this._learnerAlphabet = alphabet;
      }
      this._learnerClassifier = this._learner;
      this._letters = ALPHABETS[alphabet].slice();
    }
    this._order = new PracticeOrder(this._letters);
    this._ranking = this._order.ranking();
    this._target = this._order.next();
  }

  _changeAlphabet(e) {
    this.alphabet = e.target.value;  // applied in willUpdate, as an alphabet set from outside
  }

  async _check() {
    const t = this._t;
    if (!hasInk(this._strokes)) { this._message = t.drawFirst; return; }
    const classifier = this._learnerClassifier;
    const order = this._order;
    const target = this._target;
    await this._action('check', classifier, async () => {
      const canvas = this._drawingCanvas();
      const [r, seen] = await Promise.all([classifier.classify(canvas), classifier.preprocess(canvas)]);
      if (classifier !== this._learnerClassifier || order !== this._order) return;  // another alphabet or model meanwhile
      const ok = order.record(target, r.probabilities);
      this._result = r;
      this._seen = seen;
      this._verdict = { ok, label: r.label, p: r.probabilities[r.label], target };
      this._ranking = order.ranking();
      this._message = null;
      this._emit('metacog-sketch-result', { mode: 'learner', target, correct: ok, label: r.label, top: r.top.map((x) => ({ ...x })) });
    });
  }

  async _nextLetter() {
    this._target = this._order.next();
    this._clear();
    this._message = this._t.nowDraw(this._target);  // announced: the canvas gets the focus
    await this.updateComplete;
    this.renderRoot.querySelector('canvas.draw')?.focus();
  }

  // ── rendering ──

  render() {
    const t = this._t;
    if (this._status === 'loading') return html`<div class="panel" role="status">${t.loading}</div>`;
    if (this._status === 'error') return html`<div class="panel error" role="alert">${t.loadFailed(this._error)}</div>`;
    return html`
      <div lang=${langTag(this.lang)}>
        <div class="row modes" role="group" aria-label=${t.modes}>
          <button part="mode" aria-pressed=${this.mode === 'teacher' ? 'true' : 'false'} @click=${() => this._setMode('teacher')}>${t.teacher}</button>
          <button part="mode" aria-pressed=${this.mode === 'learner' ? 'true' : 'false'} @click=${() => this._setMode('learner')}>${t.learner}</button>
        </div>
        <div class="wrap">
          <div class="pad">
            ${this.mode === 'learner' && this._target ? html`<div class="row"><span>${t.drawThis}</span> <span class="target" part="target" lang="und" data-target=${this._target}>${this._target}</span></div>` : nothing}
            <canvas class="draw" part="canvas" width=${SIDE} height=${SIDE} tabindex="0" role="img"
              aria-label=${this.mode === 'learner' && this._target ? t.canvasFor(this._target) : t.canvas}
              @pointerdown=${this._down} @pointermove=${this._move} @pointerup=${this._up} @pointercancel=${this._up}
              @lostpointercapture=${this._up}></canvas>
            <div class="row">
              <button part="undo" @click=${this._undo} ?disabled=${this._strokes.length === 0}>${t.undo}</button>
              <button part="clear" @click=${this._clear} ?disabled=${this._strokes.length === 0}>${t.clear}</button>
            </div>
          </div>
          <div>${this.mode === 'teacher' ? this._renderTeacher() : this._renderLearner()}
            <p class="small ${this._message && this._message === this._errorText ? 'error' : ''}" role="status" aria-live="polite">${this._message || ''}</p>
            ${this._renderResult()}
          </div>
        </div>
      </div>`;
  }

  _renderTeacher() {
    const t = this._t;
    const labels = Object.keys(this._counts);
    return html`
      <section class="panel" part="teacher">
        <form class="row" @submit=${this._addClass}>
          <label for="class-name">${t.className}</label>
          <input id="class-name" type="text" autocomplete="off" maxlength="40" />
          <button type="submit" part="add-class">${t.addClass}</button>
        </form>
        <fieldset class="plain">
          <legend><strong>${t.classes}</strong></legend>
          ${labels.length === 0 ? html`<p class="muted">${t.noClasses}</p>` : html`
            <ul class="classes">
              ${labels.map((l) => html`<li data-class=${l}>
                <label><input type="radio" name="active" .checked=${this._active === l} @change=${() => { this._active = l; }} /> ${l}</label>
                <span class="muted small" data-count=${this._counts[l]}>${t.examples(this._counts[l])}</span>
                <button class="remove" aria-label=${t.remove(l)} @click=${() => this._removeClass(l)}>×</button>
              </li>`)}
            </ul>`}
        </fieldset>
        <div class="row">
          <button part="add-example" class="primary" ?disabled=${!this._active || this._busy || !hasInk(this._strokes)} @click=${this._addExample}>
            ${this._active ? t.addExample(this._active) : t.addExample('…')}</button>
          <button part="recognise" ?disabled=${this._busy || !hasInk(this._strokes)} @click=${this._recognise}>${t.recognise}</button>
        </div>
        <form class="row small" @submit=${this._addGlyph}>
          <label for="glyph">${t.typeGlyph}</label>
          <input id="glyph" type="text" maxlength="2" size="3" autocomplete="off" ?disabled=${!this._active} />
          <button type="submit" ?disabled=${!this._active || this._busy}>${t.addGlyph}</button>
        </form>
      </section>`;
  }

  _renderLearner() {
    const t = this._t;
    const v = this._verdict;
    return html`
      <section class="panel" part="learner">
        <div class="row">
          <label for="alphabet">${t.alphabet}</label>
          <select id="alphabet" @change=${this._changeAlphabet} ?disabled=${this._preparing}>
            ${['greek', 'cyrillic', 'teacher'].map((a) => html`<option value=${a} ?selected=${this.alphabet === a}>${t.alphabets[a]}</option>`)}
          </select>
        </div>
        ${this._preparing ? html`<p role="status">${t.preparing}</p>` : !this._target ? html`<p>${t.teacherEmpty}</p>` : html`
          <div class="row spaced">
            <button part="check" class="primary" ?disabled=${this._busy || !hasInk(this._strokes)} @click=${this._check}>${t.check}</button>
            <button part="next-letter" @click=${this._nextLetter}>${t.nextLetter}</button>
          </div>
          <p part="feedback" class="feedback ${v ? (v.ok ? 'good' : 'bad') : ''}" role="status" aria-live="polite">${v ? (v.ok ? t.right(v.label, v.p) : t.wrong(v.label, v.p, v.target)) : ''}</p>
          ${this._ranking && this._ranking.some((r) => r.attempts > 0) ? html`
            <h3>${t.practiseMost}</h3>
            <ol class="ranking small">
              ${this._ranking.slice(0, 5).map((r) => html`<li><span lang="und">${r.letter}</span> — ${t.attempts(r.correct, r.attempts)}</li>`)}
            </ol>` : nothing}`}
      </section>`;
  }

  _renderResult() {
    const t = this._t;
    const r = this._result;
    if (!r) return nothing;
    return html`
      <section class="panel" part="guesses" aria-labelledby="guesses-h">
        <h3 id="guesses-h">${t.guesses}</h3>
        <ol class="guesses">
          ${r.top.map((g) => html`<li data-label=${g.label}>
            <span class="lbl" lang="und">${g.label}</span>
            <span class="pbar" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(100 * g.p)} aria-label=${t.guess(g.label, g.p)}>
              <svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">${svg`<rect width=${Math.round(100 * g.p)} height="10"></rect>`}</svg></span>
            <span>${Math.round(100 * g.p)}%</span>
          </li>`)}
        </ol>
        ${this._seen ? html`<p class="small muted">${t.sees}</p><canvas class="sees" width="28" height="28" aria-hidden="true"></canvas>` : nothing}
      </section>`;
  }

  _paintSeen() {
    if (this._seen) {
      const c = this.renderRoot.querySelector('canvas.sees');
      if (c) {
        const ctx = c.getContext('2d');
        const img = ctx.createImageData(28, 28);
        for (let i = 0; i < 784; i++) {
          const v = Math.round(255 * this._seen[i]);
          img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
          img.data[4 * i + 3] = 255;
        }
        ctx.putImageData(img, 0, 0);
      }
    }
  }
}

if (!customElements.get('metacog-sketch')) customElements.define('metacog-sketch', MetacogSketch);
