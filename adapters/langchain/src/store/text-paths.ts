/**
 * Which texts of a stored value get embedded, read exactly as LangGraph.js's InMemoryStore reads
 * its index paths (its `tokenizePath` and `getTextAtPath`, which the package does not export,
 * ported here): `$` for the whole value, `a.b`, `a[*].b`, `a[0]`, `a[-1]`, `*`, `{a,b.c}`.
 * As there, a path that starts with `$.` (e.g. `$.text`) embeds the whole value, and
 * objects and arrays found at a path are embedded as their JSON.
 */
import { invalid } from '../errors.js';

/** Checks a list of index paths (strings, as LangGraph takes them). */
export function checkPaths(paths: unknown, what: string): asserts paths is string[] {
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string'))
    throw invalid(`${what} must be an array of field paths (strings)`);
}

/** Splits a path into tokens: `chapters[*].content` -> `chapters`, `[*]`, `content`. */
export function tokenizePath(path: string): string[] {
  if (!path) return [];
  const tokens: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length) tokens.push(current.join(''));
    current = [];
  };
  let i = 0;
  while (i < path.length) {
    const char = path[i]!;
    if (char === '[' || char === '{') {
      flush();
      const close = char === '[' ? ']' : '}';
      let depth = 1;
      const group = [char];
      i += 1;
      while (i < path.length && depth > 0) {
        if (path[i] === char) depth += 1;
        else if (path[i] === close) depth -= 1;
        group.push(path[i]!);
        i += 1;
      }
      tokens.push(group.join(''));
      continue;
    }
    if (char === '.') flush();
    else current.push(char);
    i += 1;
  }
  flush();
  return tokens;
}

const asJson = (value: unknown) => JSON.stringify(value, null, 2);

function leaf(value: unknown): string[] {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (value !== null && typeof value === 'object') return [asJson(value)];
  return [];
}

function extract(value: unknown, tokens: string[], pos: number): string[] {
  if (pos >= tokens.length) return leaf(value);
  const token = tokens[pos]!;
  const results: string[] = [];
  if (pos === 0 && token === '$') results.push(asJson(value));
  if (token.startsWith('[') && token.endsWith(']')) {
    if (!Array.isArray(value)) return [];
    const index = token.slice(1, -1);
    if (index === '*') {
      for (const item of value) results.push(...extract(item, tokens, pos + 1));
    } else {
      let idx = parseInt(index, 10);
      if (idx < 0) idx = value.length + idx;
      if (idx >= 0 && idx < value.length) results.push(...extract(value[idx], tokens, pos + 1));
    }
  } else if (token.startsWith('{') && token.endsWith('}')) {
    if (typeof value !== 'object' || value === null) return [];
    for (const field of token
      .slice(1, -1)
      .split(',')
      .map((f) => f.trim())) {
      const nested = tokenizePath(field);
      if (!nested.length) continue;
      let current: unknown = value;
      for (const part of nested) {
        if (current && typeof current === 'object' && part in current) current = (current as Record<string, unknown>)[part];
        else {
          current = undefined;
          break;
        }
      }
      // Unlike at the end of a path, a null here is embedded as "null" (as LangGraph does).
      if (current !== undefined) results.push(...(current === null ? ['null'] : leaf(current)));
    }
  } else if (token === '*') {
    if (Array.isArray(value)) for (const item of value) results.push(...extract(item, tokens, pos + 1));
    else if (typeof value === 'object' && value !== null)
      for (const v of Object.values(value)) results.push(...extract(v, tokens, pos + 1));
  } else if (typeof value === 'object' && value !== null && token in value) {
    results.push(...extract((value as Record<string, unknown>)[token], tokens, pos + 1));
  }
  return results;
}

/** The texts at one index path of `value`, as InMemoryStore reads them (`$` is the token `$`). */
export function textsAtPath(value: unknown, path: string): string[] {
  return extract(value, path === '$' ? ['$'] : tokenizePath(path), 0);
}

/**
 * The texts to embed for `value` under each path, named as LangGraph names them: the path
 * itself, or `path.i` when the path yields several texts.
 */
export function textsAtPaths(value: Record<string, unknown>, paths: readonly string[]): { field: string; text: string }[] {
  return paths.flatMap((path) => {
    const texts = textsAtPath(value, path);
    return texts.length === 1 ? [{ field: path, text: texts[0]! }] : texts.map((text, i) => ({ field: `${path}.${i}`, text }));
  });
}
