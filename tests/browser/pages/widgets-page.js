// Widget lifecycle test page: counts the Workers the widgets start and terminate (a widget removed
// or restarted must leave none running), then loads the widgets bundle.
const Native = window.Worker;
window.__workers = { created: 0, terminated: 0 };
window.Worker = class CountedWorker extends Native {
  constructor(...args) {
    super(...args);
    window.__workers.created += 1;
  }

  terminate() {
    if (!this.__terminated) {
      this.__terminated = true;
      window.__workers.terminated += 1;
    }
    super.terminate();
  }
};
await import('/dist/metacog-widgets.js');
document.body.dataset.ready = 'true';
