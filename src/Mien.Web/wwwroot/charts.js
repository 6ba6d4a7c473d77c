// Canvas line charts for Mien: several series on one time axis, optional 95 % bands, a cursor, click → time,
// live appends with a sliding window. Drawing decimates to one min/max pair per pixel column, so an hour of data
// at camera rate (≈ 54 000 points a series) redraws in a few milliseconds.

/** Colours with ≥ 3:1 contrast on white (WCAG non-text), distinguishable also by the dash patterns below. */
export const palette = ['#0b57d0', '#c2410c', '#15803d', '#b3261e', '#7e22ce', '#8a5a00', '#0e7490', '#be185d', '#374151'];
const dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3], [], [6, 3], [2, 2], [8, 3, 2, 3], []];

/** A growable column of float64 values (no per-point objects). */
class Column {
  constructor(capacity = 1024) { this.data = new Float64Array(capacity); this.length = 0; }
  push(value) {
    if (this.length === this.data.length) { const next = new Float64Array(this.data.length * 2); next.set(this.data); this.data = next; }
    this.data[this.length++] = value;
  }
  dropFirst(count) { this.data.copyWithin(0, count, this.length); this.length -= count; }
  clear() { this.length = 0; }
}

class Series {
  constructor(spec, index) {
    this.name = spec.name;
    this.label = spec.label ?? spec.name;
    this.color = spec.color ?? palette[index % palette.length];
    this.dash = spec.dash ?? dashes[index % dashes.length];
    this.band = !!spec.band;
    this.t = new Column(); this.y = new Column();
    if (this.band) { this.lo = new Column(); this.hi = new Column(); }
  }
  get length() { return this.t.length; }
  /** First index with t >= time (times increase). */
  lowerBound(time) {
    let lo = 0, hi = this.t.length;
    const t = this.t.data;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (t[mid] < time) lo = mid + 1; else hi = mid; }
    return lo;
  }
}

/**
 * A line chart over time.
 * options: series [{name, label, color, band}], yMin, yMax (fixed range; else from the data), title, yLabel,
 * windowSeconds (show only the last N seconds — live), maxPoints (per series; oldest dropped beyond it),
 * onTimeClick(seconds) (click or Enter on the chart), format(value) for the accessible summary, height (px).
 * The chart's container exposes data-points (total points) and data-last-time for tests and assistive summaries.
 */
