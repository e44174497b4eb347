// <metacog-sketch> in Chromium: strokes drawn with real pointer input (mouse, and a pen), undo and
// clear; teacher mode with 3 classes × 2 synthesised drawings recognises a new drawing of each;
// learner mode with font-rendered Greek letters; and the practice order (pure, under Node).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from './harness.mjs';
import { PracticeOrder } from '../../web/src/ui/practice-order.js';

// ── practice order (pure) ──

test('practice order: unseen letters first, then the most confused; never the same twice in a row', () => {
  const o = new PracticeOrder(['α', 'β', 'γ']);
  assert.equal(o.next(), 'α');                   // all ½: alphabet order
  o.record('α', { α: 0.9, β: 0.05, γ: 0.05 });   // α drawn well
  assert.equal(o.next(), 'β');                   // β, γ unseen (½) beat α; β ahead by order... and recency
  o.record('β', { α: 0.1, β: 0.2, γ: 0.7 });     // β drawn badly, taken for γ
  assert.ok(o.priority('β') > o.priority('α'));
  assert.ok(o.priority('γ') > 0.5, 'γ received confusion');
  assert.equal(o.next(), 'γ');
  o.record('γ', { α: 0, β: 0, γ: 1 });
  const n = o.next();
  assert.equal(n, 'β', 'the most confused letter comes back first');
  assert.notEqual(o.next(), 'β', 'not twice in a row');
  assert.deepEqual(o.ranking().map((r) => r.letter)[0], 'β');
  assert.throws(() => o.record('ω', {}), /unknown letter/);
});

test('practice order: over many rounds, the letter that is always confused is practised most', () => {
  const letters = ['a', 'b', 'c', 'd'];
  const o = new PracticeOrder(letters);
  const shown = Object.fromEntries(letters.map((l) => [l, 0]));
  for (let i = 0; i < 60; i++) {
    const l = o.next();
    shown[l] += 1;
    const probs = l === 'c' ? { a: 0.1, b: 0.1, c: 0.2, d: 0.6 } : Object.fromEntries(letters.map((k) => [k, k === l ? 0.97 : 0.01]));
    o.record(l, probs);
  }
  assert.ok(shown.c > shown.a && shown.c > shown.b, JSON.stringify(shown));
});

// ── the widget ──

let b;
before(async () => {
  b = await openBrowser();
  await b.page.goto(b.site.url + 'index.html');
  await b.page.locator('metacog-sketch [part~="canvas"]').waitFor({ timeout: 60000 });
});
after(async () => { await b?.close(); });

/** Deterministic jitter. */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
}

/** Synthesised drawings (strokes in [0, 1]²) of three shapes, each a little different per seed. */
const SHAPES = {
  ring(seed) {
    const r = rng(seed);
    const cx = 0.5 + 0.05 * r(), cy = 0.5 + 0.05 * r(), rad = 0.28 + 0.04 * r();
    return [Array.from({ length: 33 }, (_, i) => ({ x: cx + rad * Math.cos((2 * Math.PI * i) / 32), y: cy + rad * Math.sin((2 * Math.PI * i) / 32) }))];
  },
  cross(seed) {
    const r = rng(seed);
    const d = 0.05 * r();
    return [[{ x: 0.25 + d, y: 0.22 }, { x: 0.5, y: 0.5 + d }, { x: 0.75 - d, y: 0.78 }],
      [{ x: 0.75 + d, y: 0.22 - d }, { x: 0.5, y: 0.5 }, { x: 0.25, y: 0.78 + d }]];
  },
  zigzag(seed) {
    const r = rng(seed);
    const d = 0.04 * r();
    return [[{ x: 0.2, y: 0.3 + d }, { x: 0.8, y: 0.3 }, { x: 0.2 + d, y: 0.7 }, { x: 0.8, y: 0.7 - d }]];
  },
};

/** Draws strokes on the widget's canvas with the mouse (or a pen via pointer events). */
async function draw(page, strokes, pointerType = 'mouse') {
  // let a pending render (a mode switch, a new class) finish first: it can move the canvas, and
  // strokes aimed at the old box would miss it (seen on a loaded machine)
  await page.locator('metacog-sketch').evaluate((el) => el.updateComplete);
  const canvas = page.locator('metacog-sketch canvas.draw');
  // mouse coordinates are viewport coordinates: a canvas below the fold (a longer page above the
  // widget) would never receive the strokes
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const at = (p) => ({ x: box.x + p.x * box.width, y: box.y + p.y * box.height });
  for (const s of strokes) {
    // resample each segment so the pointer moves smoothly
    const pts = [];
    for (let i = 0; i < s.length - 1; i++) for (let t = 0; t < 6; t++) pts.push({ x: s[i].x + (s[i + 1].x - s[i].x) * t / 6, y: s[i].y + (s[i + 1].y - s[i].y) * t / 6 });
    pts.push(s[s.length - 1]);
    if (pointerType === 'mouse') {
      await page.mouse.move(at(pts[0]).x, at(pts[0]).y);
      await page.mouse.down();
      for (const p of pts.slice(1)) await page.mouse.move(at(p).x, at(p).y);
      await page.mouse.up();
    } else {
      const ev = (p) => ({ pointerType, pointerId: 7, isPrimary: true, clientX: at(p).x, clientY: at(p).y, button: 0, buttons: 1, bubbles: true, composed: true });
      await canvas.dispatchEvent('pointerdown', ev(pts[0]));
      for (const p of pts.slice(1)) await canvas.dispatchEvent('pointermove', ev(p));
      await canvas.dispatchEvent('pointerup', { ...ev(pts.at(-1)), buttons: 0 });
    }
  }
}

