// <metacog-practice>: the adaptive practice widget.
//
//   <metacog-practice model="models/demo-learner.safetensors" item-bank="item-bank.json"
//                     learner-id="ana" goal="frac-add-unlike" lang="zh-Hans"></metacog-practice>
//
// Shows the recommended exercise and why it was chosen, takes the answer (buttons for choices, a
// text field for numbers), gives feedback, and shows mastery per skill, the learning path to the
// goal, resources, and the learner's stored data (export, import, forget). All learning maths runs
// in the engine (a Worker); this file renders and forwards. It never sends anything: it dispatches
// DOM events with plain data for the host page — metacog-ready, metacog-recommendation,
// metacog-response, metacog-mastery, metacog-data, metacog-error.
//
// Changing `model`, `item-bank` or `learner-id` after the start disposes the engine and starts again
// (an LMS page that reuses the element for the next learner writes to that learner's store);
// changing `goal` redraws the path and resources. Removing the element disposes its engine, also
// while it is still loading (lifecycle.js).
import { LitElement, html, nothing } from 'lit';
import { svg } from 'lit';
import { createEngine } from '../engine.js';
import { resolveUrl } from '../model-bytes.js';
import { databaseName } from '../storage.js';
import { checkAnswer, isChoiceItem } from './answers.js';
import { localized, strings, langTag, normalizeLang, recommendationReason, pathReason, resourceReason } from './i18n.js';
import { base } from './styles.js';
import { practiceStyles } from './practice-styles.js';
import { downloadJson, readJsonFile } from './download.js';
import { WidgetLifecycle, disposeQuietly, errorDetail, fetchJson } from './lifecycle.js';
import { MetacogError } from '../errors.js';

const pct = (x) => Math.round(100 * x);
// A bar as SVG geometry, not an inline style (the CSP has no 'unsafe-inline' for styles).
const bar = (v) => html`<svg class="fill" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">${svg`<rect width=${v} height="10"></rect>`}</svg>`;

export class MetacogPractice extends LitElement {
  static properties = {
    model: { type: String },
    itemBank: { type: String, attribute: 'item-bank' },
    learnerId: { type: String, attribute: 'learner-id' },
    goal: { type: String },
    lang: { type: String, reflect: true },
    _status: { state: true },
    _error: { state: true },
    _current: { state: true },
    _answered: { state: true },
    _hint: { state: true },
    _mastery: { state: true },
    _delta: { state: true },
    _path: { state: true },
    _resources: { state: true },
    _responses: { state: true },
    _storage: { state: true },
    _confirmForget: { state: true },
    _dataMessage: { state: true },
    _busy: { state: true },
    _viewError: { state: true },
  };

  static styles = [base, practiceStyles];

  constructor() {
    super();
    this.learnerId = 'default';
    this.lang = 'en';
    this._status = 'loading';
    this._mastery = [];
    this._delta = {};
    this._path = [];
    this._resources = [];
    this._responses = 0;
    this._upcoming = [];
    this._engine = null;
    this._life = new WidgetLifecycle();
  }

  /** Resolves when the engine is loaded and the first exercise is shown (for the latest start). */
  get ready() { return this._life.ready; }
  /** The engine (for host pages that want more than the widget shows). */
  get engine() { return this._engine; }

  connectedCallback() {
    super.connectedCallback();
    if (!this._started) {
      this._started = true;
      // attributes are set by now (upgrade or parser); start on the next microtask
      queueMicrotask(() => this._start());
    }
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    // A widget moved within the page reconnects; only dispose when it stays out (also mid-start).
    this._life.afterDisconnect(this, () => {
      this._disposeEngine();
      this._started = false;
      this._status = 'loading';
    });
  }

  willUpdate(changed) {
    // the engine is made from these three: a change after the start means a new engine
    const c = this._config;
    if (c && this._started && (c.model !== this.model || c.itemBank !== this.itemBank || c.learnerId !== this.learnerId)) {
      this._disposeEngine();
      this._start();
    }
  }

