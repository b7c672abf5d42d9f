/**
 * An in-memory first pass for vector recall on large agents: one sign bit per dimension,
 * compared by Hamming distance, to pick a few hundred candidates that the engine then ranks
 * exactly with its own cosine distance. It holds only ids and bits (48 bytes a vector at 384
 * dims), lives with the open handle, and is rebuilt when another process changed the vectors.
 */

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export class BinaryVectorIndex {
  readonly words: number;
  private ids: Float64Array;
  private expires: Float64Array;
  private codes: Uint32Array;
  private count = 0;
  private readonly slots = new Map<number, number>();

  constructor(
    readonly dims: number,
    /** The `vectors_version` of the database this index mirrors. */
    public version: string,
    capacity = 1024,
  ) {
    this.words = Math.ceil(dims / 32);
    this.ids = new Float64Array(capacity);
    this.expires = new Float64Array(capacity);
    this.codes = new Uint32Array(capacity * this.words);
  }

  get size(): number {
    return this.count;
  }

  private encode(vec: Float32Array, out: Uint32Array, offset: number): void {
    out.fill(0, offset, offset + this.words);
    for (let d = 0; d < this.dims; d++) {
      if (vec[d]! > 0) out[offset + (d >>> 5)]! |= 1 << (d & 31);
    }
  }

  private grow(): void {
    const capacity = this.ids.length * 2;
    const ids = new Float64Array(capacity);
    ids.set(this.ids);
    const expires = new Float64Array(capacity);
    expires.set(this.expires);
    const codes = new Uint32Array(capacity * this.words);
    codes.set(this.codes);
    this.ids = ids;
    this.expires = expires;
    this.codes = codes;
  }

  /** Adds or replaces the vector of `id`; `expiresAt` null means never. */
  upsert(id: number, vec: Float32Array, expiresAt: number | null): void {
    let slot = this.slots.get(id);
    if (slot === undefined) {
      if (this.count === this.ids.length) this.grow();
      slot = this.count++;
      this.slots.set(id, slot);
      this.ids[slot] = id;
    }
    this.expires[slot] = expiresAt ?? Number.POSITIVE_INFINITY;
    this.encode(vec, this.codes, slot * this.words);
  }

  remove(id: number): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    const last = --this.count;
    if (slot !== last) {
      const movedId = this.ids[last]!;
      this.ids[slot] = movedId;
      this.expires[slot] = this.expires[last]!;
      this.codes.copyWithin(slot * this.words, last * this.words, (last + 1) * this.words);
      this.slots.set(movedId, slot);
    }
    this.slots.delete(id);
  }

  /**
   * Ids of about `k` vectors nearest to `query` by Hamming distance (ties at the cut are all
   * kept), skipping expired entries and, when given, ids not in `allow`.
   */
  candidates(query: Float32Array, k: number, now: number, allow?: ReadonlySet<number>): number[] {
    const q = new Uint32Array(this.words);
    this.encode(query, q, 0);
    const n = this.count;
    const dist = new Uint16Array(n);
    const histogram = new Uint32Array(this.dims + 2);
    const skip = this.dims + 1;
    const { codes, words, ids, expires } = this;
    for (let i = 0; i < n; i++) {
      if (expires[i]! <= now || (allow && !allow.has(ids[i]!))) {
        dist[i] = skip;
        continue;
      }
      let s = 0;
      const o = i * words;
      for (let w = 0; w < words; w++) s += popcount32(codes[o + w]! ^ q[w]!);
      dist[i] = s;
      histogram[s]!++;
    }
    let cut = 0;
    for (let seen = 0; cut <= this.dims; cut++) {
      seen += histogram[cut]!;
      if (seen >= k) break;
    }
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (dist[i]! <= cut) out.push(ids[i]!);
    return out;
  }
}
