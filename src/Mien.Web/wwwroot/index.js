import { renderShell, pages, el, currentSession } from './app.js';

const main = await renderShell('Mien');
if (main) {
  const session = currentSession();
  main.dataset.signedIn = 'true';
  const rank = { viewer: 0, analyst: 1, admin: 2 };
  main.append(
    el('p', { class: 'lead' }, 'Mien estimates what faces show — expressions, action units, head pose, blinks — live from a camera or from recordings. Every figure is an estimate of what a face shows, never a fact about what someone feels.'),
    el('ul', { class: 'cards' }, pages.filter((p) => p.href !== '/' && rank[session.role] >= rank[p.role])
      .map((p) => el('li', { class: 'card' }, el('a', { href: p.href }, p.title)))));
}