  updated(changed) {
    if (changed.has('goal') && this._status === 'ready' && this._engine) this._refreshGoalViews(this._engine);
  }

  _disposeEngine() {
    const engine = this._engine;
    this._engine = null;
    disposeQuietly(engine);
  }

  get _t() { return strings(this.lang); }

  _skillName = (id) => localized(this._skills.get(id)?.name, this.lang) || id;

  async _start() {
    const run = this._life.begin();
    this._config = { model: this.model, itemBank: this.itemBank, learnerId: this.learnerId };
    this._status = 'loading';
    this._error = null;
    this._viewError = null;
    this._dataMessage = null;
    this._confirmForget = false;
    this._mastery = [];
    this._delta = {};
    try {
      if (!this.model || !this.itemBank) throw new MetacogError('INVALID_ARGUMENT', 'set the model and item-bank attributes');
      const bankUrl = resolveUrl(this.itemBank, 'item-bank');  // this page's origin only (design.md §7)
      const bank = fetchJson(bankUrl, 'item bank', 'ITEM_BANK');
      // The engine's Worker starts (and the wasm build compiles) while the model and bank load. If
      // the bank failed, its own error is the one shown, as when it was fetched first.
      const [bankResult, engineResult] = await Promise.allSettled([
        bank, createEngine({ model: this.model, itemBank: bank, learnerId: this.learnerId || 'default' })]);
      if (!this._life.current(run)) {  // removed or restarted meanwhile: nothing of this run is kept
        if (engineResult.status === 'fulfilled') disposeQuietly(engineResult.value);
        return;
      }
      if (bankResult.status === 'rejected') throw bankResult.reason;  // the engine, waiting on it, failed too
      if (engineResult.status === 'rejected') throw engineResult.reason;
      const engine = engineResult.value;
      this._bank = bankResult.value;
      this._bankUrl = bankUrl;
      this._items = new Map(this._bank.items.map((i) => [i.id, i]));
      this._skills = new Map(this._bank.skills.map((s) => [s.id, s]));
      this._resourcesById = new Map((this._bank.resources || []).map((r) => [r.id, r]));
      this._engine = engine;  // from here on, whoever supersedes this run disposes it
      const info = await engine.info();
      if (!this._life.current(run)) return;
      this._storage = info.storage;
      const views = await this._loadViews(engine);
      if (!views) return;
      this._showViews(views, { responses: info.responses, showDelta: false });
      this._showNext();
      this._status = 'ready';
      this._emit('metacog-ready', { learnerId: this.learnerId, items: info.items, skills: info.skills, responses: info.responses, storage: info.storage.backend });
      this._life.succeed(run);
    } catch (err) {
      if (!this._life.current(run)) return;  // superseded: its failure is moot
      this._status = 'error';
      this._error = err && err.message ? err.message : String(err);
      this._emit('metacog-error', errorDetail(err, 'load'));
      this._life.fail(run, err);
    }
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  get _goals() { return this.goal ? this.goal.split(/[\s,]+/).filter(Boolean) : []; }

  /**
   * Recommendations and mastery from `engine` (and its goal views, shown as they arrive). Resolves
   * null when the widget has moved on to another engine meanwhile (a restart for another learner or
   * bank): the old engine's numbers never reach the new learner's view. A failure of the
   * recommendations or of mastery rejects; a failure of the goal views (an unknown goal) is shown in
   * the path panel only.
   */
  async _loadViews(engine) {
    const [recs, mastery] = await Promise.all([engine.recommend({ count: 3 }), engine.mastery(), this._refreshGoalViews(engine)]);
    return engine === this._engine ? { recs, mastery } : null;
  }

  /**
   * Shows views from `_loadViews` with `responses`, the engine's count they were computed from.
   * Synchronous, so that whatever the caller sets next (feedback, the next exercise) renders in the
   * same update: the widget never shows a count beside mastery it did not produce.
   */
  _showViews({ recs, mastery }, { responses, showDelta = true }) {
    this._upcoming = recs;
    const before = new Map(this._mastery.map((m) => [m.skill, pct(m.mastery)]));
    const delta = {};
    for (const m of mastery) {
      const d = showDelta && before.has(m.skill) ? pct(m.mastery) - before.get(m.skill) : 0;
      if (d !== 0) delta[m.skill] = d;
    }
    this._delta = delta;
    this._mastery = mastery;
    this._responses = responses;
    this._emit('metacog-mastery', { mastery: mastery.map((m) => ({ ...m })), responses });
  }

  /** The learning path and resources for the goal; never rejects: a failure is shown and reported. */
  async _refreshGoalViews(engine) {
    const goals = this._goals;
    try {
      const [path, resources] = await Promise.all([
        engine.learningPath({ goals }),
        engine.recommendResources({ count: 3, goals }),
      ]);
      if (engine !== this._engine) return;
      this._path = path;
      this._resources = resources;
      this._viewError = null;
    } catch (err) {
      if (engine !== this._engine) return;
      this._path = [];
      this._resources = [];
      this._viewError = err && err.message ? err.message : String(err);
      this._emit('metacog-error', errorDetail(err, 'goal'));
    }
  }

  _showNext() {
    const rec = this._upcoming[0] || null;
    this._current = rec;
    this._answered = null;
    this._hint = null;
    this._startedAt = performance.now();
    if (rec) {
      const item = this._items.get(rec.item);
      this._emit('metacog-recommendation', {
        item: rec.item, skill: rec.skill, skills: item.skills.slice(), kind: rec.kind, p: rec.p, mastery: rec.mastery,
        reason: rec.reason, prompt: localized(item.content.prompt, this.lang),
        alternatives: this._upcoming.slice(1).map((r) => ({ item: r.item, skill: r.skill, p: r.p })),
      });
    }
  }

  async _next() {
    this._showNext();
    await this.updateComplete;
    const first = this.renderRoot.querySelector('[part~="choice"], input[name="answer"]');
    first?.focus();
  }

  async _answer(correct, given) {
    if (this._answered || this._busy) return;
    const rec = this._current;
    const item = this._items.get(rec.item);
    const responseTimeMs = Math.max(1, Math.round(performance.now() - this._startedAt));
    const engine = this._engine;
    this._busy = true;
    let stored = null;
    try {
      // the engine stamps the answer (now, never before the learner's latest answer) and says when
      stored = await engine.observe({ item: rec.item, correct, responseTimeMs });
      const { responses, timestamp } = stored;
      if (engine !== this._engine) return;  // restarted for another learner or bank meanwhile
      this._emit('metacog-response', { item: rec.item, skills: item.skills.slice(), correct, answer: given, responseTimeMs, timestamp, responses });
      // the feedback, the new count and the mastery it produced are shown in one update
      const views = await this._loadViews(engine);
      if (!views) return;
      this._showViews(views, { responses });
      this._answered = { correct, given };
      this._hint = null;
    } catch (err) {
      if (engine !== this._engine) return;
      if (stored) {  // the answer is stored, though the views failed to refresh
        this._responses = stored.responses;
        this._answered = { correct, given };
      }
      this._hint = { text: err.message, error: true };
      this._emit('metacog-error', errorDetail(err, 'answer'));
    } finally {
      this._busy = false;
    }
    await this.updateComplete;
    this.renderRoot.querySelector('[part~="next"]')?.focus();
  }

  _choose(index) {
    const item = this._items.get(this._current.item);
    this._answer(index === item.content.answer, localized(item.content.choices[index], this.lang));
  }

  _submitNumeric(e) {
    e.preventDefault();
    if (this._answered) return;
    const input = this.renderRoot.querySelector('input[name="answer"]');
    const item = this._items.get(this._current.item);
    let r;
    try {
      r = checkAnswer(input.value, item.content);
    } catch (err) {  // the engine refuses banks whose numeric answers cannot be checked; kept as a guard
      this._hint = { text: err.message, error: true };
      this._emit('metacog-error', errorDetail(err, 'answer'));
      return;
    }
    if (r.status === 'invalid' || r.status === 'form') {
      this._hint = { text: this._t.hint[r.hint] };
      input.focus();
      return;
    }
    this._answer(r.status === 'correct', input.value.trim());
  }

  // ── my data ──

  async _export() {
    const engine = this._engine;
    try {
      const doc = await engine.exportLearnerData();
      if (engine !== this._engine) return;
      downloadJson(doc, `metacog-${this.learnerId || 'default'}-${doc.exportedAt.slice(0, 10)}.json`);
      this._dataMessage = { text: this._t.exported(doc.responses.length) };
      this._emit('metacog-data', { action: 'export', responses: doc.responses.length });
    } catch (err) {
      if (engine !== this._engine) return;
      this._dataMessage = { text: this._t.actionFailed(err.message), error: true };
      this._emit('metacog-error', errorDetail(err, 'export'));
    }
  }

  async _import(e) {
    const file = e.target.files && e.target.files[0];
    e.target.value = '';
    if (!file) return;
    const engine = this._engine;
    let imported = null;
    try {
      imported = await engine.importLearnerData(await readJsonFile(file));
      const { responses } = imported;
      if (engine !== this._engine) return;
      const views = await this._loadViews(engine);
      if (!views) return;
      this._showViews(views, { responses, showDelta: false });
      this._showNext();
      this._dataMessage = { text: this._t.imported(responses) };
      this._emit('metacog-data', { action: 'import', responses });
    } catch (err) {
      if (engine !== this._engine) return;
      if (imported) this._responses = imported.responses;  // stored, though the views failed to refresh
      this._dataMessage = { text: this._t.importFailed(err.message), error: true };
      this._emit('metacog-error', errorDetail(err, 'import'));
    }
  }

  async _askForget() {
    this._confirmForget = true;
    await this.updateComplete;
    this.renderRoot.querySelector('#forget-cancel')?.focus();
  }

  async _cancelForget() {
    this._confirmForget = false;
    await this.updateComplete;
    this.renderRoot.querySelector('#forget')?.focus();
  }

  async _forget() {
    const engine = this._engine;
    let forgotten = false;
    try {
      await engine.forget();
      forgotten = true;
      if (engine !== this._engine) return;
      this._confirmForget = false;
      const views = await this._loadViews(engine);
      if (!views) return;
      this._showViews(views, { responses: 0, showDelta: false });
      this._showNext();
      this._dataMessage = { text: this._t.forgotten };
      this._emit('metacog-data', { action: 'forget', responses: 0 });
    } catch (err) {
      if (engine !== this._engine) return;
      if (forgotten) this._responses = 0;  // deleted, though the views failed to refresh
      this._confirmForget = false;
      this._dataMessage = { text: this._t.actionFailed(err.message), error: true };
      this._emit('metacog-error', errorDetail(err, 'forget'));
    }
    await this.updateComplete;
    this.renderRoot.querySelector('#forget')?.focus();
  }

  // ── rendering ──

  render() {
    const t = this._t;
    if (this._status === 'loading') return html`<div class="panel" role="status">${t.loading}</div>`;
    if (this._status === 'error') return html`<div class="panel error" role="alert">${t.loadFailed(this._error)}</div>`;
    return html`
      <div class="layout" lang=${langTag(this.lang)}>
        <div class="main">
          ${this._renderExercise()}
          ${this._renderPath()}
          ${this._renderResources()}
        </div>
        <div class="side">
          ${this._renderMastery()}
          ${this._renderData()}
        </div>
      </div>`;
  }

  _renderExercise() {
    const t = this._t;
    const rec = this._current;
    if (!rec) return html`<section class="panel" part="recommendation"><p>${t.noExercise}</p></section>`;
    const item = this._items.get(rec.item);
    const c = item.content;
    const a = this._answered;
    let feedback = '';
    let fbClass = '';
    if (a) {
      const right = isChoiceItem(c) ? localized(c.choices[c.answer], this.lang) : c.answer;
      feedback = a.correct ? t.correct : t.incorrect(right);
      fbClass = a.correct ? 'good' : 'bad';
    } else if (this._hint) {
      feedback = this._hint.text;
      fbClass = this._hint.error ? 'bad' : 'hint';
    }
    return html`
      <section class="panel exercise" part="recommendation" aria-labelledby="prompt" data-item=${rec.item}>
        <p class="meta muted">
          <span class="badge kind-${rec.kind}">${t.kindLabel[rec.kind] || rec.kind}</span>
          ${t.skillLabel}: ${this._skillName(rec.skill)}
        </p>
        <h2 id="prompt" class="prompt">${localized(c.prompt, this.lang)}</h2>
        ${isChoiceItem(c) ? this._renderChoices(c, a) : this._renderNumeric(a)}
        <div part="feedback" class="feedback ${fbClass}" role="status" aria-live="polite" aria-atomic="true">${feedback}</div>
        ${a ? html`<button part="next" class="primary next" @click=${this._next}>${t.next} →</button>` : nothing}
        <div class="why">
          <h3>${t.why}</h3>
          <p class="reason">${recommendationReason(rec, this.lang, this._skillName)}</p>
          <p class="muted">${t.predicted(rec.p)}</p>
        </div>
      </section>`;
  }

  _renderChoices(c, a) {
    return html`
      <div class="choices" role="group" aria-labelledby="prompt">
        ${c.choices.map((choice, i) => {
          const mine = !!a && a.given === localized(choice, this.lang);
          const state = !a ? '' : i === c.answer ? 'right' : (mine ? 'wrong' : '');
          return html`<button part="choice" class="choice ${state}" data-index=${i} ?disabled=${!!a || this._busy}
              @click=${() => this._choose(i)}>${localized(choice, this.lang)}${mine ? html`<span class="sr-only"> (${this._t.yourChoice})</span>` : nothing}</button>`;
        })}
      </div>`;
  }

  _renderNumeric(a) {
    const t = this._t;
    return html`
      <form class="numeric row" @submit=${this._submitNumeric}>
        <label for="answer">${t.yourAnswer}</label>
        <input id="answer" name="answer" type="text" inputmode="text" autocomplete="off" spellcheck="false"
          part="input" ?disabled=${!!a || this._busy} aria-describedby="prompt" />
        <button type="submit" part="submit" class="primary" ?disabled=${!!a || this._busy}>${t.check}</button>
      </form>`;
  }

  _renderMastery() {
    const t = this._t;
    const byId = new Map(this._mastery.map((m) => [m.skill, m]));
    return html`
      <section class="panel" part="mastery" aria-labelledby="mastery-h">
        <h2 id="mastery-h">${t.mastery}</h2>
        <p class="muted small">${t.masteryHelp}</p>
        <ul class="bars">
          ${this._bank.skills.map((s) => {
            const m = byId.get(s.id);
            if (!m) return nothing;
            const v = pct(m.mastery);
            const d = this._delta[s.id];
            const name = localized(s.name, this.lang);
            return html`<li data-skill=${s.id} class=${this._current && this._current.skill === s.id ? 'current' : ''}>
              <div class="bar-label"><span>${name}</span>
                <span class="num"><strong data-value=${v} data-raw=${m.mastery}>${v}</strong>${d ? html` <span class="delta ${d > 0 ? 'up' : 'down'}">${t.changed(d)}</span>` : nothing}</span></div>
              <div class="bar" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${v} aria-label=${t.masteryOf(name)}
                aria-valuetext=${`${v}%`}>${bar(v)}</div>
              <div class="muted small">${t.attempts(m.attempts, m.correct)}</div>
            </li>`;
          })}
        </ul>
      </section>`;
  }

  _renderPath() {
    const t = this._t;
    const goalNames = (this._goals.length ? this._goals : this._path.filter((s) => s.isGoal).map((s) => s.skill)).map(this._skillName);
    return html`
      <section class="panel" part="path" aria-labelledby="path-h">
        <h2 id="path-h">${t.path}</h2>
        ${goalNames.length ? html`<p class="muted small">${t.pathTo(goalNames.join(', '))}</p>` : nothing}
        ${this._viewError ? html`<p class="error" role="alert">${this._viewError}</p>` : nothing}
        ${this._path.length === 0 ? html`<p>${t.pathDone}</p>` : html`
          <ol class="path">
            ${this._path.map((s) => html`<li data-skill=${s.skill}>
              <strong>${this._skillName(s.skill)}</strong>${s.isGoal ? html` <span class="badge">${t.goal}</span>` : nothing}
              <div class="small">${pathReason(s, this.lang, this._skillName)}</div>
            </li>`)}
          </ol>`}
      </section>`;
  }

  _renderResources() {
    const t = this._t;
    const zh = normalizeLang(this.lang) === 'zh';
    return html`
      <section class="panel" part="resources" aria-labelledby="res-h">
        <h2 id="res-h">${t.resources}</h2>
        <p class="muted small">${t.resourcesHelp}</p>
        <ul class="resources">
          ${this._resources.map((r) => {
            const res = this._resourcesById.get(r.resource);
            if (!res) return nothing;
            const title = localized(res.title, this.lang);
            let link = nothing;
            if (res.url) {  // optional in the bank: without one the title is shown as text
              const href = new URL(res.url, this._bankUrl);
              // the bundled resources read ?lang; another site's page gets its URL as written
              if (zh && href.origin === location.origin) href.searchParams.set('lang', 'zh');
              link = html`<a href=${href.href} target="_blank" rel="noopener noreferrer">${title}</a>`;
            }
            return html`<li data-resource=${r.resource}>
              ${res.url ? link : html`<strong>${title}</strong>`}
              <span class="muted small">(${t.kind[res.kind] || res.kind})</span>
              <div class="small">${resourceReason(r, this.lang, this._skillName)}</div>
            </li>`;
          })}
        </ul>
      </section>`;
  }

  _renderData() {
    const t = this._t;
    const backend = this._storage ? this._storage.backend : 'memory';
    const msg = this._dataMessage;
    return html`
      <section class="panel" part="data" aria-labelledby="data-h">
      <h2 id="data-h">${t.data}</h2>
      <details>
        <summary><span class="muted small" data-responses=${this._responses}>${t.dataSummary(this._responses)}</span></summary>
        <p class="small">${t.dataWhere(databaseName(this.learnerId || 'default'), backend)}</p>
        <p class="small">${t.dataWhat}</p>
        <div class="row">
          <button id="export" part="export" @click=${this._export}>${t.export}</button>
          <button id="import" part="import" @click=${() => this.renderRoot.querySelector('#import-file').click()}>${t.import}</button>
          <input id="import-file" class="sr-only" type="file" accept="application/json,.json" tabindex="-1" aria-hidden="true" @change=${this._import} />
          <button id="forget" part="forget" class="danger" @click=${this._askForget} ?hidden=${this._confirmForget}>${t.forget}</button>
        </div>
        ${this._confirmForget ? html`
          <div class="confirm" role="alertdialog" aria-labelledby="forget-q" aria-modal="false">
            <p id="forget-q"><strong>${t.forgetConfirm}</strong></p>
            <div class="row">
              <button id="forget-yes" class="danger primary" @click=${this._forget}>${t.forgetYes}</button>
              <button id="forget-cancel" @click=${this._cancelForget}>${t.cancel}</button>
            </div>
          </div>` : nothing}
        <p class="small ${msg && msg.error ? 'error' : ''}" role="status" aria-live="polite">${msg ? msg.text : ''}</p>
      </details>
      </section>`;
  }
}

if (!customElements.get('metacog-practice')) customElements.define('metacog-practice', MetacogPractice);
