/**
 * Reads export records (format.ts) back into an agent, keeping every id, time and link: the
 * memories' supersede chains, files' times, tasks' dependencies and states, actions' trees.
 * Everything is checked before anything is written, and everything is written in one
 * transaction: an import lands whole or not at all. Vectors are kept when the file's embedder
 * is the agent's; otherwise every memory is re-embedded (before the transaction). File
 * passages are always re-indexed by the file store. An id, key or path that the agent already
 * holds is a CONFLICT: import into a new agent, or forget the clashing data first.
 */
import { createHash } from 'node:crypto';
import type { Agent } from '../agent.js';
import type { AgentState } from '../runtime/agent-state.js';
import type { Queryable, SqlValue } from '../drivers/types.js';
import { embedChecked } from '../embedders/validate.js';
import { EngramError, invalid } from '../util/errors.js';
import { bumpVectorsVersion } from '../memories/memory-store.js';
import { KIND, MEMORY_ID, searchText } from '../memories/normalize.js';
import { ACTION_ID } from '../actions/normalize.js';
import { TASK_ID } from '../tasks/validate.js';
import { mintId } from '../util/ids.js';
import { insertMemories, type MemoryRow } from '../memories/rows.js';
import { insertRows } from '../util/insert-rows.js';
import { MEMORY_TEXT } from '../memories/text-index.js';
import { textIndex } from '../search/text-indexes.js';
import { createStoreTables, type StoreName } from '../schema/store-tables.js';
import { TASK_STATUSES } from '../tasks/types.js';
import { toEpochMs } from '../util/time.js';
import { vectorToBlob } from '../search/vectors.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  RECORD_KINDS,
  emptyCounts,
  type ActionRecord,
  type DataRecord,
  type DirectoryRecord,
  type ExportRecord,
  type FileRecord,
  type HeaderRecord,
  type KvRecord,
  type MemoryRecord,
  type RecordCounts,
  type TaskRecord,
  type TransferProgress,
} from './format.js';

export interface ImportOptions {
  /** Called as records are embedded and written: `phase` says which. */
  onProgress?: (progress: TransferProgress & { phase: 'embed' | 'write' }) => void;
  /** Memories embedded per embedder call when vectors are not portable (default 256). */
  batchSize?: number;
}

export interface ImportResult {
  counts: RecordCounts;
  /** Memories whose vectors were recomputed because the file came from another embedder. */
  reembedded: number;
}

type Where = string;

function fail(where: Where, message: string): never {
  throw invalid(`${where}: ${message}`);
}

function str(where: Where, field: string, value: unknown, nullable = false): string | null {
  if (value === null && nullable) return null;
  if (typeof value !== 'string') fail(where, `${field} must be a string${nullable ? ' or null' : ''}`);
  return value;
}

function time(where: Where, field: string, value: unknown, nullable = false): number | null {
  if (value === null && nullable) return null;
  if (typeof value !== 'string') fail(where, `${field} must be an ISO-8601 time${nullable ? ' or null' : ''}`);
  return toEpochMs(value, `${where}: ${field}`);
}

function num(where: Where, field: string, value: unknown, nullable = false): number | null {
  if (value === null && nullable) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(where, `${field} must be a number`);
  return value;
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function object(where: Where, field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, `${field} must be a JSON object`);
  return value as Record<string, unknown>;
}

function id(where: Where, field: string, value: unknown, pattern: RegExp, nullable = false): string | null {
  const s = str(where, field, value, nullable);
  if (s !== null && !pattern.test(s)) fail(where, `${field} ${JSON.stringify(s.slice(0, 80))} is not a valid id`);
  return s;
}

function strings(where: Where, field: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail(where, `${field} must be an array of strings`);
  return value as string[];
}

