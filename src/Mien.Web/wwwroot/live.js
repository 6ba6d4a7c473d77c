// Live view: the browser's camera (and optionally microphone) streamed over the live WebSocket
// (docs/live-protocol.md); results drawn over the video and charted per person; audience mode adds a crowd curve.
import { renderShell, api, el, announce, liveSocketUrl } from './app.js';
import { LineChart, palette } from './charts.js';

const labels = ['anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise', 'neutral'];
const labelColors = { anger: '#b3261e', disgust: '#15803d', fear: '#7e22ce', happiness: '#c2410c', sadness: '#0b57d0', surprise: '#8a5a00', neutral: '#374151' };
const maxSide = 640;            // frames are scaled down to this (the server refuses > 1920 and analyses faster small)
const targetFps = 15;
const chartWindow = 30;         // seconds of history shown in the live charts
const smilingThreshold = 0.5;   // happiness probability above which a face counts as smiling in the crowd curve
const attentiveDegrees = 20;    // |head yaw| and |head pitch| below which a face counts as facing the screen

const main = await renderShell('Live view');
if (main) await start(main);

async function start(main) {
  const state = {
    socket: null, stream: null, timer: null, audio: null, t0: 0, lastMicros: -1, sending: false,
    framesSent: 0, framesSkipped: 0, framesAnalysed: 0, dropped: 0, latencies: [], facesDrawn: 0,
    frameSize: { w: 0, h: 0 }, people: new Map(), crowd: null, audience: false, started: 0,
  };
  main.dataset.liveState = 'idle';

  const subjects = await api('subjects').catch((error) => { announce(error.message, 'error'); return []; });
  const subjectSelect = el('select', { id: 'subject', name: 'subject' },
    el('option', { value: '' }, 'Nobody named (ephemeral)'),
    subjects.map((s) => el('option', { value: s.id }, s.pseudonym)));
  const store = el('input', { type: 'checkbox', id: 'store', name: 'store' });
  const mic = el('input', { type: 'checkbox', id: 'mic', name: 'mic' });
  const mesh = el('input', { type: 'checkbox', id: 'mesh', name: 'mesh' });
  const audience = el('input', { type: 'checkbox', id: 'audience', name: 'audience' });
  const maxFaces = el('input', { type: 'number', id: 'max-faces', name: 'max-faces', min: '1', max: '16', value: '4', inputmode: 'numeric' });
  const startButton = el('button', { type: 'submit', id: 'start' }, 'Start camera');
  const stopButton = el('button', { type: 'button', id: 'stop', class: 'secondary', disabled: true }, 'Stop');
  const audienceHelp = el('p', { class: 'help', id: 'audience-help' },
    'Audience mode: one camera, many faces. It never stores anything — the session is ephemeral and no subject is named; ' +
    'the crowd curve (share of faces smiling and facing the screen) is computed in this browser from the live results and is gone when you leave the page, unless you download it as an aggregate CSV.');

  const form = el('form', { class: 'card', id: 'live-form' },
    el('fieldset', {}, el('legend', {}, 'Session'),
      el('label', { for: 'subject' }, 'Subject'),
      subjectSelect,
      el('p', { class: 'help' }, 'Results are stored only when a subject is named, "Store" is ticked and the subject consented to measurements; otherwise the session is ephemeral.'),
      el('label', { class: 'inline', for: 'store' }, store, 'Store this session'),
      el('label', { class: 'inline', for: 'audience' }, audience, 'Audience mode'),
      audienceHelp),
    el('fieldset', {}, el('legend', {}, 'Analysis'),
      el('label', { class: 'inline', for: 'mic' }, mic, 'Microphone (voice arousal)'),
      el('label', { class: 'inline', for: 'mesh' }, mesh, 'Draw the face mesh'),
      el('label', { for: 'max-faces' }, 'Most faces followed at once'),
      maxFaces),
    el('div', { class: 'actions' }, startButton, stopButton));

  const banner = el('div', { id: 'mode-banner', role: 'status', 'aria-live': 'polite' });
  const video = el('video', { id: 'camera', muted: true, playsinline: true, autoplay: true, 'aria-label': 'Camera' });
  video.muted = true;
  const overlay = el('canvas', { id: 'overlay', 'aria-hidden': 'true' });
  const stage = el('div', { class: 'stage' }, video, overlay);
  const stats = el('dl', { class: 'stats', id: 'stats' });
  const crowdSection = el('section', { id: 'crowd', hidden: true, 'aria-labelledby': 'crowd-title' },
    el('h2', { id: 'crowd-title' }, 'Crowd'));
  const peopleTitle = el('h2', { id: 'people-title' }, 'People');
  const people = el('div', { class: 'people', id: 'people', 'aria-labelledby': 'people-title' });
  const note = el('p', { class: 'help' }, 'Labels and curves are estimates of what a face shows, not facts about what anyone feels.');

  main.append(form, banner,
    el('div', { class: 'live-layout' }, el('div', {}, stage, stats), el('div', {}, crowdSection, peopleTitle, note, people)));
  renderStats();

  audience.addEventListener('change', () => {
    // Audience mode stores nothing: it cannot name a subject or store.
    subjectSelect.disabled = store.disabled = audience.checked;
    if (audience.checked) { subjectSelect.value = ''; store.checked = false; maxFaces.value = '12'; }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    startButton.disabled = true;
    try {
      await run();
      stopButton.disabled = false;
      stopButton.focus();
    } catch (error) {
      announce(error.message, 'error');
      await stop('error');
    }
  });
  stopButton.addEventListener('click', () => stop('stopped'));
  window.addEventListener('pagehide', () => stop('left'));

  async function run() {
    announce('');
    resetPeople();
    state.audience = audience.checked;
    main.dataset.liveState = 'connecting';
    state.stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: mic.checked });
    video.srcObject = state.stream;
    await video.play();
    const { ticket } = await api('live/tickets', { method: 'POST' });
    const socket = new WebSocket(liveSocketUrl(ticket));
    state.socket = socket;
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', () => reject(new Error('the live connection could not be opened')), { once: true });
    });
    const faces = Math.min(16, Math.max(1, Number(maxFaces.value) || 4));
    const message = { type: 'start', options: { maxFaces: faces, expressions: true, affect: true, landmarks: mesh.checked } };
    if (!state.audience && subjectSelect.value) message.subject = subjectSelect.value;
    if (!state.audience && store.checked) message.store = true;
    if (mic.checked) message.audio = { sampleRate: 16000 };
    socket.send(JSON.stringify(message));
    socket.addEventListener('message', (e) => onMessage(JSON.parse(e.data)));
    socket.addEventListener('close', (e) => onClose(e));
    state.t0 = performance.now();
    state.started = Date.now();
    if (state.audience) setUpCrowd();
  }

  function onMessage(message) {
    switch (message.type) {
      case 'ready':
        main.dataset.mode = message.mode;
        main.dataset.liveState = 'running';
        showBanner(message);
        beginSending();
        if (mic.checked) beginAudio().catch((error) => announce(`microphone: ${error.message}`, 'error'));
        break;
      case 'frame':
        onFrame(message);
        break;
      case 'event':
        onEvent(message);
        break;
      case 'error':
        announce(message.status ? `${message.message} (refused, ${message.status})` : message.message, 'error');
        if (message.status) main.dataset.refused = String(message.status);
        break;
      case 'completed':
        main.dataset.liveState = 'completed';
        announce(`Session ended: ${message.framesAnalysed} frames analysed, ${message.framesDropped} dropped, ${message.people} people.` +
          (message.voice ? ` Voice: ${message.voice}` : ''), 'ok');
        break;
      default:
        break;
    }
  }

  function onClose(event) {
    endCapture();
    if (main.dataset.liveState !== 'completed') {
      main.dataset.liveState = 'closed';
      if (event.code !== 1000 && event.reason) announce(`The server closed the session: ${event.reason}`, 'error');
    }
    startButton.disabled = false;
    stopButton.disabled = true;
  }

  function showBanner(ready) {
    banner.replaceChildren(ready.mode === 'stored'
      ? el('div', { class: 'banner stored', id: 'banner-stored' }, el('strong', {}, 'Stored session'), ready.storage, ready.recording ? ` Recording ${ready.recording}.` : '')
      : el('div', { class: 'banner ephemeral', id: 'banner-ephemeral' }, el('strong', {}, 'Ephemeral: nothing is stored'),
        ready.reason ? `Why: ${ready.reason}` : ready.storage));
  }

  // ---- sending frames --------------------------------------------------------------------------------------------
  const grab = document.createElement('canvas');
  function beginSending() {
    const interval = 1000 / targetFps;
    state.timer = setInterval(sendFrame, interval);
  }

  async function sendFrame() {
    const socket = state.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || state.sending || !video.videoWidth) return;
    // Never queue in the browser: when the network is behind, skip this frame (counted) rather than add latency.
    if (socket.bufferedAmount > 512 * 1024) { state.framesSkipped++; renderStats(); return; }
    state.sending = true;
    try {
      const scale = Math.min(1, maxSide / Math.max(video.videoWidth, video.videoHeight));
      const w = Math.round(video.videoWidth * scale), h = Math.round(video.videoHeight * scale);
      if (grab.width !== w || grab.height !== h) { grab.width = w; grab.height = h; }
      grab.getContext('2d').drawImage(video, 0, 0, w, h);
      state.frameSize = { w, h };
      const blob = await new Promise((resolve) => grab.toBlob(resolve, 'image/jpeg', 0.8));
      if (!blob || socket.readyState !== WebSocket.OPEN) return;
      const jpeg = new Uint8Array(await blob.arrayBuffer());
      socket.send(packet(1, nextMicros(), jpeg));
      state.framesSent++;
    } finally {
      state.sending = false;
    }
  }

  function nextMicros() {
    const micros = Math.max(state.lastMicros + 1, Math.round((performance.now() - state.t0) * 1000));
    state.lastMicros = micros;
    return micros;
  }

  function packet(kind, micros, payload) {
    const message = new Uint8Array(9 + payload.byteLength);
    message[0] = kind;
    new DataView(message.buffer).setBigInt64(1, BigInt(micros), true);
    message.set(new Uint8Array(payload.buffer ?? payload, payload.byteOffset ?? 0, payload.byteLength), 9);
    return message;
  }

  async function beginAudio() {
    const context = new AudioContext({ sampleRate: 16000 });
    await context.audioWorklet.addModule('/audio-capture.js');
    const source = context.createMediaStreamSource(state.stream);
    const node = new AudioWorkletNode(context, 'mien-capture');
    let lastAudio = -1;
    node.port.onmessage = ({ data }) => {
      const socket = state.socket;
      if (!socket || socket.readyState !== WebSocket.OPEN) return;
      const samples = data.samples;
      const pcm = new Int16Array(samples.length);
      for (let i = 0; i < samples.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767)));
      // The chunk's first sample, on the frames' clock (performance.now since start), increasing.
      const micros = Math.max(lastAudio + 1, Math.round((performance.now() - state.t0) * 1000 - (samples.length / 16000) * 1e6));
      lastAudio = micros;
      socket.send(packet(2, micros, new Uint8Array(pcm.buffer)));
    };
    source.connect(node);
    state.audio = context;
  }

  async function stop(reason) {
    const socket = state.socket;
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: 'stop' }));
    }
    endCapture();
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      startButton.disabled = false;
      stopButton.disabled = true;
      if (reason === 'error') main.dataset.liveState = 'error';
    }
  }

  function endCapture() {
    clearInterval(state.timer);
    state.timer = null;
    state.audio?.close().catch(() => {});
    state.audio = null;
    state.stream?.getTracks().forEach((t) => t.stop());
    state.stream = null;
  }

  // ---- results ---------------------------------------------------------------------------------------------------
  function onFrame(frame) {
    state.framesAnalysed++;
    state.dropped = frame.dropped ?? state.dropped;
    if (Number.isFinite(frame.latencyMs)) {
      state.latencies.push(frame.latencyMs);
      if (state.latencies.length > 60) state.latencies.shift();
    }
    const faces = frame.faces ?? [];
    drawOverlay(faces);
    for (const face of faces) updatePerson(face, frame.time);
    if (state.audience) updateCrowd(faces, frame.time);
    renderStats(faces.length);
  }

  function drawOverlay(faces) {
    const { w, h } = state.frameSize;
    if (!w) return;
    if (overlay.width !== w || overlay.height !== h) { overlay.width = w; overlay.height = h; }
    const g = overlay.getContext('2d');
    g.clearRect(0, 0, w, h);
    const font = Math.max(11, Math.round(w / 40));
    g.font = `600 ${font}px system-ui, sans-serif`;
    g.textBaseline = 'top';
    for (const face of faces) {
      const color = trackColor(face.track);
      const b = face.box;
      g.lineWidth = Math.max(2, w / 240);
      g.strokeStyle = color;
      g.strokeRect(b.x, b.y, b.w, b.h);
      if (face.landmarks && mesh.checked) {
        g.fillStyle = 'rgba(255,255,255,0.8)';
        for (const p of face.landmarks) g.fillRect(p[0] - 0.75, p[1] - 0.75, 1.5, 1.5);
      }
      const top = topExpression(face);
      const text = top ? `#${face.track} ${top.label} ${Math.round(top.p * 100)} %` : `#${face.track}`;
      const tw = g.measureText(text).width + 8;
      const ty = b.y - font - 6 >= 0 ? b.y - font - 6 : b.y + b.h + 2;
      // Label on a solid box in the track's colour: white text on these colours stays ≥ 4.5:1.
      g.fillStyle = color;
      g.fillRect(b.x - g.lineWidth / 2, ty, tw, font + 6);
      g.fillStyle = '#ffffff';
      g.fillText(text, b.x + 4 - g.lineWidth / 2, ty + 3);
      state.facesDrawn++;
    }
    overlay.dataset.faces = String(faces.length);
    main.dataset.facesDrawn = String(state.facesDrawn);
  }

  function topExpression(face) {
    const smoothed = face.affect?.smoothed;
    const probabilities = smoothed ?? face.expression;
    if (!probabilities) return null;
    let best = null;
    for (const label of labels) {
      const p = probabilities[label];
      if (Number.isFinite(p) && (!best || p > best.p)) best = { label, p };
    }
    return best;
  }

  function renderStats(faces) {
    const sorted = [...state.latencies].sort((a, b) => a - b);
    const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
    const seconds = state.started ? (Date.now() - state.started) / 1000 : 0;
    const rows = [
      ['Frames sent', state.framesSent],
      ['Analysed', state.framesAnalysed],
      ['Dropped by the server', state.dropped],
      ['Skipped (network busy)', state.framesSkipped],
      ['Latency (median)', median === null ? '–' : `${median.toFixed(0)} ms`],
      ['Analysed per second', seconds > 1 ? (state.framesAnalysed / seconds).toFixed(1) : '–'],
      ['Faces now', faces ?? 0],
    ];
    stats.replaceChildren(...rows.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, String(v)))));
    main.dataset.framesSent = String(state.framesSent);
    main.dataset.framesAnalysed = String(state.framesAnalysed);
    main.dataset.dropped = String(state.dropped);
  }

  // ---- people ----------------------------------------------------------------------------------------------------
  function resetPeople() {
    for (const person of state.people.values()) person.charts.forEach((c) => c.destroy());
    state.people.clear();
    people.replaceChildren();
    state.facesDrawn = 0;
    Object.assign(state, { framesSent: 0, framesSkipped: 0, framesAnalysed: 0, dropped: 0, latencies: [], lastMicros: -1 });
    delete main.dataset.refused;
    banner.replaceChildren();
    crowdSection.hidden = true;
    crowdSection.querySelectorAll('figure, .actions, p').forEach((n) => n.remove());
    state.crowd = null;
  }

  function person(track) {
    let p = state.people.get(track);
    if (p) return p;
    const color = trackColor(track);
    const label = el('span', { class: 'label' }, '–');
    const units = el('ul', { class: 'legend', 'aria-label': 'Strongest action units' });
    const blink = el('span', {}, '–');
    const card = el('article', { class: 'card person', dataset: { track: String(track) }, 'aria-label': `Person ${track}` },
      el('h3', {}, el('span', {}, `Person ${track}`), label));
    card.style.borderTop = `4px solid ${color}`;
    const charts = [];
    if (!state.audience) {
      charts.push(new LineChart(card, { title: 'Expressions (estimated probability)', yMin: 0, yMax: 1, windowSeconds: chartWindow, height: 120,
        series: labels.map((l) => ({ name: l, label: l, color: labelColors[l] })), format: (v) => `${Math.round(v * 100)} %` }));
      charts.push(new LineChart(card, { title: 'Valence and arousal', yMin: -1, yMax: 1, windowSeconds: chartWindow, height: 100,
        series: [{ name: 'valence', label: 'valence' }, { name: 'arousal', label: 'arousal' }, { name: 'voice', label: 'voice arousal' }] }));
      charts.push(new LineChart(card, { title: 'Head pose (degrees)', windowSeconds: chartWindow, height: 100,
        series: [{ name: 'yaw', label: 'yaw' }, { name: 'pitch', label: 'pitch' }, { name: 'roll', label: 'roll' }], format: (v) => `${v.toFixed(0)}°` }));
      charts.push(new LineChart(card, { title: 'Blink rate (per minute, last 60 s)', yMin: 0, windowSeconds: chartWindow, height: 90,
        series: [{ name: 'blinks', label: 'blinks per minute' }], format: (v) => v.toFixed(0) }));
      card.append(el('p', { class: 'help' }, 'Strongest action units (0–5):'), units, el('p', { class: 'help' }, 'Blinks: ', blink));
    }
    people.append(card);
    p = { track, card, label, units, blink, charts, blinks: [], inBlink: false, first: null, present: true };
    state.people.set(track, p);
    main.dataset.people = String(state.people.size);
    return p;
  }

  function updatePerson(face, time) {
    const p = person(face.track);
    p.present = true;
    p.first ??= time;
    const top = topExpression(face);
    p.label.textContent = top ? `${top.label} ${Math.round(top.p * 100)} %` : '–';
    if (p.charts.length === 0) return;
    const [expressions, affect, pose, blinks] = p.charts;
    const probabilities = face.affect?.smoothed ?? face.expression;
    if (probabilities) for (const l of labels) expressions.append(l, time, probabilities[l]);
    if (face.affect) {
      if (Number.isFinite(face.affect.valence)) affect.append('valence', time, face.affect.valence);
      if (Number.isFinite(face.affect.arousal)) affect.append('arousal', time, face.affect.arousal);
      const aus = Object.entries(face.affect.actionUnits ?? {}).filter(([, v]) => typeof v === 'number').sort((a, b) => b[1] - a[1]).slice(0, 4);
      p.units.replaceChildren(...aus.map(([k, v]) => el('li', {}, `${k} ${v.toFixed(1)}`)));
    }
    if (face.pose) { pose.append('yaw', time, face.pose.yaw); pose.append('pitch', time, face.pose.pitch); pose.append('roll', time, face.pose.roll); }
    if (face.eyes) {
      if (face.eyes.inBlink && !p.inBlink) p.blinks.push(time);
      p.inBlink = face.eyes.inBlink;
      while (p.blinks.length && p.blinks[0] < time - 60) p.blinks.shift();
      const span = Math.min(60, time - p.first);
      if (span >= 5) {
        const rate = (p.blinks.length / span) * 60;
        blinks.append('blinks', time, rate);
        p.blink.textContent = `${rate.toFixed(0)} per minute (${p.blinks.length} in the last ${span.toFixed(0)} s)`;
      } else {
        p.blink.textContent = `${p.blinks.length} so far`;
      }
    }
  }

  function onEvent(event) {
    if (event.event === 'track-ended') {
      const p = state.people.get(event.track);
      if (p) { p.present = false; p.card.dataset.left = 'true'; p.label.textContent = 'left the view'; }
    } else if (event.event === 'speech' && event.track !== null && event.track !== undefined && Number.isFinite(event.arousal)) {
      const p = state.people.get(event.track);
      p?.charts[1]?.append('voice', event.end, event.arousal);
    }
  }

  // ---- audience mode ---------------------------------------------------------------------------------------------
  function setUpCrowd() {
    crowdSection.hidden = false;
    const chart = new LineChart(crowdSection, { title: 'Share of faces (estimated)', yMin: 0, yMax: 1, windowSeconds: 120, height: 160,
      series: [{ name: 'smiling', label: 'smiling', color: palette[1] }, { name: 'attentive', label: 'facing the screen', color: palette[0] }],
      format: (v) => `${Math.round(v * 100)} %` });
    const count = new LineChart(crowdSection, { title: 'Faces in view', yMin: 0, windowSeconds: 120, height: 90,
      series: [{ name: 'faces', label: 'faces', color: palette[8] }], format: (v) => v.toFixed(0) });
    const rows = [];
    const download = el('button', { type: 'button', class: 'secondary', id: 'crowd-csv' }, 'Download the crowd curve (CSV, aggregates only)');
    download.addEventListener('click', () => {
      const text = 'time_s,faces,share_smiling,share_attentive\n' + rows.map((r) => r.join(',')).join('\n') + '\n';
      const a = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv' })), download: 'crowd-curve.csv' });
      document.body.append(a); a.click(); a.remove();
    });
    crowdSection.append(el('p', { class: 'help' }, `Smiling: the happiness estimate above ${smilingThreshold * 100} %. Facing the screen: head turned less than ${attentiveDegrees}° sideways and up/down. No identities are kept: tracks are numbers that live only in this page.`),
      el('div', { class: 'actions' }, download));
    state.crowd = { chart, count, rows };
  }

  function updateCrowd(faces, time) {
    const crowd = state.crowd;
    if (!crowd) return;
    const n = faces.length;
    let smiling = 0, attentive = 0;
    for (const face of faces) {
      const probabilities = face.affect?.smoothed ?? face.expression;
      if (probabilities && probabilities.happiness > smilingThreshold) smiling++;
      if (face.pose && Math.abs(face.pose.yaw) < attentiveDegrees && Math.abs(face.pose.pitch) < attentiveDegrees) attentive++;
    }
    crowd.count.append('faces', time, n);
    if (n > 0) {
      crowd.chart.append('smiling', time, smiling / n);
      crowd.chart.append('attentive', time, attentive / n);
    }
    crowd.rows.push([time.toFixed(3), n, n ? (smiling / n).toFixed(3) : '', n ? (attentive / n).toFixed(3) : '']);
    crowdSection.dataset.samples = String(crowd.rows.length);
  }
}

function trackColor(track) {
  return palette[(Math.abs(track) - 1) % (palette.length - 1)];
}

