// Widget lifecycle and contract edges in Chromium: design.md §3.4's own item bank (choice items
// without "type", a resource without a url), attributes changed after the start (learner, model,
// goal), removal while loading (no Worker left running), the metacog-error event, and
// <metacog-sketch>'s mode and alphabet set from outside. The page counts Workers
// (pages/widgets-page.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from './harness.mjs';

const MODEL = '/models/demo-learner.safetensors';
const BANK = '/item-bank.json';
const SKETCH_MODEL = '/models/omniglot-protonet.safetensors';
let b;

before(async () => {
  b = await openBrowser();
  await b.page.goto(b.site.url + 'tests/widgets.html');
  await b.page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
});

after(async () => { await b?.close(); });

/** Adds a widget with the given attributes; returns its id. */
async function add(tag, attrs) {
  return b.page.evaluate(({ tag, attrs }) => {
    const el = document.createElement(tag);
    el.id = `w${(window.__n = (window.__n || 0) + 1)}`;
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    window.__errors = window.__errors || [];
    el.addEventListener('metacog-error', (e) => window.__errors.push({ id: el.id, ...e.detail }));
    document.body.append(el);
    return el.id;
  }, { tag, attrs });
}

const ready = (id) => b.page.evaluate((id) => document.getElementById(id).ready.then(() => 'ok', (e) => `failed: ${e.message}`), id);
const remove = (id) => b.page.evaluate((id) => document.getElementById(id).remove(), id);
const shadow = (id, fn, arg) => b.page.evaluate(({ id, fn, arg }) => new Function('root', 'arg', `return (${fn})(root, arg)`)(document.getElementById(id).shadowRoot, arg), { id, fn: fn.toString(), arg });
const workers = () => b.page.evaluate(() => ({ ...window.__workers }));

/** Waits until every Worker the page started was terminated (disposal is asynchronous). */
async function noWorkerLeft(message) {
  await b.page.waitForFunction(() => window.__workers.created === window.__workers.terminated, null, { timeout: 30000 })
    .catch(() => {});
  const w = await workers();
  assert.equal(w.terminated, w.created, `${message}: ${w.created} Workers started, ${w.terminated} terminated`);
}

test('design.md §3.4 bank: choice items without "type" get buttons; a resource without a url is shown as text', async () => {
  const id = await add('metacog-practice', { model: MODEL, 'item-bank': '/tests/bank-section-3-4.json', 'learner-id': 'sec34', goal: 'frac-add' });
  assert.equal(await ready(id), 'ok');
  const shown = await shadow(id, (root) => ({
    choices: root.querySelectorAll('[part~="choice"]').length,
    input: !!root.querySelector('input[name="answer"]'),
    item: root.querySelector('[part~="recommendation"]').dataset.item,
  }));
  assert.equal(shown.input, false, 'no text field for a choice item');
  assert.equal(shown.choices, 2);
  // answer right by the bank's index and read the feedback
  const answer = { q1: 0, q2: 1, q17: 0 }[shown.item];
  await shadow(id, (root, i) => root.querySelectorAll('[part~="choice"]')[i].click(), answer);
  await b.page.waitForFunction((id) => document.getElementById(id).shadowRoot.querySelector('[part~="feedback"]').classList.contains('good'), id, { timeout: 30000 });
  const chosen = await shadow(id, (root) => [...root.querySelectorAll('[part~="choice"]')].map((c) => ({ pressed: c.getAttribute('aria-pressed'), text: c.textContent })));
  assert.ok(chosen.every((c) => c.pressed === null), 'choices are plain buttons, not toggle buttons');
  assert.ok(chosen.some((c) => /your answer/.test(c.text)), 'the chosen button says it was the answer');
  const res = await shadow(id, (root) => [...root.querySelectorAll('[part~="resources"] li[data-resource]')].map((li) => ({
    id: li.dataset.resource, href: li.querySelector('a')?.getAttribute('href') ?? null, text: li.textContent,
  })));
  const r3 = res.find((r) => r.id === 'r3');
  assert.ok(r3, `resource r3 is listed: ${JSON.stringify(res)}`);
  assert.equal(r3.href, null, 'no link for a resource without a url');
  assert.match(r3.text, /Common denominators/);
  const r4 = res.find((r) => r.id === 'r4');
  if (r4) assert.equal(r4.href, 'https://example.org/equal-parts', 'another site\'s url is linked as written');
  await remove(id);
  await noWorkerLeft('after removing the widget');
});

