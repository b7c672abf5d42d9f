import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { FunctionEmbedder } from '../src/embedders/function-embedder.js';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Every stored entry with its content hash and times: equal snapshots mean nothing changed. */
async function snapshot(agent: Agent) {
  const entries = await agent.files.readdir('/', { recursive: true });
  const rows = await agent.use((s) => s.conn.all('SELECT id, file_id, seq, hash FROM file_chunks ORDER BY id'));
  return { entries, rows };
}

/** A HashEmbedder that counts the texts it embeds. */
function countingEmbedder() {
  const inner = new HashEmbedder({ dims: 64 });
  const seen: string[] = [];
  const embedder = new FunctionEmbedder(
    async (texts) => {
      seen.push(...texts);
      return inner.embed(texts);
    },
    { id: inner.id, dims: inner.dims },
  );
  return { embedder, seen };
}

/** A Markdown file of `n` sections of prose, about 10 lines each. */
function longMarkdown(n: number): string {
  const out: string[] = [];
  for (let s = 1; s <= n; s++) {
    out.push(`## Section ${s}`, '');
    for (let l = 1; l <= 10; l++) out.push(`Paragraph ${s}.${l} talks about topic ${s * 7 + l} with some words to fill the line up.`);
    out.push('');
  }
  return out.join('\n');
}

