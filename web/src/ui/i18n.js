// English and Simplified Chinese for the widgets. `lang` is any BCP 47 tag; zh, zh-Hans, zh-CN …
// select Chinese, everything else English. Item-bank text is { en, zh } (design.md §3.4).

/** 'zh' for any Chinese tag, else 'en'. */
export function normalizeLang(lang) {
  return /^zh\b/i.test(String(lang || '')) ? 'zh' : 'en';
}

/** The BCP 47 tag to put on elements: 'zh-Hans' or 'en'. */
export const langTag = (lang) => (normalizeLang(lang) === 'zh' ? 'zh-Hans' : 'en');

/** Text of a bank field in `lang`: a string, or { en, zh } with a fallback to the other language. */
export function localized(value, lang) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  const l = normalizeLang(lang);
  return value[l] ?? value.en ?? value.zh ?? Object.values(value)[0] ?? '';
}

const pct = (x) => `${Math.round(100 * x)}%`;

const en = {
  loading: 'Loading your practice…',
  loadFailed: (msg) => `The practice could not start: ${msg}`,
  exercise: 'Exercise',
  skillLabel: 'Skill',
  yourAnswer: 'Your answer',
  check: 'Check',
  next: 'Next exercise',
  correct: 'Correct!',
  incorrect: (answer) => `Not quite. The answer is ${answer}.`,
  hint: {
    number: 'Type a number, for example 12, 0.5, 3/4 or 1 1/2.',
    whole: 'Right value — write it as a whole number.',
    decimal: 'Right value — the question asks for a decimal.',
    fraction: 'Right value — the question asks for a fraction, like 3/4.',
    simplest: 'Right value — now write it in simplest form.',
    improper: 'Right value — the question asks for an improper fraction, like 7/4.',
    mixed: 'Right value — the question asks for a mixed number, like 1 3/4.',
  },
  why: 'Why this exercise?',
  predicted: (p) => `Chance you answer correctly (model's estimate): ${pct(p)}`,
  mastery: 'Your skills',
  masteryHelp: 'Estimated mastery of each skill (0–100), from your answers on this device.',
  attempts: (n, c) => (n === 0 ? 'not practised yet' : `${c} of ${n} right`),
  masteryOf: (name) => `Mastery of ${name}`,
  changed: (d) => `${d > 0 ? '+' : '−'}${Math.abs(d)}`,
  path: 'Your path',
  pathTo: (goal) => `Learning path to: ${goal}`,
  pathDone: 'Goal reached: every skill on the path is mastered.',
  pathStep: (m, n) => `mastery ${pct(m)} · about ${n} exercise${n === 1 ? '' : 's'}`,
  goal: 'goal',
  resources: 'Read more',
  resourcesHelp: 'Explanations for the skills you need most (bundled with this page).',
  kind: { explanation: 'Explanation', 'worked-example': 'Worked example', 'practice-tip': 'Tip', video: 'Video' },
  data: 'My data',
  dataSummary: (n) => `${n} answer${n === 1 ? '' : 's'} stored on this device`,
  dataWhere: (db, backend) => (backend === 'indexeddb'
    ? `Stored only in this browser, in the IndexedDB database “${db}”.`
    : 'Stored in this page’s memory only (this browser does not allow storage here): it is lost when the page closes — export it to keep it.'),
  dataWhat: 'What is stored: each answer (exercise, right or wrong, time, how long you took) and the learning model’s state for you. Nothing is sent anywhere.',
  export: 'Export (download JSON)',
  import: 'Import a file…',
  forget: 'Forget me',
  forgetConfirm: 'Delete all your answers and progress from this device? This cannot be undone.',
  forgetYes: 'Yes, delete everything',
  cancel: 'Cancel',
  exported: (n) => `Exported ${n} answers.`,
  imported: (n) => `Imported ${n} answers.`,
  forgotten: 'Everything was deleted. You start from scratch.',
  importFailed: (msg) => `That file could not be imported: ${msg}`,
  actionFailed: (msg) => `That did not work: ${msg}`,
  yourChoice: 'your answer',
  noExercise: 'No exercise is available right now.',
  busy: 'Working…',
  kindLabel: { learn: 'New', review: 'Review', practice: 'Practice', 'not-ready': 'Stretch' },
};

