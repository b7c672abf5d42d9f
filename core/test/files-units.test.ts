import { describe, expect, it } from 'vitest';
import { chunkText } from '../src/files/chunker.js';
import { mimeOf, textOf } from '../src/files/content-type.js';
import { globMatcher } from '../src/files/glob.js';
import { ancestorsOf, normalizePath, parentOf, subtreeRange } from '../src/files/paths.js';
import { expectCode } from './helpers.js';

describe('file paths', () => {
  it('normalises to one canonical form', () => {
    const cases: [string, string][] = [
      ['a/b', '/a/b'],
      ['/a//b/', '/a/b'],
      ['./a/./b/.', '/a/b'],
      ['//', '/'],
      ['/', '/'],
      ['/...', '/...'],
      ['/caf\u0065\u0301', '/caf\u00e9'],
      ['/with space/ok', '/with space/ok'],
    ];
    for (const [input, out] of cases) expect(normalizePath(input)).toBe(out);
    expect(parentOf('/a/b')).toBe('/a');
    expect(parentOf('/a')).toBe('/');
    expect(ancestorsOf('/a/b/c')).toEqual(['/a', '/a/b']);
    expect(subtreeRange('/a')).toEqual(['/a/', '/a0']);
  });

  it('names the path and the rule in each refusal', async () => {
    expect((await expectCode(() => normalizePath('../etc/passwd'), 'INVALID_ARGUMENT')).message).toContain('"../etc/passwd"');
    expect((await expectCode(() => normalizePath('a\0b'), 'INVALID_ARGUMENT')).message).toContain('control character');
    expect((await expectCode(() => normalizePath('x'.repeat(300)), 'INVALID_ARGUMENT')).message).toContain('255 bytes');
    expect((await expectCode(() => normalizePath('/a'.repeat(600)), 'INVALID_ARGUMENT')).message).toContain('1024 bytes');
    expect((await expectCode(() => normalizePath(''), 'INVALID_ARGUMENT')).message).toContain('empty');
    expect((await expectCode(() => normalizePath(7), 'INVALID_ARGUMENT')).message).toContain('must be a string');
  });
});

describe('globs', () => {
  it('matches names, directories and alternatives', () => {
    const yes: [string, string][] = [
      ['*.md', 'a/b/c.md'],
      ['docs/*.md', 'docs/x.md'],
      ['docs/**/*.md', 'docs/x.md'],
      ['docs/**/*.md', 'docs/a/b/x.md'],
      ['**', 'any/thing'],
      ['{src,test}/*.ts', 'test/a.ts'],
      ['file?.txt', 'dir/file1.txt'],
      ['[ab]*.txt', 'b1.txt'],
      ['[!ab]*.txt', 'c1.txt'],
      ['/docs/*.md', 'docs/x.md'],
      ['a+b (1).txt', 'a+b (1).txt'],
    ];
    const no: [string, string][] = [
      ['docs/*.md', 'docs/a/x.md'],
      ['*.md', 'a/b/c.mdx'],
      ['[ab]*.txt', 'c1.txt'],
      ['{src,test}/*.ts', 'lib/a.ts'],
    ];
    for (const [g, p] of yes) expect([g, p, globMatcher(g)(p)]).toEqual([g, p, true]);
    for (const [g, p] of no) expect([g, p, globMatcher(g)(p)]).toEqual([g, p, false]);
  });

  it('refuses malformed patterns', async () => {
    await expectCode(() => globMatcher('[abc'), 'INVALID_ARGUMENT');
    await expectCode(() => globMatcher('{a,b'), 'INVALID_ARGUMENT');
    await expectCode(() => globMatcher(''), 'INVALID_ARGUMENT');
  });
});

describe('content types', () => {
  it('tells text from binary and types by extension', () => {
    expect(textOf(Buffer.from('héllo'))).toBe('héllo');
    expect(textOf(Buffer.from([0x68, 0, 0x69]))).toBeUndefined();
    expect(textOf(Buffer.from([0xc3, 0x28]))).toBeUndefined();
    expect(mimeOf('/a/b.MD', true)).toBe('text/markdown');
    expect(mimeOf('/a/.bashrc', true)).toBe('text/plain');
    expect(mimeOf('/a/x.constructor', false)).toBe('application/octet-stream');
  });
});

describe('chunker', () => {
  it('cuts by lines with line numbers, overlap, and no passage over the limits', () => {
    const text = Array.from({ length: 300 }, (_, i) => `line ${i + 1} ${'x'.repeat(i % 50)}`).join('\n');
    const chunks = chunkText(text);
    expect(chunks[0]!.startLine).toBe(1);
    expect(chunks[chunks.length - 1]!.endLine).toBe(300);
    const lines = text.split('\n');
    for (const [i, c] of chunks.entries()) {
      expect(c.text).toBe(lines.slice(c.startLine - 1, c.endLine).join('\n'));
      expect(c.endLine - c.startLine + 1).toBeLessThanOrEqual(42);
      expect(c.text.length).toBeLessThanOrEqual(1500 + 300);
      // Each passage starts with the last line or two of the one before.
      if (i > 0) expect(c.startLine).toBeGreaterThanOrEqual(chunks[i - 1]!.endLine - 1);
      if (i > 0) expect(c.startLine).toBeLessThanOrEqual(chunks[i - 1]!.endLine);
    }
  });

  it('splits an over-long line, handles CRLF, and skips blank passages', () => {
    const long = chunkText('😀'.repeat(2000));
    expect(long.length).toBeGreaterThan(2);
    expect(long.every((c) => c.startLine === 1 && c.endLine === 1 && !/[\uD800-\uDBFF]$/.test(c.text))).toBe(true);
    expect(long.map((c) => c.text).join('')).toBe('😀'.repeat(2000));
    expect(chunkText('a\r\nb\r\n')).toMatchObject([{ startLine: 1, endLine: 2, text: 'a\nb' }]);
    expect(chunkText('\n\n   \n')).toEqual([]);
    expect(chunkText('')).toEqual([]);
  });

  it('keeps passages after an edit identical (content-defined cuts)', () => {
    const code = Array.from({ length: 400 }, (_, i) => `  const value${i} = compute(${i}, "item-${i % 17}");`).join('\n');
    const before = new Set(chunkText(code).map((c) => c.hash));
    const after = chunkText(`// a new header line\n${code}`);
    expect(after.filter((c) => !before.has(c.hash)).length).toBeLessThanOrEqual(2);
  });
});