/** Splits records into header, data and end, checking that the file is whole. */
function checkShape(records: readonly ExportRecord[]): { header: HeaderRecord; data: DataRecord[] } {
  const header = records[0] as Partial<HeaderRecord> | undefined;
  if (!header || header.type !== 'header' || header.format !== EXPORT_FORMAT) {
    throw invalid(`not an Engram export: the first record must be a header with format "${EXPORT_FORMAT}"`);
  }
  if (!Number.isInteger(header.version) || header.version! < 1 || header.version! > EXPORT_VERSION) {
    throw new EngramError(
      'UNSUPPORTED',
      `export format version ${String(header.version)} is not supported (this Engram reads up to ${EXPORT_VERSION}): upgrade Engram`,
    );
  }
  const end = records[records.length - 1];
  if (records.length < 2 || end?.type !== 'end') {
    throw invalid('the export is incomplete: its last record is not the end record (was the file cut off?)');
  }
  const data = records.slice(1, -1) as DataRecord[];
  const counts = emptyCounts();
  for (const [i, r] of data.entries()) {
    const kind = (r as { type?: unknown }).type;
    if (!RECORD_KINDS.includes(kind as never)) fail(`record ${i + 2}`, `unknown record type ${JSON.stringify(kind)}`);
    counts[kind as keyof RecordCounts]++;
  }
  for (const kind of RECORD_KINDS) {
    if (counts[kind] !== Number(end.counts?.[kind] ?? 0)) {
      throw invalid(
        `the export is inconsistent: its end record counts ${String(end.counts?.[kind])} ${kind} records, the file holds ${counts[kind]}`,
      );
    }
  }
  return { header: header as HeaderRecord, data };
}

/** A memory record, checked, as the row to insert (its id chosen at insert, its text_len by the text index). */
function memoryRow(where: Where, m: MemoryRecord): MemoryRow {
  const text = str(where, 'text', m.text)!;
  if (text.trim().length === 0) fail(where, 'text is empty');
  if (typeof m.kind !== 'string' || !KIND.test(m.kind)) fail(where, `kind ${JSON.stringify(m.kind)} is not valid`);
  const importance = num(where, 'importance', m.importance)!;
  if (importance < 0 || importance > 1) fail(where, 'importance must be from 0 to 1');
  const context = str(where, 'context', m.context ?? null, true);
  return {
    id: 0,
    uid: id(where, 'id', m.id, MEMORY_ID)!,
    text,
    context,
    search_text: searchText(text, context),
    text_len: 0,
    kind: m.kind,
    tags: JSON.stringify(strings(where, 'tags', m.tags)),
    metadata: JSON.stringify(object(where, 'metadata', m.metadata)),
    importance,
    source: str(where, 'source', m.source ?? null, true),
    created_at: time(where, 'createdAt', m.createdAt)!,
    updated_at: time(where, 'updatedAt', m.updatedAt)!,
    valid_from: time(where, 'validFrom', m.validFrom)!,
    valid_to: time(where, 'validTo', m.validTo ?? null, true),
    expires_at: time(where, 'expiresAt', m.expiresAt ?? null, true),
    supersedes: id(where, 'supersedes', m.supersedes ?? null, MEMORY_ID, true),
    superseded_by: id(where, 'supersededBy', m.supersededBy ?? null, MEMORY_ID, true),
  };
}

function taskRow(where: Where, t: TaskRecord): SqlValue[] {
  if (!TASK_STATUSES.includes(t.status)) fail(where, `status must be one of ${TASK_STATUSES.join(', ')}`);
  const open = t.status === 'pending' || t.status === 'running' ? 1 : 0;
  return [
    id(where, 'id', t.id, TASK_ID),
    str(where, 'title', t.title),
    str(where, 'description', t.description ?? null, true),
    num(where, 'priority', t.priority),
    json(t.payload),
    json(t.result),
    str(where, 'error', t.error ?? null, true),
    t.status,
    open,
    id(where, 'parentId', t.parentId ?? null, TASK_ID, true),
    str(where, 'assignee', t.assignee ?? null, true),
    str(where, 'worker', t.worker ?? null, true),
    time(where, 'leaseExpiresAt', t.leaseExpiresAt ?? null, true),
    num(where, 'leaseMs', t.leaseMs ?? null, true),
    num(where, 'attempts', t.attempts),
    num(where, 'maxAttempts', t.maxAttempts),
    time(where, 'dueAt', t.dueAt ?? null, true),
    time(where, 'createdAt', t.createdAt),
    time(where, 'updatedAt', t.updatedAt),
    time(where, 'startedAt', t.startedAt ?? null, true),
    time(where, 'finishedAt', t.finishedAt ?? null, true),
  ];
}

// Row ids are minted (util/ids.ts), as the stores do, so replicas of a synced agent never collide.
const INSERT_TASK = `INSERT INTO tasks (seq, id, title, description, priority, payload, result, error, status, open, parent_id, assignee, worker,
  lease_expires_at, lease_ms, attempts, max_attempts, due_at, created_at, updated_at, started_at, finished_at)`;

