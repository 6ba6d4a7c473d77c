// Studies (docs/studies.md): create a study, upload stimuli, register viewers, then read the k-anonymous results —
// per-second curves with 95 % bands, peaks and valleys with stimulus thumbnails, scenes, A/B and breakdowns, CSV.
import { renderShell, api, el, announce, currentSession, projectPath } from './app.js';
import { LineChart } from './charts.js';

const METRIC_LABELS = {
  anger: 'Anger', disgust: 'Disgust', fear: 'Fear', happiness: 'Happiness', sadness: 'Sadness', surprise: 'Surprise',
  neutral: 'Neutral', valence: 'Valence', arousal: 'Arousal', attention: 'Attention',
};
const EXPRESSIONS = ['anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise', 'neutral'];
const rank = { viewer: 0, analyst: 1, admin: 2 };

const main = await renderShell('Studies');
if (main) {
  const params = new URLSearchParams(location.search);
  const studyId = params.get('study');
  try {
    if (studyId) await showStudy(main, studyId, params);
    else await showList(main);
  } catch (error) {
    announce(error.message, 'error');
  }
}

function canAnalyse() {
  return rank[currentSession()?.role] >= rank.analyst;
}

function fmt(value, digits = 2) {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function cellText(cell) {
  if (!cell || cell.suppressed) return 'withheld';
  return `${fmt(cell.mean)} [${fmt(cell.low)}, ${fmt(cell.high)}] n=${cell.n}`;
}

// ---- list and create ------------------------------------------------------------------------------------------

async function showList(main) {
  const studies = await api('studies');
  const list = el('ul', { class: 'cards', id: 'study-list' });
  for (const s of studies) {
    list.append(el('li', { class: 'card' }, el('a', { href: `/studies.html?study=${s.id}` }, s.name), el('p', { class: 'help' }, `k = ${s.minViewers}`)));
  }
  main.append(el('p', { class: 'lead' }, 'Ad and content tests: show a stimulus to viewers, analyse their faces while it plays, and read the results per second of the stimulus — averaged over viewers, never shown for fewer than k of them.'));
  if (studies.length === 0) main.append(el('p', {}, 'No studies yet.'));
  main.append(list);
  if (!canAnalyse()) return;
  const name = el('input', { id: 'study-name', name: 'name', required: true, maxlength: 200 });
  const k = el('input', { id: 'study-k', name: 'k', type: 'number', min: 2, max: 1000, value: 5, required: true, 'aria-describedby': 'study-k-help' });
  const form = el('form', { class: 'card', id: 'create-study' },
    el('h2', {}, 'New study'),
    el('label', { for: 'study-name' }, 'Name'), name,
    el('label', { for: 'study-k' }, 'Minimum viewers per shown result (k)'), k,
    el('p', { id: 'study-k-help', class: 'help' }, 'k-anonymity: no average, band or breakdown cell is shown for fewer viewers than this (default 5).'),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Create study')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const study = await api('studies', { method: 'POST', body: { name: name.value, minViewers: Number(k.value) } });
      location.assign(`/studies.html?study=${study.id}`);
    } catch (error) {
      announce(error.message, 'error');
    }
  });
  main.append(form);
}

// ---- one study ------------------------------------------------------------------------------------------------

