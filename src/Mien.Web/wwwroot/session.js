// A therapy session: the timeline with the indicators raised and what triggered them, clinician notes on the
// timeline, and the project's live alert settings. Indicators describe what the face and voice showed, never diagnoses.
import { renderShell, api, el, announce, currentSession } from './app.js';
import { timelineChart } from './therapy-charts.js';

const main = await renderShell('Therapy session');
if (main) {
  const recording = new URLSearchParams(location.search).get('recording');
  if (!recording) {
    main.append(el('p', {}, 'Open a session from ', el('a', { href: '/people.html' }, 'People over time'), '.'));
  } else {
    await render(recording);
  }
  if (currentSession()?.role === 'admin') await alertSettings();

  async function render(id) {
    let data;
    try { data = await api(`recordings/${id}/indicators`); } catch (e) { announce(e.message, 'error'); return; }
    const report = data.report;
    main.append(el('p', {}, el('a', { href: data.subject ? `/people.html?subject=${data.subject}` : '/people.html' }, '← This person over time')));
    main.append(el('p', { class: 'notice info' }, data.wording));
    const m = report.metrics;
    const stat = (label, e, digits = 2) => el('div', {}, el('dt', {}, label), el('dd', {}, e ? `${e.mean.toFixed(digits)} (95 % ${e.low.toFixed(digits)}…${e.high.toFixed(digits)})` : 'not measured'));
    main.append(el('dl', { class: 'stats' }, stat('Valence', m.valence), stat('Arousal', m.arousal), stat('Expressivity', m.expressivity),
      stat('Gaze away', m.gazeAwayShare), stat('Blinks / min', m.blinkRate, 1),
      el('div', {}, el('dt', {}, 'Speech share'), el('dd', {}, m.speechShare === null ? 'not measured' : `${(m.speechShare * 100).toFixed(0)} %`))));

    const timeline = el('div', { class: 'timeline' });
    main.append(el('h2', {}, 'Timeline'), el('p', { class: 'help' }, 'Click the timeline to put the time of a new note there.'), timeline);
    let notes = [];
    const atInput = el('input', { id: 'note-at', type: 'number', min: 0, step: 0.1, value: '0' });
    const draw = () => timeline.replaceChildren(timelineChart(report.startS, report.endS, report.indicators, notes, (t) => { atInput.value = t.toFixed(1); atInput.focus(); }));

    main.append(el('h2', {}, 'Indicators'));
    if (report.indicators.length === 0) main.append(el('p', {}, 'No indicator was raised in this session.'));
    for (const i of report.indicators) {
      main.append(el('article', { class: 'card indicator', dataset: { kind: i.kind } },
        el('h3', {}, `${i.kind} · ${i.startS.toFixed(1)}–${i.endS.toFixed(1)} s`),
        el('p', {}, i.summary),
        el('table', {}, el('caption', {}, 'What triggered it'),
          el('thead', {}, el('tr', {}, ['Measurement', 'Value', 'Unit', 'Rule'].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, i.measurements.map((x) => el('tr', {}, el('td', {}, x.name), el('td', {}, String(x.value)), el('td', {}, x.unit), el('td', {}, x.rule || '')))))));
    }
    if (report.limits.length) main.append(el('h3', {}, 'Not judged'), el('ul', {}, report.limits.map((l) => el('li', {}, l))));

    main.append(el('h2', {}, 'Clinician notes'));
    const list = el('ol', { class: 'notes' });
    const text = el('textarea', { id: 'note-text', rows: 3, maxlength: 4000 });
    const form = el('form', { class: 'note-form' },
      el('label', { for: 'note-at' }, 'Time in the session (seconds)'), atInput,
      el('label', { for: 'note-text' }, 'Note'), text,
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Add note')));
    main.append(list, form);
    if (!data.subject) { form.replaceChildren(el('p', { class: 'help' }, 'This recording has no subject: notes belong to a subject.')); draw(); return; }
    const load = async () => {
      try {
        notes = await api(`subjects/${data.subject}/notes?recording=${id}`);
      } catch (e) { notes = []; list.replaceChildren(el('li', { class: 'help' }, e.status === 403 ? 'Notes are for analysts and admins.' : e.message)); draw(); return; }
      list.replaceChildren(...notes.map((n) => el('li', { class: 'note' }, el('strong', {}, n.atS === null ? 'session' : `${n.atS.toFixed(1)} s`), ' ', n.text,
        el('span', { class: 'help' }, ` — ${n.author}, ${new Date(n.createdAt).toLocaleString()}`))));
      if (notes.length === 0) list.append(el('li', { class: 'help' }, 'No notes yet.'));
      draw();
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api(`subjects/${data.subject}/notes`, { method: 'POST', body: { text: text.value, recording: id, at: Number(atInput.value) } });
        text.value = '';
        announce('Note added.', 'ok');
        await load();
      } catch (err) { announce(err.message, 'error'); }
    });
    await load();
  }

  async function alertSettings() {
    let settings;
    try { settings = await api('monitoring/settings'); } catch (e) { announce(e.message, 'error'); return; }
    const field = (id, label, value) => [el('label', { for: id }, label), el('input', { id, type: 'number', step: 0.05, min: 0, value: String(value) })];
    const rule = (name, title, r) => el('fieldset', {}, el('legend', {}, title),
      el('label', { class: 'inline' }, el('input', { id: `${name}-enabled`, type: 'checkbox', checked: r.enabled }), ' on'),
      ...field(`${name}-raise`, 'Raise at', r.raise), ...field(`${name}-clear`, 'Clear at', r.clear), ...field(`${name}-window`, 'Window (s)', r.windowS));
    const form = el('form', { class: 'alert-settings' },
      el('p', { class: 'help' }, 'Live alerts (project-wide): raised when the window\'s value stays past "raise" for the debounce time, cleared past "clear" (hysteresis).'),
      el('div', { class: 'fieldsets' }, rule('distress', 'Distress (share of the window)', settings.alerts.distress), rule('gazeAversion', 'Gaze aversion (share)', settings.alerts.gazeAversion),
        rule('flatAffect', 'Flat affect (mean expressivity)', settings.alerts.flatAffect)),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Save alert settings')));
    main.append(el('h2', {}, 'Live alert settings'), form);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const read = (name) => ({ ...settings.alerts[name], enabled: form.querySelector(`#${name}-enabled`).checked, raise: Number(form.querySelector(`#${name}-raise`).value),
        clear: Number(form.querySelector(`#${name}-clear`).value), windowS: Number(form.querySelector(`#${name}-window`).value) });
      try {
        settings = await api('monitoring/settings', { method: 'PUT', body: { ...settings, alerts: { distress: read('distress'), gazeAversion: read('gazeAversion'), flatAffect: read('flatAffect') } } });
        announce('Alert settings saved.', 'ok');
      } catch (err) { announce(err.message, 'error'); }
    });
  }
}