export class LineChart {
  constructor(container, options) {
    this.options = { yMin: null, yMax: null, windowSeconds: null, maxPoints: 200_000, format: (v) => v.toFixed(2), ...options };
    this.series = (options.series || []).map((s, i) => new Series(s, i));
    this.byName = new Map(this.series.map((s) => [s.name, s]));
    this.cursor = null;
    this.pending = false;
    this.range = null;
    this.root = document.createElement('figure');
    this.root.className = 'chart';
    this.root.style.margin = '0';
    if (options.title) {
      const caption = document.createElement('figcaption');
      caption.className = 'chart-title';
      caption.textContent = options.title;
      this.root.append(caption);
    }
    this.canvas = document.createElement('canvas');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    if (options.height) this.canvas.style.height = `${options.height}px`;
    this.root.append(this.canvas);
    this.legend = document.createElement('ul');
    this.legend.className = 'legend';
    for (const s of this.series) {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = s.color;
      item.append(swatch, document.createTextNode(s.label));
      this.legend.append(item);
    }
    this.root.append(this.legend);
    container.append(this.root);
    this.canvas.addEventListener('click', (e) => this.#click(e));
    this.canvas.addEventListener('keydown', (e) => this.#key(e));
    this.resizeObserver = new ResizeObserver(() => this.invalidate());
    this.resizeObserver.observe(this.canvas);
    this.#describe();
  }

  /** Appends a point to a series (times must increase per series); band = [lo, hi] for series with bands. */
  append(name, t, y, band) {
    const s = this.byName.get(name);
    if (!s || !Number.isFinite(t)) return;
    if (s.length > 0 && t < s.t.data[s.length - 1]) return; // out of order: ignored rather than drawn backwards
    s.t.push(t); s.y.push(Number.isFinite(y) ? y : NaN);
    if (s.band) { s.lo.push(band ? band[0] : NaN); s.hi.push(band ? band[1] : NaN); }
    if (s.length > this.options.maxPoints) {
      const drop = Math.floor(this.options.maxPoints / 4);
      s.t.dropFirst(drop); s.y.dropFirst(drop);
      if (s.band) { s.lo.dropFirst(drop); s.hi.dropFirst(drop); }
    }
    this.invalidate();
  }

  /** Replaces a series' data: arrays of times, values and optional lo/hi. */
  setData(name, times, values, lo, hi) {
    const s = this.byName.get(name);
    if (!s) return;
    s.t.clear(); s.y.clear();
    if (s.band) { s.lo.clear(); s.hi.clear(); }
    for (let i = 0; i < times.length; i++) {
      s.t.push(times[i]); s.y.push(values[i] ?? NaN);
      if (s.band) { s.lo.push(lo?.[i] ?? NaN); s.hi.push(hi?.[i] ?? NaN); }
    }
    this.invalidate();
  }

  /** Removes every point. */
  clear() {
    for (const s of this.series) { s.t.clear(); s.y.clear(); if (s.band) { s.lo.clear(); s.hi.clear(); } }
    this.invalidate();
  }

  /** Fixes the visible time range [from, to] (null: all data, or the live window). */
  setRange(from, to) { this.range = from === null ? null : [from, to]; this.invalidate(); }

  /** Moves the cursor line to a time (null hides it). */
  setCursor(t) { this.cursor = t; this.invalidate(); }

  /** Total points held. */
  get points() { return this.series.reduce((n, s) => n + s.length, 0); }

  /** Schedules one redraw on the next animation frame (many appends cost one draw). */
  invalidate() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  destroy() { this.resizeObserver.disconnect(); this.root.remove(); }

  #span() {
    if (this.range) return this.range;
    let first = Infinity, last = -Infinity;
    for (const s of this.series) {
      if (s.length === 0) continue;
      first = Math.min(first, s.t.data[0]); last = Math.max(last, s.t.data[s.length - 1]);
    }
    if (!Number.isFinite(first)) return [0, this.options.windowSeconds ?? 10];
    if (this.options.windowSeconds) return [Math.max(first, last - this.options.windowSeconds), Math.max(last, first + 1e-3)];
    return [first, Math.max(last, first + 1e-3)];
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const w = canvas.clientWidth, h = canvas.clientHeight;
    g.clearRect(0, 0, w, h);
    const pad = { left: 40, right: 8, top: 8, bottom: 20 };
    const plotW = Math.max(1, w - pad.left - pad.right), plotH = Math.max(1, h - pad.top - pad.bottom);
    const [from, to] = this.#span();
    let [yMin, yMax] = [this.options.yMin, this.options.yMax];
    if (yMin === null || yMax === null) {
      let lo = Infinity, hi = -Infinity;
      for (const s of this.series) {
        const start = s.lowerBound(from), end = s.lowerBound(to + 1e-9);
        for (let i = start; i < end; i++) {
          const v = s.y.data[i];
          if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
          if (s.band) { const a = s.lo.data[i], b = s.hi.data[i]; if (Number.isFinite(a) && a < lo) lo = a; if (Number.isFinite(b) && b > hi) hi = b; }
        }
      }
      if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
      if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
      yMin ??= lo; yMax ??= hi;
    }
    const x = (t) => pad.left + ((t - from) / (to - from)) * plotW;
    const y = (v) => pad.top + (1 - (v - yMin) / (yMax - yMin)) * plotH;
    this.geometry = { from, to, pad, plotW };

    // Axes and grid: muted, thin; labels in the text colour for legibility.
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#4a5361';
    g.strokeStyle = '#e3e6ea';
    g.lineWidth = 1;
    for (let k = 0; k <= 4; k++) {
      const v = yMin + ((yMax - yMin) * k) / 4;
      const py = Math.round(y(v)) + 0.5;
      g.beginPath(); g.moveTo(pad.left, py); g.lineTo(pad.left + plotW, py); g.stroke();
      g.textAlign = 'right'; g.textBaseline = 'middle';
      g.fillText(formatTick(v), pad.left - 4, py);
    }
    const step = niceStep((to - from) / Math.max(2, Math.floor(plotW / 80)));
    g.textAlign = 'center'; g.textBaseline = 'top';
    for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
      const px = Math.round(x(t)) + 0.5;
      g.beginPath(); g.moveTo(px, pad.top); g.lineTo(px, pad.top + plotH); g.stroke();
      g.fillText(formatSeconds(t), px, pad.top + plotH + 4);
    }

    g.save();
    g.beginPath(); g.rect(pad.left, pad.top, plotW, plotH); g.clip();
    for (const s of this.series) {
      const start = Math.max(0, s.lowerBound(from) - 1), end = Math.min(s.length, s.lowerBound(to + 1e-9) + 1);
      if (end - start < 1) continue;
      const columns = decimate(s, start, end, x, plotW + pad.left);
      if (s.band) {
        g.fillStyle = withAlpha(s.color, 0.18);
        g.beginPath();
        let started = false;
        for (const c of columns) { if (!Number.isFinite(c.hi)) continue; const py = y(c.hi); if (!started) { g.moveTo(c.x, py); started = true; } else g.lineTo(c.x, py); }
        for (let i = columns.length - 1; i >= 0; i--) { const c = columns[i]; if (Number.isFinite(c.lo)) g.lineTo(c.x, y(c.lo)); }
        if (started) { g.closePath(); g.fill(); }
      }
      g.strokeStyle = s.color;
      g.lineWidth = 1.75;
      g.setLineDash(s.dash);
      g.beginPath();
      let pen = false;
      for (const c of columns) {
        if (!Number.isFinite(c.first)) { pen = false; continue; }
        if (!pen) { g.moveTo(c.x, y(c.first)); pen = true; } else g.lineTo(c.x, y(c.first));
        if (c.min !== c.max) { g.lineTo(c.x, y(c.min)); g.lineTo(c.x, y(c.max)); }
        g.lineTo(c.x, y(c.last));
      }
      g.stroke();
      g.setLineDash([]);
      if (columns.length === 1 && Number.isFinite(columns[0].last)) { g.fillStyle = s.color; g.fillRect(columns[0].x - 1.5, y(columns[0].last) - 1.5, 3, 3); }
    }
    g.restore();
    g.strokeStyle = '#8a94a3';
    g.strokeRect(pad.left + 0.5, pad.top + 0.5, plotW - 1, plotH - 1);
    if (this.cursor !== null && this.cursor >= from && this.cursor <= to) {
      const px = Math.round(x(this.cursor)) + 0.5;
      g.strokeStyle = '#b3261e'; g.lineWidth = 2;
      g.beginPath(); g.moveTo(px, pad.top); g.lineTo(px, pad.top + plotH); g.stroke();
    }
    this.#describe();
  }

