// People over time: a subject's sessions with per-session metrics (95 % intervals) and changes flagged only beyond
// noise (docs/monitoring.md). Indicators describe what the face and voice showed; they are not diagnoses.
import { renderShell, api, el, announce } from './app.js';
import { trendChart } from './therapy-charts.js';

// The range each metric can take (interval whiskers and axes stay inside it).
const bounds = { expressivity: { min: 0, max: 5 }, valence: { min: -1, max: 1 }, arousal: { min: -1, max: 1 }, blinkRate: { min: 0 },
  gazeAwayShare: { min: 0, max: 1 }, voiceArousal: { min: -1, max: 1 } };

const metricTitles = {
  expressivity: 'Facial expressivity (mean action-unit intensity)',
  valence: 'Valence the face showed',
  arousal: 'Arousal the face showed',
  blinkRate: 'Blink rate (per minute)',
  gazeAwayShare: 'Share of time the gaze was away from the camera',
  voiceArousal: 'Voice arousal',
};

const main = await renderShell('People over time');
if (main) {
  main.append(el('p', { class: 'lead' }, 'Each pseudonymous person\'s sessions, with every measure\'s 95 % interval. A change between two sessions is marked only when it is larger than the usual session-to-session variation of that person (reliable change index ≥ 1.96). These are estimates of what the face and voice showed, not diagnoses.'));
  const picker = el('select', { id: 'subject' }, el('option', { value: '' }, 'Choose a person…'));
  main.append(el('label', { for: 'subject' }, 'Person (pseudonym)'), picker);
  const body = el('section', { id: 'person', 'aria-live': 'polite' });
  main.append(body);
  try {
    const subjects = await api('subjects');
    for (const s of subjects) picker.append(el('option', { value: s.id }, s.pseudonym));
    const wanted = new URLSearchParams(location.search).get('subject');
    if (wanted) { picker.value = wanted; await show(wanted); }
  } catch (e) { announce(e.message, 'error'); }
  picker.addEventListener('change', async () => {
    const url = new URL(location.href);
    if (picker.value) url.searchParams.set('subject', picker.value); else url.searchParams.delete('subject');
    history.replaceState(null, '', url);
    await show(picker.value);
  });

  async function show(subject) {
    body.replaceChildren();
    if (!subject) return;
    body.append(el('p', { class: 'help' }, 'Loading the sessions…'));
    let data;
    try { data = await api(`subjects/${subject}/trends`); } catch (e) { body.replaceChildren(); announce(e.message, 'error'); return; }
    announce('');
    body.replaceChildren(el('h2', {}, `${data.pseudonym}: ${data.sessions.length} session(s)`));
    const labels = new Map(data.sessions.map((s, i) => [s.recording, `S${i + 1}`]));
    const flagged = [];
    for (const t of data.trends) {
      t.changes.forEach((c) => { if (c.flagged) flagged.push({ metric: t.metric, unit: t.unit, change: c }); });
    }
    body.append(el('h3', {}, 'Changes beyond noise'));
    if (flagged.length === 0) body.append(el('p', { class: 'notice info' }, 'No change between consecutive sessions is larger than this person\'s usual variation.'));
    else {
      body.append(el('ul', { class: 'flagged-list' }, flagged.map((f) => el('li', { class: 'flagged' },
        `${metricTitles[f.metric] || f.metric}: ${f.change.delta > 0 ? 'rose' : 'fell'} by ${Math.abs(f.change.delta).toFixed(3)} from ${labels.get(f.change.from) || 'skin session'} to ${labels.get(f.change.to) || 'the next'} (reliable change index ${f.change.reliableChangeIndex === null ? '∞' : f.change.reliableChangeIndex.toFixed(1)}; between-session SD ${f.change.tau.toFixed(3)}).`))));
    }

    body.append(el('h3', {}, 'Sessions'));
    const table = el('table', {}, el('thead', {}, el('tr', {}, ['Session', 'Recording', 'Date', 'Length', 'Indicators'].map((h) => el('th', { scope: 'col' }, h)))));
    const rows = el('tbody');
    data.sessions.forEach((s, i) => rows.append(el('tr', {},
      el('td', {}, `S${i + 1}`),
      el('td', {}, el('a', { href: `/session.html?recording=${s.recording}` }, s.name)),
      el('td', {}, new Date(s.at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })),
      el('td', {}, `${s.durationS.toFixed(0)} s`),
      el('td', {}, s.indicators.length ? s.indicators.join(', ') : 'none'))));
    table.append(rows);
    body.append(el('div', { class: 'table-scroll' }, table));

    body.append(el('h3', {}, 'Trends'));
    const grid = el('div', { class: 'trend-grid' });
    for (const t of data.trends) {
      if (t.points.length === 0) continue;
      const points = t.points.map((p) => ({ label: labels.get(p.session) || new Date(p.at).toLocaleDateString(), ...p.estimate }));
      const title = metricTitles[t.metric] || t.metric.replace(/^skin\./, 'Skin: ');
      grid.append(el('figure', { class: 'card trend', dataset: { metric: t.metric } }, el('figcaption', {}, title), trendChart(title, points, t.changes, bounds[t.metric] || {})));
    }
    body.append(grid);
  }
}
