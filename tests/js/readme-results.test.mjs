// The README's results are the committed models' recorded evaluations: every "accuracy ± CI" cell of
// a few-shot table row that names a model file, every AUC / ACC / RMSE cell of the learner-model
// table and every cold-start line must equal what `--record` stored in that model's
// `__metadata__.metrics` (scripts/results.mjs), to the digits printed. A number edited by hand, or a
// model retrained without updating the README, fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fewShotCells, learnerResults, modelsDir, recordedMetrics } from '../../scripts/results.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const lines = readme.split('\n');

const modelExists = (name) => existsSync(path.join(modelsDir, `${name}.safetensors`));
const splitRow = (line) => line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
// README numbers use the typographic minus and an explicit plus sign.
const plain = (s) => s.replace(/\*\*/g, '').replace(/−/g, '-').replace(/^\+/, '').trim();
const fixed = (x, digits) => (x.toFixed(digits) === `-${(0).toFixed(digits)}` ? (0).toFixed(digits) : x.toFixed(digits));

// Markdown tables as { header: [...], rows: [{ cells, line }] }.
function tables() {
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('|') || !/^\|[-|\s]+\|$/.test(lines[i + 1] ?? '')) continue;
    const table = { header: splitRow(lines[i]), rows: [] };
    for (i += 2; i < lines.length && lines[i].startsWith('|'); i++) table.rows.push({ cells: splitRow(lines[i]), line: i + 1 });
    out.push(table);
  }
  return out;
}

// Footnote markers of a cell: "97.24 ± 0.09 ⁽³⁰⁰,ᶠ⁾" → ['³⁰⁰', 'ᶠ'].
const markers = (cell) => [...cell.matchAll(/⁽([^⁾]+)⁾/g)].flatMap((m) => m[1].split(','));

// The model a footnote sends a cell to: its definition ("⁽ⁱ⁾ the separate 20-way Reptile run
// (`omniglot-reptile-20w`) …", outside any table) names a committed model file.
function footnoteModel(marker) {
  const definition = new RegExp(`⁽${marker}⁾ ([^⁽]*)`);
  for (const line of lines) {
    if (line.startsWith('|')) continue;
    const m = definition.exec(line);
    if (!m) continue;
    const named = [...m[1].matchAll(/`([a-z0-9-]+)`/g)].map((n) => n[1]).find(modelExists);
    if (named) return named;
  }
  return null;
}

