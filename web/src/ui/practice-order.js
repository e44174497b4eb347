// Which letter to practise next in the sketch widget's learner mode: the ones the learner's
// drawings are most confused on come first.
//
// For each letter ℓ keep the soft error of its attempts, e_ℓ = Σ (1 − p(ℓ | drawing of ℓ)), and
// the confusion it receives when a drawing of another letter k is recognised as ℓ,
// c_ℓ = Σ p(ℓ | drawing of k). Priority is a smoothed mean (a Beta(1, 1) prior: an unseen letter
// scores ½):
//   priority(ℓ) = (1 + e_ℓ + c_ℓ) / (2 + n_ℓ)        n_ℓ = attempts at ℓ
// The next letter is the highest priority one, never the one just practised (when there is a
// choice); ties go to the letter shown least recently, then to alphabet order.

export class PracticeOrder {
  /** @param {string[]} letters */
  constructor(letters) {
    this.letters = letters.slice();
    this.stats = new Map(letters.map((l) => [l, { attempts: 0, error: 0, confused: 0, correct: 0, lastShown: -1 }]));
    this.clock = 0;
    this.last = null;
  }

  priority(letter) {
    const s = this.stats.get(letter);
    return (1 + s.error + s.confused) / (2 + s.attempts);
  }

  /** The letter to practise next (null for an empty alphabet). */
  next() {
    let best = null;
    let bestKey = null;
    for (const l of this.letters) {
      if (l === this.last && this.letters.length > 1) continue;
      const key = [this.priority(l), -this.stats.get(l).lastShown];
      if (best === null || key[0] > bestKey[0] + 1e-12 || (Math.abs(key[0] - bestKey[0]) <= 1e-12 && key[1] > bestKey[1])) {
        best = l;
        bestKey = key;
      }
    }
    if (best !== null) {
      this.stats.get(best).lastShown = this.clock++;
      this.last = best;
    }
    return best;
  }

  /**
   * Records an attempt at `target` with the classifier's probabilities.
   * @param {string} target
   * @param {Record<string, number>} probabilities p(label | drawing)
   */
  record(target, probabilities) {
    const s = this.stats.get(target);
    if (!s) throw new Error(`PracticeOrder: unknown letter ${target}`);
    const p = probabilities[target] ?? 0;
    s.attempts += 1;
    s.error += 1 - p;
    let top = target;
    for (const [l, q] of Object.entries(probabilities)) if (q > (probabilities[top] ?? 0)) top = l;
    if (top === target) s.correct += 1;
    for (const [l, q] of Object.entries(probabilities)) {
      if (l !== target && this.stats.has(l)) this.stats.get(l).confused += q;
    }
    return top === target;
  }

  /** Letters sorted by priority, most confused first: [{letter, priority, attempts, correct}]. */
  ranking() {
    return this.letters.map((l) => ({ letter: l, priority: this.priority(l), attempts: this.stats.get(l).attempts, correct: this.stats.get(l).correct }))
      .sort((a, b) => b.priority - a.priority || this.letters.indexOf(a.letter) - this.letters.indexOf(b.letter));
  }
}