async function showStudy(main, studyId, params) {
  const detail = await api(`studies/${studyId}`);
  main.querySelector('h1').textContent = `Study: ${detail.study.name}`;
  main.append(el('p', { class: 'help' }, el('a', { href: '/studies.html' }, '← All studies'), ` · k = ${detail.study.minViewers} (no result for fewer viewers)`));

  const stimuliSection = el('section', { 'aria-labelledby': 'stimuli-heading' }, el('h2', { id: 'stimuli-heading' }, 'Stimuli'));
  const table = el('table', { id: 'stimuli' }, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Stimulus'), el('th', { scope: 'col' }, 'Duration'),
    el('th', { scope: 'col' }, 'Scenes'), el('th', { scope: 'col' }, 'Viewings'))));
  const body = el('tbody');
  for (const s of detail.stimuli) {
    body.append(el('tr', {}, el('td', {}, s.label), el('td', {}, `${fmt(s.durationS, 1)} s`), el('td', {}, String(s.cuts.length + 1)), el('td', {}, String(s.viewings))));
  }
  table.append(body);
  stimuliSection.append(detail.stimuli.length ? table : el('p', {}, 'No stimuli yet.'));
  if (canAnalyse()) stimuliSection.append(folded('Add a stimulus', uploadForm(studyId), detail.stimuli.length === 0));
  main.append(stimuliSection);

  // Results first once there is something to show; setting the study up is folded away below them.
  if (detail.stimuli.length > 0) {
    main.append(await resultsSection(studyId, detail, params));
    if (detail.stimuli.length > 1) main.append(abSection(studyId, detail));
  }
  if (canAnalyse()) main.append(await viewersSection(studyId, detail));
}

function folded(title, content, open) {
  return el('details', { class: 'fold', open }, el('summary', {}, title), content);
}

function uploadForm(studyId) {
  const file = el('input', { id: 'stimulus-file', type: 'file', accept: 'video/*', required: true });
  const label = el('input', { id: 'stimulus-label', maxlength: 200, placeholder: 'e.g. Spot A' });
  const form = el('form', { class: 'card', id: 'upload-stimulus' },
    el('label', { for: 'stimulus-file' }, 'Video file'), file,
    el('label', { for: 'stimulus-label' }, 'Label'), label,
    el('p', { class: 'help' }, 'Checked like any upload (by content, size, resolution, duration); scene cuts are detected from the colour histogram of each frame.'),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Upload')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!file.files[0]) return;
    try {
      announce('Uploading and scanning the stimulus…');
      await api(`studies/${studyId}/stimuli?label=${encodeURIComponent(label.value || file.files[0].name)}`, { method: 'POST', body: file.files[0] });
      location.reload();
    } catch (error) {
      announce(error.message, 'error');
    }
  });
  return form;
}

async function viewersSection(studyId, detail) {
  const section = el('section', { 'aria-labelledby': 'viewers-heading' }, el('h2', { id: 'viewers-heading' }, 'Viewers'));
  const viewers = await api(`studies/${studyId}/viewers`);
  const labelOf = (id) => detail.stimuli.find((s) => s.id === id)?.label ?? id;
  const table = el('table', { id: 'viewers' }, el('thead', {}, el('tr', {},
    ...['Viewing', 'Stimulus', 'Declared', 'Recording', 'Alignment', ''].map((h) => el('th', { scope: 'col' }, h)))));
  const body = el('tbody');
  viewers.forEach((v, i) => {
    const attributes = Object.entries(v.attributes).map(([k, value]) => `${k}: ${value}`).join(', ') || '–';
    const alignment = v.offsetS !== null && v.offsetS !== undefined ? `offset ${fmt(v.offsetS, 2)} s` : v.playbackReports > 0 ? `${v.playbackReports} playback reports` : 'not yet';
    body.append(el('tr', {},
      el('td', {}, `#${i + 1}`), el('td', {}, labelOf(v.stimulus)), el('td', {}, attributes),
      el('td', {}, v.recording ? 'linked' : '–'), el('td', {}, alignment),
      el('td', {}, el('a', { href: `/watch.html?study=${studyId}&viewer=${v.id}` }, 'Open watch page'))));
  });
  table.append(body);
  section.append(viewers.length ? table : el('p', {}, 'No viewers yet.'));
  if (detail.stimuli.length === 0) return section;

  const subjects = await api('subjects').catch(() => []);
  const subjectSelect = el('select', { id: 'viewer-subject', required: true },
    ...(Array.isArray(subjects) ? subjects : subjects.items ?? []).map((s) => el('option', { value: s.id }, s.pseudonym)));
  const stimulusSelect = el('select', { id: 'viewer-stimulus', required: true }, ...detail.stimuli.map((s) => el('option', { value: s.id }, s.label)));
  const fields = [['age-band', 'Age band (optional)', 'e.g. 25-34'], ['gender', 'Gender (optional, as declared)', ''], ['group', 'Group (optional)', 'e.g. loyal customers']]
    .map(([name, text, hint]) => [name, el('input', { id: `viewer-${name}`, maxlength: 60, placeholder: hint }), text]);
  const form = el('form', { class: 'card', id: 'register-viewer' },
    el('p', { class: 'help' }, 'The viewer is a pseudonymous subject who consented to analysis and measurements (recorded by an admin). Attributes are what the viewer declares; leave them empty if they prefer not to say.'),
    el('label', { for: 'viewer-subject' }, 'Subject'), subjectSelect,
    el('label', { for: 'viewer-stimulus' }, 'Stimulus'), stimulusSelect,
    ...fields.flatMap(([name, input, text]) => [el('label', { for: `viewer-${name}` }, text), input]),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Register')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const attributes = {};
    for (const [name, input] of fields) if (input.value.trim()) attributes[name] = input.value.trim();
    try {
      await api(`studies/${studyId}/viewers?subject=${subjectSelect.value}`, { method: 'POST', body: { stimulus: stimulusSelect.value, attributes } });
      location.reload();
    } catch (error) {
      announce(error.message, 'error');
    }
  });
  section.append(folded('Register a viewing', form, viewers.length === 0));
  return section;
}

