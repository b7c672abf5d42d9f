/**
 * Splits a text file into passages for search: runs of whole lines (about 800-1500 characters,
 * at most 40 lines), each starting with the last line or two of the one before, with 1-based
 * start and end lines and a sha256 of the passage text. Cut points are chosen by content (after
 * a blank line, before a Markdown heading, or before a line whose hash says so) once a passage
 * is big enough, so an edit moves only nearby cuts: the passages after it come out identical,
 * keep their hash, and need no new embedding.
 */
import { sha256 } from './content-type.js';

export interface Chunk {
  startLine: number;
  endLine: number;
  text: string;
  hash: string;
}

const MAX_CHARS = 1500;
const MAX_LINES = 40;
const MIN_CHARS = 800;
const MIN_LINES = 20;
const OVERLAP_LINES = 2;
const OVERLAP_CHARS = 300;
/** About one line in 16 may start a passage by its hash alone (code has few blank lines). */
const HASH_BOUNDARY_MASK = 15;

interface Piece {
  line: number;
  text: string;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Lines (without '\r\n' / '\n'), over-long ones cut into pieces of at most MAX_CHARS. */
function piecesOf(text: string): Piece[] {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const out: Piece[] = [];
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    for (let at = 0; at === 0 || at < line.length;) {
      let end = Math.min(line.length, at + MAX_CHARS);
      // Never split a surrogate pair.
      if (end < line.length && /[\uDC00-\uDFFF]/.test(line[end]!)) end--;
      out.push({ line: i + 1, text: line.slice(at, end) });
      at = end;
      if (end === line.length) break;
    }
  });
  return out;
}

function startsSection(previous: Piece, piece: Piece): boolean {
  if (previous.text.trim() === '') return piece.text.trim() !== '';
  if (/^#{1,6}\s/.test(piece.text)) return true;
  return piece.text.trim() !== '' && (fnv1a(piece.text) & HASH_BOUNDARY_MASK) === 0;
}

/**
 * The passages of `text`, in order; whitespace-only passages are left out.
 * @example
 * chunkText('# Title\nsome text\n')[0] // { startLine: 1, endLine: 2, text: '# Title\nsome text', hash: '…' }
 */
export function chunkText(text: string): Chunk[] {
  const pieces = piecesOf(text);
  const groups: Piece[][] = [];
  let current: Piece[] = [];
  let chars = 0;
  for (const [i, piece] of pieces.entries()) {
    if (current.length > 0) {
      const full = chars + piece.text.length + 1 > MAX_CHARS || current.length >= MAX_LINES;
      const bigEnough = chars >= MIN_CHARS || current.length >= MIN_LINES;
      if (full || (bigEnough && startsSection(pieces[i - 1]!, piece))) {
        groups.push(current);
        current = [];
        chars = 0;
      }
    }
    current.push(piece);
    chars += piece.text.length + 1;
  }
  if (current.length > 0) groups.push(current);

  const chunks: Chunk[] = [];
  groups.forEach((group, g) => {
    const overlap: Piece[] = [];
    let overlapChars = 0;
    for (const piece of [...(groups[g - 1] ?? [])].reverse()) {
      if (overlap.length >= OVERLAP_LINES || overlapChars + piece.text.length > OVERLAP_CHARS) break;
      overlap.unshift(piece);
      overlapChars += piece.text.length + 1;
    }
    if (group.every((p) => p.text.trim() === '')) return;
    const all = [...overlap, ...group];
    const body = all.map((p) => p.text).join('\n');
    chunks.push({ startLine: all[0]!.line, endLine: all[all.length - 1]!.line, text: body, hash: sha256(Buffer.from(body)) });
  });
  return chunks;
}
