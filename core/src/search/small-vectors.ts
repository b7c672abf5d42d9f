/**
 * The current vectors of an agent too small for the first-pass index (vector-index-store.ts),
 * held in memory by the open handle so that recall need not have the engine compute a distance
 * for every row: a scan here picks the nearest few, with a margin for rounding, and the engine
 * then ranks just those exactly (distances, order and ties as a full scan gives them). Measured
 * at 1k memories, 100 dims: the engine's full scan 1.3 ms (Turso) / 0.4 ms (SQLite), this scan
 * about 0.1 ms plus 0.25 / 0.08 ms for the engine's exact rank of ~35 rows.
 *
 * Used where the engine's per-row distance is the slow part (Dialect.vectorsInMemory: Turso).
 * Kept current like the index: read at a `vectors_version` (after a few recalls there),
 * it follows this handle's own writes (`followWrite`, called after commit with the changes the
 * write made) and is read again when the version moved any other way (another process, a
 * merge, a re-embed).
 */
import type { Queryable } from '../drivers/types.js';
import type { VectorChanges } from './vector-index-store.js';
import { blobToVector } from './vectors.js';

/** Most floats (vectors x dims) held per handle (4 MB): larger agents use the engine's scan. */
export const SMALL_VECTORS_MAX_FLOATS = 1 << 20;
/**
 * How much farther than the k-th nearest a candidate may be (cosine distance) and still be
 * handed to the engine: far above the gap between this float64 scan and the engines' float32
 * arithmetic (measured at most 5e-7 at 100 dims), so nothing the engine ranks in the top k is
 * left out.
 */
const MARGIN = 1e-4;
const KEY = 'search:small-vectors';

/** The current vectors of one agent at one vectors_version. */
export class SmallVectors {
  private ids: number[] = [];
  /** Every entry's vector, one after another (one array: the scan reads it straight through). */
  private data: Float32Array;
  /** 1 / |v|, so the scan is a dot product. */
  private inverseNorms: Float64Array;
  /** Expiry in epoch ms; Infinity for none. */
  private expires: Float64Array;
  private readonly slot = new Map<number, number>();

  constructor(
    readonly dims: number,
    public version: string,
    capacity = 64,
  ) {
    this.data = new Float32Array(capacity * dims);
    this.inverseNorms = new Float64Array(capacity);
    this.expires = new Float64Array(capacity);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Adds or replaces one entry; false when its vector does not have `dims` values. */
  upsert(id: number, vector: Float32Array, expiresAt: number | null): boolean {
    if (vector.length !== this.dims) return false;
    let norm = 0;
    for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
    let at = this.slot.get(id);
    if (at === undefined) {
      at = this.ids.length;
      if (at === this.expires.length) this.grow();
      this.slot.set(id, at);
      this.ids.push(id);
    }
    this.data.set(vector, at * this.dims);
    this.inverseNorms[at] = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    this.expires[at] = expiresAt ?? Infinity;
    return true;
  }

  private grow(): void {
    const capacity = this.expires.length * 2;
    const data = new Float32Array(capacity * this.dims);
    data.set(this.data);
    this.data = data;
    const inverseNorms = new Float64Array(capacity);
    inverseNorms.set(this.inverseNorms);
    this.inverseNorms = inverseNorms;
    const expires = new Float64Array(capacity);
    expires.set(this.expires);
    this.expires = expires;
  }

  /** Changes one entry's expiry; false when there is no such entry. */
  expire(id: number, expiresAt: number | null): boolean {
    const at = this.slot.get(id);
    if (at === undefined) return false;
    this.expires[at] = expiresAt ?? Infinity;
    return true;
  }

  remove(id: number): void {
    const at = this.slot.get(id);
    if (at === undefined) return;
    const last = this.ids.length - 1;
    if (at !== last) {
      this.ids[at] = this.ids[last]!;
      this.data.copyWithin(at * this.dims, last * this.dims, (last + 1) * this.dims);
      this.inverseNorms[at] = this.inverseNorms[last]!;
      this.expires[at] = this.expires[last]!;
      this.slot.set(this.ids[at]!, at);
    }
    this.ids.pop();
    this.slot.delete(id);
  }

  /** Applies a write's changes; false when they cannot be followed (then reload). */
  apply(changes: VectorChanges): boolean {
    for (const id of changes.removed ?? []) this.remove(id);
    for (const a of changes.added ?? []) if (!this.upsert(a.id, a.vector, a.expiresAt)) return false;
    for (const c of changes.changed ?? []) {
      if (c.vector ? !this.upsert(c.id, c.vector, c.expiresAt) : !this.expire(c.id, c.expiresAt)) return false;
    }
    return this.size * this.dims <= SMALL_VECTORS_MAX_FLOATS;
  }

  /**
   * Ids of the entries not expired at `now` whose cosine distance to `query` is within MARGIN
   * of the k-th smallest, in ascending id order (the order of the engine's own scan).
   */
  candidates(query: Float32Array, k: number, now: number): number[] {
    const n = this.ids.length;
    const dims = this.dims;
    const { data, inverseNorms, expires } = this;
    let qNorm = 0;
    for (let i = 0; i < dims; i++) qNorm += query[i]! * query[i]!;
    const qInverse = qNorm > 0 ? 1 / Math.sqrt(qNorm) : 0;
    const distance = new Float64Array(n);
    let live = 0;
    for (let at = 0, base = 0; at < n; at++, base += dims) {
      if (!(expires[at]! > now)) {
        distance[at] = Infinity;
        continue;
      }
      // Four sums at once (about 10% faster than one); the order differs from the engine's,
      // which the margin covers.
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      let i = 0;
      for (; i + 3 < dims; i += 4) {
        d0 += data[base + i]! * query[i]!;
        d1 += data[base + i + 1]! * query[i + 1]!;
        d2 += data[base + i + 2]! * query[i + 2]!;
        d3 += data[base + i + 3]! * query[i + 3]!;
      }
      for (; i < dims; i++) d0 += data[base + i]! * query[i]!;
      distance[at] = 1 - (d0 + d1 + d2 + d3) * inverseNorms[at]! * qInverse;
      live++;
    }
    if (live === 0) return [];
    const bound = live <= k ? Infinity : kthSmallest(distance, k) + MARGIN;
    const out: number[] = [];
    for (let at = 0; at < n; at++) if (distance[at]! <= bound && distance[at]! !== Infinity) out.push(this.ids[at]!);
    return out.sort((a, b) => a - b);
  }
}

/** The k-th smallest value (1-based) of `values`, by a partial selection on a copy. */
function kthSmallest(values: Float64Array, k: number): number {
  const a = Float64Array.from(values);
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target]!;
}