// ---- results --------------------------------------------------------------------------------------------------

async function resultsSection(studyId, detail, params) {
  const section = el('section', { 'aria-labelledby': 'results-heading', id: 'results' }, el('h2', { id: 'results-heading' }, 'Results'));
  const stimulusSelect = el('select', { id: 'results-stimulus' }, ...detail.stimuli.map((s) => el('option', { value: s.id }, s.label)));
  if (params.get('stimulus')) stimulusSelect.value = params.get('stimulus');
  const metricSelect = el('select', { id: 'results-metric' }, ...Object.entries(METRIC_LABELS).map(([k, v]) => el('option', { value: k }, v)));
  metricSelect.value = params.get('metric') || 'happiness';
  const kInput = el('input', { id: 'results-k', type: 'number', min: detail.study.minViewers, max: 1000, value: params.get('k') || detail.study.minViewers });
  const attribute = el('input', { id: 'results-attribute', maxlength: 40, placeholder: 'age-band, gender, group', value: params.get('attribute') || '' });
  const csv = el('a', { id: 'results-csv', class: 'button secondary', download: '' }, 'Download CSV');
  const controls = el('div', { class: 'study-controls' },
    el('div', {}, el('label', { for: 'results-stimulus' }, 'Stimulus'), stimulusSelect),
    el('div', {}, el('label', { for: 'results-metric' }, 'Metric'), metricSelect),
    el('div', {}, el('label', { for: 'results-k' }, 'k (may only be raised)'), kInput),
    el('div', {}, el('label', { for: 'results-attribute' }, 'Break down by'), attribute));
  const output = el('div', { id: 'results-output' });
  section.append(controls, el('div', { class: 'actions' }, csv), output);
  const refresh = () => render(studyId, detail, { stimulus: stimulusSelect.value, metric: metricSelect.value, k: Number(kInput.value), attribute: attribute.value.trim() }, output, csv)
    .catch((error) => announce(error.message, 'error'));
  for (const control of [stimulusSelect, metricSelect, kInput]) control.addEventListener('change', refresh);
  attribute.addEventListener('change', refresh);
  await refresh();
  return section;
}

