/**
 * The search index of text files: owns `file_chunks`, `file_chunk_vectors` and the chunks'
 * text index (see search/text-indexes.ts). A chunk's vector
 * depends only on its text, so vectors are found by chunk hash anywhere in the agent before
 * anything is embedded: rewriting a file embeds only its changed passages, and copies, renames
 * and re-imports embed nothing.
 */
import type { Connection } from '../runtime/connection.js';
import type { Queryable } from '../drivers/types.js';
import type { Embedder } from '../embedders/types.js';
import { embedChecked } from '../embedders/validate.js';
import type { ReembedProgress } from '../memories/types.js';
import { vectorToBlob } from '../search/vectors.js';
import type { Chunk } from './chunker.js';
import type { TextDoc, TextIndex } from '../search/text-index.js';

import { MINT_ID_SQL, mintId } from '../util/ids.js';

/** Texts per embed() call. */
const EMBED_BATCH = 128;

/** Vector bytes by chunk hash; null when the embedder gave a zero vector (text search only). */
export type ChunkVectors = Map<string, Buffer | null>;

/** Embeds the distinct texts of `chunks` in batches; a zero vector is refused, as for memories. */
async function embedFresh(embedder: Embedder, chunks: readonly Chunk[]): Promise<ChunkVectors> {
  const out: ChunkVectors = new Map();
  const todo = [...new Map(chunks.map((c) => [c.hash, c.text]))];
  for (let i = 0; i < todo.length; i += EMBED_BATCH) {
    const batch = todo.slice(i, i + EMBED_BATCH);
    const vectors = await embedChecked(
      embedder,
      batch.map(([, text]) => text),
    );
    batch.forEach(([hash], k) => out.set(hash, vectorToBlob(vectors[k]!)));
  }
  return out;
}

/**
 * Vectors for every chunk in `chunks`: stored ones by hash, the rest embedded (outside any
 * transaction).
 */
export async function vectorsFor(db: Queryable, embedder: Embedder, chunks: readonly Chunk[]): Promise<ChunkVectors> {
  const vectors: ChunkVectors = new Map();
  const hashes = [...new Set(chunks.map((c) => c.hash))];
  if (hashes.length === 0) return vectors;
  // The CAST lets Turso 0.7 use the hash index: against a bare json_each value it scans the table.
  const stored = await db.all<{ hash: string; e: Uint8Array }>(
    `SELECT c.hash AS hash, v.embedding AS e FROM json_each(?) j
       CROSS JOIN file_chunks c ON c.hash = CAST(j.value AS TEXT)
       JOIN file_chunk_vectors v ON v.chunk_id = c.id`,
    [JSON.stringify(hashes)],
  );
  for (const r of stored) vectors.set(r.hash, Buffer.from(r.e.buffer, r.e.byteOffset, r.e.byteLength));
  const missing = chunks.filter((c) => !vectors.has(c.hash));
  const fresh = await embedFresh(embedder, missing);
  for (const [hash, v] of fresh) vectors.set(hash, v);
  return vectors;
}

/** Ids of every chunk of these files. */
async function chunkIds(tx: Queryable, fileIds: readonly number[]): Promise<number[]> {
  const rows = await tx.all<{ id: number }>('SELECT c.id AS id FROM json_each(?) j CROSS JOIN file_chunks c ON c.file_id = j.value', [
    JSON.stringify(fileIds),
  ]);
  return rows.map((r) => Number(r.id));
}

export async function deleteChunks(tx: Queryable, ids: readonly number[], index: TextIndex): Promise<void> {
  if (ids.length === 0) return;
  const list = JSON.stringify(ids);
  await index.remove(tx, ids);
  await tx.run('DELETE FROM file_chunk_vectors WHERE chunk_id IN (SELECT value FROM json_each(?))', [list]);
  await tx.run('DELETE FROM file_chunks WHERE id IN (SELECT value FROM json_each(?))', [list]);
}

/** Drops the chunks, vectors and index entries of these files. */
export async function removeChunks(tx: Queryable, fileIds: readonly number[], index: TextIndex): Promise<void> {
  if (fileIds.length > 0) await deleteChunks(tx, await chunkIds(tx, fileIds), index);
}

/** A chunk written, as the term index takes it. */
export type IndexedText = TextDoc;

/**
 * Makes a file's chunks equal to `chunks`: rows whose hash is still wanted stay (their line
 * numbers updated), the others go, and new ones are inserted with their vectors from `vectors`
 * (one statement each for all new chunks and all their vectors). Returns the new chunks with
 * their terms, which the caller adds to the text index (once per transaction).
 */
