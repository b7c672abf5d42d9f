import { createHash } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { FunctionEmbedder } from '../src/embedders/function-embedder.js';
import { DRIVER_NAMES, expectCode, openEngram, suiteSetup } from './helpers.js';

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

type Files = Agent['files'];

/** The tree most listing tests read: two levels, text and binary files. */
async function buildTree(f: Files): Promise<void> {
  await f.mkdir('/notes');
  await f.writeFile('/notes/todo.md', TODO);
  await f.writeFile('/notes/log.txt', 'one\ntwo\n');
  await f.writeFile('/a/b/c.txt', 'x', { parents: true });
  await f.writeFile('/img/logo.png', PNG, { parents: true });
  await f.writeFile('/img/data', new Uint8Array([0xc3, 0x28, 1, 2]));
  await f.writeFile('/img/README', 'plain words');
}

/** Three text files and a binary one that all say kangaroo. */
async function kangaroos(f: Files): Promise<void> {
  await f.writeFile('/a/one.md', 'kangaroo facts: they hop across the outback', { parents: true });
  await f.writeFile('/a/two.txt', 'kangaroo pouch details', { parents: true });
  await f.writeFile('/b/three.md', 'a kangaroo in the zoo', { parents: true });
  await f.writeFile('/b/raw.bin', Buffer.concat([Buffer.from('kangaroo'), Buffer.from([0, 0xff])]));
}

const TODO = '# Todo\n- call Bob\n- buy milk\n';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0xfe, 0x80]);

