#!/usr/bin/env node
// Validates the demo item bank (design.md §3.4, bilingual extension) and its bundled resource
// pages. No dependencies. Usage: node scripts/check-item-bank.mjs [path/to/item-bank.json]
//
// Checks: schema shape; unique ids; skill references; an acyclic prerequisite graph (the cycle is
// printed if there is one); ≥ 15 items and ≥ 1 resource per skill; graded difficulty; every text
// in English and Simplified Chinese with the same numbers in both; choice answers in range and
// choices distinct; numeric answers that parse (fractions in lowest terms); resource pages that
// exist, carry both languages and obey the site's CSP (no inline script, handlers, styles or
// external requests); and it recomputes answers from each item's optional `check` expression with
// exact rational arithmetic.
//
// `check` expressions: integers, decimals, fractions (`3/4` written without spaces binds as one
// number, so `4/7 ÷ 2/3` means (4/7)÷(2/3)), + - * / × ÷ −, parentheses, comparisons
// (== != < <= > >=, giving 1 or 0), && || !, and the functions gcd, lcm, mod, floor, ceil, abs,
// min, max, cmp (−1/0/1), isprime, nfactors.
//   numeric item: the value must equal the answer.
//   choice item, no `x`: the value must equal the value of the answer choice, and no other choice
//     may have that value (unless the prompt asks for simplest form and that choice is not in it).
//   choice item using `x`: the predicate must hold for the answer choice and for no other.
// Choice values: a plain-string choice that is an expression ("5/6", "4 × 9"), a mixed number
// ("2 1/3"), or one of "<" "=" ">" (−1, 0, 1, to compare with cmp(a, b)).
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

// ---------------------------------------------------------------- exact rationals (BigInt)
const babs = (a) => (a < 0n ? -a : a);
const bgcd = (a, b) => { a = babs(a); b = babs(b); while (b) [a, b] = [b, a % b]; return a; };

export class Q {
  constructor(n, d = 1n) {
    n = BigInt(n); d = BigInt(d);
    if (d === 0n) throw new Error('division by zero');
    if (d < 0n) { n = -n; d = -d; }
    const g = bgcd(n, d) || 1n;
    this.n = n / g; this.d = d / g;
  }
  add(o) { return new Q(this.n * o.d + o.n * this.d, this.d * o.d); }
  sub(o) { return new Q(this.n * o.d - o.n * this.d, this.d * o.d); }
  mul(o) { return new Q(this.n * o.n, this.d * o.d); }
  div(o) { if (o.n === 0n) throw new Error('division by zero'); return new Q(this.n * o.d, this.d * o.n); }
  cmp(o) { const l = this.n * o.d, r = o.n * this.d; return l < r ? -1 : l > r ? 1 : 0; }
  eq(o) { return this.n === o.n && this.d === o.d; }
  isInt() { return this.d === 1n; }
  toString() { return this.d === 1n ? `${this.n}` : `${this.n}/${this.d}`; }
}
const ONE = new Q(1), ZERO = new Q(0);
const bool = (b) => (b ? ONE : ZERO);
const truthy = (q) => q.n !== 0n;

/** Parses "12", "-3", "2.5", "5/6" into a Q (null if it is none of these). */
export function parseNumber(s) {
  if (typeof s !== 'string') return null;
  let m;
  if ((m = /^(-?)(\d+)$/.exec(s))) return new Q(BigInt(m[1] + m[2]));
  if ((m = /^(-?)(\d+)\.(\d+)$/.exec(s))) return new Q(BigInt(m[1] + m[2] + m[3]), 10n ** BigInt(m[3].length));
  if ((m = /^(-?)(\d+)\/(\d+)$/.exec(s))) return m[3] === '0' ? null : new Q(BigInt(m[1] + m[2]), BigInt(m[3]));
  return null;
}

// ---------------------------------------------------------------- expression evaluator
function tokenize(src) {
  const s = src.replace(/×/g, '*').replace(/÷/g, '/').replace(/−/g, '-');
  const re = /\s*(?:(\d+\/\d+)|(\d+(?:\.\d+)?)|([a-z]+)|(==|!=|<=|>=|&&|\|\||[-+*/()<>,!]))/gy;
  const out = [];
  let m;
  re.lastIndex = 0;
  while (re.lastIndex < s.length) {
    const start = re.lastIndex;
    if (/^\s*$/.test(s.slice(start))) break;
    m = re.exec(s);
    if (!m) throw new Error(`unexpected character at "${s.slice(start).trim()}"`);
    if (m[1]) out.push({ t: 'num', v: parseNumber(m[1]) });
    else if (m[2]) out.push({ t: 'num', v: parseNumber(m[2]) });
    else if (m[3]) out.push({ t: 'id', v: m[3] });
    else out.push({ t: 'op', v: m[4] });
  }
  return out;
}

