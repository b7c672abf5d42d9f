/**
 * What a pull leaves to Engram: the sync protocol replays rows, so state that sums over rows,
 * or that two replicas changed at once, is put right here after every pull that brought
 * changes, the same way on every replica (so the fixes themselves agree when pushed).
 *
 * - Caches of the open handle (the first-pass vector index, per-store caches, meta) are dropped.
 * - A schema newer than this Engram's is refused, before anything is written.
 * - Two replicas that superseded the same memory offline: both successors are current. The
 *   later one (by created_at, then uid) wins; the other is kept in the chain before it, so
 *   history() shows both and neither is lost.
 * - Engram's own term index keeps per-term document counts and totals that two replicas both
 *   moved (the later push wins a counter): they are recounted from the postings.
 * - Two replicas that wrote the same file path offline share its row (its id comes from the
 *   path), and the later push's content wins; each left its own passages, so a file whose
 *   passages now repeat a position keeps those of its content and drops the others.
 * - A row deleted on one replica while another changed it stays deleted (the delete wins); what
 *   the other replica added under it (a new version's passages, vectors, index entries) is
 *   dropped as an orphan.
 */
import type { AgentState } from '../runtime/agent-state.js';
import type { Queryable } from '../drivers/types.js';
import { EngramError } from '../util/errors.js';
import { chunkText } from '../files/chunker.js';
import { textOf } from '../files/content-type.js';
import { deleteChunks } from '../files/indexer.js';
import { FILE_TEXT } from '../files/schema.js';
import { MEMORY_TEXT } from '../memories/text-index.js';
import { readMeta, tableNames } from '../schema/meta.js';
import { SCHEMA_VERSION } from '../schema/migrations.js';
import type { TextIndex } from '../search/text-index.js';
import { textIndex } from '../search/text-indexes.js';

export interface ReconcileResult {
  /** Memories that lost a concurrent supersede and were moved into the winner's history. */
  forksResolved: number;
  /** Term counts corrected. */
  termsRecounted: number;
  /** File passages dropped: another replica's version of the same file, or of a deleted one. */
  passagesDropped: number;
  /** Rows dropped whose owner another replica deleted (vectors, contents, index entries). */
  orphansDropped: number;
}

/** Drops the handle's caches and refuses a schema from a newer Engram. */
export async function refreshState(state: AgentState, agentId: string): Promise<void> {
  state.caches.clear(); // the vector index's included (search/vector-cache.ts)
  const meta = await readMeta(state.conn);
  const version = Number(meta?.schema_version ?? 0);
  if (version > SCHEMA_VERSION) {
    throw new EngramError(
      'UNSUPPORTED',
      `agent ${agentId}: the remote holds schema version ${version}, newer than this Engram (${SCHEMA_VERSION}); upgrade Engram on this machine. Nothing was written.`,
      { details: { remoteVersion: version, localVersion: SCHEMA_VERSION } },
    );
  }
  if (meta) state.meta = meta;
}

interface Successor {
  uid: string;
  supersedes: string;
  created_at: number;
  valid_from: number;
}