describe.each(DRIVER_NAMES)('files on %s', (driver) => {
  let agent: Agent;
  let f: Files;
  beforeEach(async () => {
    agent = await (await openEngram(driver)).agent('walk');
    f = agent.files;
  });

  describe('mkdir', () => {
    it('creates a directory and returns its entry', async () => {
      const dir = await f.mkdir('/notes');
      expect(dir).toMatchObject({ path: '/notes', name: 'notes', type: 'directory', size: 0, mime: null, sha256: null, isText: false });
    });

    it('refuses an existing directory with CONFLICT, unless recursive', async () => {
      await f.mkdir('/notes');
      await expectCode(f.mkdir('/notes'), 'CONFLICT');
      expect((await f.mkdir('notes', { recursive: true })).path).toBe('/notes');
    });

    it('refuses a path that is a file with CONFLICT', async () => {
      await f.writeFile('/todo-copy.txt', TODO);
      await expectCode(f.mkdir('/todo-copy.txt'), 'CONFLICT');
    });
  });

  describe('writeFile', () => {
    it('normalises the path and returns size, mime type, hash and times', async () => {
      await f.mkdir('/notes');
      const info = await f.writeFile('notes//./todo.md', TODO);
      expect(info).toMatchObject({
        path: '/notes/todo.md',
        name: 'todo.md',
        type: 'file',
        size: Buffer.byteLength(TODO),
        mime: 'text/markdown',
        isText: true,
      });
      expect(info.sha256).toBe(sha(TODO));
      expect(Date.parse(info.createdAt)).toBeGreaterThan(0);
    });

    it('refuses a missing parent directory with NOT_FOUND and creates nothing', async () => {
      await expectCode(f.writeFile('/a/b/c.txt', 'x'), 'NOT_FOUND');
      expect(await f.exists('/a')).toBe(false);
    });

    it('creates missing parents with parents: true', async () => {
      await f.writeFile('/a/b/c.txt', 'x', { parents: true });
      expect((await f.stat('/a/b')).type).toBe('directory');
    });

    it('refuses an existing file with CONFLICT when overwrite is false', async () => {
      await f.writeFile('/notes/todo.md', TODO, { parents: true });
      await expectCode(f.writeFile('/notes/todo.md', 'y', { overwrite: false }), 'CONFLICT');
    });

    it('stores binary content byte for byte and knows a PNG by its name', async () => {
      const img = await f.writeFile('/img/logo.png', PNG, { parents: true });
      expect(img).toMatchObject({ mime: 'image/png', isText: false, size: PNG.length, sha256: sha(PNG) });
      expect(await f.readFile('/img/logo.png')).toEqual(PNG);
    });

    it('types a file without an extension as octet-stream when binary and text/plain when text', async () => {
      const blob = await f.writeFile('/data', new Uint8Array([0xc3, 0x28, 1, 2]));
      expect(blob).toMatchObject({ mime: 'application/octet-stream', isText: false });
      expect((await f.writeFile('/README', 'plain words')).mime).toBe('text/plain');
    });

    it('never replaces a directory with a file, nor writes below a file', async () => {
      await f.mkdir('/img');
      await f.writeFile('/todo-copy.txt', TODO);
      await expectCode(f.writeFile('/img', 'x'), 'CONFLICT');
      await expectCode(f.writeFile('/todo-copy.txt/inner', 'x', { parents: true }), 'CONFLICT');
    });
  });

  describe('readFile and readText', () => {
    beforeEach(async () => {
      await f.writeFile('/notes/todo.md', TODO, { parents: true });
    });

    it('readFile returns a Buffer, or a string with utf8', async () => {
      expect(await f.readFile('/notes/todo.md')).toEqual(Buffer.from(TODO));
      expect(Buffer.isBuffer(await f.readFile('/notes/todo.md'))).toBe(true);
      expect(await f.readFile('/notes/todo.md', 'utf8')).toBe(TODO);
    });

    it('readText returns the text, or a range of lines', async () => {
      expect(await f.readText('/notes/todo.md')).toBe(TODO);
      expect(await f.readText('/notes/todo.md', { startLine: 2, endLine: 3 })).toBe('- call Bob\n- buy milk');
    });

    it('readFile of a directory, the root included, is refused with CONFLICT', async () => {
      await expectCode(f.readFile('/notes'), 'CONFLICT');
      await expectCode(f.readFile('/'), 'CONFLICT');
    });

    it('readFile and stat of a missing path are refused with NOT_FOUND', async () => {
      await expectCode(f.readFile('/nope'), 'NOT_FOUND');
      await expectCode(f.stat('/nope'), 'NOT_FOUND');
    });
  });

  describe('appendFile', () => {
    it('adds to the end, keeps createdAt and moves modifiedAt', async () => {
      const info = await f.writeFile('/todo.md', TODO);
      await new Promise((r) => setTimeout(r, 5));
      const appended = await f.appendFile('/todo.md', '- write tests\n');
      expect(appended.size).toBe(Buffer.byteLength(TODO) + 14);
      expect(appended.createdAt).toBe(info.createdAt);
      expect(appended.modifiedAt > info.modifiedAt).toBe(true);
      expect(await f.readText('/todo.md')).toBe(`${TODO}- write tests\n`);
    });

    it('creates a missing file and appends a Buffer', async () => {
      expect((await f.appendFile('/log.txt', 'one\n')).size).toBe(4);
      await f.appendFile('/log.txt', Buffer.from('two\n'));
      expect(await f.readText('/log.txt')).toBe('one\ntwo\n');
    });
  });

  describe('exists and stat', () => {
    it('exists tells whether a path is there', async () => {
      await f.writeFile('/notes/todo.md', TODO, { parents: true });
      expect(await f.exists('/notes/todo.md')).toBe(true);
      expect(await f.exists('/notes/nope.md')).toBe(false);
    });

    it('stat of the root is a directory', async () => {
      expect((await f.stat('/')).type).toBe('directory');
    });
  });

  describe('rename and move', () => {
    it('rename of a file changes its path and its mime type', async () => {
      await f.writeFile('/notes/log.txt', 'one\n', { parents: true });
      const moved = await f.rename('/notes/log.txt', '/notes/log.md');
      expect(moved).toMatchObject({ path: '/notes/log.md', mime: 'text/markdown' });
    });

    it('move with parents carries a directory and its subtree, and search follows the files', async () => {
      await buildTree(f);
      await f.move('/notes', '/archive/2025/notes', { parents: true });
      expect(await f.exists('/notes')).toBe(false);
      expect(await f.readText('/archive/2025/notes/todo.md')).toBe(TODO);
      expect((await f.readdir('/archive/2025/notes')).map((e) => e.name)).toEqual(['log.txt', 'todo.md']);
      const [hit] = await f.search('milk', { mode: 'text' });
      expect(hit?.path).toBe('/archive/2025/notes/todo.md');
    });

    it('replaces an existing file, unless overwrite is false (CONFLICT)', async () => {
      await f.writeFile('/x.txt', 'old x');
      await f.writeFile('/y.txt', 'new y');
      await expectCode(f.rename('/y.txt', '/x.txt', { overwrite: false }), 'CONFLICT');
      await f.rename('/y.txt', '/x.txt');
      expect(await f.readText('/x.txt')).toBe('new y');
    });

    it('never replaces a directory with a file or a file with a directory', async () => {
      await f.writeFile('/x.txt', 'x');
      await f.mkdir('/img');
      await expectCode(f.rename('/x.txt', '/img'), 'CONFLICT');
      await expectCode(f.rename('/img', '/x.txt'), 'CONFLICT');
    });
  });

  describe('copy', () => {
    beforeEach(async () => {
      await f.writeFile('/archive/2025/notes/todo.md', TODO, { parents: true });
      await f.writeFile('/archive/2025/notes/log.md', 'one\ntwo\n');
    });

    it('copies a file to a new path with its own mime type and the same hash', async () => {
      const copied = await f.copy('/archive/2025/notes/todo.md', '/todo-copy.txt');
      expect(copied).toMatchObject({ path: '/todo-copy.txt', mime: 'text/plain', sha256: sha(TODO) });
    });

    it('refuses a directory with INVALID_ARGUMENT unless recursive', async () => {
      await expectCode(f.copy('/archive', '/archive-2'), 'INVALID_ARGUMENT');
    });

    it('copies a whole subtree when recursive', async () => {
      await f.copy('/archive', '/archive-2', { recursive: true });
      expect((await f.readdir('/archive-2', { recursive: true })).map((e) => e.path)).toEqual([
        '/archive-2/2025',
        '/archive-2/2025/notes',
        '/archive-2/2025/notes/log.md',
        '/archive-2/2025/notes/todo.md',
      ]);
    });

    it('makes independent copies: changing one leaves the original, and search finds both', async () => {
      await f.copy('/archive/2025/notes/todo.md', '/todo-copy.txt');
      await f.copy('/archive', '/archive-2', { recursive: true });
      await f.writeFile('/archive-2/2025/notes/todo.md', 'changed');
      expect(await f.readText('/archive/2025/notes/todo.md')).toBe(TODO);
      const milk = await f.search('milk', { mode: 'text' });
      expect(milk.map((r) => r.path).sort()).toEqual(['/archive/2025/notes/todo.md', '/todo-copy.txt']);
    });
  });

  describe('usage', () => {
    it('counts files, directories and text files', async () => {
      await buildTree(f);
      await f.copy('/notes', '/notes-2', { recursive: true });
      await f.writeFile('/x.txt', 'x');
      expect(await f.usage()).toMatchObject({ files: 9, directories: 5, textFiles: 7 });
    });
  });

  describe('rm', () => {
    it('removes a file and returns 1', async () => {
      await f.writeFile('/x.txt', 'x');
      expect(await f.rm('/x.txt')).toBe(1);
    });

    it('refuses a missing path with NOT_FOUND, or returns 0 with force', async () => {
      await expectCode(f.rm('/x.txt'), 'NOT_FOUND');
      expect(await f.rm('/x.txt', { force: true })).toBe(0);
    });

    it('refuses a non-empty directory with CONFLICT unless recursive', async () => {
      await f.writeFile('/archive/2025/notes/todo.md', TODO, { parents: true });
      await expectCode(f.rm('/archive'), 'CONFLICT');
    });

    it('removes a directory and its subtree when recursive, counting every entry', async () => {
      await f.writeFile('/archive/2025/notes/todo.md', TODO, { parents: true });
      await f.writeFile('/archive/2025/notes/log.md', 'one\n');
      expect(await f.rm('/archive', { recursive: true })).toBe(5);
      expect(await f.exists('/archive/2025/notes/todo.md')).toBe(false);
    });

    it('removes an empty directory without recursive', async () => {
      await f.mkdir('/empty');
      expect(await f.rm('/empty')).toBe(1);
    });

    it('takes removed files out of search', async () => {
      await f.writeFile('/archive/2025/notes/todo.md', TODO, { parents: true });
      await f.writeFile('/todo-copy.txt', TODO);
      await f.rm('/archive', { recursive: true });
      expect((await f.search('milk', { mode: 'text' })).map((r) => r.path)).toEqual(['/todo-copy.txt']);
    });
  });

  describe('reembedAll', () => {
    beforeEach(() => kangaroos(f));

    it('replaces every passage vector, and search still works', async () => {
      expect(await f.reembedAll()).toBe(3);
      const vectors = await agent.use((s) => s.conn.get<{ n: number }>('SELECT count(*) AS n FROM file_chunk_vectors'));
      expect(Number(vectors?.n)).toBe(3);
      expect((await f.search('pouch', { mode: 'vector', limit: 1 }))[0]!.path).toBe('/a/two.txt');
    });
  });

  describe('hostile paths', () => {
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
    let before: Awaited<ReturnType<typeof snapshot>>;
    beforeEach(async () => {
      await f.writeFile('/safe/file.txt', 'keep me', { parents: true });
      before = await snapshot(agent);
    });

    it('are refused by every method with INVALID_ARGUMENT naming the path, and store nothing', async () => {
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
      expect(await snapshot(agent)).toEqual(before);
    });

    it("the root ('/', '//', '/./') is a directory that cannot be written, removed, moved or copied over", async () => {
      for (const root of ['//', '/', '/./']) {
        expect((await f.stat(root)).path).toBe('/');
        await expectCode(f.writeFile(root, 'x'), 'INVALID_ARGUMENT');
        await expectCode(f.rm(root, { recursive: true }), 'INVALID_ARGUMENT');
        await expectCode(f.rename(root, '/moved'), 'INVALID_ARGUMENT');
        await expectCode(f.copy('/safe/file.txt', root), 'INVALID_ARGUMENT');
      }
      expect(await snapshot(agent)).toEqual(before);
    });
  });
});

