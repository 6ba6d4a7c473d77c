// Runs Google's MediaPipe Face Mesh solution (npm @mediapipe/face_mesh, models bundled in its packed assets) offline in
// Debian's Chromium on every image of a folder and writes one JSON line per image in the shape Human's bench writes
// (file, faces[].box [x, y, w, h], faces[].mesh [[x, y, z] × 478], pixels), for `mien audit landmarks --peer-mesh`.
//
//   node run.mjs <image-folder> <out.jsonl> [--max-faces N]
import { createServer } from 'node:http';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { extname, join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const [folder, out, ...rest] = process.argv.slice(2);
if (!folder || !out) {
  console.error('usage: node run.mjs <image-folder> <out.jsonl> [--max-faces N]');
  process.exit(2);
}
const maxFaces = rest[0] === '--max-faces' ? Number(rest[1]) : 4;
const images = (await readdir(folder)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.data': 'application/octet-stream', '.binarypb': 'application/octet-stream', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png' };
const roots = { '/mp/': join(here, 'node_modules/@mediapipe/face_mesh'), '/img/': resolve(folder) };

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const root = Object.keys(roots).find((r) => path.startsWith(r));
  const file = path === '/' ? join(here, 'page.html') : root ? join(roots[root], path.slice(root.length)) : null;
  if (!file || file.includes('..')) { res.writeHead(404).end(); return; }
  try {
    res.writeHead(200, { 'content-type': types[extname(file).toLowerCase()] || 'application/octet-stream' }).end(await readFile(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/lib/chromium/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  if (process.env.MP_DEBUG) { page.on('console', (m) => console.error('console:', m.text())); page.on('requestfailed', (r) => console.error('failed:', r.url())); page.on('response', (r) => r.status() >= 400 && console.error('http', r.status(), r.url())); }
  await page.goto(`http://127.0.0.1:${port}/?options=${encodeURIComponent(JSON.stringify({ maxNumFaces: maxFaces }))}`);
  await page.evaluate(() => window.ready);
  const lines = [];
  let found = 0, totalMs = 0;
  for (const [i, file] of images.entries()) {
    let r;
    try {
      r = await page.evaluate((url) => window.meshOf(url), `/img/${encodeURIComponent(file)}`);
    } catch (e) {
      // An image the browser cannot decode is recorded with no face and the reason, not a crash of the whole run.
      console.error(`${file}: ${e.message.split('\n')[0]}`);
      lines.push(JSON.stringify({ file, error: e.message.split('\n')[0], faces: [] }));
      continue;
    }
    found += r.faces.length > 0 ? 1 : 0;
    totalMs += r.ms;
    lines.push(JSON.stringify({ file, width: r.width, height: r.height, ms: Math.round(r.ms * 10) / 10, faces: r.faces.map((f) => ({ box: f.box.map((v) => Math.round(v * 100) / 100), mesh: f.mesh.map((p) => p.map((v) => Math.round(v * 100) / 100)) })) }));
    if ((i + 1) % 10 === 0) console.error(`${i + 1}/${images.length}`);
  }
  await writeFile(out, lines.join('\n') + '\n');
  const version = JSON.parse(await readFile(join(here, 'node_modules/@mediapipe/face_mesh/package.json'), 'utf8')).version;
  console.error(`@mediapipe/face_mesh ${version}, ${browser.version()}: ${images.length} images, a face in ${found}, mean ${(totalMs / images.length).toFixed(1)} ms per image (send to results, incl. detection); wrote ${out}`);
} finally {
  await browser.close();
  server.close();
}
