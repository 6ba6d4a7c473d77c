import { LineChart } from '/src/Mien.Web/wwwroot/charts.js';
const labels = ['a','b','c','d','e','f','g'];
const chart = new LineChart(document.getElementById('c'), { title: 'x', yMin: 0, yMax: 1, series: labels.map((n) => ({ name: n, band: n === 'a' })) });
const n = 15 * 3600;
for (let i = 0; i < n; i++) { const t = i / 15; labels.forEach((l, k) => chart.append(l, t, 0.5 + 0.4 * Math.sin(t / (10 + k)), [0.4, 0.6])); }
chart.draw();
const times = [];
for (let r = 0; r < 20; r++) { const t0 = performance.now(); chart.setCursor(r * 100); chart.draw(); times.push(performance.now() - t0); }
times.sort((a, b) => a - b);
// Live: the last 30 s window of the same hour.
const live = new LineChart(document.getElementById('c'), { title: 'y', yMin: 0, yMax: 1, windowSeconds: 30, series: labels.map((n) => ({ name: n })) });
for (let i = 0; i < n; i++) { const t = i / 15; labels.forEach((l, k) => live.append(l, t, 0.5)); }
const lt = [];
for (let r = 0; r < 20; r++) { const t0 = performance.now(); live.draw(); lt.push(performance.now() - t0); }
lt.sort((a, b) => a - b);
document.getElementById('out').textContent = `points ${chart.points} full-hour draw median ${times[10].toFixed(1)} ms max ${times[19].toFixed(1)} ms; live 30s window median ${lt[10].toFixed(2)} ms`;
