// how.html: the learner's mastery over time (replayed from the stored answers in an in-memory
// engine), the cold-start AUC curve and test AUCs of the learner model, and the Omniglot results
// of the sketch model — every number read from the models' metadata, none made up here.
import { createEngine, createSketchClassifier } from '../dist/metacog.js';
import { lineChart, barChart, dataTable, coldStartCurve, testAuc, fewShotResults } from '../dist/metacog-charts.js';

const zh = document.documentElement.dataset.lang === 'zh';
const T = (en, z) => (zh ? z : en);
const $ = (id) => document.getElementById(id);
const LEARNER_MODEL = 'models/demo-learner.safetensors';
const SKETCH_MODEL = 'models/omniglot-protonet.safetensors';

function details(summary, table) {
  const d = document.createElement('details');
  const s = document.createElement('summary');
  s.textContent = summary;
  d.append(s, table);
  return d;
}

async function masteryOverTime(bank, modelBytes) {
  const stored = await createEngine({ model: modelBytes.slice(), itemBank: bank, learnerId: 'demo' });
  const doc = await stored.exportLearnerData();
  stored.dispose();
  const responses = doc.responses;
  if (responses.length === 0) {
    $('mastery-chart').remove();
    $('mastery-note').innerHTML = T('No answers stored yet: practise a few exercises on the <a href="index.html">start page</a>, then come back.',
      '还没有作答记录：先在<a href="index.html?lang=zh">首页</a>做几道题，再回来看看。');
    return;
  }
  const replay = await createEngine({ model: modelBytes.slice(), itemBank: bank, learnerId: 'replay', storage: 'memory' });
  const names = new Map(bank.skills.map((s) => [s.id, zh ? s.name.zh : s.name.en]));
  const history = [await replay.mastery()];
  let refused = null;  // an answer the engine refuses now (e.g. dated more than a day ahead of this device's clock)
  for (const r of responses) {
    try {
      await replay.observe({ item: r.item, correct: r.correct, timestamp: r.timestamp, responseTimeMs: r.responseTimeMs ?? undefined });
    } catch (err) {
      refused = err;
      break;
    }
    history.push(await replay.mastery());
  }
  replay.dispose();
  const last = history[history.length - 1];
  const practised = last.filter((m) => m.attempts > 0).map((m) => m.skill);
  const x = history.map((_, i) => i);
  const series = practised.map((skill) => ({ label: names.get(skill) || skill, values: history.map((h) => h.find((m) => m.skill === skill).mastery) }));
  lineChart($('mastery-chart'), { x, series, xLabel: T('answers', '作答次数'), yLabel: T('mastery', '掌握度'), yRange: [0, 1], integerX: true });
  $('mastery-note').replaceChildren(
    document.createTextNode(refused
      ? T(`${history.length - 1} of ${responses.length} answers replayed; the replay stopped at the next one: ${refused.message}`,
        `已重放 ${responses.length} 次作答中的 ${history.length - 1} 次；下一次作答无法重放：${refused.message}`)
      : T(`${responses.length} answers replayed.`, `已重放 ${responses.length} 次作答。`)),
    details(T('Data table', '数据表'), dataTable(T('Mastery after each answer', '每次作答后的掌握度'),
      [T('answers', '作答次数'), ...series.map((s) => s.label)],
      x.map((i) => [i, ...series.map((s) => s.values[i].toFixed(3))]))));
}

async function learnerModel(info) {
  const metrics = info.model.metrics || {};
  const v = metrics.validation;
  const valid = v && typeof v.auc === 'number'
    ? T(` Validation AUC (${v.protocol || 'online'}): ${v.auc.toFixed(4)}.`, ` 验证集 AUC（${v.protocol || 'online'}）：${v.auc.toFixed(4)}。`) : '';
  $('learner-model').textContent = T(
    `Learner model: ${info.model.algo}, trained on ${info.model.trained_on}.`,
    `学习者模型：${info.model.algo}，训练数据：${info.model.trained_on}。`) + valid;
  const curve = coldStartCurve(metrics);
  if (curve) {
    lineChart($('cold-chart'), { x: curve.k, series: curve.series, xLabel: 'k', yLabel: 'AUC', integerX: true });
    $('cold-note').replaceChildren(details(T('Data table', '数据表'), dataTable(T('AUC of the k-th answer', '第 k 次作答的 AUC'),
      ['k', ...curve.series.map((s) => s.label)], curve.k.map((k, i) => [k, ...curve.series.map((s) => (s.values[i] === null ? null : s.values[i].toFixed(4)))]))));
  } else {
    $('cold-chart').remove();
    $('cold-note').textContent = T('This model file records no cold-start curve (metrics.cold_start), so none is shown.',
      '该模型文件没有记录冷启动曲线（metrics.cold_start），因此不显示。');
  }
  const rows = testAuc(metrics);
  if (rows.length) {
    barChart($('test-chart'), { labels: rows.map((r) => r.name), values: rows.map((r) => r.auc), yLabel: 'AUC', yRange: [0.5, 1] });
    $('test-note').replaceChildren(dataTable(T(`Test split, online protocol (n = ${rows[0].n ?? '–'} scored answers)`, `测试集，在线评估协议（n = ${rows[0].n ?? '–'} 个计分作答）`),
      [T('model', '模型'), 'AUC'], rows.map((r) => [r.name, r.auc.toFixed(4)])));
  } else {
    $('test-chart').remove();
    $('test-note').textContent = T('This model file records no test-split evaluation.', '该模型文件没有记录测试集评估结果。');
  }
}

async function sketchModel() {
  const sketch = await createSketchClassifier({ model: SKETCH_MODEL });
  const info = await sketch.info();
  sketch.dispose();
  const rows = fewShotResults(info.model.metrics || {});
  if (rows.length === 0) {
    $('omni-chart').remove();
    $('omni-note').textContent = T('This model file records no few-shot results.', '该模型文件没有记录小样本结果。');
    return;
  }
  const label = (r) => `${r.split ? `${r.split} ` : ''}${r.way}-way ${r.shot}-shot`;
  const lo = Math.max(0, Math.floor(10 * Math.min(...rows.map((r) => r.accuracy - (r.ci95 || 0)))) / 10);
  barChart($('omni-chart'), { labels: rows.map(label), values: rows.map((r) => r.accuracy), yLabel: T('accuracy', '准确率'), yRange: [lo, 1] });
  $('omni-note').replaceChildren(
    dataTable(T(`Omniglot (${info.model.trained_on})`, `Omniglot（${info.model.trained_on}）`),
      [T('task', '任务'), T('accuracy', '准确率'), '95% CI', T('episodes', '回合数'), 'batch norm'],
      rows.map((r) => [label(r), `${(100 * r.accuracy).toFixed(2)}%`, r.ci95 === null ? null : `± ${(100 * r.ci95).toFixed(2)}%`, r.episodes, r.bn])));
}

async function main() {
  const [bank, modelBytes] = await Promise.all([
    fetch('item-bank.json').then((r) => r.json()),
    fetch(LEARNER_MODEL).then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b)),
  ]);
  const probe = await createEngine({ model: modelBytes.slice(), itemBank: bank, learnerId: 'how-it-works-probe', storage: 'memory' });
  const info = await probe.info();
  probe.dispose();
  await Promise.all([learnerModel(info), masteryOverTime(bank, modelBytes), sketchModel()]);
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  console.error(err);
  document.body.dataset.ready = 'error';
  $('mastery-note').textContent = T(`Could not load the models: ${err.message}`, `无法加载模型：${err.message}`);
});