/** Chains the current successors of one memory into one line of history (oldest first). */
async function resolveForks(tx: Queryable, tables: Set<string>): Promise<number> {
  if (!tables.has('memories')) return 0;
  const rows = await tx.all<Successor>(
    `SELECT uid, supersedes, created_at, valid_from FROM memories
      WHERE valid_to IS NULL AND superseded_by IS NULL AND supersedes IN (
        SELECT supersedes FROM memories WHERE supersedes IS NOT NULL AND valid_to IS NULL AND superseded_by IS NULL
         GROUP BY supersedes HAVING count(*) > 1)`,
  );
  const groups = new Map<string, Successor[]>();
  for (const r of rows) groups.set(r.supersedes, [...(groups.get(r.supersedes) ?? []), r]);
  let resolved = 0;
  const now = Date.now();
  for (const [pred, siblings] of groups) {
    siblings.sort((a, b) => Number(a.created_at) - Number(b.created_at) || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
    await tx.run('UPDATE memories SET superseded_by = ? WHERE uid = ?', [siblings[0]!.uid, pred]);
    for (let i = 0; i + 1 < siblings.length; i++) {
      const loser = siblings[i]!;
      const next = siblings[i + 1]!;
      await tx.run('UPDATE memories SET valid_to = ?, superseded_by = ?, updated_at = ? WHERE uid = ?', [
        Math.max(Number(loser.valid_from), Number(next.valid_from)),
        next.uid,
        now,
        loser.uid,
      ]);
      await tx.run('UPDATE memories SET supersedes = ? WHERE uid = ?', [loser.uid, next.uid]);
      resolved++;
    }
  }
  return resolved;
}

/** Drops the passages of files written on two replicas that belong to the losing content. */
async function dropStalePassages(tx: Queryable, tables: Set<string>, index: TextIndex): Promise<number> {
  if (!tables.has('file_chunks')) return 0;
  const files = await tx.all<{ file_id: number }>(
    'SELECT DISTINCT file_id FROM (SELECT file_id FROM file_chunks GROUP BY file_id, seq HAVING count(*) > 1)',
  );
  const drop: number[] = [];
  for (const { file_id: fileId } of files) {
    const content = await tx.get<{ data: Buffer }>('SELECT data FROM file_contents WHERE file_id = ?', [fileId]);
    const text = content ? textOf(content.data) : undefined;
    const wanted = (text === undefined ? [] : chunkText(text)).map((c) => c.hash);
    const rows = await tx.all<{ id: number; seq: number; hash: string }>(
      'SELECT id, seq, hash FROM file_chunks WHERE file_id = ? ORDER BY id',
      [fileId],
    );
    const bySeq = new Map<number, { id: number; hash: string }[]>();
    for (const r of rows) bySeq.set(Number(r.seq), [...(bySeq.get(Number(r.seq)) ?? []), { id: Number(r.id), hash: r.hash }]);
    for (const [seq, candidates] of bySeq) {
      if (seq >= wanted.length) {
        drop.push(...candidates.map((c) => c.id));
        continue;
      }
      const keep = candidates.find((c) => c.hash === wanted[seq]);
      if (keep && candidates.length > 1) drop.push(...candidates.filter((c) => c !== keep).map((c) => c.id));
    }
  }
  await deleteChunks(tx, drop, index);
  return drop.length;
}

/** Child rows whose parent row is gone: [table, column, parent table] (index postings: recountTerms). */
const ORPHANS: readonly [string, string, string][] = [
  ['memory_vectors', 'memory_id', 'memories'],
  ['file_contents', 'file_id', 'files'],
  ['file_chunk_vectors', 'chunk_id', 'file_chunks'],
];

/** Drops what a delete on another replica left without its owner. */
async function dropOrphans(tx: Queryable, tables: Set<string>, index: TextIndex): Promise<number> {
  let dropped = 0;
  if (tables.has('file_chunks') && tables.has('files')) {
    const chunks = await tx.all<{ id: number }>(
      'SELECT c.id AS id FROM file_chunks c WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.id = c.file_id)',
    );
    await deleteChunks(
      tx,
      chunks.map((c) => Number(c.id)),
      index,
    );
    dropped += chunks.length;
  }
  for (const [table, column, parent] of ORPHANS) {
    if (!tables.has(table) || !tables.has(parent)) continue;
    // At most one child per parent: no more children than parents is taken as no orphan (one
    // missed then, beside a parent without a child, only costs space: reads join to the parent).
    const counts = await tx.get<{ children: number; parents: number }>(
      `SELECT (SELECT count(*) FROM ${table}) AS children, (SELECT count(*) FROM ${parent}${parent === 'files' ? ` WHERE kind = 'file'` : ''}) AS parents`,
    );
    if (Number(counts?.children) <= Number(counts?.parents)) continue;
    const r = await tx.run(`DELETE FROM ${table} WHERE NOT EXISTS (SELECT 1 FROM ${parent} p WHERE p.id = ${table}.${column})`);
    dropped += r.changes;
  }
  return dropped;
}

/** Puts right what a pull may leave inconsistent (see the module comment). One transaction. */
export async function reconcile(state: AgentState): Promise<ReconcileResult> {
  const memoryText = textIndex(state.conn.dialect, MEMORY_TEXT);
  const fileText = textIndex(state.conn.dialect, FILE_TEXT);
  return state.conn.transaction(async (tx) => {
    const tables = await tableNames(tx);
    const forksResolved = await resolveForks(tx, tables);
    const passagesDropped = await dropStalePassages(tx, tables, fileText);
    const orphansDropped = await dropOrphans(tx, tables, fileText);
    const termsRecounted = (await memoryText.reconcile(tx, tables)) + (await fileText.reconcile(tx, tables));
    return { forksResolved, termsRecounted, passagesDropped, orphansDropped };
  });
}
