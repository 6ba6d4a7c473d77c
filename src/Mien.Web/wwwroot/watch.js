// The viewer-facing page of a study (docs/studies.md): shows the viewer's consent state, plays the stimulus and
// streams the camera to the live WebSocket, stored under the viewer's subject. With every camera frame it notes the
// player's position and state on the same clock as the frame's timestamp (performance.now), and posts these
// playback reports to the study, so the server counts only frames shown while the stimulus was really playing.
import { renderShell, api, el, announce, liveSocketUrl, projectPath } from './app.js';

const FRAME_INTERVAL_MS = 100;   // 10 frames a second: enough for per-second means, light on the server
const FLUSH_INTERVAL_MS = 2000;  // playback reports are posted in batches

const main = await renderShell('Watch');
if (main) await start(main);

async function start(main) {
  const params = new URLSearchParams(location.search);
  const studyId = params.get('study');
  const viewerId = params.get('viewer');
  if (!studyId || !viewerId) {
    announce('Open this page from a study: watch.html?study=<id>&viewer=<id>.', 'error');
    return;
  }

  let study, viewers;
  try {
    study = await api(`studies/${studyId}`);
    viewers = await api(`studies/${studyId}/viewers`);
  } catch (error) {
    announce(error.message, 'error');
    return;
  }
  const viewer = viewers.find((v) => v.id === viewerId);
  const stimulus = viewer && study.stimuli.find((s) => s.id === viewer.stimulus);
  if (!viewer || !stimulus) {
    announce('No such viewing in this study.', 'error');
    return;
  }

  main.querySelector('h1').textContent = `Watch: ${stimulus.label}`;
  const consentState = el('p', { id: 'consent-state', class: 'state' }, 'Checking consent…');
  const startButton = el('button', { type: 'button', id: 'start-viewing', disabled: true }, 'Start viewing');
  const progress = el('p', { id: 'watch-progress', class: 'help', 'aria-live': 'polite' }, '');
  const video = el('video', { id: 'stimulus', preload: 'auto', playsinline: true, 'aria-label': `Stimulus: ${stimulus.label}` });
  video.src = projectPath(`/studies/${studyId}/stimuli/${stimulus.id}/media`);
  video.muted = params.get('muted') === '1';
  const camera = el('video', { id: 'camera', muted: true, playsinline: true, 'aria-hidden': 'true' });
  camera.muted = true;
  main.append(
    el('section', { class: 'card watch-intro', 'aria-labelledby': 'watch-about' },
      el('h2', { id: 'watch-about' }, 'About this viewing'),
      el('p', {}, 'You will watch a short video. While it plays, the camera records your face and Mien estimates what it shows (expressions, valence, arousal, whether you look at the screen). Only this viewing is analysed; results are shown to the study team only as averages over at least ',
        el('strong', {}, String(study.study.minViewers)), ' viewers.'),
      consentState,
      el('div', { class: 'actions' }, startButton),
      progress),
    el('div', { class: 'watch-stage' }, video),
    el('div', { class: 'visually-hidden' }, camera));

  // Consent: the viewing is stored, so it needs analysis and measurements (the server checks again when the session starts).
  let consent;
  try {
    consent = await api(`subjects/${viewer.subject}/consents`);
  } catch (error) {
    consentState.textContent = `Consent could not be read: ${error.message}`;
    return;
  }
  const missing = ['analysis', 'measurements'].filter((s) => !consent.current.includes(s));
  if (missing.length > 0) {
    consentState.className = 'state not-given';
    consentState.textContent = `Consent missing for: ${missing.join(', ')}. The viewing cannot start until it is recorded.`;
    return;
  }
  consentState.className = 'state given';
  consentState.textContent = `Consent given: ${consent.current.join(', ')}.`;
  startButton.disabled = false;
  startButton.addEventListener('click', () => run({ studyId, viewer, video, camera, startButton, progress }).catch((error) => {
    announce(error.message, 'error');
    progress.textContent = '';
  }), { once: true });
}

