import { createPrototypeClassifier } from './dist/metacog.js';

const out = document.getElementById('result');
try {
  const clf = await createPrototypeClassifier({ dim: 2 });
  await clf.addExample('north', [0, 5]);
  await clf.addExample('north', [1, 6], 2);
  await clf.addExample('east', [5, 0]);
  await clf.addExample('south', [0, -5]);
  const r = await clf.classify([0.5, 4]);
  out.textContent = JSON.stringify(r, null, 2);
  out.dataset.label = r.label;
  document.body.dataset.state = 'done';
} catch (err) {
  out.textContent = `${err.code || 'ERROR'}: ${err.message}`;
  document.body.dataset.state = 'error';
}