// Set up once per block (suiteSetup): these tests only read the tree.
describe.each(DRIVER_NAMES)('files listed and searched on %s', (driver) => {
  let agent: Agent;
  let f: Files;

  describe('readdir', () => {
    beforeAll(() =>
      suiteSetup(async () => {
        f = (await (await openEngram(driver)).agent('tree')).files;
        await buildTree(f);
      }),
    );

    it('lists one level, sorted by name', async () => {
      expect((await f.readdir('/')).map((e) => e.name)).toEqual(['a', 'img', 'notes']);
      expect((await f.readdir('/notes')).map((e) => e.path)).toEqual(['/notes/log.txt', '/notes/todo.md']);
    });

    it('lists the whole subtree in path order when recursive', async () => {
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
    });

    it('filters by glob, matched against the path below the listed directory', async () => {
      expect((await f.readdir('/', { recursive: true, glob: '*.md' })).map((e) => e.path)).toEqual(['/notes/todo.md']);
      expect((await f.readdir('/', { recursive: true, glob: '{img,a}/*' })).map((e) => e.path)).toEqual([
        '/a/b',
        '/img/README',
        '/img/data',
        '/img/logo.png',
      ]);
      expect((await f.readdir('/', { recursive: true, glob: 'a/**/*.txt' })).map((e) => e.path)).toEqual(['/a/b/c.txt']);
    });

    it('refuses a file with CONFLICT and a missing path with NOT_FOUND', async () => {
      await expectCode(f.readdir('/notes/todo.md'), 'CONFLICT');
      await expectCode(f.readdir('/missing'), 'NOT_FOUND');
    });
  });

  describe('search', () => {
    beforeAll(() =>
      suiteSetup(async () => {
        agent = await (await openEngram(driver)).agent('scope');
        f = agent.files;
        await kangaroos(f);
      }),
    );

    it('keeps binary files out of the index', async () => {
      expect((await f.usage()).chunks).toBe(3);
      const all = await f.search('kangaroo', { limit: 10 });
      expect(all.map((r) => r.path).sort()).toEqual(['/a/one.md', '/a/two.txt', '/b/three.md']);
    });

    it('gives each hit its line range and a fused score', async () => {
      const all = await f.search('kangaroo', { limit: 10 });
      expect(all).toHaveLength(3);
      for (const r of all) {
        expect(r).toMatchObject({ startLine: 1, endLine: 1 });
        expect(r.parts.fused).toBeGreaterThan(0);
      }
    });

    it('narrows to a directory, a file or a glob', async () => {
      expect((await f.search('kangaroo', { path: '/a' })).map((r) => r.path).sort()).toEqual(['/a/one.md', '/a/two.txt']);
      expect((await f.search('kangaroo', { path: '/a/two.txt' })).map((r) => r.path)).toEqual(['/a/two.txt']);
      expect((await f.search('kangaroo', { glob: '*.md' })).map((r) => r.path).sort()).toEqual(['/a/one.md', '/b/three.md']);
      expect((await f.search('kangaroo', { path: '/b', glob: '*.txt' })).map((r) => r.path)).toEqual([]);
      expect((await f.search('kangaroo', { path: '/nowhere' })).map((r) => r.path)).toEqual([]);
    });

    it('in text mode ranks by words alone', async () => {
      const text = await f.search('pouch', { mode: 'text' });
      expect(text.map((r) => r.path)).toEqual(['/a/two.txt']);
      expect(text[0]!.parts.text!.rank).toBe(1);
      expect(text[0]!.parts.vector).toBeUndefined();
    });
  });
});

