// The observe → recommend latency measurement (design.md §5), shared by bench/latency.mjs and
// bench/compare.mjs (Node and Chromium): a learner with 200 past responses, an item bank of 1000
// items (the demo bank's items repeated with new ids over the same skills).
//   engine: the wasm Engine directly (observe + recommend(5)), the compute budget
//   api:    the public createEngine API in-process (adds validation, copying, memory storage)
import { readSafetensorsHeader } from '../scripts/safetensors-header.mjs';

/** The demo bank grown to `size` items (copies get ids `<id>~k`). */
export function growBank(demo, size = 1000) {
  const bank = { ...demo, items: [] };
  for (let k = 0; bank.items.length < size; k++) {
    for (const it of demo.items) {
      if (bank.items.length === size) break;
      bank.items.push({ ...it, id: k === 0 ? it.id : `${it.id}~${k}` });
    }
  }
  return bank;
}

/**
 * A bank of `size` items over a learner model's own vocabulary (its __metadata__.vocab, read from
 * the safetensors header): one skill per training skill label; the training item labels first, then
 * new ids, dealt round-robin over the skills (the header does not say which skill an item was logged
 * with, and the cost does not depend on it). Every bank skill is known to the model, so each observe
 * re-evaluates the network once per skill that has an item — min(skills, size) of them: the serving
 * cost of a knowledge-tracing model (e.g. models/assist2009-learner.safetensors, 110 skills) rather
 * than of the demo's 17 skills.
 */
export function vocabBank(modelBytes, size = 1000) {
  const { header } = readSafetensorsHeader(new Uint8Array(modelBytes));
  const vocab = JSON.parse(header.__metadata__?.vocab ?? 'null');
  if (!vocab || !vocab.skills?.length) throw new Error('vocabBank: the model has no __metadata__.vocab skills');
  const skills = vocab.skills.map((id) => ({ id, name: { en: `skill ${id}` } }));
  const labels = vocab.items ?? [];
  const items = [];
  for (let k = 0; items.length < size; k++) {
    const id = k < labels.length ? labels[k] : `bench-item-${k}`;
    items.push({ id, skills: [vocab.skills[k % vocab.skills.length]], difficulty: 1 + (k % 5),
      content: { type: 'numeric', prompt: { en: `item ${id}` }, answer: '1' } });
  }
  return { version: 1, id: 'bench-vocab', title: { en: 'bench' }, languages: ['en'], skills, items, resources: [] };
}

export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** A deterministic learner: answers right with a fixed pseudo-random pattern. */
export function makeRand(seed = 12345) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
}

const round3 = (x) => Math.round(x * 1000) / 1000;
const summary = (times) => ({
  observe_recommend_p50_ms: round3(quantile(times, 0.5)), observe_recommend_p95_ms: round3(quantile(times, 0.95)),
});

/** observe + recommend(5) on the Embind Engine of `Module`; continues the clock from `clock.t`. */
export function measureEngine({ Module, model, bank, rounds, rand, clock, past = 200 }) {
  const h = Module.makeEngine(new Uint8Array(model), JSON.stringify(bank));
  if (h.__error) throw new Error(h.message);
  const n = bank.items.length;
  for (let i = 0; i < past; i++) h.observe(bank.items[Math.floor(rand() * n)].id, rand() < 0.7, clock.t++);
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const item = h.recommend(1, NaN, NaN, NaN)[0].item;
    const t0 = performance.now();
    h.observe(item, rand() < 0.7, clock.t++);
    const recs = h.recommend(5, NaN, NaN, NaN);
    times.push(performance.now() - t0);
    if (recs.length !== 5) throw new Error('recommend failed');
  }
  h.delete();
  return summary(times);
}

/**
 * The same through the public API (createEngine from the library bundle); by default in-process
 * with memory storage, or (browser) `worker: true, storage: 'indexeddb'` for the default page setup.
 */
export async function measureApi({ createEngine, model, bank, rounds, rand, clock, simd, past = 200,
  worker = false, storage = 'memory', learnerId = 'bench' }) {
  const e = await createEngine({ model, itemBank: bank, simd, worker, storage, learnerId });
  const info = await e.info();
  if (info.worker !== worker) throw new Error(`asked for worker: ${worker}, the engine runs ${info.worker ? 'in a Worker' : 'in process'}`);
  if (info.storage.backend !== storage) throw new Error(`asked for ${storage} storage, the engine uses ${info.storage.backend}`);
  const n = bank.items.length;
  for (let i = 0; i < past; i++) await e.observe({ item: bank.items[Math.floor(rand() * n)].id, correct: rand() < 0.7, timestamp: clock.t++ });
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const [next] = await e.recommend({ count: 1 });
    const t0 = performance.now();
    await e.observe({ item: next.item, correct: rand() < 0.7, timestamp: clock.t++ });
    await e.recommend({ count: 5 });
    times.push(performance.now() - t0);
  }
  e.dispose();
  return summary(times);
}

/**
 * Few-shot classification as the sketch classifier serves it: a ProtoNet model (`model`, e.g.
 * models/omniglot-protonet.safetensors) with `classes` × `shots` examples added, then classify()
 * of one new 28×28 drawing (embedding + distances to the prototypes), `rounds` times; p50/p95 ms.
 * Inputs are seeded pseudo-random images (makeRand).
 */
export function measureClassify({ Module, model, rounds = 100, classes = 20, shots = 5, rand = makeRand(777) }) {
  const s = Module.makeSketchClassifier(new Uint8Array(model));
  if (s.__error) throw new Error(s.message);
  const side = s.imageSize();
  const image = () => Float32Array.from({ length: side * side }, () => (rand() < 0.2 ? 1 : 0));
  const t0 = performance.now();
  for (let k = 0; k < classes; ++k) {
    for (let j = 0; j < shots; ++j) {
      const r = s.addExample(`class-${k}`, image(), 1);
      if (r && r.__error) throw new Error(r.message);
    }
  }
  const addMs = performance.now() - t0;
  const times = [];
  for (let r = 0; r < rounds; ++r) {
    const q = image();
    const t1 = performance.now();
    const c = s.classify(q);
    times.push(performance.now() - t1);
    if (c.__error) throw new Error(c.message);
  }
  s.delete();
  return {
    classes, shots, add_examples_ms: round3(addMs),
    classify_p50_ms: round3(quantile(times, 0.5)), classify_p95_ms: round3(quantile(times, 0.95)),
  };
}
