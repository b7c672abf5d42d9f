/**
 * Which texts of a stored value get embedded: LangGraph's index field paths (`$` for the whole
 * value, `a.b`, `a[*].b`, `a[0]`, `a[-1]`, `*`, `{a,b.c}`), each resolved to the strings found
 * there. Objects and arrays found at a path are embedded as their JSON.
 */
import { invalid } from '../errors.js';

/** Splits a path at dots outside brackets and braces: `a[*].b` -> `a`, `[*]`, `b`. */
export function tokenizePath(path: string): string[] {
  if (typeof path !== 'string' || path.length === 0) throw invalid('index field paths must be non-empty strings');
  const tokens: string[] = [];
  let current = '';
  let depth = 0;
  const flush = () => {
    if (current) tokens.push(current);
    current = '';
  };
  for (const ch of path) {
    if (ch === '.' && depth === 0) {
      flush();
      continue;
    }
    if ((ch === '[' || ch === '{') && depth++ === 0) flush();
    current += ch;
    if ((ch === ']' || ch === '}') && --depth === 0) flush();
    if (depth < 0) break;
  }
  if (depth !== 0) throw invalid(`index field path "${path}" has unbalanced brackets`);
  flush();
  return tokens;
}

function leafTexts(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() === '' ? [] : [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (value !== null && typeof value === 'object') return [JSON.stringify(value, null, 2)];
  return [];
}

function extract(value: unknown, tokens: string[], pos: number): string[] {
  if (pos === tokens.length) return leafTexts(value);
  const token = tokens[pos]!;
  if (token === '$' && pos === 0) return extract(value, tokens, pos + 1);
  if (value === null || typeof value !== 'object') return [];
  const all = (items: unknown[]) => items.flatMap((item) => extract(item, tokens, pos + 1));
  if (token === '*' || token === '[*]') return all(Array.isArray(value) ? value : Object.values(value));
  if (token.startsWith('[') && token.endsWith(']')) {
    const index = Number(token.slice(1, -1));
    if (!Array.isArray(value) || !Number.isInteger(index)) return [];
    const item = value[index < 0 ? value.length + index : index];
    return item === undefined ? [] : extract(item, tokens, pos + 1);
  }
  if (token.startsWith('{') && token.endsWith('}')) {
    return token
      .slice(1, -1)
      .split(',')
      .flatMap((field) => (field.trim() ? extract(value, tokenizePath(field.trim()), 0) : []));
  }
  return Object.hasOwn(value, token) ? extract((value as Record<string, unknown>)[token], tokens, pos + 1) : [];
}

/**
 * The texts to embed for `value` under each path, named as LangGraph names them: the path
 * itself, or `path.i` when the path yields several texts.
 */
export function textsAtPaths(value: Record<string, unknown>, paths: readonly string[]): { field: string; text: string }[] {
  return paths.flatMap((path) => {
    const texts = extract(value, path === '$' ? ['$'] : tokenizePath(path), 0);
    return texts.length === 1 ? [{ field: path, text: texts[0]! }] : texts.map((text, i) => ({ field: `${path}.${i}`, text }));
  });
}
