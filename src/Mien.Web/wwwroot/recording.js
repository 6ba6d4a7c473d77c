// One recording's results: the (anonymised) video and every timeline on one time axis. Clicking a chart (or Enter on
// a focused chart) seeks the video there; playing the video moves the cursor on every chart. Series come from
// GET …/timeline, reduced on the server to about one point per pixel column with every extreme kept.
import { renderShell, api, el, announce, currentSession, formatTime, projectPath } from './app.js';
import { LineChart } from './charts.js';

const labels = ['anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise', 'neutral'];
const svgNs = 'http://www.w3.org/2000/svg';

const main = await renderShell('Recording');
if (main) {
  const id = new URLSearchParams(location.search).get('id');
  if (!id) {
    announce('No recording chosen: open one from the Recordings page.', 'error');
  } else {
    await show(main, id).catch((error) => announce(error.message, 'error'));
  }
}

async function show(main, id) {
  let recording = await api(`recordings/${encodeURIComponent(id)}`);
  main.querySelector('h1').textContent = recording.name;
  document.title = `${recording.name} · Mien`;
  const state = el('p', { id: 'recording-state', class: 'help', 'aria-live': 'polite' });
  main.append(el('p', {}, el('a', { href: '/recordings.html' }, '← All recordings')), state);
  // Wait for a queued or running analysis, showing its progress.
  while (recording.status === 'queued' || recording.status === 'running') {
    state.textContent = `Analysis ${recording.status}: ${Math.round((recording.progress ?? 0) * 100)} %.`;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    recording = await api(`recordings/${encodeURIComponent(id)}`);
  }
  const duration = recording.durationS ?? 0;
  state.textContent = `${recording.status === 'done' ? 'Analysed' : `Analysis ${recording.status}`}: ${recording.frames ?? 0} frames, ${formatTime(duration)}.`
    + (recording.error ? ` ${recording.error}` : '');
  main.dataset.signedIn = 'true';

  const player = videoPanel(recording);
  const charts = [];
  const seek = (t) => {
    player.seek(t);
    for (const chart of charts) chart.setCursor(t);
    player.readout(t);
  };
  player.onTime((t) => { for (const chart of charts) chart.setCursor(t); });

  const layout = el('div', { class: 'viewer-layout' }, player.element, el('div', { class: 'viewer-panels', id: 'people' }));
  main.append(layout);
  const panels = layout.querySelector('#people');
  const points = Math.max(200, Math.min(1600, Math.round(panels.clientWidth || 800)));
  const timeline = await api(`recordings/${encodeURIComponent(id)}/timeline?points=${points}&to=${duration}`);
  if (!timeline.people.length) panels.append(el('p', { class: 'notice info' }, 'No face was found in this recording, so there is nothing to chart.'));
  for (const person of timeline.people) panels.append(personPanel(person, timeline, charts, seek));
  if (timeline.omittedPeople > 0) panels.append(el('p', { class: 'help' }, `${timeline.omittedPeople} more people appeared; only the first ${timeline.people.length} are charted.`));
  main.append(downloads(recording, player.ready));
  main.dataset.charts = String(charts.length);
}

