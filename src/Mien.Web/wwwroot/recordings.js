// Recordings: a resumable upload (chunks at the server's offset; a dropped connection resumes where the last whole
// chunk ended, also after a reload when the same file is chosen again) and the job list with live progress.
import { renderShell, api, el, announce, currentSession, ApiError } from './app.js';

const main = await renderShell('Recordings');
if (main) {
  const session = currentSession();
  const canUpload = session.role !== 'viewer';
  main.dataset.signedIn = 'true';
  main.append(el('p', { class: 'lead' },
    'Upload a video to have the faces in it measured. Results are estimates of what the faces show, never facts about what anyone feels.'));
  if (canUpload) main.append(await uploadCard());
  main.append(jobsSection());
}

/** Chunks are at most this big (and at most what the server accepts): small enough to resend cheaply. */
const preferredChunk = 4 * 1024 * 1024;

async function uploadCard() {
  const subjects = await api('subjects').catch(() => []);
  const subject = el('select', { id: 'upload-subject', name: 'subject', required: true, 'aria-describedby': 'subject-help' },
    el('option', { value: '' }, subjects.length ? 'Choose a subject…' : 'No subjects yet'),
    subjects.map((s) => el('option', { value: s.id }, s.pseudonym)));
  const file = el('input', { id: 'upload-file', name: 'file', type: 'file', accept: 'video/*,image/jpeg,image/png', required: true });
  const blur = el('input', { id: 'upload-blur', type: 'checkbox', checked: true });
  const progress = el('progress', { id: 'upload-progress', max: 100, value: 0, 'aria-describedby': 'upload-state' });
  const state = el('p', { id: 'upload-state', class: 'help', 'aria-live': 'polite' }, 'No upload running.');
  const start = el('button', { type: 'submit', id: 'upload-start' }, 'Upload and analyse');
  const pause = el('button', { type: 'button', class: 'secondary', id: 'upload-pause', disabled: true }, 'Pause');
  const cancel = el('button', { type: 'button', class: 'danger', id: 'upload-cancel', disabled: true }, 'Cancel upload');
  const form = el('form', { class: 'card upload', id: 'upload-form' },
    el('h2', {}, 'Upload a video'),
    el('label', { for: 'upload-subject' }, 'Subject (pseudonym)'), subject,
    el('p', { id: 'subject-help', class: 'help' }, 'The person filmed. They must have consented to analysis and measurements; otherwise the server refuses before any byte is stored.'),
    el('label', { for: 'upload-file' }, 'Video file'), file,
    el('label', { class: 'inline', for: 'upload-blur' }, blur, 'Blur faces in the output video (recommended)'),
    el('div', { class: 'progress-row' }, progress, state),
    el('div', { class: 'actions' }, start, pause, cancel));

  let running = null;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (running) return;
    if (!subject.value) { announce('Choose the subject who was filmed.', 'error'); subject.focus(); return; }
    const chosen = file.files?.[0];
    if (!chosen) { announce('Choose a video file.', 'error'); file.focus(); return; }
    running = new Upload(chosen, subject.value, { anonymize: blur.checked }, (done, total, text) => {
      progress.value = total ? Math.round((done / total) * 1000) / 10 : 0;
      progress.setAttribute('aria-valuetext', `${progress.value} %`);
      state.textContent = text;
    });
    start.disabled = true; pause.disabled = false; cancel.disabled = false;
    try {
      const recording = await running.run();
      if (recording) {
        announce(`Uploaded ${chosen.name}; its analysis is queued.`, 'ok');
        state.textContent = 'Upload complete: the analysis is queued (see the list below).';
        form.dispatchEvent(new CustomEvent('uploaded', { bubbles: true, detail: recording }));
      }
    } catch (error) {
      announce(error.message, 'error');
      state.textContent = `Upload stopped: ${error.message}`;
    } finally {
      running = null;
      start.disabled = false; pause.disabled = true; cancel.disabled = true; pause.textContent = 'Pause';
    }
  });
  pause.addEventListener('click', () => {
    if (!running) return;
    running.paused = !running.paused;
    pause.textContent = running.paused ? 'Resume' : 'Pause';
    if (!running.paused) running.wake();
  });
  cancel.addEventListener('click', async () => { await running?.cancel(); });
  return form;
}

/**
 * One resumable upload. The server holds the offset; every chunk is sent at it and is all-or-nothing, so after any
 * failure the client asks for the offset and goes on from there. Network errors are retried with a growing pause;
 * refusals (consent, limits) end the upload with the server's reason.
 */
class Upload {
  constructor(file, subject, options, report) {
    this.file = file; this.subject = subject; this.options = options; this.report = report;
    this.paused = false; this.cancelled = false; this.controller = null; this.resumeWaiter = null;
    this.key = `mien-upload:${file.name}:${file.size}:${file.lastModified}:${subject}`;
  }

  wake() { this.resumeWaiter?.(); }

  async cancel() {
    this.cancelled = true;
    this.controller?.abort();
    this.wake();
    if (this.location) await api(this.location, { method: 'DELETE' }).catch(() => {});
    localStorage.removeItem(this.key);
    this.report(0, this.file.size, 'Upload cancelled; what had arrived was deleted.');
  }

