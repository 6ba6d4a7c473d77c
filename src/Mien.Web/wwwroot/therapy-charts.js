// Small SVG charts for the therapy pages: a per-session trend with 95 % interval whiskers and flagged changes, and a
// session timeline with indicator bars and note markers. SVG attributes only (no inline style), so the page CSP holds.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/**
 * A trend across sessions: one point per session (mean) with its 95 % interval, joined by a line; a change flagged
 * beyond noise is drawn thick and red with a "changed" mark. points = [{label, mean, low, high}], changes = [{flagged}].
 */
export function trendChart(title, points, changes, bounds = {}) {
  const width = 440, height = 190, left = 52, right = 12, top = 22, bottom = 30;
  // Intervals are clipped to the metric's range (a share cannot go below 0).
  const clip = (v) => Math.min(bounds.max ?? Infinity, Math.max(bounds.min ?? -Infinity, v));
  points = points.map((p) => ({ ...p, low: clip(p.low), high: clip(p.high) }));
  const lows = points.map((p) => p.low), highs = points.map((p) => p.high);
  let yMin = Math.min(...lows), yMax = Math.max(...highs);
  if (!(yMax > yMin)) { yMin -= 0.1; yMax += 0.1; }
  let pad = (yMax - yMin) * 0.12;
  yMin = Math.max(bounds.min ?? -Infinity, yMin - pad); yMax = Math.min(bounds.max ?? Infinity, yMax + pad);
  if (!(yMax > yMin)) yMax = yMin + 1;
  pad = 0;
  const x = (i) => left + (points.length === 1 ? (width - left - right) / 2 : (i * (width - left - right)) / (points.length - 1));
  const y = (v) => top + ((yMax - v) * (height - top - bottom)) / (yMax - yMin);
  const flaggedCount = changes.filter((c) => c.flagged).length;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'trend-chart',
    'aria-label': `${title}: ${points.length} sessions, ${flaggedCount} change(s) beyond noise` });
  for (const v of [yMin, (yMin + yMax) / 2, yMax]) {
    root.append(svg('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), stroke: '#d5d9df' }));
    root.append(svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 13, fill: '#374151' }, fmt(v)));
  }
  // Interval band between consecutive sessions (light), then whiskers, the line and the means.
  if (points.length > 1) {
    const band = points.map((p, i) => `${x(i)},${y(p.high)}`).concat(points.map((p, i) => `${x(i)},${y(p.low)}`).reverse()).join(' ');
    root.append(svg('polygon', { points: band, fill: '#0b57d0', 'fill-opacity': 0.1 }));
  }
  points.forEach((p, i) => {
    root.append(svg('line', { x1: x(i), x2: x(i), y1: y(p.low), y2: y(p.high), stroke: '#0b57d0', 'stroke-width': 2 }));
    root.append(svg('line', { x1: x(i) - 5, x2: x(i) + 5, y1: y(p.low), y2: y(p.low), stroke: '#0b57d0', 'stroke-width': 2 }));
    root.append(svg('line', { x1: x(i) - 5, x2: x(i) + 5, y1: y(p.high), y2: y(p.high), stroke: '#0b57d0', 'stroke-width': 2 }));
    root.append(svg('text', { x: x(i), y: height - 8, 'text-anchor': 'middle', 'font-size': 13, fill: '#374151' }, p.label));
  });
  changes.forEach((c, i) => {
    const a = points[i], b = points[i + 1];
    if (!a || !b) return;
    root.append(svg('line', { x1: x(i), y1: y(a.mean), x2: x(i + 1), y2: y(b.mean), stroke: c.flagged ? '#b3261e' : '#374151',
      'stroke-width': c.flagged ? 4 : 1.5, 'stroke-dasharray': c.flagged ? null : '4 3', class: c.flagged ? 'flagged-change' : null }));
    if (c.flagged) {
      root.append(svg('text', { x: (x(i) + x(i + 1)) / 2, y: Math.min(y(a.mean), y(b.mean)) - 8, 'text-anchor': 'middle', 'font-size': 13,
        'font-weight': 700, fill: '#b3261e' }, b.mean > a.mean ? '▲ changed' : '▼ changed'));
    }
  });
  points.forEach((p, i) => root.append(svg('circle', { cx: x(i), cy: y(p.mean), r: 4.5, fill: '#0b57d0' })));
  return root;
}

const kindColors = { distress: '#b3261e', 'flat-affect': '#7e22ce', 'gaze-aversion': '#c2410c', 'blink-rate-change': '#0e7490',
  'low-speech-share': '#8a5a00', 'raised-voice-arousal': '#be185d' };

/** A session timeline: one row per indicator kind with its spans, notes as markers; click → onTime(seconds). */
export function timelineChart(startS, endS, indicators, notes, onTime) {
  const kinds = [...new Set(indicators.map((i) => i.kind))];
  const width = 900, left = 150, right = 12, row = 26, top = 22, height = top + Math.max(kinds.length, 1) * row + 30;
  const span = Math.max(endS - startS, 1);
  const x = (t) => left + ((t - startS) * (width - left - right)) / span;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'timeline-chart',
    'aria-label': `Session timeline: ${indicators.length} indicator(s), ${notes.length} note(s); the list below has the details` });
  root.append(svg('rect', { x: left, y: top - 4, width: width - left - right, height: height - top - 22, fill: '#ffffff', stroke: '#d5d9df' }));
  for (let k = 0; k <= 4; k++) {
    const t = startS + (span * k) / 4;
    root.append(svg('text', { x: x(t), y: height - 6, 'text-anchor': 'middle', 'font-size': 11, fill: '#4b5563' }, `${t.toFixed(0)} s`));
  }
  kinds.forEach((kind, r) => {
    root.append(svg('text', { x: left - 8, y: top + r * row + 14, 'text-anchor': 'end', 'font-size': 12, fill: '#1f2937' }, kind));
    for (const i of indicators.filter((i) => i.kind === kind)) {
      const bar = svg('rect', { x: x(i.startS), y: top + r * row + 2, width: Math.max(x(i.endS) - x(i.startS), 3), height: row - 8,
        fill: kindColors[kind] || '#374151', 'fill-opacity': 0.85, class: 'indicator-bar' });
      bar.append(svg('title', {}, i.summary));
      root.append(bar);
    }
  });
  for (const n of notes) {
    if (n.atS === null || n.atS === undefined) continue;
    const marker = svg('path', { d: `M ${x(n.atS)} ${top - 4} l -6 -10 h 12 z`, fill: '#15803d', class: 'note-marker' });
    marker.append(svg('title', {}, `${n.atS.toFixed(1)} s: ${n.text}`));
    root.append(marker);
    root.append(svg('line', { x1: x(n.atS), x2: x(n.atS), y1: top - 4, y2: height - 22, stroke: '#15803d', 'stroke-dasharray': '3 3' }));
  }
  if (onTime) {
    root.addEventListener('click', (e) => {
      const box = root.getBoundingClientRect();
      const px = ((e.clientX - box.left) * width) / box.width;
      if (px >= left) onTime(Math.max(startS, Math.min(endS, startS + ((px - left) * span) / (width - left - right))));
    });
  }
  return root;
}