test('every few-shot cell of a row naming a model is that model\'s recorded evaluation', () => {
  let checked = 0;
  for (const { header, rows } of tables()) {
    const settings = header.map((h) => (/^\d+w\d+s$/.test(h) ? h : null));
    if (!settings.some(Boolean)) continue;
    const bnColumn = header.indexOf('BN at test');
    for (const { cells, line } of rows) {
      const names = [...cells[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
      const claimed = names.filter((n) => /^omniglot-[a-z0-9-]+$/.test(n));
      for (const n of claimed) assert.ok(modelExists(n), `README.md:${line} names ${n}, which is not in models/`);
      if (claimed.length === 0) continue;
      const bn = bnColumn >= 0 ? cells[bnColumn] : (/transductive/.test(header[0]) ? 'transductive' : 'running');
      // A table whose first header names Reptile's test protocol holds "test-unrotated/…" cells.
      const split = /no rotations at test/.test(header[0]) ? 'test-unrotated' : 'test';
      cells.forEach((cell, c) => {
        const m = /^(?:\*\*)?([\d.]+) ± ([\d.]+)(?:\*\*)?/.exec(cell);
        if (!settings[c] || !m) return;
        const notes = markers(cell);
        const source = notes.map(footnoteModel).find(Boolean) ?? claimed[0];
        const recorded = fewShotCells(recordedMetrics(source)).find((r) => r.split === split && r.setting === settings[c] && r.bn === bn);
        const where = `README.md:${line} ${split}/${settings[c]} (${bn}) from ${source}`;
        assert.ok(recorded, `${where}: no recorded ${split}/${settings[c]}/${bn}`);
        assert.equal(`${m[1]} ± ${m[2]}`, `${fixed(100 * recorded.accuracy, 2)} ± ${fixed(100 * recorded.ci95, 2)}`, where);
        assert.equal(recorded.episodes, notes.includes('³⁰⁰') ? 300 : 1000, `${where}: episodes`);
        checked++;
      });
    }
  }
  // The main table, the random-split table: 40-odd cells. Fewer means the parser stopped seeing them.
  assert.ok(checked >= 40, `only ${checked} few-shot cells checked`);
});

const learnerModels = { ASSIST2009: 'assist2009-learner', Statics2011: 'statics-learner', ASSIST2015: 'assist2015-learner' };
const systemKeys = { metacog: 'metacog', nonmeta: 'nonmeta', 'Best-LR': 'best_lr', PFA: 'pfa', BKT: 'bkt', IRT: 'irt', 'running rate': 'running_rate' };

test('the learner-model table is the recorded test evaluation of each dataset\'s model', () => {
  const table = tables().find((t) => t.header[0] === 'dataset (scored responses)' && t.header.includes('metacog'));
  assert.ok(table, 'learner-model results table not found');
  assert.equal(table.rows.length, 3);
  for (const { cells, line } of table.rows) {
    const [, dataset, count] = /^(\S+) \(([\d,]+)\)/.exec(cells[0]);
    const results = learnerResults(recordedMetrics(learnerModels[dataset]));
    assert.ok(results, `${dataset}: no recorded test evaluation`);
    table.header.slice(1).forEach((system, c) => {
      const recorded = results.test[systemKeys[system]];
      const where = `README.md:${line} ${dataset} ${system}`;
      assert.ok(recorded, `${where}: not recorded`);
      assert.equal(recorded.n, Number(count.replace(/,/g, '')), `${where}: scored responses`);
      const printed = cells[c + 1].split('/').map(plain);
      assert.deepEqual(printed, [recorded.auc, recorded.acc, recorded.rmse].map((x) => fixed(x, 4)), where);
    });
  }
});

test('each cold-start line is the recorded cold-start evaluation (metacog / nonmeta / BKT / IRT, margins)', () => {
  const start = lines.findIndex((l) => l.startsWith('**Cold start**, mean AUC over positions k = 1..10 (metacog / nonmeta / BKT / IRT)'));
  assert.ok(start >= 0, 'cold-start paragraph not found');
  // The paragraph's bullets, each joined with its continuation lines.
  const bullets = [];
  for (let i = start + 1; i < lines.length && !(lines[i] === '' || /^[A-Z*]/.test(lines[i])); i++) {
    if (lines[i].startsWith('- ')) bullets.push({ text: lines[i], line: i + 1 });
    else if (bullets.length) bullets.at(-1).text += ` ${lines[i].trim()}`;
  }
  const seen = [];
  for (const { text, line } of bullets) {
    const bullet = /^- (ASSIST2009|Statics2011|ASSIST2015)\b.*?([\d.]+) \/ ([\d.]+) \/ ([\d.]+) \/ ([\d.]+): margin (.*)$/.exec(text);
    if (!bullet) continue;
    const [, dataset, metacog, nonmeta, bkt, irt, rest] = bullet;
    const cold = learnerResults(recordedMetrics(learnerModels[dataset])).coldStart;
    const where = `README.md:${line} ${dataset}`;
    assert.deepEqual([metacog, nonmeta, bkt, irt],
      [cold.metacog, cold.baselines.nonmeta.mean_auc_k1_10, cold.baselines.bkt.mean_auc_k1_10, cold.baselines.irt.mean_auc_k1_10]
        .map((x) => fixed(x, 4)), where);
    const interval = (text, system) => {
      const m = /([−+]?[\d.]+) \[([−+]?[\d.]+), ([−+]?[\d.]+)\]/.exec(text);
      const r = cold.baselines[system].margin;
      assert.ok(m, `${where}: no margin for ${system}`);
      assert.deepEqual([m[1], m[2], m[3]].map(plain), [r.mean, r.low, r.high].map((x) => fixed(x, 4)), `${where} margin over ${system}`);
    };
    interval(rest, 'nonmeta');
    const overBkt = /over BKT (.*)$/.exec(rest);
    assert.ok(overBkt, `${where}: no margin over BKT`);
    interval(overBkt[1], 'bkt');
    seen.push(dataset);
  }
  assert.deepEqual(seen.sort(), Object.keys(learnerModels).sort());
});
