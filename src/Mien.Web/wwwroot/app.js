// Mien web app: sign-in state, the API wrapper and the page shell shared by every page.
// Plain ES module, no framework: each page is <page>.html + <page>.js and imports what it needs from here.

/** The pages in the navigation: { href, title, role } (role = the least role that can use the page). */
export const pages = [
  { href: '/', title: 'Home', role: 'viewer' },
  { href: '/live.html', title: 'Live view', role: 'analyst' },
  { href: '/recordings.html', title: 'Recordings', role: 'viewer' },
  { href: '/studies.html', title: 'Studies', role: 'viewer' },
  { href: '/people.html', title: 'People over time', role: 'viewer' },
  { href: '/consent-links.html', title: 'Consent links', role: 'admin' },
];

const roleRank = { viewer: 0, analyst: 1, admin: 2 };
let session = null;

/** An Error carrying the server's problem details (RFC 9457): message = detail, plus status and title. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `request failed with status ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem ?? null;
  }
}

/** The current sign-in ({project, role, browser, csrf, expires}) or null. */
export function currentSession() {
  return session;
}

/** Asks the server who is signed in (by the session cookie); null when nobody is. */
export async function loadSession() {
  const response = await fetch('/api/v1/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  session = response.ok ? await response.json() : null;
  return session;
}

/** Exchanges an API key for a browser session (HttpOnly cookie); the key itself is not kept anywhere. */
export async function signIn(key) {
  const trimmed = String(key ?? '').trim();
  if (!trimmed) throw new ApiError(400, { detail: 'enter an API key (it starts with mien_)' });
  const response = await fetch('/api/v1/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { Authorization: `Bearer ${trimmed}`, Accept: 'application/json' },
  });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  session = await response.json();
  return session;
}

/** Ends the browser session. */
export async function signOut() {
  try {
    await api('/api/v1/session', { method: 'DELETE' });
  } finally {
    session = null;
  }
}

/** A path under the signed-in project: projectPath('/recordings') → /api/v1/projects/<id>/recordings. */
export function projectPath(rest = '') {
  if (!session) throw new ApiError(401, { detail: 'not signed in' });
  return `/api/v1/projects/${session.project}${rest}`;
}

/**
 * Calls the API with the session cookie. `path` is absolute ('/api/v1/…') or relative to the project
 * ('recordings' → /api/v1/projects/<id>/recordings). `options.body` may be an object (sent as JSON), a Blob,
 * ArrayBuffer or FormData. Returns the parsed JSON (null for 204), or the Response when `options.raw` is true.
 * Throws ApiError with the problem's detail when the server refuses.
 */
export async function api(path, options = {}) {
  const url = path.startsWith('/') ? path : projectPath('/' + path);
  const method = (options.method || 'GET').toUpperCase();
  const headers = new Headers(options.headers || {});
  if (!headers.has('Accept')) headers.set('Accept', 'application/json');
  let body = options.body;
  if (body !== undefined && body !== null && !(body instanceof Blob) && !(body instanceof ArrayBuffer)
      && !(body instanceof FormData) && !ArrayBuffer.isView(body) && typeof body !== 'string') {
    body = JSON.stringify(body);
    headers.set('Content-Type', 'application/json');
  }
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method) && session?.csrf) headers.set(session.csrfHeader || 'X-Mien-Csrf', session.csrf);
  const response = await fetch(url, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  if (!response.ok) {
    const error = new ApiError(response.status, await problemOf(response));
    if (response.status === 401 && !path.startsWith('/api/v1/consent/')) session = null;
    throw error;
  }
  if (options.raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

async function problemOf(response) {
  try {
    const type = response.headers.get('Content-Type') || '';
    if (type.includes('json')) return await response.json();
    const text = await response.text();
    return { title: response.statusText, detail: text.slice(0, 300) || `${response.status} ${response.statusText}` };
  } catch {
    return { title: response.statusText, detail: `${response.status} ${response.statusText}` };
  }
}

/** Builds an element: el('button', {type: 'button', onclick: f, class: 'x'}, 'text', child…). Text is never parsed as HTML. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Shows a message in the page's status region (announced by screen readers). kind: 'info' | 'error' | 'ok'. */
export function announce(message, kind = 'info') {
  const region = document.getElementById('status');
  if (!region) return;
  region.replaceChildren(message ? el('p', { class: `notice ${kind}` }, message) : '');
}

/**
 * Renders the page frame — skip link, header with the navigation and sign-in state, <main> with the title — and
 * returns <main> for the page to fill. When nobody is signed in it shows the sign-in form instead and returns null
 * (the page reloads after a successful sign-in). `options.public` renders without sign-in (subject-facing pages).
 */
export async function renderShell(title, options = {}) {
  document.title = `${title} · Mien`;
  if (!options.public) {
    try { await loadSession(); } catch { session = null; }
  }
  const nav = el('nav', { 'aria-label': 'Pages' });
  if (session) {
    const list = el('ul', { class: 'nav-list' });
    for (const page of pages) {
      if (roleRank[session.role] < roleRank[page.role]) continue;
      const current = location.pathname === page.href || (page.href === '/' && location.pathname === '/index.html');
      list.append(el('li', {}, el('a', { href: page.href, 'aria-current': current ? 'page' : null }, page.title)));
    }
    nav.append(list);
  }
  const who = el('div', { class: 'who' });
  if (session) {
    who.append(el('span', { class: 'role', title: `project ${session.project}` }, `Signed in · ${session.role}`),
      el('button', { type: 'button', class: 'secondary', onclick: async () => { await signOut().catch(() => {}); location.assign('/'); } }, 'Sign out'));
  }
  const header = el('header', { class: 'site' },
    el('a', { class: 'brand', href: '/' }, 'Mien'), nav, who);
  const main = el('main', { id: 'main', tabindex: '-1' }, el('h1', {}, title), el('div', { id: 'status', role: 'status', 'aria-live': 'polite' }));
  // Public pages (a subject's consent page) show the name of the service but no navigation into the staff app.
  const publicHeader = el('header', { class: 'site' }, el('span', { class: 'brand' }, 'Mien'));
  document.body.replaceChildren(el('a', { class: 'skip', href: '#main' }, 'Skip to content'), options.public ? publicHeader : header, main);
  if (!options.public && !session) {
    main.querySelector('h1').textContent = 'Sign in';
    main.append(signInForm());
    return null;
  }
  // Tests (and styles) can wait for a signed-in page with main[data-signed-in="true"].
  if (session) main.dataset.signedIn = 'true';
  return main;
}

function signInForm() {
  const input = el('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false', 'aria-describedby': 'api-key-help' });
  const form = el('form', { class: 'card sign-in', id: 'sign-in' },
    el('label', { for: 'api-key' }, 'API key'),
    input,
    el('p', { id: 'api-key-help', class: 'help' }, 'The key `mien serve` printed on its first start, or one an admin created for you. It is exchanged for a session cookie and not stored by this page.'),
    el('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await signIn(input.value);
      location.reload();
    } catch (error) {
      announce(error.message, 'error');
      input.focus();
    }
  });
  queueMicrotask(() => input.focus());
  return form;
}

/** Formats seconds as m:ss.s (or h:mm:ss for long spans). */
export function formatTime(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${String(Math.floor(s)).padStart(2, '0')}`
    : `${sign}${m}:${s.toFixed(1).padStart(4, '0')}`;
}

/** The live WebSocket URL for a ticket, on this host (ws: or wss: as the page). */
export function liveSocketUrl(ticket) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${projectPath('/live')}?ticket=${encodeURIComponent(ticket)}`;
}
