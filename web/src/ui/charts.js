// Charts for the demo's "How it works" page (dist/metacog-charts.js), drawn with uPlot, and the
// pure functions that read what to draw from a model's metadata (`info().model.metrics`). They
// only ever return numbers that are in the metadata; a model without a cold-start curve gets no
// cold-start chart.
import uPlot from 'uplot';

export const PALETTE = ['#1f4fb8', '#c2410c', '#146c2e', '#7e22ce', '#a4161a', '#4a5361', '#0e7490', '#92400e'];

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

/**
 * The cold-start curve of a learner model: metrics.cold_start = { by_k: [{k, auc, n}], baselines:
 * { name: { by_k } } } (as `metacog kt-coldstart --record` writes it). → { k: number[], series:
 * [{label, values}] } or null when the metadata has no such curve.
 */
export function coldStartCurve(metrics) {
  const cs = metrics && metrics.cold_start;
  if (!cs || !Array.isArray(cs.by_k) || cs.by_k.length === 0) return null;
  const points = cs.by_k.filter((p) => isNum(p.k) && isNum(p.auc));
  if (points.length === 0) return null;
  const k = points.map((p) => p.k);
  const series = [{ label: 'metacog', values: points.map((p) => p.auc), n: points.map((p) => p.n) }];
  for (const [name, b] of Object.entries(cs.baselines || {})) {
    if (!b || !Array.isArray(b.by_k)) continue;
    const byK = new Map(b.by_k.filter((p) => isNum(p.k) && isNum(p.auc)).map((p) => [p.k, p.auc]));
    if (byK.size === 0) continue;
    series.push({ label: name, values: k.map((kk) => (byK.has(kk) ? byK.get(kk) : null)) });
  }
  return { k, series };
}

/** The test-split AUC of a learner model and of its baselines: [{name, auc, n}] or []. */
export function testAuc(metrics) {
  const t = metrics && metrics.test;
  if (!t || !isNum(t.auc)) return [];
  const rows = [{ name: 'metacog', auc: t.auc, n: t.n }];
  for (const [name, b] of Object.entries(t.baselines || {})) if (b && isNum(b.auc)) rows.push({ name, auc: b.auc, n: b.n });
  return rows;
}

/**
 * Few-shot results of an embedding model: every metrics entry named like "<split>_<N>way_<K>shot"
 * (written by `metacog train` for validation) or "<split>/<N>w<K>s/<bn>" (written by
 * `metacog eval --record`) with an accuracy → [{key, split, way, shot, accuracy, ci95, episodes, bn}], sorted.
 */
export function fewShotResults(metrics) {
  const rows = [];
  for (const [key, v] of Object.entries(metrics || {})) {
    const m = /^(?:(\w+?)_)?(\d+)way_(\d+)shot$/.exec(key) ?? /^([\w-]+)\/(\d+)w(\d+)s\/(\w+)$/.exec(key);
    if (!m || !v || !isNum(v.accuracy)) continue;
    rows.push({ key, split: m[1] || '', way: Number(m[2]), shot: Number(m[3]), accuracy: v.accuracy,
      ci95: isNum(v.ci95) ? v.ci95 : null, episodes: isNum(v.episodes) ? v.episodes : null, bn: v.bn ?? m[4] ?? null });
  }
  return rows.sort((a, b) => a.split.localeCompare(b.split) || a.way - b.way || a.shot - b.shot);
}

/**
 * A line chart into `container` (cleared first), sized to its width and redrawn on resize.
 * @param {HTMLElement} container
 * @param {{x: number[], series: {label: string, values: (number|null)[]}[], xLabel: string, yLabel: string,
 *          yRange?: [number, number], title?: string, points?: boolean, integerX?: boolean}} spec
 * @returns {uPlot}
 */
export function lineChart(container, spec) {
  container.replaceChildren();
  const width = () => Math.max(260, Math.min(container.clientWidth || 640, 900));
  const opts = {
    width: width(),
    height: 300,
    title: spec.title,
    scales: { x: { time: false }, y: spec.yRange ? { range: spec.yRange } : {} },
    axes: [{ label: spec.xLabel, stroke: '#1b1f24', grid: { stroke: '#e3e7ee' }, ...(spec.integerX ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}) }, { label: spec.yLabel, stroke: '#1b1f24', grid: { stroke: '#e3e7ee' } }],
    series: [{ label: spec.xLabel }, ...spec.series.map((s, i) => ({
      label: s.label,
      stroke: PALETTE[i % PALETTE.length],
      width: i === 0 ? 3 : 2,
      dash: i === 0 ? undefined : [6, 4],
      spanGaps: true,
      points: { show: spec.points ?? spec.x.length <= 30 },
      value: (u, v) => (v === null || v === undefined ? '–' : v.toFixed(3)),
    }))],
  };
  const plot = new uPlot(opts, [spec.x, ...spec.series.map((s) => s.values)], container);
  if (typeof ResizeObserver !== 'undefined') {
    const ro = new ResizeObserver(() => plot.setSize({ width: width(), height: 300 }));
    ro.observe(container);
  }
  return plot;
}

/** A simple bar chart (categories on x) drawn with uPlot's bars path builder. */
export function barChart(container, spec) {
  container.replaceChildren();
  const width = () => Math.max(260, Math.min(container.clientWidth || 640, 900));
  const x = spec.labels.map((_, i) => i);
  const bars = uPlot.paths.bars({ size: [0.6, 60] });
  const plot = new uPlot({
    width: width(),
    height: 280,
    title: spec.title,
    scales: { x: { time: false, range: [-0.5, spec.labels.length - 0.5] }, y: { range: spec.yRange || [0, 1] } },
    axes: [
      { stroke: '#1b1f24', values: (u, splits) => splits.map((v) => (Number.isInteger(v) && spec.labels[v] !== undefined ? spec.labels[v] : '')), splits: () => x, grid: { show: false } },
      { label: spec.yLabel, stroke: '#1b1f24', grid: { stroke: '#e3e7ee' } },
    ],
    series: [{ label: spec.xLabel || '' }, { label: spec.yLabel, stroke: PALETTE[0], fill: 'rgba(31,79,184,0.75)', paths: bars, points: { show: false },
      value: (u, v) => (v === null || v === undefined ? '–' : v.toFixed(3)) }],
    legend: { show: false },
  }, [x, spec.values], container);
  if (typeof ResizeObserver !== 'undefined') new ResizeObserver(() => plot.setSize({ width: width(), height: 280 })).observe(container);
  return plot;
}

/** An accessible data table (for screen readers and for reading exact numbers). */
export function dataTable(caption, headers, rows) {
  const table = document.createElement('table');
  const cap = document.createElement('caption');
  cap.textContent = caption;
  table.append(cap);
  const thead = table.createTHead().insertRow();
  for (const h of headers) { const th = document.createElement('th'); th.scope = 'col'; th.textContent = h; thead.append(th); }
  const tbody = table.createTBody();
  for (const r of rows) {
    const tr = tbody.insertRow();
    r.forEach((cell) => { tr.insertCell().textContent = cell === null || cell === undefined ? '–' : String(cell); });
  }
  return table;
}
