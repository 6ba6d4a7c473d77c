// Admins create consent links: a subject opens the link and records or withdraws consent themselves.
import { renderShell, api, el, announce } from './app.js';

const main = await renderShell('Consent links');
if (main) {
  const subjects = await api('subjects').catch((error) => { announce(error.message, 'error'); return []; });
  const select = el('select', { id: 'link-subject', name: 'subject', required: true },
    subjects.map((s) => el('option', { value: s.id }, s.pseudonym)));
  const days = el('input', { id: 'link-days', name: 'days', type: 'number', min: '1', max: '90', value: '14', inputmode: 'numeric' });
  const output = el('div', { id: 'link-output', 'aria-live': 'polite' });
  const pseudonym = el('input', { id: 'new-pseudonym', name: 'pseudonym', autocomplete: 'off', pattern: '[A-Za-z0-9._-]{1,64}', 'aria-describedby': 'pseudonym-help' });

  const create = el('form', { class: 'card', id: 'new-subject' },
    el('h2', {}, 'New subject'),
    el('label', { for: 'new-pseudonym' }, 'Pseudonym'), pseudonym,
    el('p', { class: 'help', id: 'pseudonym-help' }, 'A code name (letters, digits, - _ .), never a real name.'),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Create subject')));
  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const subject = await api('subjects', { method: 'POST', body: { pseudonym: pseudonym.value.trim() } });
      select.append(el('option', { value: subject.id }, subject.pseudonym));
      select.value = subject.id;
      pseudonym.value = '';
      announce(`Subject ${subject.pseudonym} created.`, 'ok');
    } catch (error) {
      announce(error.message, 'error');
    }
  });

  const form = el('form', { class: 'card', id: 'new-link' },
    el('h2', {}, 'Link for a subject'),
    el('label', { for: 'link-subject' }, 'Subject'), select,
    el('label', { for: 'link-days' }, 'Valid for (days)'), days,
    el('p', { class: 'help' }, 'The subject opens the link to read what is measured and why, agree per permission, and withdraw later. Anyone holding the link can act for that subject until it expires: give it to them only.'),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Create link')),
    output);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const link = await api(`subjects/${select.value}/consent-links`, { method: 'POST', body: { days: Number(days.value) } });
      const url = new URL(link.url, location.origin).href;
      const field = el('input', { id: 'link-url', readonly: true, value: url, 'aria-label': 'Consent link' });
      const copy = el('button', { type: 'button', class: 'secondary' }, 'Copy');
      copy.addEventListener('click', async () => { field.select(); await navigator.clipboard?.writeText(url).catch(() => {}); announce('Link copied.', 'ok'); });
      output.replaceChildren(el('label', { for: 'link-url' }, `Link (until ${new Date(link.expires).toLocaleString()})`), field, el('div', { class: 'actions' }, copy));
      main.dataset.link = url;
    } catch (error) {
      announce(error.message, 'error');
    }
  });
  main.append(el('div', { class: 'cards' }, form, create));
}