describe.each(DRIVER_NAMES)('files on %s', (driver) => {
  it('walks through every method', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('walk');
    const f = agent.files;

    const dir = await f.mkdir('/notes');
    expect(dir).toMatchObject({ path: '/notes', name: 'notes', type: 'directory', size: 0, mime: null, sha256: null, isText: false });
    await expectCode(f.mkdir('/notes'), 'CONFLICT');
    expect((await f.mkdir('notes', { recursive: true })).path).toBe('/notes');

    const text = '# Todo\n- call Bob\n- buy milk\n';
    const info = await f.writeFile('notes//./todo.md', text);
    expect(info).toMatchObject({
      path: '/notes/todo.md',
      name: 'todo.md',
      type: 'file',
      size: Buffer.byteLength(text),
      mime: 'text/markdown',
      isText: true,
    });
    expect(info.sha256).toBe(sha(text));
    expect(Date.parse(info.createdAt)).toBeGreaterThan(0);

    await expectCode(f.writeFile('/a/b/c.txt', 'x'), 'NOT_FOUND');
    expect(await f.exists('/a')).toBe(false);
    await f.writeFile('/a/b/c.txt', 'x', { parents: true });
    expect((await f.stat('/a/b')).type).toBe('directory');
    await expectCode(f.writeFile('/notes/todo.md', 'y', { overwrite: false }), 'CONFLICT');

    expect(await f.readFile('/notes/todo.md')).toEqual(Buffer.from(text));
    expect(Buffer.isBuffer(await f.readFile('/notes/todo.md'))).toBe(true);
    expect(await f.readFile('/notes/todo.md', 'utf8')).toBe(text);
    expect(await f.readText('/notes/todo.md')).toBe(text);
    expect(await f.readText('/notes/todo.md', { startLine: 2, endLine: 3 })).toBe('- call Bob\n- buy milk');

    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0xfe, 0x80]);
    const img = await f.writeFile('/img/logo.png', png, { parents: true });
    expect(img).toMatchObject({ mime: 'image/png', isText: false, size: png.length, sha256: sha(png) });
    expect(await f.readFile('/img/logo.png')).toEqual(png);
    const blob = await f.writeFile('/img/data', new Uint8Array([0xc3, 0x28, 1, 2]));
    expect(blob).toMatchObject({ mime: 'application/octet-stream', isText: false });
    expect((await f.writeFile('/img/README', 'plain words')).mime).toBe('text/plain');

    const created = info.createdAt;
    await new Promise((r) => setTimeout(r, 5));
    const appended = await f.appendFile('/notes/todo.md', '- write tests\n');
    expect(appended.size).toBe(Buffer.byteLength(text) + 14);
    expect(appended.createdAt).toBe(created);
    expect(appended.modifiedAt > info.modifiedAt).toBe(true);
    expect(await f.readText('/notes/todo.md')).toBe(`${text}- write tests\n`);
    expect((await f.appendFile('/notes/log.txt', 'one\n')).size).toBe(4);
    await f.appendFile('/notes/log.txt', Buffer.from('two\n'));
    expect(await f.readText('/notes/log.txt')).toBe('one\ntwo\n');

    expect(await f.exists('/notes/todo.md')).toBe(true);
    expect(await f.exists('/notes/nope.md')).toBe(false);
    expect((await f.stat('/')).type).toBe('directory');

    expect((await f.readdir('/')).map((e) => e.name)).toEqual(['a', 'img', 'notes']);
    expect((await f.readdir('/notes')).map((e) => e.path)).toEqual(['/notes/log.txt', '/notes/todo.md']);
    expect((await f.readdir('/', { recursive: true })).map((e) => e.path)).toEqual([
      '/a',
      '/a/b',
      '/a/b/c.txt',
      '/img',
      '/img/README',
      '/img/data',
      '/img/logo.png',
      '/notes',
      '/notes/log.txt',
      '/notes/todo.md',
    ]);
    expect((await f.readdir('/', { recursive: true, glob: '*.md' })).map((e) => e.path)).toEqual(['/notes/todo.md']);
    expect((await f.readdir('/', { recursive: true, glob: '{img,a}/*' })).map((e) => e.path)).toEqual([
      '/a/b',
      '/img/README',
      '/img/data',
      '/img/logo.png',
    ]);
    expect((await f.readdir('/', { recursive: true, glob: 'a/**/*.txt' })).map((e) => e.path)).toEqual(['/a/b/c.txt']);
    await expectCode(f.readdir('/notes/todo.md'), 'CONFLICT');
    await expectCode(f.readdir('/missing'), 'NOT_FOUND');

    // rename a file, then a directory with its subtree; passages follow without re-embedding.
    const moved = await f.rename('/notes/log.txt', '/notes/log.md');
    expect(moved).toMatchObject({ path: '/notes/log.md', mime: 'text/markdown' });
    await f.move('/notes', '/archive/2025/notes', { parents: true });
    expect(await f.exists('/notes')).toBe(false);
    expect(await f.readText('/archive/2025/notes/todo.md')).toBe(`${text}- write tests\n`);
    expect((await f.readdir('/archive/2025/notes')).map((e) => e.name)).toEqual(['log.md', 'todo.md']);
    const [hit] = await f.search('milk', { mode: 'text' });
    expect(hit?.path).toBe('/archive/2025/notes/todo.md');

    // rename over an existing file replaces it; over a directory it never does.
    await f.writeFile('/x.txt', 'old x');
    await f.writeFile('/y.txt', 'new y');
    await expectCode(f.rename('/y.txt', '/x.txt', { overwrite: false }), 'CONFLICT');
    await f.rename('/y.txt', '/x.txt');
    expect(await f.readText('/x.txt')).toBe('new y');
    await expectCode(f.rename('/x.txt', '/img'), 'CONFLICT');
    await expectCode(f.rename('/img', '/x.txt'), 'CONFLICT');

    // copy: a file, then a directory (recursive only); copies are independent.
    const copied = await f.copy('/archive/2025/notes/todo.md', '/todo-copy.txt');
    expect(copied).toMatchObject({ path: '/todo-copy.txt', mime: 'text/plain', sha256: appended.sha256 });
    await expectCode(f.copy('/archive', '/archive-2'), 'INVALID_ARGUMENT');
    await f.copy('/archive', '/archive-2', { recursive: true });
    expect((await f.readdir('/archive-2', { recursive: true })).map((e) => e.path)).toEqual([
      '/archive-2/2025',
      '/archive-2/2025/notes',
      '/archive-2/2025/notes/log.md',
      '/archive-2/2025/notes/todo.md',
    ]);
    await f.writeFile('/archive-2/2025/notes/todo.md', 'changed');
    expect(await f.readText('/archive/2025/notes/todo.md')).toBe(`${text}- write tests\n`);
    const milk = await f.search('milk', { mode: 'text' });
    expect(milk.map((r) => r.path).sort()).toEqual(['/archive/2025/notes/todo.md', '/todo-copy.txt']);

    const usage = await f.usage();
    expect(usage).toMatchObject({ files: 10, directories: 9, textFiles: 8 });

    // rm: files, empty and non-empty directories, force.
    expect(await f.rm('/x.txt')).toBe(1);
    await expectCode(f.rm('/x.txt'), 'NOT_FOUND');
    expect(await f.rm('/x.txt', { force: true })).toBe(0);
    await expectCode(f.rm('/archive'), 'CONFLICT');
    expect(await f.rm('/archive', { recursive: true })).toBe(5);
    expect(await f.exists('/archive/2025/notes/todo.md')).toBe(false);
    await f.mkdir('/empty');
    expect(await f.rm('/empty')).toBe(1);
    expect((await f.search('milk', { mode: 'text' })).map((r) => r.path)).toEqual(['/todo-copy.txt']);

    // A file and a directory never replace each other.
    await expectCode(f.writeFile('/img', 'x'), 'CONFLICT');
    await expectCode(f.mkdir('/todo-copy.txt'), 'CONFLICT');
    await expectCode(f.writeFile('/todo-copy.txt/inner', 'x', { parents: true }), 'CONFLICT');
    await expectCode(f.readFile('/img'), 'CONFLICT');
    await expectCode(f.readFile('/'), 'CONFLICT');
    await expectCode(f.readFile('/nope'), 'NOT_FOUND');
    await expectCode(f.stat('/nope'), 'NOT_FOUND');
  });

  it('refuses hostile paths with INVALID_ARGUMENT and stores nothing', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('hostile');
    const f = agent.files;
    await f.writeFile('/safe/file.txt', 'keep me', { parents: true });
    const before = await snapshot(agent);
    const hostile: unknown[] = [
      '../x',
      '/a/../../b',
      '/safe/..',
      '..',
      'a/./../b',
      'a\0b',
      '\u0001',
      '/tab\there',
      '/line\nbreak',
      '/del\u007f',
      '/c1\u0085',
      'x'.repeat(2000),
      `/${'d/'.repeat(600)}f`,
      `/${'é'.repeat(200)}`,
      'a\\..\\..\\etc\\passwd',
      '',
      null,
      undefined,
      42,
      { path: '/x' },
      ['/x'],
    ];
    for (const p of hostile) {
      const path = p as string;
      const label = JSON.stringify(String(p)).slice(0, 40);
      const err = await expectCode(f.writeFile(path, 'data', { parents: true }), 'INVALID_ARGUMENT').catch((e: Error) => {
        throw new Error(`${label}: ${e.message}`);
      });
      if (typeof p === 'string' && p.length > 0 && p.length < 30 && ![...p].some((c) => c.charCodeAt(0) < 32))
        expect(err.message).toContain(p.replaceAll('\\', '\\\\'));
      await expectCode(f.mkdir(path, { recursive: true }), 'INVALID_ARGUMENT');
      await expectCode(f.appendFile(path, 'x', { parents: true }), 'INVALID_ARGUMENT');
      await expectCode(f.readFile(path), 'INVALID_ARGUMENT');
      await expectCode(f.stat(path), 'INVALID_ARGUMENT');
      await expectCode(f.rm(path, { recursive: true, force: true }), 'INVALID_ARGUMENT');
      await expectCode(f.rename('/safe/file.txt', path, { parents: true }), 'INVALID_ARGUMENT');
      await expectCode(f.copy('/safe', path, { recursive: true, parents: true }), 'INVALID_ARGUMENT');
      if (p !== undefined) await expectCode(f.search('keep', { path }), 'INVALID_ARGUMENT');
    }
    // '//' and '/' are the root: a directory that cannot be written, removed or moved.
    for (const root of ['//', '/', '/./']) {
      expect((await f.stat(root)).path).toBe('/');
      await expectCode(f.writeFile(root, 'x'), 'INVALID_ARGUMENT');
      await expectCode(f.rm(root, { recursive: true }), 'INVALID_ARGUMENT');
      await expectCode(f.rename(root, '/moved'), 'INVALID_ARGUMENT');
      await expectCode(f.copy('/safe/file.txt', root), 'INVALID_ARGUMENT');
    }
    expect(await snapshot(agent)).toEqual(before);
  });

  it('refuses bad input with clear typed errors and leaves the tree unchanged', async () => {
    const engram = await openEngram(driver, { limits: { maxFileBytes: 1000, maxTotalFileBytes: 1500 } });
    const agent = await engram.agent('bad');
    const f = agent.files;
    await f.writeFile('/docs/a.md', '# A\nalpha\n', { parents: true });
    await f.writeFile('/docs/sub/b.md', '# B\nbeta\n', { parents: true });
    await f.writeFile('/bin.dat', Buffer.from([0xff, 0xfe, 0, 1, 2]));
    await f.writeFile('/big.txt', 'z'.repeat(900));
    const before = await snapshot(agent);

    const bin = await expectCode(f.readText('/bin.dat'), 'INVALID_ARGUMENT');
    expect(bin.message).toMatch(/\/bin\.dat is binary.*readFile/);
    await expectCode(f.readFile('/bin.dat', 'utf8'), 'INVALID_ARGUMENT');
    const big = await expectCode(f.writeFile('/huge.txt', 'x'.repeat(1001)), 'LIMIT_EXCEEDED');
    expect(big.message).toContain('maxFileBytes');
    await expectCode(f.writeFile('/huge.bin', new Uint8Array(5000)), 'LIMIT_EXCEEDED');
    await expectCode(f.appendFile('/big.txt', 'y'.repeat(200)), 'LIMIT_EXCEEDED');
    const total = await expectCode(f.writeFile('/more.txt', 'm'.repeat(900)), 'LIMIT_EXCEEDED');
    expect(total.message).toContain('maxTotalFileBytes');
    await expectCode(f.copy('/big.txt', '/big2.txt'), 'LIMIT_EXCEEDED');
    await expectCode(f.writeFile('/x', 42 as unknown as string), 'INVALID_ARGUMENT');
    await expectCode(f.writeFile('/x', null as unknown as string), 'INVALID_ARGUMENT');

    const own = await expectCode(f.rename('/docs', '/docs/sub/docs'), 'INVALID_ARGUMENT');
    expect(own.message).toContain('own subtree');
    await expectCode(f.copy('/docs', '/docs/copy', { recursive: true }), 'INVALID_ARGUMENT');
    await expectCode(f.copy('/docs/a.md', '/docs/a.md'), 'CONFLICT');
    const notEmpty = await expectCode(f.rm('/docs'), 'CONFLICT');
    expect(notEmpty.message).toContain('recursive');
    await expectCode(f.rm('/nope'), 'NOT_FOUND');
    await expectCode(f.rename('/nope', '/x'), 'NOT_FOUND');
    await expectCode(f.copy('/nope', '/x'), 'NOT_FOUND');
    await expectCode(f.rename('/docs/a.md', '/missing/a.md'), 'NOT_FOUND');
    await expectCode(f.mkdir('/missing/deep'), 'NOT_FOUND');
    await expectCode(f.readText('/docs/a.md', { startLine: 0 }), 'INVALID_ARGUMENT');
    await expectCode(f.readText('/docs/a.md', { startLine: 3, endLine: 2 }), 'INVALID_ARGUMENT');

    // Unknown option fields and wrong option types are refused, never ignored.
    await expectCode(f.writeFile('/n.txt', 'x', { recursive: true } as never), 'INVALID_ARGUMENT');
    await expectCode(f.rm('/docs', { recursve: true } as never), 'INVALID_ARGUMENT');
    await expectCode(f.rm('/docs', { recursive: 'yes' } as never), 'INVALID_ARGUMENT');
    await expectCode(f.readdir('/', { glob: '[abc' }), 'INVALID_ARGUMENT');
    await expectCode(f.search(''), 'INVALID_ARGUMENT');
    await expectCode(f.search('alpha', { limit: 0 }), 'INVALID_ARGUMENT');
    await expectCode(f.search('alpha', { mode: 'fuzzy' as never }), 'INVALID_ARGUMENT');
    await expectCode(f.search('alpha', { where: 1 } as never), 'INVALID_ARGUMENT');

    expect(await snapshot(agent)).toEqual(before);
  });

  it('re-embeds only the passages whose text changed', async () => {
    const { embedder, seen } = countingEmbedder();
    const engram = await openEngram(driver, { embedder });
    const agent = await engram.agent('reindex');
    const f = agent.files;
    const chunkRows = () => agent.use((s) => s.conn.all<{ id: number; hash: string }>('SELECT id, hash FROM file_chunks ORDER BY seq'));

    const original = longMarkdown(12);
    await f.writeFile('/long.md', original);
    const first = await chunkRows();
    expect(first.length).toBeGreaterThan(5);
    expect(seen.length).toBe(first.length);

    // Same content again: nothing is embedded, every row stays.
    seen.length = 0;
    await f.writeFile('/long.md', original);
    expect(seen).toEqual([]);
    expect(await chunkRows()).toEqual(first);

    // One line changed in the middle: only the passages holding it (and the overlap after it).
    seen.length = 0;
    const edited = original.replace('Paragraph 6.5 talks', 'Paragraph 6.5 now discusses');
    await f.writeFile('/long.md', edited);
    const second = await chunkRows();
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.length).toBeLessThanOrEqual(2);
    expect(seen.some((t) => t.includes('now discusses'))).toBe(true);
    const kept = second.filter((r) => first.some((o) => o.id === r.id));
    expect(kept.length).toBe(second.length - seen.length);

    // A line inserted at the top: the cuts resynchronise, so the passages further down stay.
    seen.length = 0;
    await f.writeFile('/long.md', `# A new title line\n\n${edited}`);
    expect(seen.length).toBeLessThanOrEqual(2);

    // Appending embeds only the new tail; copies, renames and duplicates embed nothing.
    seen.length = 0;
    await f.appendFile('/long.md', '\n## Appendix\n\nOne more closing paragraph about the zebra crossing.\n');
    expect(seen.length).toBeLessThanOrEqual(2);
    seen.length = 0;
    await f.copy('/long.md', '/copy.md');
    await f.rename('/copy.md', '/moved.md');
    await f.writeFile('/dup.md', await f.readText('/long.md'));
    expect(seen).toEqual([]);
    const zebra = await f.search('zebra crossing', { mode: 'vector', limit: 3 });
    expect(zebra.map((r) => r.path).sort()).toEqual(['/dup.md', '/long.md', '/moved.md']);
    // The index matches a fresh write of the same text.
    const rows = await agent.use((s) =>
      s.conn.all<{ path: string; n: number }>(
        'SELECT f.path AS path, count(*) AS n FROM file_chunks c JOIN files f ON f.id = c.file_id GROUP BY f.path ORDER BY f.path',
      ),
    );
    expect(new Set(rows.map((r) => Number(r.n))).size).toBe(1);
  });

  it('keeps binary files out of the index and searches text files by path and glob', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('scope');
    const f = agent.files;
    await f.writeFile('/a/one.md', 'kangaroo facts: they hop across the outback', { parents: true });
    await f.writeFile('/a/two.txt', 'kangaroo pouch details', { parents: true });
    await f.writeFile('/b/three.md', 'a kangaroo in the zoo', { parents: true });
    await f.writeFile('/b/raw.bin', Buffer.concat([Buffer.from('kangaroo'), Buffer.from([0, 0xff])]));
    expect((await f.usage()).chunks).toBe(3);
    const all = await f.search('kangaroo', { limit: 10 });
    expect(all.map((r) => r.path).sort()).toEqual(['/a/one.md', '/a/two.txt', '/b/three.md']);
    for (const r of all) {
      expect(r).toMatchObject({ startLine: 1, endLine: 1 });
      expect(r.parts.fused).toBeGreaterThan(0);
    }
    expect((await f.search('kangaroo', { path: '/a' })).map((r) => r.path).sort()).toEqual(['/a/one.md', '/a/two.txt']);
    expect((await f.search('kangaroo', { path: '/a/two.txt' })).map((r) => r.path)).toEqual(['/a/two.txt']);
    expect((await f.search('kangaroo', { glob: '*.md' })).map((r) => r.path).sort()).toEqual(['/a/one.md', '/b/three.md']);
    expect((await f.search('kangaroo', { path: '/b', glob: '*.txt' })).map((r) => r.path)).toEqual([]);
    expect((await f.search('kangaroo', { path: '/nowhere' })).map((r) => r.path)).toEqual([]);
    const text = await f.search('pouch', { mode: 'text' });
    expect(text.map((r) => r.path)).toEqual(['/a/two.txt']);
    expect(text[0]!.parts.text!.rank).toBe(1);
    expect(text[0]!.parts.vector).toBeUndefined();

    // Re-embedding (after an embedder change) replaces every passage's vector, and search still works.
    expect(await f.reembedAll()).toBe(3);
    const vectors = await agent.use((s) => s.conn.get<{ n: number }>('SELECT count(*) AS n FROM file_chunk_vectors'));
    expect(Number(vectors?.n)).toBe(3);
    expect((await f.search('pouch', { mode: 'vector', limit: 1 }))[0]!.path).toBe('/a/two.txt');
  });
});