function actionRow(where: Where, a: ActionRecord): SqlValue[] {
  return [
    id(where, 'id', a.id, ACTION_ID),
    str(where, 'name', a.name),
    str(where, 'status', a.status),
    JSON.stringify(a.input ?? null),
    json(a.output),
    json(a.error),
    id(where, 'parentId', a.parentId ?? null, ACTION_ID, true),
    str(where, 'taskId', a.taskId ?? null, true),
    str(where, 'runId', a.runId ?? null, true),
    str(where, 'sessionId', a.sessionId ?? null, true),
    JSON.stringify(object(where, 'metadata', a.metadata ?? {})),
    time(where, 'startedAt', a.startedAt),
    time(where, 'finishedAt', a.finishedAt ?? null, true),
    num(where, 'durationMs', a.durationMs ?? null, true),
  ];
}

const INSERT_ACTION = `INSERT INTO actions (id, uid, name, status, input, output, error, parent_id, task_id, run_id, session_id, metadata,
  started_at, finished_at, duration_ms)`;

function kvRow(where: Where, r: KvRecord): SqlValue[] {
  if (!('value' in r)) fail(where, 'value is missing');
  return [
    str(where, 'key', r.key),
    JSON.stringify(r.value),
    time(where, 'createdAt', r.createdAt),
    time(where, 'updatedAt', r.updatedAt),
    time(where, 'expiresAt', r.expiresAt ?? null, true),
  ];
}

function fileData(where: Where, f: FileRecord): Buffer {
  const data = Buffer.from(str(where, 'data', f.data)!, 'base64');
  if (f.sha256 !== null && f.sha256 !== undefined && createHash('sha256').update(data).digest('hex') !== f.sha256) {
    fail(where, `the content of ${String(f.path)} does not match its sha256 (the file was damaged)`);
  }
  return data;
}

/** Refuses ids the agent already holds, naming the first. */
async function refuseExisting(conn: Queryable, table: string, column: string, what: string, values: string[]): Promise<void> {
  if (values.length === 0) return;
  const hit = await conn.get<{ v: string }>(
    `SELECT t.${column} AS v FROM json_each(?) j JOIN ${table} t ON t.${column} = j.value LIMIT 1`,
    [JSON.stringify(values)],
  );
  if (hit) {
    throw new EngramError(
      'CONFLICT',
      `the agent already holds ${what} ${hit.v}: import into a new agent, or remove it first. Nothing was imported.`,
      {
        details: { [what]: hit.v },
      },
    );
  }
}

/**
 * Imports export records (header first, end last) into `agent`, in one transaction.
 * @example
 * const records = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
 * const { counts } = await importAgent(await engram.agent('copy'), records);
 */
