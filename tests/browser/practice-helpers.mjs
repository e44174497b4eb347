// Helpers for the widget tests: the demo item bank, answering the current exercise of a
// <metacog-practice> like a learner (clicking [part~=choice] or typing), reading what it shows.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './harness.mjs';

export const bank = JSON.parse(readFileSync(path.join(repoRoot, 'web/demo/item-bank.json'), 'utf8'));
export const items = new Map(bank.items.map((i) => [i.id, i]));

/** What a <metacog-practice> shows, read from its shadow root (runs in the page): current item,
 *  responses stored, mastery per skill (the engine's value behind the displayed percentage, so that
 *  changes smaller than the display's 1 % count too), feedback, path, resources, reason. */
function readState(root) {
  const rec = root.querySelector('[part~="recommendation"]');
  const mastery = {};
  for (const li of root.querySelectorAll('[part~="mastery"] li[data-skill]')) {
    mastery[li.dataset.skill] = Number(li.querySelector('[data-value]').dataset.raw);
  }
  const fb = root.querySelector('[part~="feedback"]');
  return {
    item: rec && rec.dataset.item,
    responses: Number(root.querySelector('[data-responses]').dataset.responses),
    mastery,
    feedback: fb ? fb.textContent.trim() : null,
    feedbackClass: fb ? fb.className : null,
    path: [...root.querySelectorAll('[part~="path"] li[data-skill]')].map((li) => li.dataset.skill),
    resources: [...root.querySelectorAll('[part~="resources"] li[data-resource]')].map((li) => li.dataset.resource),
    reason: root.querySelector('.reason')?.textContent.trim() ?? null,
  };
}

const rootOf = (sel) => `document.querySelector(${JSON.stringify(sel)}).shadowRoot`;

/** What the widget shows now (see readState). */
export async function widgetState(page, sel = 'metacog-practice') {
  return page.evaluate(`(${readState})(${rootOf(sel)})`);
}

/**
 * Starts watching the widget's renders; `firstShownWith` then gives what it showed in the first
 * render whose stored-responses count was `responses`. Renders are whole (a MutationObserver runs
 * after each one), so this catches a count shown beside mastery it did not produce.
 */
export async function watchForCount(page, responses, sel = 'metacog-practice') {
  await page.evaluate(`(() => {
    const root = ${rootOf(sel)};
    window.__firstShown = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        if (root.querySelector('[data-responses]')?.dataset.responses !== ${JSON.stringify(String(responses))}) return;
        observer.disconnect();
        resolve((${readState})(root));
      });
      observer.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
    });
  })()`);
}

export async function firstShownWith(page) {
  return page.evaluate(() => window.__firstShown);
}

/** A wrong answer for an item (a wrong choice index, or the numeric answer + 1). */
export function wrongAnswer(item) {
  const c = item.content;
  if (c.type === 'choice') return (c.answer + 1) % c.choices.length;
  const [n, d] = c.answer.split('/');
  return d ? `${Number(n) + Number(d)}/${d}` : String(Number(c.answer) + 1);
}

/**
 * Answers the current exercise (correctly or not) by clicking a choice or typing, then waits for
 * the feedback. → { item, correct }
 */
export async function answerCurrent(page, correct, sel = 'metacog-practice') {
  const w = page.locator(sel);
  const id = await w.locator('[part~="recommendation"]').getAttribute('data-item');
  const item = items.get(id);
  if (!item) throw new Error(`the widget shows an unknown item ${id}`);
  if (item.content.type === 'choice') {
    const index = correct ? item.content.answer : wrongAnswer(item);
    await w.locator(`[part~="choice"][data-index="${index}"]`).click();
  } else {
    await w.locator('input[name="answer"]').fill(correct ? item.content.answer : wrongAnswer(item));
    await w.locator('[part~="submit"]').click();
  }
  await w.locator('[part~="next"]').waitFor();
  return { item: id, correct };
}

export async function nextExercise(page, sel = 'metacog-practice') {
  await page.locator(sel).locator('[part~="next"]').click();
  await page.locator(sel).locator('[part~="next"]').waitFor({ state: 'detached' });
}