test('learner-id changed after the start: a new engine on the new learner\'s store; the old one is disposed', async () => {
  const id = await add('metacog-practice', { model: MODEL, 'item-bank': BANK, 'learner-id': 'ana-lc' });
  assert.equal(await ready(id), 'ok');
  const item = await shadow(id, (root) => root.querySelector('[part~="recommendation"]').dataset.item);
  // one answer for ana (a wrong numeric or a choice)
  await shadow(id, (root) => {
    const c = root.querySelector('[part~="choice"]');
    if (c) { c.click(); return; }
    const input = root.querySelector('input[name="answer"]');
    input.value = '123456';
    root.querySelector('form.numeric').requestSubmit();
  });
  await b.page.waitForFunction((id) => document.getElementById(id).shadowRoot.querySelector('[data-responses]')?.dataset.responses === '1', id, { timeout: 30000 });
  assert.ok(item);
  const before = await workers();
  await b.page.evaluate((id) => { document.getElementById(id).setAttribute('learner-id', 'ben-lc'); }, id);
  assert.equal(await ready(id), 'ok');
  const after1 = await shadow(id, (root) => ({
    responses: root.querySelector('[data-responses]').dataset.responses,
    where: root.querySelector('[part~="data"] details p.small').textContent,
  }));
  assert.equal(after1.responses, '0', 'ben starts with no answers');
  assert.match(after1.where, /metacog-learner:ben-lc/);
  const w = await workers();
  assert.equal(w.created, before.created + 1, 'one new engine');
  await b.page.waitForFunction((n) => window.__workers.terminated >= n, before.terminated + 1, { timeout: 30000 });
  // back to ana: her answer is still there
  await b.page.evaluate((id) => { document.getElementById(id).learnerId = 'ana-lc'; }, id);
  assert.equal(await ready(id), 'ok');
  assert.equal(await shadow(id, (root) => root.querySelector('[data-responses]').dataset.responses), '1');
  await remove(id);
  await noWorkerLeft('after removing the widget');
});

test('removed while loading: the engine it was starting is disposed, nothing is left running', async () => {
  const id = await add('metacog-practice', { model: MODEL, 'item-bank': BANK, 'learner-id': 'gone' });
  await b.page.waitForFunction(() => window.__workers.created > window.__workers.terminated, null, { timeout: 30000 });
  const wasLoading = await b.page.evaluate((id) => {
    window.__gone = document.getElementById(id);
    const loading = window.__gone.engine === null && !window.__gone.shadowRoot.querySelector('[part~="recommendation"]');
    window.__gone.remove();
    return loading;
  }, id);
  assert.ok(wasLoading, 'the widget was still loading when it was removed');
  await noWorkerLeft('widget removed while loading');
  // the same element added again starts afresh: its ready promise settles with the new start
  const again = await b.page.evaluate(() => {
    document.body.append(window.__gone);
    return window.__gone.ready.then(() => 'ok', (e) => `failed: ${e.message}`);
  });
  assert.equal(again, 'ok');
  assert.ok(await shadow(id, (root) => !!root.querySelector('[part~="recommendation"]')));
  await remove(id);
  await noWorkerLeft('after removing it again');
});

test('model and item-bank set after the start: the widget recovers from "set the model" and reports errors as metacog-error', async () => {
  const id = await add('metacog-practice', { 'learner-id': 'late' });
  assert.match(await ready(id), /failed: set the model and item-bank attributes/);
  let errors = await b.page.evaluate((id) => window.__errors.filter((e) => e.id === id), id);
  assert.deepEqual(errors.map((e) => [e.code, e.during]), [['INVALID_ARGUMENT', 'load']]);
  await b.page.evaluate(({ id, MODEL, BANK }) => {
    const el = document.getElementById(id);
    el.model = MODEL;
    el.itemBank = BANK;
  }, { id, MODEL, BANK });
  assert.equal(await ready(id), 'ok');
  assert.ok(await shadow(id, (root) => !!root.querySelector('[part~="recommendation"]')));
  // an item bank that is not there: IO, shown, reported
  await b.page.evaluate((id) => { document.getElementById(id).setAttribute('item-bank', '/tests/no-such-bank.json'); }, id);
  assert.match(await ready(id), /failed: item bank: HTTP 404/);
  errors = await b.page.evaluate((id) => window.__errors.filter((e) => e.id === id), id);
  assert.deepEqual(errors.at(-1), { id, code: 'IO', message: 'item bank: HTTP 404', during: 'load' });
  assert.match(await shadow(id, (root) => root.querySelector('[role="alert"]').textContent), /HTTP 404/);
  // an unknown goal set later: shown in the path panel, reported, the practice goes on
  await b.page.evaluate(({ id, BANK }) => { document.getElementById(id).setAttribute('item-bank', BANK); }, { id, BANK });
  assert.equal(await ready(id), 'ok');
  await b.page.evaluate((id) => { document.getElementById(id).goal = 'no-such-skill'; }, id);
  await b.page.waitForFunction((id) => window.__errors.some((e) => e.id === id && e.during === 'goal'), id, { timeout: 30000 });
  assert.match(await shadow(id, (root) => root.querySelector('[part~="path"] [role="alert"]').textContent), /no-such-skill/);
  await b.page.evaluate((id) => { document.getElementById(id).goal = 'frac-add-unlike'; }, id);
  await b.page.waitForFunction((id) => !document.getElementById(id).shadowRoot.querySelector('[part~="path"] [role="alert"]')
    && document.getElementById(id).shadowRoot.querySelector('[part~="path"] li[data-skill="frac-add-unlike"]'), id, { timeout: 30000 });
  await remove(id);
  await noWorkerLeft('after removing the widget');
});

