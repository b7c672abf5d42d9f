/**
 * Hamming distances of many binary codes to one query code, in WebAssembly SIMD (i8x16.popcnt):
 * about 5x the plain JavaScript popcount loop. The codes live in the module's memory (an
 * arena mirroring the index's blocks, codes are whole 16-byte chunks); a scan writes
 * one uint16 distance per code and counts each distance in a histogram; `select` then lists the
 * positions within a cut. The module (about 340 bytes) was assembled with wabt from:
 *
 *   (func (export "hamming") (param $codes $count $chunks $q $out $hist i32)
 *     for each code: acc16 += extadd_pairwise_u8(popcnt(code_chunk XOR query_chunk)) over its chunks;
 *     d = sum of the lanes of acc16; out[i] = d; hist[d] += 1)
 *   (func (export "select") (param $dist $count $cut $sel i32) (result i32)
 *     k = 0; for each i: if dist[i] <= cut then sel[k++] = i; return k)
 *
 * Where WebAssembly SIMD is missing, `HammingArena.create` returns undefined and the caller
 * keeps its JavaScript loop.
 */

const WASM_BASE64 =
  'AGFzbQEAAAABEgJgBn9/f39/fwBgBH9/f38BfwMDAgABBQMBAAEHHQMGbWVtb3J5AgAHaGFtbWluZwAABnNlbGVjdAABCo0CAscBAwN/AnsCfyAEIAFBAXRqIQYCQANAIAQgBk8NAf0MAAAAAAAAAAAAAAAAAAAAACEJIAMhCCACIQcDQCAJIAD9AAQAIAj9AAQA/VH9Yv19/Y4BIQkgAEEQaiEAIAhBEGohCCAHQQFrIQcgBw0ACyAJ/X8hCiAKIAogCv0NCAkKCwwNDg8AAQIDBAUGB/2uASEKIAr9GwAgCv0bAWohCyAEIAs7AQAgBSALQQJ0aiEMIAwgDCgCAEEBajYCACAEQQJqIQQMAAsLC0IBAn8CQANAIAQgAU8NASAALwEAIAJNBEAgAyAFQQJ0aiAENgIAIAVBAWohBQsgAEECaiEAIARBAWohBAwACwsgBQs=';

type HammingFn = (codes: number, count: number, chunks: number, query: number, out: number, hist: number) => void;
type SelectFn = (dist: number, count: number, cut: number, sel: number) => number;

/** The part of the WebAssembly API used here (the project's type libraries do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
}
const WASM = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

function module(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    if (!WASM) throw new Error('no WebAssembly');
    compiled = new WASM.Module(Buffer.from(WASM_BASE64, 'base64'));
  } catch {
    compiled = null; // no SIMD in this runtime
  }
  return compiled;
}

const PAGE = 65_536;

/**
 * Codes in WebAssembly memory: sealed codes first (append-only; callers may hold views of
 * them, renewed through `onGrow` whenever the memory grows), then a rewritable tail. Codes
 * are whole 16-byte chunks (`words` a multiple of 4).
 */
export class HammingArena {
  private readonly memory: WasmMemory;
  private readonly hamming: HammingFn;
  private readonly selectFn: SelectFn;
  /** Bytes per code. */
  private readonly stride: number;
  private readonly chunks: number;
  private sealedCount = 0;
  private tailCount = 0;

  private constructor(
    instance: WasmInstance,
    private readonly words: number,
    /** Histogram bins: the largest distance + 1. */
    private readonly bins: number,
    private readonly onGrow: () => void,
  ) {
    this.memory = instance.exports.memory as WasmMemory;
    this.hamming = instance.exports.hamming as HammingFn;
    this.selectFn = instance.exports.select as SelectFn;
    this.chunks = words / 4;
    this.stride = words * 4;
  }

  /** An arena for codes of `words` 32-bit words, or undefined without WebAssembly SIMD. */
  static create(words: number, maxDistance: number, onGrow: () => void): HammingArena | undefined {
    if (words % 4 !== 0 || words === 0) return undefined;
    const m = module();
    if (!m) return undefined;
    return new HammingArena(new WASM!.Instance(m, {}), words, maxDistance + 2, onGrow);
  }

  /** Layout for `codes` codes: query at 0, codes from `stride`, distances, histogram, selection. */
  private layout(codes: number) {
    const dist = this.stride * (codes + 1);
    const hist = (dist + codes * 2 + 3) & ~3;
    const sel = hist + this.bins * 4;
    return { dist, hist, sel, end: sel + codes * 4 };
  }

  private ensure(codes: number, slack = 1.5): void {
    const need = this.layout(codes).end;
    const have = this.memory.buffer.byteLength;
    if (need <= have) return;
    this.memory.grow(Math.ceil((Math.max(need, have * slack) - have) / PAGE));
    this.onGrow();
  }

  /** Room for `more` sealed codes beyond those held, grown exactly once. */
  reserve(more: number): void {
    this.ensure(this.sealedCount + more + this.tailCount, 1);
  }

  /** A view of `n` sealed codes from position `start` (invalid after the memory grows). */
  view(start: number, n: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, this.stride * (1 + start), n * this.words);
  }

  /** Appends sealed codes (the tail must be set again after); returns their start position. */
  appendSealed(codes: Uint8Array, n: number): number {
    this.ensure(this.sealedCount + n);
    const start = this.sealedCount;
    new Uint8Array(this.memory.buffer).set(codes.subarray(0, n * this.stride), this.stride * (1 + start));
    this.sealedCount += n;
    this.tailCount = 0;
    return start;
  }

  /** Replaces the tail's codes. */
  setTail(codes: Uint32Array, n: number): void {
    this.ensure(this.sealedCount + n);
    new Uint8Array(this.memory.buffer).set(
      new Uint8Array(codes.buffer, codes.byteOffset, n * this.stride),
      this.stride * (1 + this.sealedCount),
    );
    this.tailCount = n;
  }

  get count(): number {
    return this.sealedCount + this.tailCount;
  }

  /**
   * Distances of every code (sealed, then tail) to `query`, and how many codes have each
   * distance: views valid until the next call.
   */
  scan(query: Uint32Array): { dist: Uint16Array; histogram: Uint32Array } {
    const n = this.count;
    const { dist, hist } = this.layout(n);
    const buffer = this.memory.buffer;
    new Uint8Array(buffer).set(new Uint8Array(query.buffer, query.byteOffset, this.stride), 0);
    const histogram = new Uint32Array(buffer, hist, this.bins);
    histogram.fill(0);
    this.hamming(this.stride, n, this.chunks, 0, dist, hist);
    return { dist: new Uint16Array(buffer, dist, n), histogram };
  }

  /** Positions whose distance (as left by the last scan, after any edits) is at most `cut`, ascending. */
  select(cut: number): Uint32Array {
    const n = this.count;
    const { dist, sel } = this.layout(n);
    const k = this.selectFn(dist, n, cut, sel);
    return new Uint32Array(this.memory.buffer, sel, k);
  }
}
