#!/usr/bin/env node
// TF.js WASM backend (SIMD, 1 thread) latency of model.execute for Human models on the seeded-noise input.
// Prints JSON to stdout (and to --out <file>): {"backend":"wasm","threads":1,"results":{"<model>":{"median_ms",..}}}
//
// Usage: node bench-tfjs.mjs [--models m1,m2] [--runs 200] [--warmup 20] [--out file.json]
//   Models: blazeface, facemesh, iris, emotion are always measured; --models adds more. "name:B" runs batch B
//   (e.g. iris:2, as Human runs both eyes at once); results are keyed by the spec as given.
// Timed region per run: model.execute(input, allOutputs) + dataSync() of every output (the WASM kernels run
// synchronously inside execute; dataSync only copies the outputs out of the WASM heap). Input creation and
// tensor disposal are outside the timed region.
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  tf, NOISE_SEED, modelByName, parseArgs, loadModel, readModelJson, placeholderOf, outputsOf, noiseInput, setBackend,
} from './lib.mjs';

const DEFAULT_MODELS = ['blazeface', 'facemesh', 'iris', 'emotion'];
const args = parseArgs(process.argv.slice(2), { models: '', runs: '200', warmup: '20', out: '' });
const runs = Number(args.runs);
const warmup = Number(args.warmup);
if (!(runs > 0) || !(warmup >= 0)) throw new Error('bad --runs/--warmup');

const specs = [...DEFAULT_MODELS];
for (const s of String(args.models || '').split(',').map((x) => x.trim()).filter(Boolean)) if (!specs.includes(s)) specs.push(s);

function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
const r3 = (v) => Math.round(v * 1000) / 1000;

async function main() {
  const info = await setBackend('wasm');
  if (info.multithread || info.threads !== 1) throw new Error(`expected 1 thread, got ${JSON.stringify(info)}`);
  const results = {};
  for (const spec of specs) {
    const [name, batchStr] = spec.split(':');
    const m = modelByName(name);
    const batch = batchStr ? Number(batchStr) : 1;
    const json = readModelJson(m.file);
    const ph = placeholderOf(json);
    if (batch !== 1 && ph.shape[0] !== -1) throw new Error(`${name}: batch dim is fixed`);
    const model = await loadModel(m.file);
    const outputs = outputsOf(json, model).map((o) => o.request);
    const shape = [batch, ...m.shape.slice(1)];
    const input = tf.tensor(noiseInput(m, shape), shape, m.dtype);
    const feed = { [ph.name]: input };
    const once = () => {
      const t0 = performance.now();
      const r = model.execute(feed, outputs);
      const list = Array.isArray(r) ? r : [r];
      for (const t of list) t.dataSync();
      const ms = performance.now() - t0;
      tf.dispose(list);
      return ms;
    };
    const first = once();
    for (let i = 1; i < warmup; i++) once();
    const times = [];
    for (let i = 0; i < runs; i++) times.push(once());
    tf.dispose(input);
    model.dispose();
    const sorted = [...times].sort((a, b) => a - b);
    results[spec] = {
      median_ms: r3(median(sorted)),
      p90_ms: r3(sorted[Math.min(runs - 1, Math.ceil(0.9 * runs) - 1)]),
      mean_ms: r3(times.reduce((a, b) => a + b, 0) / runs),
      min_ms: r3(sorted[0]),
      first_ms: r3(first),
      runs,
      input: `${shape.join('x')} ${m.dtype} noise seed ${NOISE_SEED}`,
    };
    console.error(`${spec.padEnd(20)} median ${results[spec].median_ms} ms  p90 ${results[spec].p90_ms} ms`);
  }
  const out = {
    backend: 'wasm',
    threads: info.threads,
    simd: info.simd,
    tfjs: tf.version_core,
    node: process.version,
    cpu: os.cpus()[0]?.model,
    warmup,
    timed: 'model.execute + dataSync of all outputs',
    results,
  };
  const text = `${JSON.stringify(out)}\n`;
  process.stdout.write(text);
  if (args.out) fs.writeFileSync(args.out, text);
}

main().catch((e) => { console.error(e); process.exit(1); });