describe.each(DRIVER_NAMES)('files under size limits on %s', (driver) => {
  let agent: Agent;
  let f: Files;

  describe('bad input is refused with a typed error and leaves the tree unchanged', () => {
    let before: Awaited<ReturnType<typeof snapshot>>;
    beforeEach(async () => {
      agent = await (await openEngram(driver, { limits: { maxFileBytes: 1000, maxTotalFileBytes: 1500 } })).agent('bad');
      f = agent.files;
      await f.writeFile('/docs/a.md', '# A\nalpha\n', { parents: true });
      await f.writeFile('/docs/sub/b.md', '# B\nbeta\n', { parents: true });
      await f.writeFile('/bin.dat', Buffer.from([0xff, 0xfe, 0, 1, 2]));
      await f.writeFile('/big.txt', 'z'.repeat(900));
      before = await snapshot(agent);
    });

    it('reading a binary file as text is INVALID_ARGUMENT, pointing to readFile', async () => {
      const bin = await expectCode(f.readText('/bin.dat'), 'INVALID_ARGUMENT');
      expect(bin.message).toMatch(/\/bin\.dat is binary.*readFile/);
      await expectCode(f.readFile('/bin.dat', 'utf8'), 'INVALID_ARGUMENT');
      expect(await snapshot(agent)).toEqual(before);
    });

    it('a write or append past maxFileBytes is LIMIT_EXCEEDED, naming the limit', async () => {
      const big = await expectCode(f.writeFile('/huge.txt', 'x'.repeat(1001)), 'LIMIT_EXCEEDED');
      expect(big.message).toContain('maxFileBytes');
      await expectCode(f.writeFile('/huge.bin', new Uint8Array(5000)), 'LIMIT_EXCEEDED');
      await expectCode(f.appendFile('/big.txt', 'y'.repeat(200)), 'LIMIT_EXCEEDED');
      expect(await snapshot(agent)).toEqual(before);
    });

    it('a write or copy past maxTotalFileBytes is LIMIT_EXCEEDED, naming the limit', async () => {
      const total = await expectCode(f.writeFile('/more.txt', 'm'.repeat(900)), 'LIMIT_EXCEEDED');
      expect(total.message).toContain('maxTotalFileBytes');
      await expectCode(f.copy('/big.txt', '/big2.txt'), 'LIMIT_EXCEEDED');
      expect(await snapshot(agent)).toEqual(before);
    });

    it('content that is neither text nor bytes is INVALID_ARGUMENT', async () => {
      await expectCode(f.writeFile('/x', 42 as unknown as string), 'INVALID_ARGUMENT');
      await expectCode(f.writeFile('/x', null as unknown as string), 'INVALID_ARGUMENT');
      expect(await snapshot(agent)).toEqual(before);
    });

    it('moving or copying a directory into its own subtree is INVALID_ARGUMENT', async () => {
      const own = await expectCode(f.rename('/docs', '/docs/sub/docs'), 'INVALID_ARGUMENT');
      expect(own.message).toContain('own subtree');
      await expectCode(f.copy('/docs', '/docs/copy', { recursive: true }), 'INVALID_ARGUMENT');
      expect(await snapshot(agent)).toEqual(before);
    });

    it('copying a file onto itself is CONFLICT', async () => {
      await expectCode(f.copy('/docs/a.md', '/docs/a.md'), 'CONFLICT');
      expect(await snapshot(agent)).toEqual(before);
    });

    it('rm of a non-empty directory is CONFLICT, pointing to recursive', async () => {
      const notEmpty = await expectCode(f.rm('/docs'), 'CONFLICT');
      expect(notEmpty.message).toContain('recursive');
      expect(await snapshot(agent)).toEqual(before);
    });

    it('a missing source or missing target parent is NOT_FOUND', async () => {
      await expectCode(f.rm('/nope'), 'NOT_FOUND');
      await expectCode(f.rename('/nope', '/x'), 'NOT_FOUND');
      await expectCode(f.copy('/nope', '/x'), 'NOT_FOUND');
      await expectCode(f.rename('/docs/a.md', '/missing/a.md'), 'NOT_FOUND');
      await expectCode(f.mkdir('/missing/deep'), 'NOT_FOUND');
      expect(await snapshot(agent)).toEqual(before);
    });

    it('a line range that starts before line 1 or ends before it starts is INVALID_ARGUMENT', async () => {
      await expectCode(f.readText('/docs/a.md', { startLine: 0 }), 'INVALID_ARGUMENT');
      await expectCode(f.readText('/docs/a.md', { startLine: 3, endLine: 2 }), 'INVALID_ARGUMENT');
      expect(await snapshot(agent)).toEqual(before);
    });

    it('unknown option fields, wrong option types and bad globs are INVALID_ARGUMENT, never ignored', async () => {
      await expectCode(f.writeFile('/n.txt', 'x', { recursive: true } as never), 'INVALID_ARGUMENT');
      await expectCode(f.rm('/docs', { recursve: true } as never), 'INVALID_ARGUMENT');
      await expectCode(f.rm('/docs', { recursive: 'yes' } as never), 'INVALID_ARGUMENT');
      await expectCode(f.readdir('/', { glob: '[abc' }), 'INVALID_ARGUMENT');
      expect(await snapshot(agent)).toEqual(before);
    });

    it('search refuses an empty query, a zero limit, an unknown mode and unknown options', async () => {
      await expectCode(f.search(''), 'INVALID_ARGUMENT');
      await expectCode(f.search('alpha', { limit: 0 }), 'INVALID_ARGUMENT');
      await expectCode(f.search('alpha', { mode: 'fuzzy' as never }), 'INVALID_ARGUMENT');
      await expectCode(f.search('alpha', { where: 1 } as never), 'INVALID_ARGUMENT');
      expect(await snapshot(agent)).toEqual(before);
    });
  });
});