const zh = {
  loading: '正在加载练习……',
  loadFailed: (msg) => `练习无法启动：${msg}`,
  exercise: '练习',
  skillLabel: '技能',
  yourAnswer: '你的答案',
  check: '提交',
  next: '下一题',
  correct: '答对了！',
  incorrect: (answer) => `不太对。正确答案是 ${answer}。`,
  hint: {
    number: '请输入一个数，例如 12、0.5、3/4 或 1 1/2。',
    whole: '数值对了——请写成整数。',
    decimal: '数值对了——题目要求写成小数。',
    fraction: '数值对了——题目要求写成分数，例如 3/4。',
    simplest: '数值对了——请化成最简分数。',
    improper: '数值对了——题目要求写成假分数，例如 7/4。',
    mixed: '数值对了——题目要求写成带分数，例如 1 3/4。',
  },
  why: '为什么推荐这道题？',
  predicted: (p) => `模型估计你答对的概率：${pct(p)}`,
  mastery: '你的技能',
  masteryHelp: '根据你在本设备上的作答估计的各项技能掌握度（0–100）。',
  attempts: (n, c) => (n === 0 ? '尚未练习' : `答对 ${c} / ${n}`),
  masteryOf: (name) => `「${name}」掌握度`,
  changed: (d) => `${d > 0 ? '+' : '−'}${Math.abs(d)}`,
  path: '学习路径',
  pathTo: (goal) => `通往目标的学习路径：${goal}`,
  pathDone: '目标已达成：路径上的技能都已掌握。',
  pathStep: (m, n) => `掌握度 ${pct(m)} · 约 ${n} 道题`,
  goal: '目标',
  resources: '延伸阅读',
  resourcesHelp: '针对你最需要的技能的讲解（随本页一起提供）。',
  kind: { explanation: '讲解', 'worked-example': '例题', 'practice-tip': '小贴士', video: '视频' },
  data: '我的数据',
  dataSummary: (n) => `本设备上保存了 ${n} 条作答记录`,
  dataWhere: (db, backend) => (backend === 'indexeddb'
    ? `只保存在这个浏览器的 IndexedDB 数据库“${db}”中。`
    : '只保存在本页内存中（此处浏览器不允许存储）：关闭页面后会丢失——请导出保存。'),
  dataWhat: '保存的内容：每次作答（题目、对错、时间、用时）以及学习模型为你保存的状态。不会发送到任何地方。',
  export: '导出（下载 JSON）',
  import: '导入文件……',
  forget: '删除我的数据',
  forgetConfirm: '要从本设备删除你所有的作答和进度吗？此操作无法撤销。',
  forgetYes: '确定，全部删除',
  cancel: '取消',
  exported: (n) => `已导出 ${n} 条作答。`,
  imported: (n) => `已导入 ${n} 条作答。`,
  forgotten: '已全部删除，从头开始。',
  importFailed: (msg) => `无法导入该文件：${msg}`,
  actionFailed: (msg) => `操作没有成功：${msg}`,
  yourChoice: '你的答案',
  noExercise: '目前没有可做的练习。',
  busy: '处理中……',
  kindLabel: { learn: '新学', review: '复习', practice: '巩固', 'not-ready': '挑战' },
};

export const STRINGS = { en, zh };

/** The string table of a language. */
export const strings = (lang) => STRINGS[normalizeLang(lang)];

/**
 * Why an exercise was chosen. English: the engine's own sentence. Chinese: the same facts (kind,
 * mastery, predicted chance, prerequisites) in Chinese, since the engine's sentence is English.
 */
export function recommendationReason(rec, lang, skillName) {
  if (normalizeLang(lang) === 'en') return rec.reason;
  const why = zhRecommendationReason(rec, skillName);
  return rec.repeat ? `${why}（这道题你刚做过，但目前没有其他可以做的题。）` : why;
}

function zhRecommendationReason(rec, skillName) {
  const name = skillName(rec.skill);
  const m = pct(rec.mastery);
  const p = pct(rec.p);
  switch (rec.kind) {
    case 'review': return `「${name}」有一段时间没练习了（掌握度 ${m}），复习一下以免遗忘；你答对的概率约 ${p}。`;
    case 'practice': return `继续巩固「${name}」（掌握度 ${m}）；这道题你答对的概率约 ${p}，难度合适。`;
    case 'not-ready': {
      const pre = (rec.prerequisites || []).map(skillName).join('、');
      return `「${name}」的先修技能${pre ? `（${pre}）` : ''}还没有完全掌握，但目前没有更合适的题；你答对的概率约 ${p}。`;
    }
    default: return `开始学习「${name}」（掌握度 ${m}）：先修技能已具备，这道题你答对的概率约 ${p}，难度合适。`;
  }
}

/** Why a learning-path step is there (Chinese from the step's facts; English: the engine's sentence). */
export function pathReason(step, lang, skillName) {
  if (normalizeLang(lang) === 'en') return step.reason;
  const unlocks = (step.unlocks || []).map(skillName).join('、');
  const base = step.estimatedItems === 0  // the bank has no item of the skill
    ? `掌握度 ${pct(step.mastery)}；题库中没有练习这项技能的题目`
    : `掌握度 ${pct(step.mastery)}，约需 ${step.estimatedItems} 道题达到掌握`;
  if (step.isGoal) return `${base}；这是你的目标技能。`;
  return `${base}${unlocks ? `；掌握后可以学习：${unlocks}` : ''}。`;
}

/** Why a resource is recommended. */
export function resourceReason(r, lang, skillName) {
  if (normalizeLang(lang) === 'en') return r.reason;
  if (r.mastered) return `「${skillName(r.skill)}」已经掌握（掌握度 ${pct(r.mastery)}），这份资料可供复习。`;
  return `「${skillName(r.skill)}」的掌握度为 ${pct(r.mastery)}，这份资料讲的正是它。`;
}