/** The video, or why there is none; seek(t), readout(t), onTime(callback). */
function videoPanel(recording) {
  const role = currentSession().role;
  const video = el('video', { id: 'recording-video', controls: true, preload: 'metadata', playsinline: true, 'aria-label': `Video of ${recording.name} (faces blurred)` });
  const time = el('p', { class: 'time-readout', id: 'video-time', 'aria-live': 'off' }, '0:00.0');
  const note = el('p', { class: 'help', id: 'video-note' });
  const element = el('section', { class: 'viewer-video card', 'aria-labelledby': 'video-title' }, el('h2', { id: 'video-title' }, 'Video'), note, time);
  const listeners = [];
  let resolveReady;
  const panel = {
    element,
    hasVideo: false,
    ready: new Promise((resolve) => { resolveReady = resolve; }),
    seek(t) { if (panel.hasVideo) video.currentTime = t; },
    readout(t) { time.textContent = formatTime(t); },
    onTime(callback) { listeners.push(callback); },
  };
  if (role === 'viewer') {
    note.textContent = 'Viewers see the numbers only: the video shows people, so it needs an analyst or admin key. Click a chart to move the cursor.';
    resolveReady(false);
    return panel;
  }
  note.textContent = 'Preparing the video…';
  const tick = () => {
    const t = video.currentTime;
    time.textContent = formatTime(t);
    for (const callback of listeners) callback(t);
  };
  let frame = 0;
  const follow = () => { tick(); frame = video.paused ? 0 : requestAnimationFrame(follow); };
  video.addEventListener('play', () => { cancelAnimationFrame(frame); frame = requestAnimationFrame(follow); });
  video.addEventListener('seeked', tick);
  video.addEventListener('timeupdate', () => { if (!frame) tick(); });
  // Polls until the browser copy is ready. Blurred by default; the unblurred video only on an explicit click, and
  // only when the analysis was run without blurring (so there is no blurred one).
  const load = async (faces) => {
    for (let attempt = 0; attempt < 600; attempt++) {
      const status = await api(`recordings/${recording.id}/playback${faces ? '?faces=true' : ''}`).catch((e) => ({ state: 'unavailable', reason: e.message }));
      if (status.state === 'ready') {
        video.src = status.file;
        video.setAttribute('aria-label', `Video of ${recording.name}${faces ? ' (faces visible)' : ' (faces blurred)'}`);
        element.insertBefore(video, time);
        panel.hasVideo = true;
        note.textContent = `${faces ? 'Faces are visible (this recording was analysed without blurring).' : 'Faces are blurred.'} Click any chart to jump there; playing moves the cursor on every chart.`;
        element.dataset.video = 'ready';
        return true;
      }
      if (status.state === 'unavailable') {
        note.textContent = `No video to play: ${status.reason}.`;
        element.dataset.video = 'unavailable';
        return false;
      }
      note.textContent = 'Preparing the video for the browser…';
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return false;
  };
  (async () => {
    if (await load(false)) { resolveReady(true); return; }
    resolveReady(false);
    const unblurred = await api(`recordings/${recording.id}/playback?faces=true`).catch(() => ({ state: 'unavailable' }));
    if (unblurred.state !== 'unavailable') {
      const show = el('button', { type: 'button', class: 'secondary', id: 'show-faces' }, 'Play the video with faces visible');
      show.addEventListener('click', async () => { show.remove(); await load(true); });
      element.insertBefore(el('p', {}, 'This recording was analysed without blurring faces, so only an unblurred video exists. ', show), time);
    }
  })();
  return panel;
}

function personPanel(person, timeline, charts, seek) {
  const s = person.series;
  const section = el('section', { class: 'card person-panel', 'aria-labelledby': `person-${person.track}`, dataset: { track: person.track } });
  const facts = [`${person.faces} face measurements`];
  if (person.blinkRatePerMinute !== null && person.blinkRatePerMinute !== undefined) facts.push(`${person.blinks.length} ${person.blinks.length === 1 ? 'blink' : 'blinks'} (${person.blinkRatePerMinute.toFixed(1)} a minute)`);
  if (person.segments.length) facts.push(`${person.segments.length} expression ${person.segments.length === 1 ? 'segment' : 'segments'}`);
  section.append(el('h2', { id: `person-${person.track}` }, `Person ${person.track}`), el('p', { class: 'help' }, facts.join(' · ')));

  const add = (title, names, options = {}) => {
    const present = names.filter(([name]) => s[name]);
    if (!present.length) return;
    const chart = new LineChart(section, {
      title, yMin: options.yMin ?? null, yMax: options.yMax ?? null, height: options.height ?? 150,
      series: present.map(([name, label]) => ({ name, label })),
      onTimeClick: seek,
    });
    chart.root.dataset.chart = options.key ?? title;
    for (const [name] of present) chart.setData(name, s[name].t, s[name].v);
    chart.setRange(timeline.from, timeline.to);
    charts.push(chart);
  };
  const expressionSource = s['smoothed.neutral'] ? 'smoothed' : 'expression';
  add(`Expressions (${expressionSource === 'smoothed' ? 'smoothed ' : ''}estimate, probability)`, labels.map((l) => [`${expressionSource}.${l}`, l]), { yMin: 0, yMax: 1, key: 'expressions', height: 170 });
  add('Valence and arousal (estimate, −1…1)', [['valence', 'valence (face)'], ['arousal', 'arousal (face)'], ['fused.valence', 'valence (fused)'], ['fused.arousal', 'arousal (fused)']], { yMin: -1, yMax: 1, key: 'affect' });
  add('Action units most raised (intensity 0–5, estimate)', person.topActionUnits.map((code) => [`au.${code}`, code]), { yMin: 0, yMax: 5, key: 'action-units' });
  add('Eyes and mouth', [['eyes.openness', 'eye openness (1 = usual)'], ['mouth.opening', 'mouth opening']], { yMin: 0, key: 'eyes' });
  add('Head pose (degrees)', [['pose.yaw', 'yaw'], ['pose.pitch', 'pitch'], ['pose.roll', 'roll']], { key: 'pose' });
  add('Voice (estimate, −1…1)', [['voice.arousal', 'voice arousal'], ['voice.valence', 'voice valence']], { yMin: -1, yMax: 1, key: 'voice' });
  add('Pulse (estimate, beats per minute)', [['pulse.bpm', 'pulse']], { key: 'pulse' });
  if (person.skin) section.append(skinPanel(person, charts, seek, timeline));
  section.append(segmentsTable(person, seek));
  return section;
}

function segmentsTable(person, seek) {
  const wrap = el('div', { class: 'segments' }, el('h3', {}, 'Expression segments and the action units behind them'));
  if (!person.segments.length) {
    wrap.append(el('p', { class: 'help' }, 'No expression segment in this range.'));
    return wrap;
  }
  wrap.append(el('div', { class: 'table-wrap' }, el('table', {},
    el('thead', {}, el('tr', {}, ['When', 'Expression (estimate)', 'Peak', 'Valence / arousal', 'Action units (above the person’s usual level)'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, person.segments.map((g) => el('tr', {},
      el('td', {}, el('button', { type: 'button', class: 'secondary link', onclick: () => seek(g.onset), 'aria-label': `Go to ${formatTime(g.onset)}: ${g.expression}` }, `${formatTime(g.onset)}–${formatTime(g.offset)}`)),
      el('td', {}, g.expression),
      el('td', {}, g.peakIntensity.toFixed(2)),
      el('td', {}, `${g.meanValence.toFixed(2)} / ${g.meanArousal.toFixed(2)}`),
      el('td', {}, g.actionUnits.length ? g.actionUnits.map((u) => `${u.code} +${u.aboveBaseline.toFixed(1)}`).join(', ') : 'none attributed (baseline not settled)')))))));
  return wrap;
}

/** Skin over the range: a chart and a schematic face with each measured region shaded by its redness. */
function skinPanel(person, charts, seek, timeline) {
  const wrap = el('div', { class: 'skin-panel' }, el('h3', {}, 'Skin'),
    el('p', { class: 'help' }, `${person.skin.usableFrames} frames passed the skin quality gates. Values compare a person with themself; they are not a diagnosis.`));
  const s = person.series;
  // Redness and texture have different scales: one chart each, so neither flattens the other.
  for (const [key, title, names] of [
    ['skin', 'Redness (erythema index)', [['skin.erythemaIndex', 'erythema index']]],
    ['skin-texture', 'Texture and shine', [['skin.roughness', 'roughness (L* units)'], ['skin.shinePercent', 'shine (% of skin)']]],
  ]) {
    const present = names.filter(([n]) => s[n]);
    if (!present.length) continue;
    const chart = new LineChart(wrap, { title, series: present.map(([name, label]) => ({ name, label })), onTimeClick: seek, height: 120 });
    chart.root.dataset.chart = key;
    for (const [name] of present) chart.setData(name, s[name].t, s[name].v);
    chart.setRange(timeline.from, timeline.to);
    charts.push(chart);
  }
  const regions = person.skin.regions;
  const values = regions.map((r) => r.erythemaIndex).filter((v) => v !== null && v !== undefined);
  const lo = Math.min(...values), hi = Math.max(...values);
  const shade = (v) => {
    if (v === null || v === undefined) return '#e5e7eb';
    const f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    return `rgb(${Math.round(250 - f * 40)}, ${Math.round(225 - f * 150)}, ${Math.round(215 - f * 150)})`;
  };
  // The face as seen by the camera: the person's left is on the picture's right.
  const shapes = {
    forehead: ['rect', { x: 60, y: 40, width: 120, height: 50, rx: 18 }],
    'right-under-eye': ['ellipse', { cx: 88, cy: 128, rx: 24, ry: 9 }],
    'left-under-eye': ['ellipse', { cx: 152, cy: 128, rx: 24, ry: 9 }],
    nose: ['rect', { x: 108, y: 110, width: 24, height: 60, rx: 10 }],
    'right-cheek': ['ellipse', { cx: 78, cy: 172, rx: 26, ry: 28 }],
    'left-cheek': ['ellipse', { cx: 162, cy: 172, rx: 26, ry: 28 }],
    chin: ['ellipse', { cx: 120, cy: 250, rx: 34, ry: 18 }],
  };
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', '0 0 240 300');
  svg.setAttribute('class', 'skin-map');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Facial regions shaded by mean erythema index: ' + regions.map((r) => `${r.region} ${r.erythemaIndex?.toFixed(1) ?? 'not measured'}`).join(', '));
  const face = document.createElementNS(svgNs, 'ellipse');
  for (const [k, v] of Object.entries({ cx: 120, cy: 150, rx: 100, ry: 135, fill: '#f8fafc', stroke: '#6b7280', 'stroke-width': 2 })) face.setAttribute(k, v);
  svg.append(face);
  for (const [name, [tag, attributes]] of Object.entries(shapes)) {
    const region = regions.find((r) => r.region === name);
    const shape = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attributes)) shape.setAttribute(k, v);
    shape.setAttribute('fill', shade(region?.erythemaIndex));
    shape.setAttribute('stroke', '#374151');
    shape.setAttribute('stroke-dasharray', region ? '' : '4 3');
    const title = document.createElementNS(svgNs, 'title');
    title.textContent = region ? `${name}: erythema ${region.erythemaIndex?.toFixed(1)}, ITA° ${region.ita?.toFixed(0)}` : `${name}: not measured`;
    shape.append(title);
    svg.append(shape);
  }
  const table = el('table', { class: 'skin-regions' },
    el('thead', {}, el('tr', {}, ['Region', 'Frames', 'Erythema index', 'ITA° (estimate)', 'L*', 'Roughness'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, regions.map((r) => el('tr', {}, el('td', {}, r.region), el('td', {}, r.frames), el('td', {}, fixed(r.erythemaIndex, 1)), el('td', {}, fixed(r.ita, 0)), el('td', {}, fixed(r.l, 1)), el('td', {}, fixed(r.roughness, 2))))));
  wrap.append(el('div', { class: 'skin-layout' }, el('figure', {}, svg, el('figcaption', { class: 'help' }, 'Regions as the camera sees the face (the person’s left on the right); darker red = higher mean erythema index; dashed = not measured.')), el('div', { class: 'table-wrap' }, table)));
  return wrap;
}

function fixed(v, digits) { return v === null || v === undefined ? '–' : v.toFixed(digits); }

function downloads(recording, videoReady) {
  const role = currentSession().role;
  const file = (name) => `${projectPath(`/recordings/${recording.id}/files/${name}`)}`;
  const items = [
    ['faces.csv', 'Per-frame results (CSV)'],
    ['faces.jsonl', 'Per-frame results and events (JSONL)'],
    ['summary.json', 'Summary (JSON)'],
  ];
  if (role !== 'viewer') items.unshift(['report.html', 'Report (HTML)']);
  const list = el('ul', {}, items.map(([name, label]) => el('li', {}, el('a', { href: file(name), download: name }, label))));
  videoReady.then((ready) => { if (ready) list.append(el('li', {}, el('a', { href: file('anonymized.mp4'), download: 'anonymized.mp4' }, 'Video with faces blurred (MP4)'))); });
  return el('section', { class: 'card downloads', 'aria-labelledby': 'downloads-title' },
    el('h2', { id: 'downloads-title' }, 'Downloads'),
    list,
    role === 'viewer' ? el('p', { class: 'help' }, 'The report and the video show people, so they need an analyst or admin key.') : '');
}