export async function importAgent(agent: Agent, records: readonly ExportRecord[], options: ImportOptions = {}): Promise<ImportResult> {
  const { header, data } = checkShape(records);
  const at = (i: number) => `record ${i + 2} (${data[i]!.type})`;
  const memories: { where: Where; row: MemoryRow; record: MemoryRecord }[] = [];
  const rows = { kv: [] as SqlValue[][], task: [] as { row: SqlValue[]; deps: string[] }[], action: [] as SqlValue[][] };
  const files: { path: string; data: Buffer; record: FileRecord }[] = [];
  const dirs: DirectoryRecord[] = [];
  for (const [i, r] of data.entries()) {
    const where = at(i);
    if (r.type === 'memory') memories.push({ where, row: memoryRow(where, r), record: r });
    else if (r.type === 'file') files.push({ path: str(where, 'path', r.path)!, data: fileData(where, r), record: r });
    else if (r.type === 'directory')
      dirs.push({ ...r, path: str(where, 'path', r.path)! }); // copied: its path becomes the canonical one
    else if (r.type === 'kv') rows.kv.push(kvRow(where, r));
    else if (r.type === 'task') rows.task.push({ row: taskRow(where, r), deps: strings(where, 'dependsOn', r.dependsOn ?? []) });
    else rows.action.push(actionRow(where, r));
  }
  for (const r of [...dirs, ...files.map((f) => f.record)]) {
    time(r.path, 'createdAt', r.createdAt);
    time(r.path, 'modifiedAt', r.modifiedAt);
  }

  // Vectors: the file's own when they come from this agent's embedder, else recomputed.
  const { embedder } = agent;
  const portable = header.embedder?.id === embedder.id && header.embedder?.dims === embedder.dims;
  const blobs: Buffer[] = [];
  const total = memories.length + files.length + dirs.length + rows.kv.length + rows.task.length + rows.action.length;
  let reembedded = 0;
  const batchSize = options.batchSize ?? 256;
  const missing: number[] = [];
  for (const [i, m] of memories.entries()) {
    const blob = portable && typeof m.record.vector === 'string' ? Buffer.from(m.record.vector, 'base64') : undefined;
    if (blob && blob.length === embedder.dims * 4) blobs[i] = blob;
    else missing.push(i);
  }
  for (let i = 0; i < missing.length; i += batchSize) {
    const batch = missing.slice(i, i + batchSize);
    const vectors = await embedChecked(
      embedder,
      batch.map((j) => memories[j]!.row.search_text),
    );
    batch.forEach((j, k) => (blobs[j] = vectorToBlob(vectors[k]!)));
    reembedded += batch.length;
    options.onProgress?.({ phase: 'embed', done: reembedded, total: missing.length });
  }

  let done = 0;
  const step = () => options.onProgress?.({ phase: 'write', done: ++done, total });
  await agent.tryInTransaction(async (t) => {
    // Directories and files through the file store, which checks paths and indexes text.
    for (const d of dirs) {
      d.path = (await t.files.mkdir(d.path, { recursive: true })).path;
      step();
    }
    for (const f of files) {
      try {
        f.record = { ...f.record, path: (await t.files.writeFile(f.path, f.data, { parents: true, overwrite: false })).path };
      } catch (err) {
        if ((err as EngramError).code === 'CONFLICT') {
          throw new EngramError(
            'CONFLICT',
            `the agent already holds the file ${f.path}: import into a new agent, or remove it first. Nothing was imported.`,
            { cause: err },
          );
        }
        throw err;
      }
      step();
    }
    await t.use(async (state: AgentState) => {
      const { conn } = state;
      const index = textIndex(conn.dialect, MEMORY_TEXT);
      await conn.transaction(async (tx) => {
        for (const r of [...dirs, ...files.map((f) => f.record)]) {
          await tx.run('UPDATE files SET created_at = ?, modified_at = ? WHERE path = ?', [
            toEpochMs(r.createdAt, 'createdAt'),
            toEpochMs(r.modifiedAt, 'modifiedAt'),
            r.path,
          ]);
        }
        await refuseExisting(
          tx,
          'memories',
          'uid',
          'memory',
          memories.map((m) => m.row.uid),
        );
        // Rows, vectors and the text index go in batches (many rows per statement, not one per memory).
        for (let at = 0; at < memories.length; at += 500) {
          const chunk = memories.slice(at, at + 500);
          const analyses = chunk.map((m) => {
            const analysis = index.analyze(m.row);
            m.row.text_len = analysis?.length ?? 0;
            return analysis;
          });
          await insertMemories(
            tx,
            chunk.map((m) => m.row),
          );
          const { blob } = conn.dialect;
          await insertRows(
            tx,
            'INSERT INTO memory_vectors (memory_id, embedding)',
            2,
            chunk.map((m, i) => [m.row.id, blob.value(blobs[at + i]!)]),
            { placeholders: ['?', blob.sql('?')] },
          );
          await index.add(
            tx,
            chunk.map((m, i) => ({ id: m.row.id, analysis: analyses[i] })),
          );
          chunk.forEach(() => step());
        }
        if (memories.length > 0) await bumpVectorsVersion(tx);
        // A store's rows: its tables made on first use, none already there, many rows a statement.
        const importStore = async (
          name: StoreName,
          key: [column: string, what: string, values: string[]],
          head: string,
          list: SqlValue[][],
        ) => {
          if (list.length === 0) return;
          await createStoreTables(tx, conn.dialect, name);
          await refuseExisting(tx, name, key[0], key[1], key[2]);
          await insertRows(tx, head, list[0]!.length, list);
        };
        await importStore(
          'kv',
          ['key', 'key', rows.kv.map((r) => r[0] as string)],
          'INSERT INTO kv (key, value, created_at, updated_at, expires_at)',
          rows.kv,
        );
        await importStore(
          'tasks',
          ['id', 'task', rows.task.map((r) => r.row[0] as string)],
          INSERT_TASK,
          rows.task.map((t) => [mintId(), ...t.row]),
        );
        await insertRows(
          tx,
          'INSERT INTO task_deps (task_id, depends_on)',
          2,
          rows.task.flatMap((t) => t.deps.map((dep) => [t.row[0]!, dep])),
        );
        await importStore(
          'actions',
          ['uid', 'action', rows.action.map((r) => r[0] as string)],
          INSERT_ACTION,
          rows.action.map((r) => [mintId(), ...r]),
        );
        for (let i = rows.kv.length + rows.task.length + rows.action.length; i > 0; i--) step();
      });
    });
  });
  // The agent's cached vector index predates the import: bumpVectorsVersion makes recall rebuild it.
  const counts = emptyCounts();
  for (const r of data) counts[r.type]++;
  return { counts, reembedded };
}
