// Test fixture: a plain-JS object to host with hostObject({ module: '/tests/counter.js',
// factory: 'createCounter' }) in a Worker (browser tests) or in-process (Node tests). It throws
// metacog-style errors by shape ({ name: 'MetacogError', code }), as a module with its own copy of
// the library would.

function metacogError(code, message) {
  return Object.assign(new Error(message), { name: 'MetacogError', code });
}

/** A counter with methods that succeed, fail in each way, wait, and report where they run. */
class Counter {
  constructor(start) {
    this.value = start;
    this.label = 'counter';
    this._secret = 'not exposed';
  }

  add(n) {
    if (typeof n !== 'number' || !Number.isFinite(n)) throw metacogError('INVALID_ARGUMENT', `add: n must be a finite number, got ${String(n)}`);
    this.value += n;
    return this.value;
  }

  get() { return this.value; }

  echo(x) { return x; }

  async slow(ms, tag) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return tag;
  }

  fail(code, message) { throw metacogError(code, message); }

  async failLater(code, message) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    throw metacogError(code, message);
  }

  crash() { return null.property; }

  throwString() { throw 'plain string'; } // eslint-disable-line no-throw-literal

  returnsFunction() { return () => 1; }

  where() {
    return typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope ? 'worker' : 'main';
  }

  /** Whether code generation from strings works here (it must not under the strict CSP). */
  canEval() {
    try { return new Function('return 1')() === 1; } catch { return false; } // eslint-disable-line no-new-func
  }

  /** Posts 'alive' on a BroadcastChannel every `ms` until the realm ends (shows termination). */
  heartbeat(channel, ms) {
    const bc = new BroadcastChannel(channel);
    this._timer = setInterval(() => bc.postMessage('alive'), ms);
    return true;
  }

  _hidden() { return 'private'; }

  dispose() { clearInterval(this._timer); this.value = NaN; }
}

/** Factory: options { start }. */
export function createCounter(options = {}) {
  if (options.start !== undefined && typeof options.start !== 'number') {
    throw metacogError('INVALID_ARGUMENT', 'createCounter: start must be a number');
  }
  return new Counter(options.start ?? 0);
}

/** A factory that always fails, to test errors at creation. */
export function createBroken() {
  throw metacogError('MODEL_FORMAT', 'createBroken: this model is broken on purpose');
}
