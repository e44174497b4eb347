// Seeded mutation fuzzing of importLearnerData through the public API (wasm SIMD build, memory
// storage): the JS side of design.md §5 "loaders survive a fuzzer" (the engine's own loaders are
// fuzzed by libFuzzer, tests/fuzz/). Every mutant of a real export document is either imported or
// refused with a MetacogError STATE_FORMAT / STATE_VERSION, and a refusal changes nothing: the same
// predictions, mastery and exported document as before the call.
//
// Four families, 200 mutants each, one mutation per mutant, from a fixed seed:
//   document  — the document as exported, edited anywhere (its checksum then mostly refuses it);
//   state     — the engine's state JSON inside it, edited and the document sealed again (state
//               hash, checksum), with no response log, so that only the engine can refuse it;
//   state+log — the same with the document's response log kept: a state the engine refuses is
//               rebuilt from the log (as at start-up), so every one of these is imported;
//   log       — a log-only document (no state) with one response edited and sealed again, which the
//               engine replays response by response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createEngine, MetacogError } from '../../dist/metacog.js';
import { fromBase64, toBase64 } from '../../web/src/storage-document.js';
import { resealed } from './learner-document.mjs';
import { mulberry32 } from './seeded-random.mjs';

const MODEL = new URL('../../models/demo-learner.safetensors', import.meta.url);
const BANK = JSON.parse(readFileSync(new URL('../../web/demo/item-bank.json', import.meta.url), 'utf8'));
const MUTANTS_PER_FAMILY = 200;

const STRANGE = [null, true, false, 0, -1, 1.5, 1e308, -1e-308, NaN, Infinity, '', 'x', 'é'.repeat(300), [], {}, [1, 2], { a: 1 }];

/** Every [parent, key] of a JSON tree (objects and arrays), depth first. */
function slots(value, out = []) {
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      out.push([value, key]);
      slots(value[key], out);
    }
  }
  return out;
}

/** Applies one random mutation somewhere in `root` (a JSON tree, changed in place). */
function mutate(root, rand) {
  const all = slots(root);
  const [parent, key] = all[Math.floor(rand() * all.length)];
  const v = parent[key];
  const pick = (list) => list[Math.floor(rand() * list.length)];
  switch (Math.floor(rand() * 6)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      return `delete ${key}`;
    case 1:
      parent[key] = structuredClone(pick(STRANGE));
      return `replace ${key}`;
    case 2:
      if (typeof v === 'number') parent[key] = pick([v + 1, v - 1, -v, v * 1e6, v / 3, Math.floor(v / 2)]);
      else if (typeof v === 'string') parent[key] = pick([v.slice(0, Math.floor(v.length / 2)), `${v}x`, v.toUpperCase(), ''.padEnd(v.length, '0')]);
      else if (typeof v === 'boolean') parent[key] = !v;
      else if (Array.isArray(v) && v.length) v.push(structuredClone(v[Math.floor(rand() * v.length)]));
      else parent[key] = 7;
      return `perturb ${key}`;
    case 3:
      if (Array.isArray(v) && v.length > 1) v.reverse();
      else if (Array.isArray(parent) && parent.length > 1) parent.reverse();
      else parent[key] = [v];
      return `reorder ${key}`;
    case 4:
      if (v && typeof v === 'object' && !Array.isArray(v)) v[pick(['extra', '__proto__', 'constructor', 'version'])] = pick(STRANGE);
      else parent[key] = { value: v };
      return `extend ${key}`;
    default:
      if (Array.isArray(v)) v.length = Math.floor(v.length / 2);
      else if (typeof v === 'string') parent[key] = v.slice(1);
      else parent[key] = String(v);
      return `shorten ${key}`;
  }
}

/** What must not change when an import is refused. */
async function observable(engine) {
  const ids = BANK.items.slice(0, 12).map((i) => i.id);
  const { exportedAt, checksum, ...doc } = await engine.exportLearnerData();
  return { predict: await engine.predict(ids), mastery: await engine.mastery(), doc };
}

test('importLearnerData: 800 seeded mutants of real documents are imported or refused with STATE_FORMAT / STATE_VERSION, and a refusal changes nothing', async () => {
  const engine = await createEngine({ model: MODEL, itemBank: BANK, simd: true, learnerId: 'import-fuzz' });
  let t = 10_000;
  for (const [k, it] of BANK.items.slice(0, 10).entries()) await engine.observe({ item: it.id, correct: k % 3 !== 0, timestamp: (t += 1000) });
  const original = await engine.exportLearnerData();
  const logOnly = resealed(original, (d) => { d.state = null; d.meta.updatedAt = null; });
  const baseline = await observable(engine);

  const rand = mulberry32(20261205);
  const mutatedState = (edit) => {
    const state = JSON.parse(new TextDecoder().decode(fromBase64(original.state.data)));
    const what = mutate(state, rand);
    const d = structuredClone(original);
    d.state.data = toBase64(new TextEncoder().encode(JSON.stringify(state)));
    edit(d);
    return { doc: resealed(d), what };
  };
  const families = {
    document: () => {
      const d = structuredClone(original);
      return { doc: d, what: mutate(d, rand) };
    },
    state: () => mutatedState((d) => { d.responses = []; d.meta.responseCount = 0; }),
    'state+log': () => mutatedState(() => {}),
    log: () => {
      const d = structuredClone(logOnly);
      const what = mutate(d.responses, rand);
      d.meta.responseCount = Array.isArray(d.responses) ? d.responses.length : 0;
      return { doc: resealed(d), what };
    },
  };
  const tally = {};
  for (const [family, make] of Object.entries(families)) {
    tally[family] = { imported: 0, refused: 0 };
    for (let i = 0; i < MUTANTS_PER_FAMILY; i++) {
      const { doc, what } = make();
      const label = `${family} mutant ${i} (${what})`;
      let imported = false;
      try {
        await engine.importLearnerData(doc);
        imported = true;
      } catch (err) {
        assert.ok(err instanceof MetacogError, `${label}: expected a MetacogError, got ${err?.stack ?? err}`);
        assert.ok(['STATE_FORMAT', 'STATE_VERSION'].includes(err.code), `${label}: code ${err.code}: ${err.message}`);
      }
      if (imported) {
        tally[family].imported++;
        await observable(engine);  // the imported learner answers every read
        assert.deepEqual(await engine.importLearnerData(structuredClone(original)), { responses: 10 }, label);
      } else {
        tally[family].refused++;
      }
      assert.deepEqual(await observable(engine), baseline, `${label}: the learner changed`);
    }
  }
  // Both outcomes were exercised where the engine does the checking (else the mutants test nothing).
  assert.ok(tally.state.imported > 0 && tally.state.refused > 0, JSON.stringify(tally));
  assert.equal(tally['state+log'].refused, 0, JSON.stringify(tally));
  assert.ok(tally.log.imported > 0 && tally.log.refused > 0, JSON.stringify(tally));
  assert.ok(tally.document.refused > 0, JSON.stringify(tally));
  engine.dispose();
});
