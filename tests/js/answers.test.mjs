// Answer checking (web/src/ui/answers.js): exact rationals, the form the item bank's answer asks
// for, and every numeric answer of the demo item bank accepted as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseNumber, checkAnswer, normalizeInput, requirements } from '../../web/src/ui/answers.js';

const bank = JSON.parse(readFileSync(new URL('../../web/demo/item-bank.json', import.meta.url), 'utf8'));
const numeric = bank.items.filter((i) => i.content.type === 'numeric');
const status = (input, answer, prompt = '') => checkAnswer(input, { answer, prompt }).status;

test('parseNumber: integers, decimals, fractions, mixed numbers as exact rationals', () => {
  assert.deepEqual(parseNumber('12'), { kind: 'integer', num: 12n, den: 1n, lowest: true });
  assert.deepEqual(parseNumber('-7'), { kind: 'integer', num: -7n, den: 1n, lowest: true });
  assert.deepEqual(parseNumber('0.375'), { kind: 'decimal', num: 3n, den: 8n, lowest: true });
  assert.deepEqual(parseNumber('.5'), { kind: 'decimal', num: 1n, den: 2n, lowest: true });
  assert.deepEqual(parseNumber('6/8'), { kind: 'fraction', num: 6n, den: 8n, lowest: false });
  assert.deepEqual(parseNumber(' 3 / 4 '), { kind: 'fraction', num: 3n, den: 4n, lowest: true });
  assert.deepEqual(parseNumber('1 3/4'), { kind: 'mixed', num: 7n, den: 4n, lowest: true });
  assert.deepEqual(parseNumber('-2 1/2'), { kind: 'mixed', num: -5n, den: 2n, lowest: true });
  // far beyond float precision: still exact
  assert.deepEqual(parseNumber('0.10000000000000000000000001').den, 10n ** 26n);
  for (const bad of ['', 'abc', '1/0', '3/', '/4', '1..2', '1 5/4', '0 1/2', '1,5', '2 x 3', '1e3', 'NaN', 'Infinity']) {
    assert.equal(parseNumber(bad), null, bad);
  }
});

test('normalizeInput: full-width digits and slash, minus signs, fraction slash', () => {
  assert.equal(normalizeInput('３／４'), '3/4');
  assert.equal(normalizeInput('\u22123'), '-3');
  assert.equal(normalizeInput('3\u20444'), '3/4');
  assert.equal(normalizeInput('  1   3 / 4 '), '1 3/4');
  assert.equal(status('１２', '12'), 'correct');
  assert.equal(status('０．３', '0.3'), 'correct');
});

test('whole-number answers: equal integers and decimals are right, fractions are the wrong form', () => {
  assert.equal(status('12', '12'), 'correct');
  assert.equal(status('12.0', '12'), 'correct');
  assert.equal(status('+12', '12'), 'correct');
  assert.equal(status('13', '12'), 'incorrect');
  assert.equal(status('-12', '12'), 'incorrect');
  assert.deepEqual(checkAnswer('24/2', { answer: '12' }), { status: 'form', hint: 'whole' });
  assert.deepEqual(checkAnswer('twelve', { answer: '12' }), { status: 'invalid', hint: 'number' });
});

test('decimal answers: trailing zeros and a missing leading zero are fine, fractions are the wrong form', () => {
  assert.equal(status('0.375', '0.375'), 'correct');
  assert.equal(status('.375', '0.375'), 'correct');
  assert.equal(status('0.3750', '0.375'), 'correct');
  assert.equal(status('0.38', '0.375'), 'incorrect');
  assert.deepEqual(checkAnswer('3/8', { answer: '0.375' }), { status: 'form', hint: 'decimal' });
  assert.equal(status('1.75', '1.75'), 'correct');
  assert.deepEqual(checkAnswer('1 3/4', { answer: '1.75' }), { status: 'form', hint: 'decimal' });
});

test('fraction answers: equivalent fractions unless the simplest form is asked for', () => {
  assert.equal(status('6/16', '3/8', 'What fraction of the pizza did Sam eat?'), 'correct');
  assert.equal(status('3/8', '3/8', 'What fraction of the pizza did Sam eat?'), 'correct');
  assert.equal(status('5/16', '3/8'), 'incorrect');
  const simplest = { en: 'Simplify 6/8. Give your answer in simplest form.', zh: '把 6/8 约分成最简分数。' };
  assert.deepEqual(checkAnswer('6/8', { answer: '3/4', prompt: simplest }), { status: 'form', hint: 'simplest' });
  assert.deepEqual(checkAnswer('6/8', { answer: '3/4', prompt: { zh: '把 6/8 约分成最简分数。' } }), { status: 'form', hint: 'simplest' });
  assert.equal(status('3/4', '3/4', simplest.en), 'correct');
  assert.deepEqual(checkAnswer('0.75', { answer: '3/4' }), { status: 'form', hint: 'fraction' });
  const improper = 'Work out 3/5 + 4/5. Answer as an improper fraction in simplest form.';
  assert.equal(status('7/5', '7/5', improper), 'correct');
  assert.deepEqual(checkAnswer('1 2/5', { answer: '7/5', prompt: improper }), { status: 'form', hint: 'improper' });
  assert.deepEqual(checkAnswer('14/10', { answer: '7/5', prompt: improper }), { status: 'form', hint: 'simplest' });
  assert.equal(status('1 2/5', '7/5', 'How much is that?'), 'correct');
  assert.equal(status('1 3/5', '7/5', 'How much is that?'), 'incorrect');
});

test('requirements reads the form from the answer and both prompt languages', () => {
  const item = bank.items.find((i) => i.id === 'q-frac-add-like-08');
  const r = requirements(item.content);
  assert.equal(r.kind, 'fraction');
  assert.equal(r.simplest, true);
  assert.equal(r.improper, true);
  assert.throws(() => requirements({ answer: 'x' }), TypeError);
  assert.equal(requirements({ answer: '1 1/2' }).kind, 'mixed');
});

test('a mixed-number answer (the fourth form the engine accepts) wants a mixed number', () => {
  const item = { answer: '1 3/4', prompt: 'Write 7/4 as a mixed number.' };
  assert.deepEqual(checkAnswer('1 3/4', item), { status: 'correct' });
  assert.deepEqual(checkAnswer('1  3 / 4', item), { status: 'correct' });
  assert.deepEqual(checkAnswer('1 6/8', item), { status: 'correct' });
  assert.deepEqual(checkAnswer('1 6/8', { ...item, prompt: 'Write 7/4 as a mixed number in simplest form.' }), { status: 'form', hint: 'simplest' });
  assert.deepEqual(checkAnswer('7/4', item), { status: 'form', hint: 'mixed' });
  assert.deepEqual(checkAnswer('1.75', item), { status: 'form', hint: 'mixed' });
  assert.deepEqual(checkAnswer('1 1/4', item), { status: 'incorrect' });
  assert.deepEqual(checkAnswer('-1 3/4', { answer: '-1 3/4' }), { status: 'correct' });
});

test('every numeric item of the demo bank: its own answer is correct, answer + 1 is not', () => {
  assert.ok(numeric.length > 100);
  for (const item of numeric) {
    assert.equal(checkAnswer(item.content.answer, item.content).status, 'correct', item.id);
    const p = parseNumber(item.content.answer);
    const wrong = p.den === 1n ? String(p.num + 1n) : `${p.num + p.den}/${p.den}`;
    assert.equal(checkAnswer(wrong, item.content).status, 'incorrect', `${item.id}: ${wrong}`);
  }
});
