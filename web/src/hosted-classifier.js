// What the page-side few-shot classifiers (PrototypeClassifier, SketchClassifier) share: each holds
// a RemoteObject to its hosted core (hostObject: a Worker, or in-process) and forwards the calls
// that take no input needing conversion in the page. Subclasses add addExample/classify, which
// check and convert their inputs here first (callChecked).

/** Base of the page-side classifiers: plain data only, calls forwarded to the hosted core. */
export class HostedClassifier {
  /** @param {import('./rpc.js').RemoteObject} remote */
  constructor(remote) {
    this._remote = remote;
  }

  /** Removes every example of `label` (UNKNOWN_LABEL if there is none). */
  removeClass(label) { return this._remote.call('removeClass', label); }
  /** Removes every class. */
  clear() { return this._remote.call('clear'); }
  /** Sorted class labels. */
  classes() { return this._remote.call('classes'); }
  /** Number of stored examples per class: { label: n }. */
  counts() { return this._remote.call('counts'); }
  /** A versioned, JSON-serialisable snapshot of every stored example. */
  serialize() { return this._remote.call('serialize'); }
  /** Replaces the classes with those of a serialized state; validates everything first. */
  restore(state) { return this._remote.call('restore', state); }
  /** @returns {boolean} whether the classifier runs in a Worker */
  get inWorker() { return this._remote.inWorker; }
  /** Calls already made finish, then the Worker is terminated; later calls reject with DISPOSED. */
  dispose(options) { return this._remote.dispose(options); }
}
