// The evaluations recorded in the committed models, the source of every number in the README's
// results tables: `node scripts/results.mjs [--json]` (`npm run results`).
//
// `metacog eval --record`, `kt-eval --record` and `kt-coldstart --record` store their results in the
// model file's `__metadata__.metrics` (a JSON string, safetensors header). This script reads the
// headers only (no engine build needed) and prints, per model, every recorded test cell:
//   few-shot models: "test/<W>w<K>s/<bn>" → accuracy ± 95 % CI over `episodes` episodes (and
//                    "test-unrotated/…", a random-split model tested by Reptile's protocol);
//   learner models:  test AUC / ACC / RMSE of metacog and each baseline, and the cold-start mean
//                    AUC over k = 1..10 with the paired-bootstrap margin of metacog over each baseline.
// tests/js/readme-results.test.mjs checks the README's tables against the same functions.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensorsHeader } from './safetensors-header.mjs';

export const modelsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'models');

// The parsed `__metadata__.metrics` of a model name (file stem under models/), or null if none.
export function recordedMetrics(name, dir = modelsDir) {
  const file = path.join(dir, `${name}.safetensors`);
  let header;
  try {
    ({ header } = readSafetensorsHeader(readFileSync(file)));
  } catch (err) {
    throw new Error(`${file}: ${err.message}`, { cause: err });
  }
  const metadata = header.__metadata__ ?? {};
  return metadata.metrics === undefined ? null : JSON.parse(metadata.metrics);
}

// Few-shot test cells of a metrics object: [{ split: 'test', setting: '5w1s', bn, accuracy, ci95, episodes }].
export function fewShotCells(metrics) {
  const cells = [];
  for (const [key, value] of Object.entries(metrics ?? {})) {
    const match = /^(test|test-unrotated)\/(\d+w\d+s)\/(running|transductive)$/.exec(key);
    if (match) cells.push({ split: match[1], setting: match[2], bn: match[3], ...value });
  }
  return cells;
}

// Learner-model results of a metrics object, or null when it has no test evaluation.
export function learnerResults(metrics) {
  if (!metrics?.test) return null;
  const pick = ({ auc, acc, rmse, n }) => ({ auc, acc, rmse, n });
  const systems = { metacog: pick(metrics.test) };
  for (const [name, value] of Object.entries(metrics.test.baselines ?? {})) systems[name] = pick(value);
  const cold = metrics.cold_start;
  const coldStart = cold && {
    metacog: cold.mean_auc_k1_10,
    baselines: Object.fromEntries(Object.entries(cold.baselines ?? {}).map(([name, b]) => [name, {
      mean_auc_k1_10: b.mean_auc_k1_10,
      margin: b.margin && {
        mean: b.margin.metacog_minus_this_mean_auc_k1_10, low: b.margin.ci95_low, high: b.margin.ci95_high,
      },
    }])),
  };
  return { test: systems, coldStart };
}

// Every committed model's recorded results, by model name.
export function allResults(dir = modelsDir) {
  const out = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort()) {
    const name = file.slice(0, -'.safetensors'.length);
    const metrics = recordedMetrics(name, dir);
    const learner = learnerResults(metrics);
    const fewShot = fewShotCells(metrics);
    if (learner) out[name] = { kind: 'learner', ...learner };
    else if (fewShot.length) out[name] = { kind: 'few-shot', cells: fewShot };
  }
  return out;
}

function printHuman(results) {
  const pct = (x) => (100 * x).toFixed(2);
  for (const [name, r] of Object.entries(results)) {
    console.log(name);
    if (r.kind === 'few-shot') {
      for (const c of r.cells) {
        console.log(`  ${c.split.padEnd(15)} ${c.setting.padEnd(6)} ${c.bn.padEnd(12)} ${pct(c.accuracy)} ± ${pct(c.ci95)}  (${c.episodes} episodes)`);
      }
      continue;
    }
    for (const [system, m] of Object.entries(r.test)) {
      console.log(`  ${system.padEnd(22)} AUC ${m.auc.toFixed(4)}  ACC ${m.acc.toFixed(4)}  RMSE ${m.rmse.toFixed(4)}  (n ${m.n})`);
    }
    if (r.coldStart) {
      console.log(`  cold start, mean AUC k = 1..10: metacog ${r.coldStart.metacog.toFixed(4)}`);
      for (const [system, b] of Object.entries(r.coldStart.baselines)) {
        const m = b.margin;
        const margin = m ? `  margin ${m.mean.toFixed(4)} [${m.low.toFixed(4)}, ${m.high.toFixed(4)}]` : '';
        console.log(`    ${system.padEnd(20)} ${b.mean_auc_k1_10.toFixed(4)}${margin}`);
      }
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const results = allResults();
  if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
  else printHuman(results);
}