test('an unknown goal from the start: the practice works, the path panel says why, metacog-error tells the host', async () => {
  const id = await add('metacog-practice', { model: MODEL, 'item-bank': BANK, 'learner-id': 'typo', goal: 'frac-ad' });
  assert.equal(await ready(id), 'ok');
  const shown = await shadow(id, (root) => ({
    exercise: !!root.querySelector('[part~="recommendation"][data-item]'),
    alert: root.querySelector('[part~="path"] [role="alert"]')?.textContent ?? null,
  }));
  assert.ok(shown.exercise, 'an exercise is shown');
  assert.match(shown.alert, /frac-ad/);
  const errors = await b.page.evaluate((id) => window.__errors.filter((e) => e.id === id), id);
  assert.deepEqual(errors.map((e) => [e.code, e.during]), [['INVALID_ARGUMENT', 'goal']]);
  // answering moves on to another exercise (the recommendations do not depend on the goal views)
  const first = await shadow(id, (root) => root.querySelector('[part~="recommendation"]').dataset.item);
  await shadow(id, (root) => {
    const c = root.querySelector('[part~="choice"]');
    if (c) { c.click(); return; }
    root.querySelector('input[name="answer"]').value = '123456';
    root.querySelector('form.numeric').requestSubmit();
  });
  await b.page.waitForFunction((id) => document.getElementById(id).shadowRoot.querySelector('[part~="next"]'), id, { timeout: 30000 });
  await shadow(id, (root) => root.querySelector('[part~="next"]').click());
  await b.page.waitForFunction(({ id, first }) => document.getElementById(id).shadowRoot.querySelector('[part~="recommendation"]').dataset.item !== first,
    { id, first }, { timeout: 30000 });
  await remove(id);
  await noWorkerLeft('after removing the widget');
});

test('<metacog-sketch>: a model set later, mode and alphabet set from outside are applied; quick alphabet changes build the last one', async () => {
  const id = await add('metacog-sketch', { mode: 'teacher' });
  assert.match(await ready(id), /failed: set the model attribute/);
  await b.page.evaluate(({ id, SKETCH_MODEL }) => { document.getElementById(id).model = SKETCH_MODEL; }, { id, SKETCH_MODEL });
  assert.equal(await ready(id), 'ok');
  await b.page.evaluate((id) => document.getElementById(id).setAttribute('mode', 'learner'), id);
  await b.page.waitForFunction((id) => document.getElementById(id).shadowRoot.querySelector('[part~="target"]'), id, { timeout: 60000 });
  const greek = await shadow(id, (root) => root.querySelector('[part~="target"]').dataset.target);
  assert.match(greek, /^[α-ω]$/u, 'a Greek letter (the default alphabet)');
  // three changes in a row: the letters end up Cyrillic, built once at a time
  await b.page.evaluate((id) => {
    const el = document.getElementById(id);
    el.alphabet = 'cyrillic';
    setTimeout(() => { el.alphabet = 'greek'; }, 0);
    setTimeout(() => { el.alphabet = 'cyrillic'; }, 5);
  }, id);
  // done when no build is pending and a letter is asked for again (the target is cleared while building)
  await b.page.waitForTimeout(50);
  await b.page.waitForFunction((id) => {
    const root = document.getElementById(id).shadowRoot;
    return root.querySelector('[part~="target"]') && ![...root.querySelectorAll('[role="status"]')].some((e) => /Preparing/.test(e.textContent));
  }, id, { timeout: 60000 });
  assert.equal(await b.page.evaluate((id) => document.getElementById(id).alphabet, id), 'cyrillic');
  assert.match(await shadow(id, (root) => root.querySelector('[part~="target"]').dataset.target), /^[а-я]$/u, 'the letters are the last alphabet set');
  const label = await shadow(id, (root) => root.querySelector('canvas.draw').getAttribute('aria-label'));
  assert.match(label, /draw the letter [а-я]/u, 'the canvas names the letter to draw');
  const before = await workers();
  await remove(id);
  await noWorkerLeft(`sketch removed (${before.created} Workers started in all)`);
});