async function run({ studyId, viewer, video, camera, startButton, progress }) {
  startButton.disabled = true;
  progress.textContent = 'Starting the camera…';
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  camera.srcObject = stream;
  await camera.play();

  const { ticket } = await api('live/tickets', { method: 'POST' });
  const socket = new WebSocket(liveSocketUrl(ticket));
  socket.binaryType = 'arraybuffer';
  const ready = await new Promise((resolve, reject) => {
    socket.addEventListener('open', () => socket.send(JSON.stringify({
      type: 'start', options: { maxFaces: 1, expressions: true, affect: true }, store: true, subject: viewer.subject,
    })));
    socket.addEventListener('message', function onMessage(event) {
      const message = JSON.parse(event.data);
      if (message.type === 'ready') { socket.removeEventListener('message', onMessage); resolve(message); }
      if (message.type === 'error' && message.status) reject(new Error(message.message));
    });
    socket.addEventListener('close', () => reject(new Error('the live session closed before it started')));
  });
  if (ready.mode !== 'stored') {
    socket.close();
    stream.getTracks().forEach((t) => t.stop());
    throw new Error(`This viewing would not be stored (${ready.reason || 'ephemeral'}), so it cannot count in the study.`);
  }
  await api(`studies/${studyId}/viewers/${viewer.id}/recording`, { method: 'PUT', body: { recording: ready.recording } });

  let completed = null;
  const done = new Promise((resolve) => {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'completed') { completed = message; resolve(); }
    });
    socket.addEventListener('close', () => resolve());
  });

  // Playback reports: one with every frame (same clock as its timestamp) and one at every player event.
  const reports = [];
  let buffering = false;
  let lastTime = 0;
  const now = () => { const t = performance.now() / 1000; lastTime = Math.max(t, lastTime + 1e-6); return lastTime; };
  const state = () => video.ended ? 'ended' : video.seeking ? 'seeking' : buffering ? 'buffering' : video.paused ? 'paused' : 'playing';
  const note = (s = state()) => reports.push({ clientTime: now(), stimulusTime: video.currentTime, state: s });
  video.addEventListener('waiting', () => { buffering = true; note('buffering'); });
  video.addEventListener('playing', () => { buffering = false; note('playing'); });
  video.addEventListener('pause', () => note());
  video.addEventListener('seeking', () => note('seeking'));
  video.addEventListener('seeked', () => note());
  const flush = async () => {
    if (reports.length === 0) return;
    const batch = reports.splice(0, reports.length);
    await api(`studies/${studyId}/viewers/${viewer.id}/playback`, { method: 'POST', body: { reports: batch } });
  };
  const flusher = setInterval(() => flush().catch((error) => announce(error.message, 'error')), FLUSH_INTERVAL_MS);

  const canvas = document.createElement('canvas');
  canvas.width = camera.videoWidth || 640;
  canvas.height = camera.videoHeight || 480;
  const context = canvas.getContext('2d');
  let frames = 0;
  let sending = false;
  const grab = async () => {
    if (sending || socket.readyState !== WebSocket.OPEN) return;
    sending = true;
    try {
      context.drawImage(camera, 0, 0, canvas.width, canvas.height);
      const t = now();
      reports.push({ clientTime: t, stimulusTime: video.currentTime, state: state() });
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
      const jpeg = new Uint8Array(await blob.arrayBuffer());
      const message = new Uint8Array(9 + jpeg.length);
      message[0] = 1;
      new DataView(message.buffer).setBigInt64(1, BigInt(Math.round(t * 1e6)), true);
      message.set(jpeg, 9);
      socket.send(message);
      frames++;
    } finally {
      sending = false;
    }
  };
  const grabber = setInterval(() => { grab().catch(() => {}); }, FRAME_INTERVAL_MS);

  progress.textContent = 'Playing…';
  const ended = new Promise((resolve, reject) => {
    video.addEventListener('ended', resolve, { once: true });
    video.addEventListener('error', () => reject(new Error(`The stimulus cannot be played in this browser (${video.error?.message || 'media error ' + video.error?.code}).`)), { once: true });
  });
  note('paused');
  try {
    await video.play();
    await ended;
  } catch (error) {
    clearInterval(grabber);
    clearInterval(flusher);
    socket.send(JSON.stringify({ type: 'stop' }));
    stream.getTracks().forEach((t) => t.stop());
    throw error;
  }
  note('ended');

  clearInterval(grabber);
  clearInterval(flusher);
  await flush();
  socket.send(JSON.stringify({ type: 'stop' }));
  await done;
  stream.getTracks().forEach((t) => t.stop());
  const analysed = completed ? completed.framesAnalysed : 0;
  progress.textContent = '';
  main.querySelector('.watch-stage')?.classList.add('finished');
  announce(`Thank you: the viewing is recorded (${frames} frames sent, ${analysed} analysed).`, 'ok');
  startButton.hidden = true;
  document.body.dataset.watch = 'completed';
}