const isPrime = (n) => { if (n < 2n) return false; for (let p = 2n; p * p <= n; p++) if (n % p === 0n) return false; return true; };
const intArg = (q, f) => { if (!q.isInt()) throw new Error(`${f}() needs whole numbers, got ${q}`); return q.n; };
const FUNCS = {
  gcd: (a) => new Q(a.map((q) => intArg(q, 'gcd')).reduce(bgcd)),
  lcm: (a) => new Q(a.map((q) => intArg(q, 'lcm')).reduce((x, y) => babs(x * y) / bgcd(x, y))),
  mod: ([a, b]) => { const x = intArg(a, 'mod'), y = intArg(b, 'mod'); return new Q(((x % y) + y) % y); },
  floor: ([a]) => { let q = a.n / a.d; if (a.n < 0n && q * a.d !== a.n) q -= 1n; return new Q(q); },
  ceil: ([a]) => { let q = a.n / a.d; if (a.n > 0n && q * a.d !== a.n) q += 1n; return new Q(q); },
  abs: ([a]) => new Q(babs(a.n), a.d),
  min: (a) => a.reduce((x, y) => (y.cmp(x) < 0 ? y : x)),
  max: (a) => a.reduce((x, y) => (y.cmp(x) > 0 ? y : x)),
  cmp: ([a, b]) => new Q(a.cmp(b)),
  isprime: ([a]) => bool(isPrime(intArg(a, 'isprime'))),
  nfactors: ([a]) => { const n = intArg(a, 'nfactors'); let c = 0n; for (let i = 1n; i <= n; i++) if (n % i === 0n) c++; return new Q(c); },
};