  #describe() {
    const points = this.points;
    this.root.dataset.points = String(points);
    const parts = [];
    let last = null;
    for (const s of this.series) {
      if (s.length === 0) continue;
      const t = s.t.data[s.length - 1];
      last = last === null ? t : Math.max(last, t);
      const v = s.y.data[s.length - 1];
      if (Number.isFinite(v)) parts.push(`${s.label} ${this.options.format(v)}`);
    }
    if (last !== null) this.root.dataset.lastTime = String(last);
    const title = this.options.title ?? 'Chart';
    this.canvas.setAttribute('aria-label', points === 0 ? `${title}: no data yet` : `${title}: ${points} points; latest ${parts.join(', ')}`);
  }

  #timeAt(clientX) {
    if (!this.geometry) return null;
    const rect = this.canvas.getBoundingClientRect();
    const { from, to, pad, plotW } = this.geometry;
    const px = clientX - rect.left - pad.left;
    return from + Math.min(1, Math.max(0, px / plotW)) * (to - from);
  }

  #click(event) {
    const t = this.#timeAt(event.clientX);
    if (t === null) return;
    this.setCursor(t);
    this.options.onTimeClick?.(t);
  }

  #key(event) {
    if (!this.geometry) return;
    const { from, to } = this.geometry;
    const step = (to - from) / 50;
    if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      const start = this.cursor ?? (from + to) / 2;
      this.setCursor(Math.min(to, Math.max(from, start + (event.key === 'ArrowLeft' ? -step : step))));
      event.preventDefault();
    } else if ((event.key === 'Enter' || event.key === ' ') && this.cursor !== null) {
      this.options.onTimeClick?.(this.cursor);
      event.preventDefault();
    }
  }
}

/** One entry per pixel column: first/last/min/max of y, min lo, max hi. */
function decimate(s, start, end, x, limit) {
  const columns = [];
  let current = null;
  const t = s.t.data, yv = s.y.data;
  for (let i = start; i < end; i++) {
    const px = Math.round(x(t[i]));
    const v = yv[i];
    if (!current || current.x !== px) {
      if (current) columns.push(current);
      current = { x: px, first: v, last: v, min: v, max: v, lo: s.band ? s.lo.data[i] : NaN, hi: s.band ? s.hi.data[i] : NaN };
    } else {
      if (Number.isFinite(v)) {
        if (!Number.isFinite(current.first)) current.first = v;
        current.min = Number.isFinite(current.min) ? Math.min(current.min, v) : v;
        current.max = Number.isFinite(current.max) ? Math.max(current.max, v) : v;
      }
      current.last = v;
      if (s.band) {
        const a = s.lo.data[i], b = s.hi.data[i];
        if (Number.isFinite(a)) current.lo = Number.isFinite(current.lo) ? Math.min(current.lo, a) : a;
        if (Number.isFinite(b)) current.hi = Number.isFinite(current.hi) ? Math.max(current.hi, b) : b;
      }
    }
    if (px > limit + 2) break;
  }
  if (current) columns.push(current);
  return columns;
}

function niceStep(raw) {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * power) return m * power;
  return 10 * power;
}

function formatTick(v) {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Seconds as m:ss (or s.s under a minute of span). */
export function formatSeconds(t) {
  const sign = t < 0 ? '-' : '';
  const s = Math.abs(t);
  if (s < 60) return `${sign}${s % 1 === 0 ? s.toFixed(0) : s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.floor(s % 60);
  return m >= 60 ? `${sign}${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(rest).padStart(2, '0')}` : `${sign}${m}:${String(rest).padStart(2, '0')}`;
}

function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