export async function syncChunks(
  tx: Queryable,
  fileId: number,
  chunks: readonly Chunk[],
  vectors: ChunkVectors,
  index: TextIndex,
): Promise<IndexedText[]> {
  const old = await tx.all<{ id: number; seq: number; start_line: number; end_line: number; hash: string }>(
    'SELECT id, seq, start_line, end_line, hash FROM file_chunks WHERE file_id = ?',
    [fileId],
  );
  const byHash = new Map<string, (typeof old)[number][]>();
  for (const r of old) byHash.set(r.hash, [...(byHash.get(r.hash) ?? []), r]);
  const fresh = new Map<number, Chunk>();
  for (const [seq, chunk] of chunks.entries()) {
    const row = byHash.get(chunk.hash)?.shift();
    if (!row) fresh.set(seq, chunk);
    else if (Number(row.seq) !== seq || Number(row.start_line) !== chunk.startLine || Number(row.end_line) !== chunk.endLine) {
      await tx.run('UPDATE file_chunks SET seq = ?, start_line = ?, end_line = ? WHERE id = ?', [
        seq,
        chunk.startLine,
        chunk.endLine,
        row.id,
      ]);
    }
  }
  await deleteChunks(
    tx,
    [...byHash.values()].flat().map((r) => Number(r.id)),
    index,
  );
  if (fresh.size === 0) return [];
  const analyses = new Map([...fresh].map(([seq, c]) => [seq, index.analyze(c)]));
  await tx.run(
    `INSERT INTO file_chunks (id, file_id, seq, start_line, end_line, hash, text, text_len)
       SELECT json_extract(value, '$[6]'), ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
              json_extract(value, '$[4]'), json_extract(value, '$[5]') FROM json_each(?)`,
    [
      fileId,
      JSON.stringify([...fresh].map(([seq, c]) => [seq, c.startLine, c.endLine, c.hash, c.text, analyses.get(seq)?.length ?? 0, mintId()])),
    ],
  );
  // The new rows' ids, read back (a RETURNING clause costs far more on Turso 0.7).
  const inserted = (await tx.all<{ id: number; seq: number }>('SELECT id, seq FROM file_chunks WHERE file_id = ?', [fileId])).filter((r) =>
    fresh.has(Number(r.seq)),
  );
  const added = inserted.map((r) => ({ id: Number(r.id), hash: fresh.get(Number(r.seq))!.hash, analysis: analyses.get(Number(r.seq)) }));
  const withVectors = added.flatMap((a) => {
    const v = vectors.get(a.hash);
    return v ? [[a.id, v.toString('hex')]] : [];
  });
  if (withVectors.length > 0) {
    // Vectors travel as hex inside one JSON parameter: one statement instead of one per chunk.
    await tx.run(
      `INSERT INTO file_chunk_vectors (chunk_id, embedding) SELECT json_extract(value, '$[0]'), unhex(json_extract(value, '$[1]')) FROM json_each(?)`,
      [JSON.stringify(withVectors)],
    );
  }
  return added.flatMap(({ id, analysis }) => (analysis ? [{ id, analysis }] : []));
}

/** Gives file `toId` a copy of file `fromId`'s chunks and vectors (nothing is embedded). */
export async function copyChunks(tx: Queryable, fromId: number, toId: number, index: TextIndex): Promise<void> {
  await tx.run(
    `INSERT INTO file_chunks (id, file_id, seq, start_line, end_line, hash, text, text_len)
       SELECT ${MINT_ID_SQL}, ?, seq, start_line, end_line, hash, text, text_len FROM file_chunks WHERE file_id = ? ORDER BY seq`,
    [toId, fromId],
  );
  await tx.run(
    `INSERT INTO file_chunk_vectors (chunk_id, embedding)
       SELECT n.id, v.embedding FROM file_chunks n
         JOIN file_chunks o ON o.file_id = ? AND o.seq = n.seq
         JOIN file_chunk_vectors v ON v.chunk_id = o.id
        WHERE n.file_id = ?`,
    [fromId, toId],
  );
  await index.add(tx, await tx.all<{ id: number; text: string }>('SELECT id, text FROM file_chunks WHERE file_id = ?', [toId]));
}

/**
 * Re-embeds every chunk with `embedder` (outside the transaction) and replaces all chunk
 * vectors in one transaction. Returns how many chunks were embedded.
 */
export async function reembedChunks(
  conn: Connection,
  embedder: Embedder,
  onProgress?: (progress: ReembedProgress) => void,
): Promise<number> {
  const rows = await conn.all<{ id: number; text: string; hash: string }>('SELECT id, text, hash FROM file_chunks ORDER BY id');
  const chunks = rows.map((r) => ({ startLine: 0, endLine: 0, text: r.text, hash: r.hash }));
  const vectors: ChunkVectors = new Map();
  for (let i = 0; i < chunks.length; i += EMBED_BATCH * 8) {
    const part = chunks.slice(i, i + EMBED_BATCH * 8);
    for (const [hash, v] of (await embedFresh(embedder, part)).entries()) vectors.set(hash, v);
    onProgress?.({ done: Math.min(i + part.length, chunks.length), total: chunks.length });
  }
  await conn.transaction(async (tx) => {
    await tx.run('DELETE FROM file_chunk_vectors');
    for (const r of rows) {
      const v = vectors.get(r.hash);
      if (v) await tx.run('INSERT INTO file_chunk_vectors (chunk_id, embedding) VALUES (?, ?)', [r.id, v]);
    }
  });
  return rows.length;
}