interface Holder {
  readonly caches: Map<string, unknown>;
}

/**
 * What a handle keeps: the vectors; or the version at which recall first ran without them
 * (`seenAt`: they are read once LOAD_AFTER_RECALLS recalls ran at that version, so a handle
 * that recalls a few times, or an agent another process keeps changing, never pays for reading
 * them all); or the version at which
 * they were found unfit to hold.
 */
type Cached = SmallVectors | { seenAt: string; dims: number; recalls: number } | { unfitAt: string; dims: number };

/**
 * Recalls at one version served by the engine's scan before the vectors are read: reading them
 * costs about 10 ms at 1k x 384 on Turso, and each later recall saves about 0.6 ms, so a
 * handle that recalls a few times only (a short conversation, then the pool closes it) or an
 * agent another process keeps changing should not pay it.
 */
const LOAD_AFTER_RECALLS = 3;

/**
 * The handle's small-agent vectors at `version`: the cached ones if current, else read from
 * the tables once LOAD_AFTER_RECALLS recalls ran at this version. Undefined when not (yet) held, or when the
 * agent holds more than SMALL_VECTORS_MAX_FLOATS (or a vector of another size): then the
 * engine's scan serves.
 */
export async function smallVectors(state: Holder & { conn: Queryable }, dims: number, version: string): Promise<SmallVectors | undefined> {
  const cached = state.caches.get(KEY) as Cached | undefined;
  if (cached instanceof SmallVectors && cached.version === version && cached.dims === dims) return cached;
  if (cached && 'unfitAt' in cached && cached.unfitAt === version && cached.dims === dims) return undefined;
  if (!(cached && 'seenAt' in cached && cached.seenAt === version && cached.dims === dims)) {
    state.caches.set(KEY, { seenAt: version, dims, recalls: 1 });
    return undefined;
  }
  if (cached.recalls < LOAD_AFTER_RECALLS) {
    cached.recalls++;
    return undefined;
  }
  const unfit = () => {
    state.caches.set(KEY, { unfitAt: version, dims });
    return undefined;
  };
  const count = await state.conn.get<{ n: number }>(`SELECT count(*) AS n FROM memories WHERE valid_to IS NULL`);
  if (Number(count?.n ?? 0) * dims > SMALL_VECTORS_MAX_FLOATS) return unfit();
  const rows = await state.conn.all<{ id: number; e: Uint8Array; x: number | null }>(
    `SELECT v.memory_id AS id, v.embedding AS e, m.expires_at AS x FROM memory_vectors v JOIN memories m ON m.id = v.memory_id WHERE m.valid_to IS NULL`,
  );
  const small = new SmallVectors(dims, version, Math.max(64, rows.length));
  for (const r of rows) {
    let vector: Float32Array;
    try {
      vector = blobToVector(r.e);
    } catch {
      return unfit(); // a damaged row: the engine's scan decides what it is worth
    }
    if (!small.upsert(Number(r.id), vector, r.x === null ? null : Number(r.x))) return unfit();
  }
  state.caches.set(KEY, small);
  return small;
}

/**
 * After this handle's write committed at `version` with `changes`: the cached vectors follow
 * it if they were current just before, else they are dropped (reloaded on the next recall).
 */
export function followWrite(state: Holder, version: string, changes: VectorChanges | undefined): void {
  const cached = state.caches.get(KEY) as Cached | undefined;
  if (!cached) return;
  const previous = String(Number(version) - 1);
  if ('seenAt' in cached && cached.seenAt === previous) cached.seenAt = version;
  else if (cached instanceof SmallVectors && changes && cached.version === previous && cached.apply(changes)) cached.version = version;
  else state.caches.delete(KEY);
}
