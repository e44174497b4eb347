// metacog widgets (dist/metacog-widgets.js): <metacog-practice> and <metacog-sketch>, plus the
// library API for host pages that want more.
//   <script type="module" src="/dist/metacog-widgets.js"></script>
export { MetacogPractice } from './practice.js';
export { MetacogSketch } from './sketch-widget.js';
export { checkAnswer, parseNumber, isChoiceItem } from './answers.js';
export { PracticeOrder } from './practice-order.js';
export * from '../index.js';