async function render(studyId, detail, choice, output, csv) {
  const query = `stimulus=${choice.stimulus}&k=${choice.k}`;
  csv.href = projectPath(`/studies/${studyId}/results.csv?${query}${choice.attribute ? `&attribute=${encodeURIComponent(choice.attribute)}` : ''}`);
  const r = await api(`studies/${studyId}/results?${query}`);
  const stimulus = detail.stimuli.find((s) => s.id === choice.stimulus);
  const thumb = (second) => projectPath(`/studies/${studyId}/stimuli/${choice.stimulus}/thumbnails/${Math.min(second, r.seconds - 1)}`);
  output.replaceChildren();
  const v = r.header.viewers;
  output.append(el('p', { id: 'results-summary' }, `${v.aligned} of ${v.registered} viewings aligned to the stimulus` + (v.notAligned ? ` (${v.notAligned} without a recording, playback log or frames while playing)` : '') + `; k = ${r.header.k}.`));
  output.dataset.shown = String(r.shown);
  if (!r.shown) {
    output.append(el('p', { class: 'notice info', id: 'results-withheld' }, `Withheld: ${r.reason}.`));
    return;
  }
  output.append(el('p', { class: 'help' }, 'Estimates of what faces showed, averaged per stimulus second over viewers (each viewer\'s mean in that second is one value); shaded bands are 95 % t-intervals; gaps are seconds with fewer than k viewers. Click a chart to see that second.'));

  const times = Array.from({ length: r.seconds }, (_, i) => i + 0.5);
  const preview = el('figure', { class: 'study-preview' }, el('img', { id: 'preview-frame', alt: 'Stimulus at the chosen second', src: thumb(0), width: 160 }), el('figcaption', { id: 'preview-caption' }, 'second 0'));
  const charts = el('div', { class: 'study-charts' });
  output.append(el('div', { class: 'study-layout' }, charts, preview));
  const show = (t) => {
    const second = Math.max(0, Math.min(r.seconds - 1, Math.floor(t)));
    preview.querySelector('img').src = thumb(second);
    const c = r.curves[choice.metric];
    preview.querySelector('figcaption').textContent = `second ${second}: ${METRIC_LABELS[choice.metric]} ${fmt(c.mean[second])} [${fmt(c.low[second])}, ${fmt(c.high[second])}]`;
    for (const chart of all) chart.setCursor(t);
  };
  const all = [];
  const chartOf = (title, names, yMin, yMax, band = true) => {
    // 5 % headroom: a mean of exactly 1 (every viewer attending) must not vanish under the frame's border.
    const pad = (yMax - yMin) * 0.05;
    const chart = new LineChart(charts, { title, series: names.map((n) => ({ name: n, label: METRIC_LABELS[n], band })), yMin: yMin - pad, yMax: yMax + pad, onTimeClick: show, height: 170 });
    for (const n of names) chart.setData(n, times, r.curves[n].mean.map((x) => x ?? NaN), r.curves[n].low.map((x) => x ?? NaN), r.curves[n].high.map((x) => x ?? NaN));
    all.push(chart);
    chart.root.id = `chart-${names.join('-')}`;
    return chart;
  };
  const m = choice.metric;
  chartOf(`${METRIC_LABELS[m]} per second (mean, 95 % band)`, [m], m === 'valence' || m === 'arousal' ? -1 : 0, 1);
  if (m !== 'attention') chartOf('Attention: share of frames looking at the screen', ['attention'], 0, 1);
  chartOf('All expressions (means)', EXPRESSIONS, 0, 1, false);

  // Peaks and valleys of the chosen metric, with the stimulus frame at each.
  const moments = r.moments[m];
  const momentList = el('ul', { class: 'moments', id: 'moments' });
  for (const [kind, items] of [['Peak', moments.peaks], ['Valley', moments.valleys]]) {
    for (const p of items) {
      momentList.append(el('li', { class: 'card moment' },
        el('img', { src: thumb(p.second), alt: `Stimulus at second ${p.second}`, width: 160 }),
        el('p', {}, el('strong', {}, `${kind} at ${p.second}–${p.second + 1} s`)),
        el('p', {}, `${METRIC_LABELS[m]} ${cellText(p.value)}`)));
    }
  }
  output.append(el('h3', {}, `Peaks and valleys of ${METRIC_LABELS[m].toLowerCase()}`), moments.peaks.length + moments.valleys.length ? momentList : el('p', {}, 'None: the curve is too short or withheld.'));

  // Scenes.
  const scenes = el('table', { id: 'scenes' }, el('thead', {}, el('tr', {}, ...['Scene', 'Time', 'Frame', METRIC_LABELS[m], 'Attention'].map((h) => el('th', { scope: 'col' }, h)))));
  const sceneBody = el('tbody');
  for (const s of r.scenes) {
    sceneBody.append(el('tr', {}, el('td', {}, String(s.index + 1)), el('td', {}, `${fmt(s.startS, 1)}–${fmt(s.endS, 1)} s`),
      el('td', {}, el('img', { src: thumb(Math.floor((s.startS + s.endS) / 2)), alt: `Scene ${s.index + 1}`, width: 96 })),
      el('td', {}, cellText(s.metrics[m])), el('td', {}, cellText(s.metrics.attention))));
  }
  scenes.append(sceneBody);
  output.append(el('h3', {}, `Scenes (${stimulus.cuts.length ? 'cuts detected or given' : 'one scene: no cut found'})`), scenes);

  if (choice.attribute) await renderBreakdown(studyId, choice, output);
}

