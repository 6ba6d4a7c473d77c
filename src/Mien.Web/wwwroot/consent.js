// The subject-facing consent page: reached through a link an admin created (/consent.html#<code>); no API key.
// Explains each permission in plain words, records the subject's choices and lets them withdraw.
import { renderShell, el, announce, ApiError } from './app.js';

const header = 'X-Mien-Consent-Link';
const main = await renderShell('Your consent', { public: true });
const token = decodeURIComponent(location.hash.slice(1));

async function call(path, options = {}) {
  const headers = { Accept: 'application/json', [header]: token };
  if (options.body) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method: options.method || 'GET', headers, body: options.body ? JSON.stringify(options.body) : undefined, credentials: 'omit' });
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

const content = el('div', { class: 'consent', id: 'consent' });
main.append(content);
await load();

async function load() {
  let info;
  try {
    info = await call('/api/v1/consent');
  } catch (error) {
    main.dataset.consentState = 'invalid';
    content.replaceChildren(el('p', { class: 'notice error' }, error.message));
    return;
  }

  const form = el('form', { id: 'consent-form' });
  const scopes = info.scopes.map((s) => scopeSection(s));
  const anyOpen = info.scopes.some((s) => !s.given);
  form.append(...scopes);
  if (anyOpen) {
    form.append(el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'give' }, 'Record my choices')));
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll('input[name="scope"]:checked')].map((i) => i.value);
    if (chosen.length === 0) { announce('Tick at least one permission, or simply close this page: without your agreement nothing is analysed or stored.', 'error'); return; }
    try {
      await call('/api/v1/consent', { method: 'POST', body: { scopes: chosen } });
      await load();
      announce('Thank you: your choices are recorded. You can come back to this page to withdraw at any time.', 'ok');
    } catch (error) {
      announce(error.message, 'error');
    }
  });

  const given = info.scopes.filter((s) => s.given).map((s) => s.scope);
  main.dataset.consentState = 'loaded';
  main.dataset.given = given.join(' ');
  content.replaceChildren(
    el('p', { class: 'lead' }, info.project.purposeText),
    el('p', {}, 'In this project you are known only by a code name: ', el('strong', {}, info.subject), '. Your name is not stored.'),
    el('p', {}, 'Please read what each permission means. You can agree to some and not others, and withdraw at any time on this page — withdrawing erases what was kept under that permission.'),
    form,
    el('p', { class: 'help' }, `Text version ${info.textVersion}. This link works until ${new Date(info.expires).toLocaleString()}.`));
}

function scopeSection(s) {
  const id = `scope-${s.scope}`;
  const section = el('section', { class: 'card scope', 'aria-labelledby': `${id}-title`, dataset: { scope: s.scope, given: String(s.given) } },
    el('h2', { id: `${id}-title` }, s.title),
    el('dl', {},
      el('dt', {}, 'What is measured'), el('dd', {}, s.what),
      el('dt', {}, 'Why'), el('dd', {}, s.why),
      el('dt', {}, 'What is stored'), el('dd', {}, s.stored),
      el('dt', {}, 'For how long'), el('dd', {}, s.howLong)),
    el('p', { class: `state ${s.given ? 'given' : 'not-given'}` },
      s.given ? `You agreed on ${new Date(s.givenAt).toLocaleString()}.` : 'You have not agreed to this.'));
  if (!s.given) {
    section.append(el('label', { class: 'inline', for: `${id}-check` },
      el('input', { type: 'checkbox', id: `${id}-check`, name: 'scope', value: s.scope }), `I agree: ${s.title.toLowerCase()}`));
  } else {
    const warning = s.scope === 'analysis'
      ? 'Withdrawing this stops any analysis of you at once and erases everything this project stored about you.'
      : 'Withdrawing this erases what was kept under it.';
    const confirm = el('button', { type: 'button', class: 'danger', id: `${id}-confirm`, hidden: true }, `Yes, withdraw and erase`);
    const withdraw = el('button', { type: 'button', class: 'secondary', id: `${id}-withdraw`, 'aria-describedby': `${id}-warning` }, `Withdraw: ${s.title.toLowerCase()}`);
    withdraw.addEventListener('click', () => { confirm.hidden = false; confirm.focus(); });
    confirm.addEventListener('click', async () => {
      try {
        const answer = await call(`/api/v1/consent/${encodeURIComponent(s.scope)}`, { method: 'DELETE' });
        await load();
        const erased = Object.values(answer?.receipt?.rows ?? {}).reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0);
        announce(`Withdrawn. ${erased > 0 ? `${erased} stored records were erased.` : 'Nothing had been stored under it.'}`, 'ok');
      } catch (error) {
        announce(error.message, 'error');
      }
    });
    section.append(el('p', { class: 'help', id: `${id}-warning` }, warning), el('div', { class: 'actions' }, withdraw, confirm));
  }
  return section;
}
