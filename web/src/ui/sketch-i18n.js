// Strings of <metacog-sketch> in English and Simplified Chinese.
import { normalizeLang } from './i18n.js';

const pct = (x) => `${Math.round(100 * x)}%`;

const en = {
  loading: 'Loading the drawing recogniser…',
  loadFailed: (m) => `The drawing recogniser could not start: ${m}`,
  modes: 'Mode',
  teacher: 'Teacher',
  learner: 'Learner',
  canvas: 'Drawing area. Draw with a mouse, a finger or a pen.',
  undo: 'Undo stroke',
  clear: 'Clear',
  className: 'New class name',
  addClass: 'Add class',
  classes: 'Classes',
  noClasses: 'No classes yet. Add a class, then draw a few examples of it.',
  examples: (n) => `${n} example${n === 1 ? '' : 's'}`,
  remove: (l) => `Remove class ${l}`,
  addExample: (l) => `Add drawing to “${l}”`,
  typeGlyph: 'Or type a character to add it as an example, rendered from a system font',
  addGlyph: 'Add typed character',
  recognise: 'Recognise drawing',
  drawFirst: 'Draw something first.',
  needClass: 'Add at least one class with an example first.',
  added: (l, n) => `Added: “${l}” now has ${n} example${n === 1 ? '' : 's'}.`,
  guesses: 'Top guesses',
  guess: (l, p) => `${l}: ${pct(p)}`,
  sees: 'What the model sees (28 × 28)',
  alphabet: 'Alphabet',
  alphabets: { greek: 'Greek letters (from system fonts)', cyrillic: 'Cyrillic letters (from system fonts)', teacher: 'The teacher’s classes' },
  drawThis: 'Draw this letter:',
  check: 'Check my drawing',
  nextLetter: 'Next letter',
  right: (l, p) => `Yes — recognised as ${l} (${pct(p)}).`,
  wrong: (l, p, t) => `Recognised as ${l} (${pct(p)}), not ${t}. Compare the shapes and try again.`,
  practiseMost: 'Letters you confuse most (practised first)',
  attempts: (c, n) => `${c} / ${n} recognised`,
  teacherEmpty: 'The teacher has not added any classes yet.',
  canvasFor: (l) => `Drawing area: draw the letter ${l}. Draw with a mouse, a finger or a pen.`,
  nowDraw: (l) => `Now draw the letter ${l}.`,
  failed: (m) => `That did not work: ${m}`,
  preparing: 'Preparing the letters…',
};

const zh = {
  loading: '正在加载手写识别……',
  loadFailed: (m) => `手写识别无法启动：${m}`,
  modes: '模式',
  teacher: '教师',
  learner: '学习者',
  canvas: '绘图区。可以用鼠标、手指或触控笔书写。',
  undo: '撤销一笔',
  clear: '清空',
  className: '新类别名称',
  addClass: '添加类别',
  classes: '类别',
  noClasses: '还没有类别。先添加一个类别，再画几个示例。',
  examples: (n) => `${n} 个示例`,
  remove: (l) => `删除类别 ${l}`,
  addExample: (l) => `把这幅画加入“${l}”`,
  typeGlyph: '也可以输入一个字符，用系统字体渲染后作为示例',
  addGlyph: '添加输入的字符',
  recognise: '识别这幅画',
  drawFirst: '请先画点什么。',
  needClass: '请先添加至少一个带示例的类别。',
  added: (l, n) => `已添加：“${l}”现在有 ${n} 个示例。`,
  guesses: '最可能的结果',
  guess: (l, p) => `${l}：${pct(p)}`,
  sees: '模型看到的图像（28 × 28）',
  alphabet: '字母表',
  alphabets: { greek: '希腊字母（系统字体）', cyrillic: '西里尔字母（系统字体）', teacher: '教师定义的类别' },
  drawThis: '请写出这个字母：',
  check: '检查我的书写',
  nextLetter: '下一个字母',
  right: (l, p) => `对！识别为 ${l}（${pct(p)}）。`,
  wrong: (l, p, t) => `识别为 ${l}（${pct(p)}），而不是 ${t}。对比一下字形，再试一次。`,
  practiseMost: '最容易混淆的字母（优先练习）',
  attempts: (c, n) => `识别正确 ${c} / ${n}`,
  teacherEmpty: '教师还没有添加任何类别。',
  canvasFor: (l) => `绘图区：请写出字母 ${l}。可以用鼠标、手指或触控笔书写。`,
  nowDraw: (l) => `现在请写字母 ${l}。`,
  failed: (m) => `操作没有成功：${m}`,
  preparing: '正在准备字母……',
};

export const sketchStrings = (lang) => (normalizeLang(lang) === 'zh' ? zh : en);

/** Reference alphabets: letters rendered from the system fonts become the prototypes. */
export const ALPHABETS = {
  greek: ['α', 'β', 'γ', 'δ', 'ε', 'θ', 'λ', 'μ', 'π', 'σ', 'φ', 'ω'],
  cyrillic: ['б', 'г', 'д', 'ж', 'з', 'и', 'л', 'п', 'ф', 'ц', 'ш', 'я'],
};

/** Font families each reference glyph is rendered in (one example per family). */
export const GLYPH_FONTS = ['serif', 'sans-serif', 'monospace'];