/** Evaluates an expression exactly. `vars` may bind `x`. Throws on any error. */
export function evaluate(src, vars = {}) {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const isOp = (v) => peek() && peek().t === 'op' && peek().v === v;
  const expect = (v) => { if (!isOp(v)) throw new Error(`expected "${v}"`); i++; };
  const binary = (next, ops, apply) => () => {
    let l = next();
    while (peek() && peek().t === 'op' && ops.includes(peek().v)) { const op = toks[i++].v; l = apply(op, l, next()); }
    return l;
  };
  const unary = () => {
    if (isOp('-')) { i++; return ZERO.sub(unary()); }
    if (isOp('!')) { i++; return bool(!truthy(unary())); }
    return primary();
  };
  const mul = binary(unary, ['*', '/'], (op, a, b) => (op === '*' ? a.mul(b) : a.div(b)));
  const add = binary(mul, ['+', '-'], (op, a, b) => (op === '+' ? a.add(b) : a.sub(b)));
  const rel = binary(add, ['==', '!=', '<', '<=', '>', '>='], (op, a, b) => {
    const c = a.cmp(b);
    return bool({ '==': c === 0, '!=': c !== 0, '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0 }[op]);
  });
  const and = binary(rel, ['&&'], (op, a, b) => bool(truthy(a) && truthy(b)));
  const or = binary(and, ['||'], (op, a, b) => bool(truthy(a) || truthy(b)));
  function primary() {
    const t = toks[i++];
    if (!t) throw new Error('unexpected end of expression');
    if (t.t === 'num') return t.v;
    if (t.t === 'op' && t.v === '(') { const v = or(); expect(')'); return v; }
    if (t.t === 'id') {
      if (!isOp('(')) {
        if (t.v in vars) return vars[t.v];
        throw new Error(`unknown name "${t.v}"`);
      }
      const f = FUNCS[t.v];
      if (!f) throw new Error(`unknown function "${t.v}"`);
      i++;
      const args = [or()];
      while (isOp(',')) { i++; args.push(or()); }
      expect(')');
      return f(args);
    }
    throw new Error(`unexpected "${t.v}"`);
  }
  const v = or();
  if (i !== toks.length) throw new Error(`unexpected "${toks[i].v}"`);
  return v;
}

const usesX = (src) => tokenize(src).some((t) => t.t === 'id' && t.v === 'x');

/** The value of a choice, or null if it is not a plain mathematical string. */
export function choiceValue(c) {
  if (typeof c !== 'string') return null;
  const s = c.trim();
  if (s === '<') return new Q(-1);
  if (s === '=') return new Q(0);
  if (s === '>') return new Q(1);
  const m = /^(\d+) (\d+)\/(\d+)$/.exec(s);
  if (m) return m[3] === '0' ? null : new Q(BigInt(m[1])).add(new Q(BigInt(m[2]), BigInt(m[3])));
  try { return evaluate(s); } catch { return null; }
}
const notSimplest = (c) => { const m = /(\d+)\/(\d+)$/.exec(String(c).trim()); return !!m && (bgcd(BigInt(m[1]), BigInt(m[2])) > 1n || /^\d+ \d+\/\d+$/.test(c.trim()) && BigInt(m[1]) >= BigInt(m[2])); };

// ---------------------------------------------------------------- validation
export function validate(bank, { baseDir } = {}) {
  const errors = [];
  const err = (where, msg) => errors.push(`${where}: ${msg}`);
  const stats = {};
  const isObj = (v) => v && typeof v === 'object' && !Array.isArray(v);
  const CJK = /[\u4e00-\u9fff]/;
  const numbersIn = (s) => (s.match(/\d+(?:\.\d+)?(?:\/\d+)?/g) || []).sort().join(' ');
  const languages = Array.isArray(bank?.languages) ? bank.languages : [];

  function text(where, v, { required = true } = {}) {
    if (v === undefined && !required) return;
    if (!isObj(v)) return err(where, `must be an object {"en": …, "zh": …}, got ${JSON.stringify(v)}`);
    for (const lang of ['en', 'zh']) {
      if (typeof v[lang] !== 'string' || !v[lang].trim()) err(where, `missing or empty "${lang}" text`);
    }
    if (typeof v.en !== 'string' || typeof v.zh !== 'string') return;
    if (v.en !== v.zh && !CJK.test(v.zh)) err(where, `"zh" text has no Chinese characters: ${JSON.stringify(v.zh)}`);
    if (numbersIn(v.en) !== numbersIn(v.zh)) {
      err(where, `the numbers differ between languages: en [${numbersIn(v.en)}] vs zh [${numbersIn(v.zh)}]`);
    }
    for (const k of Object.keys(v)) if (!languages.includes(k)) err(where, `text in undeclared language "${k}"`);
  }
  const idOk = (where, id) => {
    if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(id)) { err(where, `bad id ${JSON.stringify(id)} (lowercase letters, digits and "-")`); return false; }
    return true;
  };

  if (!isObj(bank)) return { errors: ['item bank: the top level must be a JSON object'], stats };
  if (bank.version !== 1) err('version', `must be 1, got ${JSON.stringify(bank.version)}`);
  idOk('id', bank.id);
  text('title', bank.title);
  if (!['en', 'zh'].every((l) => languages.includes(l))) err('languages', 'must list "en" and "zh"');
  for (const k of ['skills', 'items', 'resources']) if (!Array.isArray(bank[k])) err(k, 'must be an array');
  if (errors.length) return { errors, stats };
  const known = new Set(['version', 'id', 'title', 'languages', 'skills', 'items', 'resources']);
  for (const k of Object.keys(bank)) if (!known.has(k)) err('top level', `unknown field "${k}"`);

  // skills
  const skills = new Map();
  bank.skills.forEach((s, i) => {
    const where = `skills[${i}]${s && s.id ? ` (${s.id})` : ''}`;
    if (!isObj(s)) return err(where, 'must be an object');
    if (!idOk(where, s.id)) return;
    if (skills.has(s.id)) err(where, `duplicate skill id "${s.id}"`);
    skills.set(s.id, s);
    text(`${where}.name`, s.name);
    text(`${where}.description`, s.description);
    if (!Array.isArray(s.prerequisites)) err(where, 'prerequisites must be an array (possibly empty)');
  });
  for (const s of skills.values()) {
    for (const p of s.prerequisites || []) {
      if (!skills.has(p)) err(`skill ${s.id}`, `unknown prerequisite "${p}"`);
      if (p === s.id) err(`skill ${s.id}`, 'lists itself as a prerequisite');
    }
    if (new Set(s.prerequisites || []).size !== (s.prerequisites || []).length) err(`skill ${s.id}`, 'duplicate prerequisite');
  }
  // cycle detection (DFS, white/grey/black), printing the cycle
  const colour = new Map();
  const stack = [];
  let depth = new Map();
  function dfs(id) {
    colour.set(id, 1); stack.push(id);
    for (const p of skills.get(id).prerequisites || []) {
      if (!skills.has(p)) continue;
      if (colour.get(p) === 1) {
        const cycle = stack.slice(stack.indexOf(p)).concat(p);
        err('prerequisites', `cycle: ${cycle.join(' → ')} (each needs the next)`);
      } else if (!colour.get(p)) dfs(p);
    }
    stack.pop(); colour.set(id, 2);
  }
  for (const id of skills.keys()) if (!colour.get(id)) dfs(id);
  const levelOf = (id, seen = new Set()) => {
    if (depth.has(id)) return depth.get(id);
    if (seen.has(id)) return 0;
    seen.add(id);
    const ps = (skills.get(id).prerequisites || []).filter((p) => skills.has(p));
    const d = ps.length ? 1 + Math.max(...ps.map((p) => levelOf(p, seen))) : 0;
    depth.set(id, d); return d;
  };
  if (!errors.some((e) => e.startsWith('prerequisites'))) stats.levels = 1 + Math.max(...[...skills.keys()].map((id) => levelOf(id)));

  // items
  const itemIds = new Set();
  const perSkill = new Map([...skills.keys()].map((k) => [k, []]));
  let nChoice = 0, nNumeric = 0, nCheck = 0, nMulti = 0;
  bank.items.forEach((it, i) => {
    const where = `items[${i}]${it && it.id ? ` (${it.id})` : ''}`;
    if (!isObj(it)) return err(where, 'must be an object');
    if (!idOk(where, it.id)) return;
    if (itemIds.has(it.id)) err(where, `duplicate item id "${it.id}"`);
    itemIds.add(it.id);
    if (!Array.isArray(it.skills) || it.skills.length === 0) err(where, 'needs at least one skill');
    else {
      if (new Set(it.skills).size !== it.skills.length) err(where, 'lists a skill twice');
      for (const s of it.skills) { if (!skills.has(s)) err(where, `unknown skill "${s}"`); else perSkill.get(s).push(it); }
      if (it.skills.length > 1) nMulti++;
    }
    if (!Number.isInteger(it.difficulty) || it.difficulty < 1 || it.difficulty > 5) err(where, `difficulty must be an integer 1..5, got ${JSON.stringify(it.difficulty)}`);
    const c = it.content;
    if (!isObj(c)) return err(where, 'content must be an object');
    text(`${where}.prompt`, c.prompt);
    if (it.check !== undefined && (typeof it.check !== 'string' || !it.check.trim())) return err(where, '"check" must be a non-empty string');
    if (c.type === 'choice') {
      nChoice++;
      if (!Array.isArray(c.choices) || c.choices.length < 2 || c.choices.length > 6) return err(where, 'choice items need 2–6 choices');
      c.choices.forEach((ch, k) => {
        if (typeof ch === 'string') { if (!ch.trim()) err(where, `choice ${k} is empty`); }
        else text(`${where}.choices[${k}]`, ch);
      });
      const keys = c.choices.map((ch) => (typeof ch === 'string' ? ch.trim() : `${ch.en}\u0000${ch.zh}`));
      if (new Set(keys).size !== keys.length) err(where, 'two choices are identical');
      if (!Number.isInteger(c.answer) || c.answer < 0 || c.answer >= c.choices.length) return err(where, `answer index ${JSON.stringify(c.answer)} out of range 0..${c.choices.length - 1}`);
      if (it.check !== undefined) {
        nCheck++;
        const vals = c.choices.map(choiceValue);
        try {
          if (usesX(it.check)) {
            const holds = vals.map((v, k) => {
              if (!v) throw new Error(`choice ${k} (${JSON.stringify(c.choices[k])}) has no numeric value for x`);
              return truthy(evaluate(it.check, { x: v }));
            });
            const which = holds.flatMap((h, k) => (h ? [k] : []));
            if (which.length !== 1 || which[0] !== c.answer) {
              err(where, `check "${it.check}" holds for choice(s) [${which.map((k) => c.choices[k]).join(', ')}] but the answer is ${JSON.stringify(c.choices[c.answer])}`);
            }
          } else {
            const v = evaluate(it.check);
            const a = vals[c.answer];
            if (!a) err(where, `the answer choice ${JSON.stringify(c.choices[c.answer])} has no numeric value to compare with check`);
            else if (!a.eq(v)) err(where, `check "${it.check}" = ${v} but the answer choice ${JSON.stringify(c.choices[c.answer])} = ${a}`);
            if (a && a.eq(v)) vals.forEach((o, k) => {
              if (k === c.answer || !o || !o.eq(v)) return;
              const simplestAsked = /simplest|mixed number/i.test(c.prompt.en);
              if (!(simplestAsked && notSimplest(c.choices[k]))) err(where, `choice ${JSON.stringify(c.choices[k])} also equals ${v}, so two choices are correct`);
            });
          }
        } catch (e) { err(where, `check "${it.check}": ${e.message}`); }
      }
    } else if (c.type === 'numeric') {
      nNumeric++;
      const a = parseNumber(c.answer);
      if (!a) return err(where, `numeric answer must be a string holding an integer, a decimal or a fraction a/b, got ${JSON.stringify(c.answer)}`);
      const fm = /^-?(\d+)\/(\d+)$/.exec(c.answer);
      if (fm && (bgcd(BigInt(fm[1]), BigInt(fm[2])) !== 1n || fm[2] === '1')) err(where, `fraction answer "${c.answer}" is not in lowest terms (write ${a})`);
      if ('choices' in c) err(where, 'numeric items have no choices');
      const en = typeof c.prompt?.en === 'string' ? c.prompt.en : '';
      if (/as a decimal/i.test(en) && !/^-?\d+(\.\d+)?$/.test(c.answer)) err(where, `the prompt asks for a decimal but the answer is "${c.answer}"`);
      if (/as an? (improper )?fraction/i.test(en) && !fm && !a.isInt()) err(where, `the prompt asks for a fraction but the answer is "${c.answer}"`);
      if (it.check !== undefined) {
        nCheck++;
        try {
          if (usesX(it.check)) throw new Error('x is only for choice items');
          const v = evaluate(it.check);
          if (!v.eq(a)) err(where, `check "${it.check}" = ${v} but the answer is "${c.answer}"`);
        } catch (e) { err(where, `check "${it.check}": ${e.message}`); }
      }
    } else err(where, `content.type must be "choice" or "numeric", got ${JSON.stringify(c.type)}`);
    const knownItem = new Set(['id', 'skills', 'difficulty', 'content', 'check']);
    for (const k of Object.keys(it)) if (!knownItem.has(k)) err(where, `unknown field "${k}"`);
  });

  // resources
  const resIds = new Set();
  const resPerSkill = new Map([...skills.keys()].map((k) => [k, 0]));
  const kinds = new Set(['explanation', 'worked-example', 'practice-tip']);
  let nMultiRes = 0;
  bank.resources.forEach((r, i) => {
    const where = `resources[${i}]${r && r.id ? ` (${r.id})` : ''}`;
    if (!isObj(r)) return err(where, 'must be an object');
    if (!idOk(where, r.id)) return;
    if (resIds.has(r.id) || itemIds.has(r.id)) err(where, `duplicate id "${r.id}"`);
    resIds.add(r.id);
    text(`${where}.title`, r.title);
    if (!kinds.has(r.kind)) err(where, `kind must be one of ${[...kinds].join(', ')}, got ${JSON.stringify(r.kind)}`);
    if (!Array.isArray(r.skills) || !r.skills.length) err(where, 'needs at least one skill');
    else {
      for (const s of r.skills) { if (!skills.has(s)) err(where, `unknown skill "${s}"`); else resPerSkill.set(s, resPerSkill.get(s) + 1); }
      if (r.skills.length > 1) nMultiRes++;
    }
    if (typeof r.url !== 'string' || /^[a-z]+:|^\/\//i.test(r.url) || r.url.includes('..')) return err(where, `url must be a relative path inside the demo, got ${JSON.stringify(r.url)}`);
    if (baseDir) checkPage(where, path.join(baseDir, r.url.split(/[?#]/)[0]), err);
  });

  for (const [s, items] of perSkill) {
    if (items.length < 15) err(`skill ${s}`, `has ${items.length} items, needs at least 15`);
    const levels = new Set(items.map((it) => it.difficulty));
    if (items.length && levels.size < 3) err(`skill ${s}`, `items span only difficulties {${[...levels].sort().join(', ')}}; grade them over at least 3 levels`);
  }
  for (const [s, n] of resPerSkill) if (n < 1) err(`skill ${s}`, 'has no resource');

  Object.assign(stats, {
    skills: skills.size, items: bank.items.length, choice: nChoice, numeric: nNumeric, withCheck: nCheck,
    multiSkillItems: nMulti, resources: bank.resources.length, multiSkillResources: nMultiRes,
    itemsPerSkill: Object.fromEntries([...perSkill].map(([k, v]) => [k, v.length])),
    resourcesPerSkill: Object.fromEntries(resPerSkill),
    edges: [...skills.values()].flatMap((s) => (s.prerequisites || []).map((p) => [p, s.id])),
  });
  return { errors, stats };
}

/** A resource page: exists, bilingual, CSP-clean, self-contained, links back to the demo. */
function checkPage(where, file, err) {
  if (!existsSync(file)) return err(where, `resource page ${path.relative(root, file)} does not exist`);
  const html = readFileSync(file, 'utf8');
  const rel = path.relative(root, file);
  const bad = (msg) => err(where, `${rel}: ${msg}`);
  if (!/^<!doctype html>/i.test(html.trimStart())) bad('missing <!doctype html>');
  if (!/<html lang="en"/.test(html)) bad('missing <html lang="en">');
  if (!/<meta charset="utf-8">/i.test(html)) bad('missing <meta charset="utf-8">');
  if (!/<section[^>]*\blang="en"/.test(html) || !/<section[^>]*\blang="zh(-Hans)?"/.test(html)) bad('needs a <section lang="en"> and a <section lang="zh-Hans">');
  if (!/<h1[\s>]/.test(html)) bad('needs an <h1>');
  if (!/href="\.\.\/index\.html"/.test(html)) bad('needs a link back to ../index.html');
  if (!/<link rel="stylesheet" href="resource\.css">/.test(html)) bad('must use resource.css');
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (!/\bsrc="lang\.js"/.test(m[1]) || m[2].trim()) bad('inline or foreign <script> (CSP allows only script files from the site; use lang.js)');
  }
  if (/\son[a-z]+\s*=/i.test(html)) bad('inline event handler attribute (forbidden by the CSP)');
  if (/\sstyle\s*=/i.test(html) || /<style[\s>]/i.test(html)) bad('inline style (use resource.css)');
  if (/(?:https?:)?\/\/[a-z0-9]/i.test(html.replace(/<!--[\s\S]*?-->/g, ''))) bad('refers to another origin (pages must be self-contained)');
  if (/<(img|iframe|object|embed|video|audio)\b/i.test(html)) bad('embeds external media; use inline SVG');
  for (const m of html.matchAll(/\b(?:href|src)="([^"]+)"/g)) {
    const target = m[1].split(/[?#]/)[0];
    if (!target) continue;
    if (!existsSync(path.join(path.dirname(file), target)) && target !== '../index.html') bad(`link to missing file "${m[1]}"`);
  }
  const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  if (new Set(ids).size !== ids.length) bad('duplicate id attributes');
}

function main() {
  const file = path.resolve(process.argv[2] || path.join(root, 'web', 'demo', 'item-bank.json'));
  let bank;
  try { bank = JSON.parse(readFileSync(file, 'utf8')); } catch (e) {
    console.error(`check-item-bank: cannot read ${file}: ${e.message}`); process.exit(2);
  }
  const baseDir = path.dirname(file);
  for (const shared of ['resources/lang.js', 'resources/resource.css']) {
    if (!existsSync(path.join(baseDir, shared))) { console.error(`check-item-bank: missing ${shared}`); process.exit(1); }
  }
  const { errors, stats } = validate(bank, { baseDir });
  if (errors.length) {
    console.error(`check-item-bank: ${errors.length} problem(s) in ${path.relative(process.cwd(), file)}:`);
    for (const e of errors) console.error(`  - ${e}`);
    process.exit(1);
  }
  const pct = (a, b) => `${((100 * a) / b).toFixed(1)} %`;
  console.log(`check-item-bank: OK ${path.relative(process.cwd(), file)}`);
  console.log(`  skills     ${stats.skills} (prerequisite graph: ${stats.edges.length} edges, ${stats.levels} levels, acyclic)`);
  console.log(`  items      ${stats.items}: ${stats.choice} choice (${pct(stats.choice, stats.items)}), ${stats.numeric} numeric; ` +
    `${stats.multiSkillItems} with 2+ skills; ${stats.withCheck} recomputed from "check" (${pct(stats.withCheck, stats.items)})`);
  console.log(`  resources  ${stats.resources} (${stats.multiSkillResources} cover 2+ skills), every page found and CSP-clean`);
  console.log('  per skill  items / resources');
  for (const [s, n] of Object.entries(stats.itemsPerSkill)) console.log(`    ${s.padEnd(20)} ${String(n).padStart(3)} / ${stats.resourcesPerSkill[s]}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
