/**
 * Writes out everything an agent holds as export records (format.ts), page by page, so an
 * agent of any size streams out in bounded memory. Reads only: stores the agent never used
 * are skipped, not created. Pages are read one after another, not in one snapshot: export an
 * agent while nothing else writes to it for a consistent copy.
 */
import type { Agent } from '../agent.js';
import { ACTION_COLUMNS, rowToAction, type ActionRow } from '../actions/rows.js';
import type { Connection } from '../runtime/connection.js';
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from '../memories/rows.js';
import { hasStoreTables } from '../schema/store-tables.js';
import { TASK_COLUMNS, rowToTask, type TaskRow } from '../tasks/rows.js';
import { toIso } from '../util/time.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  emptyCounts,
  type DataRecord,
  type ExportRecord,
  type HeaderRecord,
  type TransferProgress,
} from './format.js';
import { agentStats } from './stats.js';

export interface ExportOptions {
  /** Called after each record with the records written so far and the total expected. */
  onProgress?: (progress: TransferProgress) => void;
  /** Rows read per query (default 200). */
  pageSize?: number;
}

const bytes = (value: unknown): Buffer => (Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array));

/** Reads a table in pages ordered by `key` (unique), handing out one row at a time. */
async function* pages<R extends object>(
  agent: Agent,
  sql: (after: boolean) => string,
  key: keyof R,
  params: (string | number)[],
  pageSize: number,
): AsyncGenerator<R> {
  let after: unknown;
  for (;;) {
    const rows = await agent.use(({ conn }: { conn: Connection }) =>
      conn.all<R>(`${sql(after !== undefined)} LIMIT ${pageSize}`, after === undefined ? params : [after as string | number, ...params]),
    );
    yield* rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]![key] as unknown;
  }
}

/**
 * Every record of an agent: a header, its data, and an end record with the counts.
 * @example
 * for await (const record of exportAgent(agent)) out.write(`${JSON.stringify(record)}\n`);
 */
export async function* exportAgent(agent: Agent, options: ExportOptions = {}): AsyncGenerator<ExportRecord> {
  const pageSize = options.pageSize ?? 200;
  const info = await agent.info();
  const stats = await agentStats(agent);
  const has = await agent.use(async ({ conn }) => ({
    files: await hasStoreTables(conn, 'files'),
    kv: await hasStoreTables(conn, 'kv'),
    tasks: await hasStoreTables(conn, 'tasks'),
    actions: await hasStoreTables(conn, 'actions'),
  }));
  const total = stats.memoryVersions + stats.files + stats.directories + stats.kv + stats.tasks + stats.actions;
  const counts = emptyCounts();
  let done = 0;
  const header: HeaderRecord = {
    type: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    agentId: agent.id,
    exportedAt: new Date().toISOString(),
    engine: info.driver,
    embedder: info.embedder,
  };
  yield header;
  const emit = (record: DataRecord): DataRecord => {
    counts[record.type]++;
    options.onProgress?.({ done: ++done, total: Math.max(total, done) });
    return record;
  };
  const now = Date.now();

  type MemoryWithVector = MemoryRow & { embedding: Uint8Array | null };
  for await (const row of pages<MemoryWithVector>(
    agent,
    (after) =>
      `SELECT ${MEMORY_COLUMNS}, v.embedding AS embedding FROM memories m LEFT JOIN memory_vectors v ON v.memory_id = m.id
       WHERE ${after ? 'm.id > ? AND ' : ''}(m.expires_at IS NULL OR m.expires_at > ?) ORDER BY m.id`,
    'id',
    [now],
    pageSize,
  )) {
    yield emit({ type: 'memory', ...rowToMemory(row), vector: row.embedding ? bytes(row.embedding).toString('base64') : null });
  }

  if (has.files) {
    type FileRow = {
      path: string;
      kind: string;
      size: number;
      mime: string | null;
      sha256: string | null;
      created_at: number;
      modified_at: number;
      data: Uint8Array | null;
    };
    for await (const f of pages<FileRow>(
      agent,
      (after) =>
        `SELECT f.path, f.kind, f.size, f.mime, f.sha256, f.created_at, f.modified_at, c.data FROM files f
         LEFT JOIN file_contents c ON c.file_id = f.id ${after ? 'WHERE f.path > ?' : ''} ORDER BY f.path`,
      'path',
      [],
      pageSize,
    )) {
      const times = { createdAt: toIso(f.created_at)!, modifiedAt: toIso(f.modified_at)! };
      if (f.kind === 'dir') yield emit({ type: 'directory', path: f.path, ...times });
      else
        yield emit({
          type: 'file',
          path: f.path,
          size: Number(f.size),
          mime: f.mime,
          sha256: f.sha256,
          ...times,
          data: f.data ? bytes(f.data).toString('base64') : '',
        });
    }
  }

  if (has.kv) {
    type KvRow = { key: string; value: string; created_at: number; updated_at: number; expires_at: number | null };
    for await (const r of pages<KvRow>(
      agent,
      (after) =>
        `SELECT key, value, created_at, updated_at, expires_at FROM kv WHERE ${after ? 'key > ? AND ' : ''}(expires_at IS NULL OR expires_at > ?) ORDER BY key`,
      'key',
      [now],
      pageSize,
    )) {
      yield emit({
        type: 'kv',
        key: r.key,
        value: JSON.parse(r.value) as unknown,
        createdAt: toIso(r.created_at)!,
        updatedAt: toIso(r.updated_at)!,
        expiresAt: toIso(r.expires_at),
      });
    }
  }

  if (has.tasks) {
    type TaskRowSeq = TaskRow & { seq: number; lease_ms: number | null };
    for await (const r of pages<TaskRowSeq>(
      agent,
      (after) =>
        `SELECT t.seq AS seq, t.lease_ms AS lease_ms, ${TASK_COLUMNS} FROM tasks t ${after ? 'WHERE t.seq > ?' : ''} ORDER BY t.seq`,
      'seq',
      [],
      pageSize,
    )) {
      yield emit({ type: 'task', ...rowToTask(r), leaseMs: r.lease_ms === null ? null : Number(r.lease_ms) });
    }
  }

  if (has.actions) {
    for await (const r of pages<ActionRow>(
      agent,
      (after) => `SELECT ${ACTION_COLUMNS} FROM actions a ${after ? 'WHERE a.id > ?' : ''} ORDER BY a.id`,
      'id',
      [],
      pageSize,
    )) {
      yield emit({ type: 'action', ...rowToAction(r) });
    }
  }

  yield { type: 'end', counts };
}
