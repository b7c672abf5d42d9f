/**
 * The page size of a new agent database. Every table and index of a b-tree engine takes at
 * least one page, so an idle agent with a few memories costs about 18 pages whatever it holds:
 * 72 KB at SQLite's default 4 KB, 18 KB at 1 KB. Smaller pages would make a large agent's vector
 * rows spill into overflow pages (a chain read per vector on re-rank), so the size is the
 * smallest one in which a vector row of the agent's embedder still fits in a leaf page. It is
 * fixed when the file is created: existing agent files keep theirs.
 */
import { invalid } from '../util/errors.js';

/** Smallest page size chosen (both engines accept 512, but below 1 KB the schema alone spans 7-9 pages). */
export const MIN_PAGE_SIZE = 1024;
/** SQLite's default; what every agent file created before this choice has. */
export const MAX_PAGE_SIZE = 4096;

/**
 * Largest payload a table leaf cell keeps on its page (SQLite file format: usable size - 35);
 * anything bigger overflows.
 */
const maxLocalPayload = (pageSize: number): number => pageSize - 35;

/** Bytes of a `memory_vectors` / `file_chunk_vectors` row besides the float32 values: record header and rowid, generously. */
const VECTOR_ROW_OVERHEAD = 24;

/** The page size for a new agent whose embedder makes `dims`-dimensional vectors. */
export function pageSizeFor(dims: number): number {
  const row = dims * 4 + VECTOR_ROW_OVERHEAD;
  for (let size = MIN_PAGE_SIZE; size < MAX_PAGE_SIZE; size *= 2) if (row <= maxLocalPayload(size)) return size;
  return MAX_PAGE_SIZE;
}

/** A page size given to Engram.open: a power of two from 1024 to 65536 (INVALID_ARGUMENT otherwise). */
export function checkPageSize(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1024 || value > 65536 || (value & (value - 1)) !== 0) {
    throw invalid(`pageSize must be a power of two from 1024 to 65536 bytes, not ${JSON.stringify(value)}`, { field: 'pageSize' });
  }
  return value;
}