describe.each(DRIVER_NAMES)('files re-indexed on %s', (driver) => {
  let agent: Agent;
  let f: Files;

  describe('re-indexing embeds only the passages whose text changed', () => {
    const original = longMarkdown(12);
    const appendix = '\n## Appendix\n\nOne more closing paragraph about the zebra crossing.\n';
    let seen: string[];
    let first: { id: number; hash: string }[];
    const chunkRows = () => agent.use((s) => s.conn.all<{ id: number; hash: string }>('SELECT id, hash FROM file_chunks ORDER BY seq'));
    beforeEach(async () => {
      const counting = countingEmbedder();
      seen = counting.seen;
      agent = await (await openEngram(driver, { embedder: counting.embedder })).agent('reindex');
      f = agent.files;
      await f.writeFile('/long.md', original);
      first = await chunkRows();
    });

    it('a new file embeds each of its passages once', () => {
      expect(first.length).toBeGreaterThan(5);
      expect(seen.length).toBe(first.length);
    });

    it('writing the same content again embeds nothing and keeps every row', async () => {
      seen.length = 0;
      await f.writeFile('/long.md', original);
      expect(seen).toEqual([]);
      expect(await chunkRows()).toEqual(first);
    });

    it('one changed line re-embeds only the passages holding it (and the overlap after it)', async () => {
      seen.length = 0;
      await f.writeFile('/long.md', original.replace('Paragraph 6.5 talks', 'Paragraph 6.5 now discusses'));
      const second = await chunkRows();
      expect(seen.length).toBeGreaterThanOrEqual(1);
      expect(seen.length).toBeLessThanOrEqual(2);
      expect(seen.some((t) => t.includes('now discusses'))).toBe(true);
      const kept = second.filter((r) => first.some((o) => o.id === r.id));
      expect(kept.length).toBe(second.length - seen.length);
    });

    it('a line inserted at the top resynchronises the cuts, so the passages further down stay', async () => {
      seen.length = 0;
      await f.writeFile('/long.md', `# A new title line\n\n${original}`);
      expect(seen.length).toBeLessThanOrEqual(2);
    });

    it('appending embeds only the new tail', async () => {
      seen.length = 0;
      await f.appendFile('/long.md', appendix);
      expect(seen.length).toBeLessThanOrEqual(2);
    });

    describe('copies, renames and duplicates', () => {
      beforeEach(async () => {
        await f.appendFile('/long.md', appendix);
        seen.length = 0;
        await f.copy('/long.md', '/copy.md');
        await f.rename('/copy.md', '/moved.md');
        await f.writeFile('/dup.md', await f.readText('/long.md'));
      });

      it('embed nothing, and search finds each of them', async () => {
        expect(seen).toEqual([]);
        const zebra = await f.search('zebra crossing', { mode: 'vector', limit: 3 });
        expect(zebra.map((r) => r.path).sort()).toEqual(['/dup.md', '/long.md', '/moved.md']);
      });

      it('have the same passages as a fresh write of the same text', async () => {
        const rows = await agent.use((s) =>
          s.conn.all<{ path: string; n: number }>(
            'SELECT f.path AS path, count(*) AS n FROM file_chunks c JOIN files f ON f.id = c.file_id GROUP BY f.path ORDER BY f.path',
          ),
        );
        expect(rows).toHaveLength(3);
        expect(new Set(rows.map((r) => Number(r.n))).size).toBe(1);
      });
    });
  });
});

describe.each(DRIVER_NAMES)('file search ties on %s', (driver) => {
  it('orders passages that score the same by path, not by their (minted) ids', async () => {
    const files = (await (await openEngram(driver)).agent('ties')).files;
    for (const path of ['/m.md', '/z.md', '/c.md', '/a.md', '/q.md']) await files.writeFile(path, 'the same passage about wombats\n');
    for (const mode of ['text', 'vector', 'hybrid'] as const) {
      const hits = await files.search('wombats', { mode, limit: 5 });
      expect(hits.map((h) => h.path)).toEqual(['/a.md', '/c.md', '/m.md', '/q.md', '/z.md']);
    }
  });
});