const strokeCount = (page) => page.locator('metacog-sketch').evaluate((el) => el.strokes.length);

test('drawing: mouse and pen strokes, undo, clear', async () => {
  const page = b.page;
  const w = page.locator('metacog-sketch');
  await w.locator('[part~="mode"]', { hasText: /Teacher/ }).click();
  await w.locator('[part~="add-example"]').waitFor();
  await draw(page, SHAPES.cross(1));
  assert.equal(await strokeCount(page), 2);
  await draw(page, SHAPES.zigzag(1), 'pen');
  assert.equal(await strokeCount(page), 3);
  const ink = await w.evaluate((el) => {
    const c = el.shadowRoot.querySelector('canvas.draw');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++;
    return dark;
  });
  assert.ok(ink > 200, `ink on the canvas: ${ink} dark pixels`);
  await w.locator('[part~="undo"]').click();
  assert.equal(await strokeCount(page), 2);
  await w.locator('[part~="clear"]').click();
  assert.equal(await strokeCount(page), 0);
  assert.ok(await w.locator('[part~="undo"]').isDisabled());
});

test('teacher mode: 3 classes × 2 drawings; a new drawing of each is the top guess', async () => {
  const page = b.page;
  const w = page.locator('metacog-sketch');
  for (const label of Object.keys(SHAPES)) {
    await w.locator('#class-name').fill(label);
    await w.locator('[part~="add-class"]').click();
    for (const seed of [11, 12]) {
      await draw(page, SHAPES[label](seed));
      await w.locator('[part~="add-example"]').click();
      await w.locator(`li[data-class="${label}"] [data-count="${seed - 10}"]`).waitFor();
    }
  }
  assert.deepEqual(await w.evaluate(async (el) => el.classifier.counts()), { ring: 2, cross: 2, zigzag: 2 });
  for (const label of Object.keys(SHAPES)) {
    await draw(page, SHAPES[label](99));
    await w.locator('[part~="recognise"]').click();
    await w.locator('[part~="guesses"] li').first().waitFor();
    const guesses = await w.locator('[part~="guesses"] li').evaluateAll((lis) => lis.map((li) => li.dataset.label));
    assert.equal(guesses.length, 3, 'top-3 shown');
    assert.equal(guesses[0], label, `a new ${label} is recognised (guesses ${guesses})`);
    const p = await w.locator('[part~="guesses"] li [role="meter"]').first().getAttribute('aria-valuenow');
    assert.ok(Number(p) > 33, `probability ${p}%`);
    if (label === 'zigzag') await screenshot(page, 'sketch-teacher');
    await w.locator('[part~="clear"]').click();
  }
  assert.deepEqual(b.consoleErrors, []);
  assert.deepEqual(await b.cspViolations(), []);
});

test('learner mode: font-rendered Greek letters are the prototypes; top-3 with probabilities; next letter', async () => {
  const page = b.page;
  const w = page.locator('metacog-sketch');
  await w.locator('[part~="mode"]', { hasText: /Learner/ }).click();
  await w.locator('[part~="target"]').waitFor({ timeout: 30000 });
  const target = await w.locator('[part~="target"]').getAttribute('data-target');
  assert.match(target, /^[α-ω]$/);
  // draw the letter by tracing the widget's own font rendering of it (a learner copying the model)
  const strokes = await w.evaluate((el, ch) => {
    const c = document.createElement('canvas');
    c.width = c.height = 40;
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 40, 40);
    ctx.fillStyle = '#000'; ctx.font = '24px serif'; ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
    ctx.fillText(ch, 20, 20);
    const d = ctx.getImageData(0, 0, 40, 40).data;
    const out = [];
    for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) if (d[4 * (y * 40 + x)] < 100) out.push([{ x: (x + 0.5) / 40, y: (y + 0.5) / 40 }]);
    return out;
  }, target);
  await w.evaluate((el, s) => el.setStrokes(s), strokes);
  await w.locator('[part~="check"]').click();
  await w.locator('[part~="guesses"] li').first().waitFor();
  const guesses = await w.locator('[part~="guesses"] li').evaluateAll((lis) => lis.map((li) => li.dataset.label));
  assert.equal(guesses.length, 3);
  assert.ok(guesses.every((g) => /^[α-ω]$/.test(g)));
  const fb = await w.locator('[part~="feedback"]').textContent();
  assert.ok(fb.trim().length > 0, 'feedback');
  await screenshot(page, 'sketch-learner');
  await w.locator('[part~="next-letter"]').click();
  const next = await w.locator('[part~="target"]').getAttribute('data-target');
  assert.notEqual(next, target);
  assert.equal(await strokeCount(page), 0, 'the canvas is cleared for the next letter');
  assert.deepEqual(b.consoleErrors, []);
});