  async run() {
    let status = await this.#existing();
    if (!status) {
      const query = new URLSearchParams({ subject: this.subject, size: String(this.file.size), name: this.file.name, options: JSON.stringify(this.options) });
      status = await api(`uploads?${query}`, { method: 'POST' });
      this.location = `uploads/${status.id}`;
      localStorage.setItem(this.key, status.id);
    }
    const chunk = Math.max(64 * 1024, Math.min(preferredChunk, status.maxChunkBytes));
    let offset = status.offset;
    let failures = 0;
    const started = performance.now();
    const startOffset = offset;
    while (offset < this.file.size) {
      if (this.cancelled) return null;
      if (this.paused) {
        this.report(offset, this.file.size, `Paused at ${size(offset)} of ${size(this.file.size)}.`);
        await new Promise((resolve) => { this.resumeWaiter = resolve; });
        continue;
      }
      const end = Math.min(this.file.size, offset + chunk);
      this.controller = new AbortController();
      try {
        const response = await api(this.location, {
          method: 'PUT',
          body: this.file.slice(offset, end),
          headers: { 'Content-Range': `bytes ${offset}-${end - 1}/${this.file.size}`, 'Content-Type': 'application/octet-stream' },
          signal: this.controller.signal,
        });
        offset = response.offset;
        failures = 0;
        const rate = (offset - startOffset) / Math.max(0.001, (performance.now() - started) / 1000);
        this.report(offset, this.file.size, `${size(offset)} of ${size(this.file.size)} sent (${size(rate)}/s).`);
      } catch (error) {
        if (this.cancelled) return null;
        if (error instanceof ApiError && error.status === 409) {
          // Wrong offset (another tab, or a chunk the server already has) or a broken chunk still being closed:
          // wait a moment, then go on from the server's offset.
          await new Promise((resolve) => setTimeout(resolve, 500));
          offset = (await api(this.location)).offset;
          continue;
        }
        if (error instanceof ApiError && error.status !== 400 && error.status < 500) {
          localStorage.removeItem(this.key);
          throw error;
        }
        // The connection dropped or the server hiccuped: wait, ask where to go on, resume.
        failures++;
        if (failures > 8) throw new Error(`the upload keeps failing (${error.message}); choose the same file again later to resume`);
        const wait = Math.min(30, 2 ** failures);
        this.report(offset, this.file.size, `Connection problem (${error.message}); resuming in ${wait} s…`);
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
        try { offset = (await api(this.location)).offset; } catch (e) { if (e instanceof ApiError && e.status === 404) { localStorage.removeItem(this.key); throw new Error('the upload session expired; start again'); } }
      }
    }
    this.report(this.file.size, this.file.size, 'All bytes sent; checking the video…');
    const recording = await api(`${this.location}/complete`, { method: 'POST' });
    localStorage.removeItem(this.key);
    return recording;
  }

  /** A session this browser opened for the same file and subject (a reload mid-upload), if the server still has it. */
  async #existing() {
    const id = localStorage.getItem(this.key);
    if (!id) return null;
    try {
      const status = await api(`uploads/${id}`);
      this.location = `uploads/${id}`;
      this.report(status.offset, this.file.size, `Resuming an earlier upload of this file at ${size(status.offset)}.`);
      return status;
    } catch {
      localStorage.removeItem(this.key);
      return null;
    }
  }
}

function jobsSection() {
  const body = el('tbody', { id: 'jobs-body' });
  const section = el('section', { 'aria-labelledby': 'jobs-title' },
    el('h2', { id: 'jobs-title' }, 'Recordings and jobs'),
    el('table', { id: 'jobs' },
      el('caption', { class: 'visually-hidden' }, 'Recordings, newest first, with the state of their analysis'),
      el('thead', {}, el('tr', {}, ['Name', 'Status', 'Progress', 'Frames', 'Uploaded', ''].map((h) => el('th', { scope: 'col' }, h)))),
      body));
  let timer = null;
  const refresh = async () => {
    clearTimeout(timer);
    try {
      const page = await api('recordings?limit=50');
      body.replaceChildren(...(page.items.length ? page.items.map(row) : [el('tr', {}, el('td', { colspan: 6 }, 'No recordings yet.'))]));
      if (page.items.some((r) => r.status === 'queued' || r.status === 'running')) timer = setTimeout(refresh, 1500);
    } catch (error) {
      announce(error.message, 'error');
    }
  };
  const row = (r) => {
    const percent = Math.round((r.status === 'done' ? 1 : r.progress ?? 0) * 100);
    const open = el('a', { href: `/recording.html?id=${encodeURIComponent(r.id)}` }, r.status === 'done' ? 'Open results' : 'Open');
    const actions = el('td', { class: 'row-actions' }, open);
    if ((r.status === 'queued' || r.status === 'running') && currentSession().role !== 'viewer') {
      actions.append(' ', el('button', {
        type: 'button', class: 'secondary', 'aria-label': `Cancel the analysis of ${r.name}`,
        onclick: async () => { try { await api(`recordings/${r.id}/cancel`, { method: 'POST' }); refresh(); } catch (e) { announce(e.message, 'error'); } },
      }, 'Cancel'));
    }
    return el('tr', { dataset: { recording: r.id, status: r.status } },
      el('td', {}, r.name),
      el('td', {}, el('span', { class: `status ${r.status}` }, r.status), r.error ? el('div', { class: 'help' }, r.error) : ''),
      el('td', {}, el('progress', { max: 100, value: percent, 'aria-label': `${r.name}: ${percent} %` }), ` ${percent} %`),
      el('td', {}, r.frames ?? '–'),
      el('td', {}, new Date(r.createdAt).toLocaleString()),
      actions);
  };
  document.addEventListener('uploaded', refresh);
  refresh();
  return section;
}

function size(bytes) {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${Math.round(bytes)} B`;
}