async function renderBreakdown(studyId, choice, output) {
  const b = await api(`studies/${studyId}/breakdown?stimulus=${choice.stimulus}&k=${choice.k}&attribute=${encodeURIComponent(choice.attribute)}`);
  const table = el('table', { id: 'breakdown' }, el('thead', {}, el('tr', {}, ...[choice.attribute, 'Viewers', METRIC_LABELS[choice.metric], 'Attention'].map((h) => el('th', { scope: 'col' }, h)))));
  const body = el('tbody');
  for (const g of b.groups) {
    body.append(el('tr', {}, el('td', {}, g.value), el('td', {}, g.viewers ?? `withheld (${g.suppressed})`),
      el('td', {}, cellText(g.overall[choice.metric])), el('td', {}, cellText(g.overall.attention))));
  }
  table.append(body);
  output.append(el('h3', {}, `By ${choice.attribute} (whole stimulus)`), table);
}

function abSection(studyId, detail) {
  const section = el('section', { 'aria-labelledby': 'ab-heading', id: 'ab' }, el('h2', { id: 'ab-heading' }, 'A/B comparison'));
  const a = el('select', { id: 'ab-a' }, ...detail.stimuli.map((s) => el('option', { value: s.id }, s.label)));
  const b = el('select', { id: 'ab-b' }, ...detail.stimuli.map((s) => el('option', { value: s.id }, s.label)));
  b.selectedIndex = 1;
  const output = el('div', { id: 'ab-output' });
  const button = el('button', { type: 'button' }, 'Compare');
  button.addEventListener('click', async () => {
    try {
      const r = await api(`studies/${studyId}/ab?a=${a.value}&b=${b.value}`);
      const table = el('table', {}, el('thead', {}, el('tr', {}, ...['Metric', 'A', 'B', 'A − B [95 % CI]', 'Welch p', 'Permutation p', "Hedges' g"].map((h) => el('th', { scope: 'col' }, h)))));
      const body = el('tbody');
      for (const m of r.metrics) {
        body.append(el('tr', {}, el('td', {}, METRIC_LABELS[m.metric]), el('td', {}, cellText(m.a)), el('td', {}, cellText(m.b)),
          el('td', {}, m.difference === null ? '–' : `${fmt(m.difference)} [${fmt(m.differenceLow)}, ${fmt(m.differenceHigh)}]`),
          el('td', {}, fmt(m.welchP, 3)), el('td', {}, m.permutationP === null ? '–' : `${fmt(m.permutationP, 3)}${m.exact ? ' (exact)' : ''}`), el('td', {}, fmt(m.hedgesG))));
      }
      table.append(body);
      output.replaceChildren(el('p', { class: 'help' }, r.test), table);
    } catch (error) {
      announce(error.message, 'error');
    }
  });
  section.append(el('div', { class: 'study-controls' }, el('div', {}, el('label', { for: 'ab-a' }, 'A'), a), el('div', {}, el('label', { for: 'ab-b' }, 'B'), b)),
    el('div', { class: 'actions' }, button), output);
  return section;
}
