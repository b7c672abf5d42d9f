/**
 * Paths inside an agent's file system: one canonical form ('/a/b': a leading '/', no empty or
 * '.' segments, no trailing '/', Unicode NFC) and the rules that keep a path inside the agent.
 * '..' segments, NUL and other control characters, backslashes (a separator on Windows hosts)
 * and absurd lengths are refused with INVALID_ARGUMENT, so no stored path can climb out of an
 * export directory.
 */
import { invalid } from '../util/errors.js';

export const MAX_PATH_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;
export const ROOT = '/';

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/** A path for an error message: quoted, escaped, and cut short. */
export function showPath(path: unknown): string {
  const text = typeof path === 'string' ? path : String(path);
  const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  return shown;
}

/**
 * The canonical form of `input`, or INVALID_ARGUMENT naming the path and the rule it broke.
 * @example
 * normalizePath('notes//./todo.md') // '/notes/todo.md'
 */
export function normalizePath(input: unknown, what = 'path'): string {
  if (typeof input !== 'string') throw invalid(`${what} must be a string, got ${input === null ? 'null' : typeof input}`, { path: input });
  const fail = (why: string) => invalid(`invalid ${what} ${showPath(input)}: ${why}`, { path: input });
  if (input.length === 0) throw fail('it is empty (use "/" for the root directory)');
  if (input.length > MAX_PATH_BYTES * 2) throw fail(`it is longer than ${MAX_PATH_BYTES} bytes`);
  if (hasControl(input)) throw fail('it contains a NUL or other control character');
  if (input.includes('\\')) throw fail('backslashes are not allowed; separate directories with "/"');
  if (/\p{Cs}/u.test(input)) throw fail('it contains an unpaired surrogate, which has no UTF-8 form');
  const segments: string[] = [];
  for (const raw of input.normalize('NFC').split('/')) {
    if (raw === '' || raw === '.') continue;
    if (raw === '..') throw fail('".." segments are not allowed; give the absolute path inside the agent, like /notes/todo.md');
    if (Buffer.byteLength(raw) > MAX_SEGMENT_BYTES) throw fail(`the name ${showPath(raw)} is longer than ${MAX_SEGMENT_BYTES} bytes`);
    segments.push(raw);
  }
  const path = `/${segments.join('/')}`;
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw fail(`it is longer than ${MAX_PATH_BYTES} bytes`);
  return path;
}

/** The directory holding `path` ('/' for top-level entries; '' for the root itself). */
export function parentOf(path: string): string {
  if (path === ROOT) return '';
  const cut = path.lastIndexOf('/');
  return cut === 0 ? ROOT : path.slice(0, cut);
}

/** The last segment of `path` ('' for the root). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Every proper ancestor directory of `path` below the root, outermost first. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let p = parentOf(path); p !== ROOT && p !== ''; p = parentOf(p)) out.unshift(p);
  return out;
}

/** True when `path` is `dir` or lies below it. */
export function isWithin(path: string, dir: string): boolean {
  return dir === ROOT || path === dir || path.startsWith(`${dir}/`);
}

/** `path` relative to `dir` (which contains it), without a leading '/'. */
export function relativeTo(path: string, dir: string): string {
  return dir === ROOT ? path.slice(1) : path.slice(dir.length + 1);
}

/**
 * Bounds [low, high) that select exactly the strict descendants of `dir` by comparing paths
 * as bytes: '/' (0x2f) sorts just before '0' (0x30), so "dir/" <= p < "dir0".
 */
export function subtreeRange(dir: string): [string, string] {
  return dir === ROOT ? ['/', '0'] : [`${dir}/`, `${dir}0`];
}

/** Length of `text` in code points, as SQL's length()/substr() count it. */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
