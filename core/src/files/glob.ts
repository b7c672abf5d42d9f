/**
 * Glob patterns for readdir, search and import/export filters, compiled to anchored regular
 * expressions. `*` matches within one name, `**` across directories, `?` one character,
 * `[abc]` / `[!abc]` a class, `{md,txt}` alternatives. A pattern without '/' matches the last
 * name at any depth (like .gitignore): '*.md' finds every Markdown file.
 */
import { invalid } from '../util/errors.js';

const MAX_PATTERN = 512;

export type PathMatcher = (relativePath: string) => boolean;

function compile(pattern: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // '**/' matches zero or more whole directories; a lone '**' anything at all.
        if (pattern[i + 1] === '/') {
          i++;
          out += '(?:[^/]*/)*';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw invalid(`glob ${JSON.stringify(pattern)}: "[" has no closing "]"`);
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  if (braces > 0) throw invalid(`glob ${JSON.stringify(pattern)}: "{" has no closing "}"`);
  return out;
}

/**
 * A matcher for paths relative to the searched directory (no leading '/').
 * @example
 * globMatcher('docs/**\/*.md')('docs/a/b.md') // true
 */
export function globMatcher(pattern: unknown, what = 'glob'): PathMatcher {
  if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > MAX_PATTERN) {
    throw invalid(`${what} must be a non-empty string of at most ${MAX_PATTERN} characters`);
  }
  const trimmed = pattern.replace(/^\/+/, '');
  const regex = new RegExp(`^${compile(trimmed)}$`, 'u');
  if (trimmed.includes('/')) return (p) => regex.test(p);
  return (p) => regex.test(p.slice(p.lastIndexOf('/') + 1));
}

/** A matcher that accepts paths matching any of `patterns` (one pattern or a list). */
export function anyGlob(patterns: unknown, what: string): PathMatcher {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  if (list.length === 0) throw invalid(`${what} must be a glob or a non-empty list of globs`);
  const matchers = list.map((p) => globMatcher(p, what));
  return (p) => matchers.some((m) => m(p));
}
