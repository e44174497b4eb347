// widget.html: the practice widget alone, for iframes. ?learner=…&goal=…&lang=… pick the learner,
// the goal and the language.
import { lang } from './site.js';

document.body.classList.add('frame');
document.querySelector('header.site')?.remove();
document.querySelector('footer.site')?.remove();
const q = new URLSearchParams(location.search);
const el = document.createElement('metacog-practice');
el.setAttribute('model', q.get('model') && /^[\w./-]+\.safetensors$/.test(q.get('model')) ? q.get('model') : 'models/demo-learner.safetensors');
el.setAttribute('item-bank', 'item-bank.json');
el.setAttribute('learner-id', (q.get('learner') || 'default').slice(0, 200));
if (q.get('goal')) el.setAttribute('goal', q.get('goal'));
el.setAttribute('lang', lang);
document.getElementById('frame-root').append(el);
