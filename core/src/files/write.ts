/**
 * Storing a file's bytes, in two steps: `prepareFile` works out everything that needs no
 * database (size check, sha256, text or binary, MIME type, passages), and `putFile` writes the
 * row, the content and the changed passages inside the caller's transaction, after the
 * passages' vectors were found or embedded outside it.
 */
import type { Limits } from '../runtime/agent-state.js';
import { checkWellFormed } from '../util/text.js';
import type { Queryable } from '../drivers/types.js';
import type { TextIndex } from '../search/text-index.js';
import { EngramError, invalid } from '../util/errors.js';
import { chunkText, type Chunk } from './chunker.js';
import { mimeOf, sha256, textOf } from './content-type.js';
import { syncChunks, type ChunkVectors, type IndexedText } from './indexer.js';
import { parentOf } from './paths.js';
import { conflict, ensureParent, getEntry, newFileId, totalBytes, touchDir, type FileRow } from './tree.js';

export interface PreparedFile {
  path: string;
  bytes: Buffer;
  sha256: string;
  isText: boolean;
  mime: string;
  chunks: Chunk[];
  /** Modification time to record (default: now); imports keep the host's. */
  modifiedAt?: number | undefined;
}

export interface PutOptions {
  parents: boolean;
  overwrite: boolean;
  now: number;
  /** The file chunks' text index on this engine. */
  index: TextIndex;
  limits: Limits;
  /** Leave a file whose content is already stored untouched (returns null). */
  skipUnchanged?: boolean;
  /** The root entry stand-in (see tree.rootRow). */
  root: FileRow;
}

const TOO_LARGE = (path: string, bytes: number, limit: number) =>
  new EngramError('LIMIT_EXCEEDED', `file ${path} would be ${bytes} bytes; the limit is ${limit} (limits.maxFileBytes)`, {
    details: { path, bytes, limit },
  });

/** `data` as bytes: a string is UTF-8; a Uint8Array (Buffer) is copied. */
export function toBytes(data: unknown, path: string, limits: Limits): Buffer {
  let size: number;
  if (typeof data === 'string') size = Buffer.byteLength(checkWellFormed(data, `text for ${path}`));
  else if (data instanceof Uint8Array) size = data.byteLength;
  else throw invalid(`data for ${path} must be a string or a Uint8Array (Buffer), got ${data === null ? 'null' : typeof data}`, { path });
  if (size > limits.maxFileBytes) throw TOO_LARGE(path, size, limits.maxFileBytes);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
}

export function prepareFile(path: string, bytes: Buffer, limits: Limits, modifiedAt?: number): PreparedFile {
  if (bytes.byteLength > limits.maxFileBytes) throw TOO_LARGE(path, bytes.byteLength, limits.maxFileBytes);
  const text = textOf(bytes);
  const isText = text !== undefined;
  return { path, bytes, sha256: sha256(bytes), isText, mime: mimeOf(path, isText), chunks: isText ? chunkText(text) : [], modifiedAt };
}

/**
 * Writes prepared files in `tx`, in order, then indexes their new passages' words in one go. Per file: CONFLICT over a directory (or over a file without
 * `overwrite`), NOT_FOUND or CONFLICT for a bad parent, LIMIT_EXCEEDED past maxTotalFileBytes.
 * Returns each file's row, or null for a file left untouched by `skipUnchanged`.
 */
export async function putFiles(
  tx: Queryable,
  files: readonly PreparedFile[],
  vectors: ChunkVectors,
  o: PutOptions,
): Promise<(FileRow | null)[]> {
  const rows: (FileRow | null)[] = [];
  const texts: IndexedText[] = [];
  for (const file of files) {
    const put = await putFile(tx, file, vectors, o);
    rows.push(put?.row ?? null);
    if (put) texts.push(...put.added);
  }
  await o.index.add(tx, texts);
  return rows;
}

async function putFile(
  tx: Queryable,
  file: PreparedFile,
  vectors: ChunkVectors,
  o: PutOptions,
): Promise<{ row: FileRow; added: IndexedText[] } | null> {
  const { path } = file;
  const existing = await getEntry(tx, path, o.root);
  if (existing?.kind === 'dir') throw conflict(`${path} is a directory; a file cannot replace it`, path);
  if (existing && !o.overwrite) throw conflict(`${path} already exists (pass { overwrite: true } to replace it)`, path);
  if (existing && o.skipUnchanged && existing.sha256 === file.sha256) return null;
  const max = o.limits.maxTotalFileBytes;
  if (max !== undefined) {
    const total = (await totalBytes(tx)) - Number(existing?.size ?? 0) + file.bytes.byteLength;
    if (total > max) {
      throw new EngramError(
        'LIMIT_EXCEEDED',
        `writing ${path} would bring this agent's files to ${total} bytes; the limit is ${max} (limits.maxTotalFileBytes)`,
        {
          details: { path, total, limit: max },
        },
      );
    }
  }
  const modified = file.modifiedAt ?? o.now;
  const fields = [file.bytes.byteLength, file.mime, file.isText ? 1 : 0, file.sha256, modified];
  const row: FileRow = {
    id: existing?.id ?? 0,
    path,
    kind: 'file',
    size: file.bytes.byteLength,
    mime: file.mime,
    is_text: file.isText ? 1 : 0,
    sha256: file.sha256,
    created_at: existing?.created_at ?? o.now,
    modified_at: modified,
  };
  // Plain statements, no RETURNING: on Turso 0.7 a RETURNING clause costs 20x the insert itself.
  if (existing) {
    await tx.run('UPDATE files SET size = ?, mime = ?, is_text = ?, sha256 = ?, modified_at = ? WHERE id = ?', [...fields, existing.id]);
    if (existing.sha256 !== file.sha256) await tx.run('UPDATE file_contents SET data = ? WHERE file_id = ?', [file.bytes, existing.id]);
  } else {
    await ensureParent(tx, path, o.parents, o.now);
    row.id = await newFileId(tx, path);
    await tx.run(
      `INSERT INTO files (id, path, parent, kind, size, mime, is_text, sha256, modified_at, created_at) VALUES (?, ?, ?, 'file', ?, ?, ?, ?, ?, ?)`,
      [row.id, path, parentOf(path), ...fields, o.now],
    );
    await tx.run('INSERT INTO file_contents (file_id, data) VALUES (?, ?)', [row.id, file.bytes]);
    await touchDir(tx, parentOf(path), o.now);
  }
  return { row, added: await syncChunks(tx, Number(row.id), file.chunks, vectors, o.index) };
}
