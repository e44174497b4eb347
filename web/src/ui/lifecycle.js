// Start, restart and removal of a widget's engine, shared by <metacog-practice> and <metacog-sketch>.
//
// A widget starts when it is connected, starts again when an attribute its engine is made from
// changes (model, item bank, learner), and disposes its engine when it leaves the page — not when
// it is only moved (a move disconnects and reconnects in the same task). Each start is a *run*
// numbered by `begin()`; a later `begin()` or a `cancel()` supersedes it. A superseded run must not
// install what it made: it disposes it instead (`current(run)` tells), so removing a widget while
// it loads leaves no Worker behind and a restart never shows the previous learner's data.
//
// `ready` is the promise of the latest run: it resolves when a run succeeds and rejects when it
// fails. A restart while a run is still pending keeps the same promise (it settles with the new
// run's outcome); after a settled run, the next `begin()` makes a new promise. A widget removed
// before it was ready keeps that promise pending until it is added to a page again.

import { MetacogError } from '../errors.js';

export class WidgetLifecycle {
  constructor() {
    this._run = 0;
    this._newDeferred();
  }

  _newDeferred() {
    const d = { settled: false };
    d.promise = new Promise((ok, fail) => { d.ok = ok; d.fail = fail; });
    d.promise.catch(() => {});  // a host that never awaits `ready` gets no unhandled rejection
    this._deferred = d;
  }

  /** Resolves when the latest run succeeded; rejects with its error when it failed. */
  get ready() { return this._deferred.promise; }

  /** Starts a run, superseding any earlier one. @returns {number} the run's token */
  begin() {
    if (this._deferred.settled) this._newDeferred();
    return ++this._run;
  }

  /** Whether `run` is still the latest run (not superseded, not cancelled). */
  current(run) { return run === this._run; }

  /** Supersedes the current run without starting another (the widget left the page). */
  cancel() { this._run += 1; }

  /**
   * Called from disconnectedCallback: a move reconnects in the same task, so only when `host` is
   * still out of the page a moment later is the current run cancelled and `onRemoved` called.
   */
  afterDisconnect(host, onRemoved) {
    setTimeout(() => {
      if (host.isConnected) return;
      this.cancel();
      onRemoved();
    }, 0);
  }

  /** The run succeeded: `ready` resolves (ignored for a superseded run). */
  succeed(run) {
    if (!this.current(run)) return;
    this._deferred.settled = true;
    this._deferred.ok();
  }

  /** The run failed: `ready` rejects with `error` (ignored for a superseded run). */
  fail(run, error) {
    if (!this.current(run)) return;
    this._deferred.settled = true;
    this._deferred.fail(error);
  }
}

/** Disposes an engine or classifier (in a Worker or not), ignoring a failure: the widget is done with it. */
export function disposeQuietly(x) {
  if (!x) return;
  try {
    Promise.resolve(x.dispose()).catch(() => {});
  } catch { /* already disposed */ }
}

/** What a widget reports in its `metacog-error` event: a MetacogError's code, else INTERNAL. */
export function errorDetail(error, during) {
  const code = error instanceof MetacogError || (error && typeof error.code === 'string') ? error.code : 'INTERNAL';
  return { code, message: error && error.message ? error.message : String(error), during };
}

/** Fetches one of the widget's files: a network failure or an HTTP error is a MetacogError IO naming `what`. */
export async function fetchOk(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new MetacogError('IO', `${what}: could not be fetched (${e.message})`, { cause: e });
  }
  if (!response.ok) throw new MetacogError('IO', `${what}: HTTP ${response.status}`);
  return response;
}

/** fetchOk, then the body as JSON; a body that is not JSON is a MetacogError with code `badJson`. */
export async function fetchJson(url, what, badJson) {
  const response = await fetchOk(url, what);
  try {
    return await response.json();
  } catch (e) {
    throw new MetacogError(badJson, `${what}: not JSON (${e.message})`, { cause: e });
  }
}
