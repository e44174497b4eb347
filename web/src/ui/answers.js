// Checking typed numeric answers against an item bank's answer string, exactly (rationals in
// BigInt, never floating point). The bank's answer says which form is wanted:
//
//   answer "12"    → a whole number: "12", "12.0" are right;  "24/2" is the right value in the wrong form
//   answer "0.375" → a decimal:      "0.375", ".375", "0.3750" are right; "3/8" is the wrong form
//   answer "3/4"   → a fraction:     "3/4", "6/8" are right, unless the prompt asks for the simplest
//                                    form (then "6/8" is the wrong form); "0.75" is the wrong form;
//                                    a mixed number "1 3/4" is the wrong form when the prompt asks
//                                    for an improper fraction
//   answer "1 3/4" → a mixed number: "1 3/4" is right; "7/4" or "1.75" is the right value in the
//                                    wrong form
// The engine accepts exactly these four forms as a numeric item's answer (item_bank.cpp), so every
// bank that loads can be checked here.
//
// A wrong *form* with the right value is not a wrong answer: the widget asks again with a hint and
// records nothing. Input is normalised first (NFKC: full-width digits and ／ from Chinese input
// methods; the minus sign −; the fraction slash ⁄; spaces around "/").

/** @typedef {{kind: 'integer'|'decimal'|'fraction'|'mixed', num: bigint, den: bigint, lowest: boolean}} Parsed */

const abs = (a) => (a < 0n ? -a : a);
function gcd(a, b) {
  a = abs(a); b = abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Whether an item's content is a multiple-choice item, by the engine's rule (item_bank.cpp): its
 * "type" says so, or it has no "type" and has "choices" (design.md §3.4's example has no "type").
 */
export function isChoiceItem(content) {
  return content.type === 'choice' || (content.type === undefined && content.choices !== undefined);
}

/** Normalises what a learner typed: NFKC, minus signs, fraction slashes, spaces. */
export function normalizeInput(text) {
  return String(text).normalize('NFKC')
    .replace(/[\u2212\u2012\u2013\u2014\uFE63]/g, '-')
    .replace(/[\u2044\u2215]/g, '/')
    .replace(/\s*\/\s*/g, '/')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Parses an integer ("12"), a decimal ("0.35", ".5"), a fraction ("7/5") or a mixed number
 * ("1 3/4", proper fraction part, whole part ≥ 1) into an exact rational num/den (den > 0).
 * @returns {Parsed | null} null when it is none of these (or a zero denominator)
 */
export function parseNumber(text) {
  const s = normalizeInput(text);
  let m;
  if ((m = /^([+-]?)(\d+)$/.exec(s))) {
    return { kind: 'integer', num: BigInt(m[1] + m[2]), den: 1n, lowest: true };
  }
  if ((m = /^([+-]?)(\d*)\.(\d+)$/.exec(s)) || (m = /^([+-]?)(\d+)\.()$/.exec(s))) {
    const digits = m[3];
    const num = BigInt(m[1] + ((m[2] || '0') + digits));
    const den = 10n ** BigInt(digits.length);
    return { kind: 'decimal', ...reduce(num, den), lowest: true };
  }
  if ((m = /^([+-]?)(\d+)\/(\d+)$/.exec(s))) {
    const num = BigInt(m[1] + m[2]);
    const den = BigInt(m[3]);
    if (den === 0n) return null;
    return { kind: 'fraction', num, den, lowest: gcd(num, den) === 1n };
  }
  if ((m = /^([+-]?)(\d+) (\d+)\/(\d+)$/.exec(s))) {
    const whole = BigInt(m[2]);
    const n = BigInt(m[3]);
    const den = BigInt(m[4]);
    if (den === 0n || whole === 0n || n >= den) return null;
    const sign = m[1] === '-' ? -1n : 1n;
    return { kind: 'mixed', num: sign * (whole * den + n), den, lowest: gcd(n, den) === 1n };
  }
  return null;
}

function reduce(num, den) {
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

const sameValue = (a, b) => a.num * b.den === b.num * a.den;

/**
 * What an item asks for, from its answer string and prompt (any language of it).
 * @param {{answer: string, prompt?: string | Record<string, string>}} content
 * @returns {{kind: 'integer'|'decimal'|'fraction'|'mixed', simplest: boolean, improper: boolean, expected: Parsed}}
 */
export function requirements(content) {
  const expected = parseNumber(content.answer);
  if (!expected) {
    throw new TypeError(`answers: the item's answer ${JSON.stringify(content.answer)} is not an integer, decimal, fraction or mixed number`);
  }
  const prompts = typeof content.prompt === 'string' ? [content.prompt] : Object.values(content.prompt || {});
  const text = prompts.join('\n');
  return {
    kind: expected.kind,
    simplest: /simplest form|lowest terms|最简/i.test(text),
    improper: /improper fraction|假分数/i.test(text),
    expected,
  };
}

/**
 * Checks a typed answer.
 * @param {string} input what the learner typed
 * @param {{answer: string, prompt?: string | Record<string, string>}} content the item's content
 * @returns {{status: 'correct'|'incorrect'|'form'|'invalid', hint?: 'number'|'whole'|'decimal'|'fraction'|'mixed'|'simplest'|'improper'}}
 *   correct / incorrect: a gradable answer; form: the right value written in a form the question
 *   does not accept (hint says which form to use); invalid: not a number (hint 'number')
 */
export function checkAnswer(input, content) {
  const want = requirements(content);
  const got = parseNumber(input);
  if (!got) return { status: 'invalid', hint: 'number' };
  if (!sameValue(got, want.expected)) return { status: 'incorrect' };
  switch (want.kind) {
    case 'integer':
      return got.kind === 'integer' || got.kind === 'decimal' ? { status: 'correct' } : { status: 'form', hint: 'whole' };
    case 'decimal':
      return got.kind === 'integer' || got.kind === 'decimal' ? { status: 'correct' } : { status: 'form', hint: 'decimal' };
    case 'mixed':
      if (got.kind !== 'mixed') return { status: 'form', hint: 'mixed' };
      if (want.simplest && !got.lowest) return { status: 'form', hint: 'simplest' };
      return { status: 'correct' };
    default: // fraction
      if (got.kind === 'integer' || got.kind === 'decimal') return { status: 'form', hint: 'fraction' };
      if (got.kind === 'mixed' && want.improper) return { status: 'form', hint: 'improper' };
      if (want.simplest && !got.lowest) return { status: 'form', hint: 'simplest' };
      return { status: 'correct' };
  }
}
