import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { WordVectorEmbedder } from '../src/embedders/word-vectors.js';
import type { ImportDirResult, TreeProgress } from '../src/files/types.js';
import { DRIVER_NAMES, expectCode, openEngram, suiteSetup, tempDir } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/files/docs', import.meta.url));

/** Every file below `dir` as relative path -> bytes. */
function hostTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** A host tree with text, binary, empty files, an empty directory and links in and out. */
function makeSource(): { src: string; outside: string; binary: Buffer } {
  const src = tempDir('engram-src-');
  const outside = tempDir('engram-outside-');
  cpSync(FIXTURE, src, { recursive: true });
  const binary = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(4096)]);
  mkdirSync(join(src, 'assets/img'), { recursive: true });
  writeFileSync(join(src, 'assets/img/blob.bin'), binary);
  writeFileSync(join(src, 'assets/empty.txt'), '');
  mkdirSync(join(src, 'empty-dir'));
  mkdirSync(join(src, 'node_modules/pkg'), { recursive: true });
  writeFileSync(join(src, 'node_modules/pkg/index.js'), 'module.exports = 1;');
  writeFileSync(join(outside, 'secret.txt'), 'outside the tree');
  symlinkSync(join(outside, 'secret.txt'), join(src, 'link-out.txt'));
  symlinkSync(outside, join(src, 'dir-out'));
  symlinkSync(join(src, 'space/mars.txt'), join(src, 'link-in.txt'));
  symlinkSync(src, join(src, 'garden/loop'));
  return { src, outside, binary };
}

describe.each(DRIVER_NAMES)('files import/export on %s', (driver) => {
  let agent: Agent;
  let source: ReturnType<typeof makeSource>;
  beforeEach(async () => {
    agent = await (await openEngram(driver)).agent('porter');
    source = makeSource();
  });

  describe('a tree imported and exported back', () => {
    let src: string;
    let binary: Buffer;
    let result: ImportDirResult;
    let progress: TreeProgress[];
    let mtime: number;
    beforeEach(async () => {
      ({ src, binary } = source);
      mtime = statSync(join(src, 'space/mars.txt')).mtimeMs;
      progress = [];
      result = await agent.files.importDir(src, '/kb', { exclude: 'node_modules', onProgress: (p) => progress.push(p) });
    });

    it('importDir counts the files it wrote and the links it skipped', () => {
      expect(result.files).toBe(6);
      expect(result.unchanged).toBe(0);
      expect(result.skipped.map((s) => [relative(src, s.hostPath), s.reason]).sort()).toEqual([
        ['dir-out', 'symlink'],
        ['garden/loop', 'symlink'],
        ['link-in.txt', 'symlink'],
        ['link-out.txt', 'symlink'],
      ]);
    });

    it('importDir reports progress from zero up to the totals, never going back', () => {
      expect(progress[0]).toMatchObject({ filesDone: 0, bytesDone: 0 });
      const last = progress[progress.length - 1]!;
      expect(last.filesDone).toBe(last.filesTotal);
      expect(last.bytesDone).toBe(last.bytesTotal);
      expect(last.bytesTotal).toBe(result.bytes);
      expect(progress.every((p, i) => i === 0 || p.filesDone >= progress[i - 1]!.filesDone)).toBe(true);
    });

    it('importDir keeps names, bytes, binary files, empty files and directories, and leaves excluded paths out', async () => {
      expect((await agent.files.readdir('/kb')).map((e) => e.name)).toEqual(['assets', 'empty-dir', 'garden', 'kitchen', 'notes', 'space']);
      expect(await agent.files.readFile('/kb/assets/img/blob.bin')).toEqual(binary);
      expect(await agent.files.stat('/kb/assets/img/blob.bin')).toMatchObject({ isText: false, size: binary.length });
      expect((await agent.files.stat('/kb/assets/empty.txt')).size).toBe(0);
      expect(await agent.files.exists('/kb/node_modules')).toBe(false);
    });

    it('importDir keeps modification times', async () => {
      expect(Date.parse((await agent.files.stat('/kb/space/mars.txt')).modifiedAt)).toBe(Math.trunc(mtime));
    });

    it('importDir of the same tree again rewrites only the changed files', async () => {
      writeFileSync(join(src, 'kitchen/pasta.md'), '# Cooking pasta\n\nNow with pesto.\n');
      const again = await agent.files.importDir(src, '/kb', { exclude: ['node_modules'] });
      expect(again).toMatchObject({ files: 1, unchanged: 5 });
      expect(await agent.files.readText('/kb/kitchen/pasta.md')).toContain('pesto');
    });

    describe('exportDir', () => {
      let out: string;
      let expected: Map<string, Buffer>;
      beforeEach(() => {
        out = tempDir('engram-out-');
        expected = hostTree(src);
        expected.delete('node_modules/pkg/index.js');
      });

      it('writes the tree back byte for byte, with empty directories and times, reporting progress', async () => {
        const exported: TreeProgress[] = [];
        const ex = await agent.files.exportDir('/kb', out, { onProgress: (p) => exported.push(p) });
        expect(ex.files).toBe(6);
        expect(exported[exported.length - 1]).toMatchObject({ filesDone: 6, filesTotal: 6 });
        expect(hostTree(out)).toEqual(expected);
        expect(existsSync(join(out, 'empty-dir'))).toBe(true);
        expect(Math.abs(statSync(join(out, 'space/mars.txt')).mtimeMs - mtime)).toBeLessThan(2);
      });

      it('refuses a changed host file with CONFLICT before writing anything, unless overwrite', async () => {
        await agent.files.exportDir('/kb', out);
        writeFileSync(join(out, 'space/mars.txt'), 'edited on the host');
        const conflict = await expectCode(agent.files.exportDir('/kb', out), 'CONFLICT');
        expect(conflict.message).toContain('overwrite');
        expect(readFileSync(join(out, 'space/mars.txt'), 'utf8')).toBe('edited on the host');
        await agent.files.exportDir('/kb', out, { overwrite: true });
        expect(hostTree(out)).toEqual(expected);
      });

      it('exports a single file under its own name', async () => {
        const one = tempDir('engram-one-');
        await agent.files.exportDir('/kb/assets/img/blob.bin', one);
        expect(readFileSync(join(one, 'blob.bin'))).toEqual(binary);
      });
    });
  });

  describe('links, globs and unsafe targets', () => {
    let src: string;
    let outside: string;
    let r: ImportDirResult;
    beforeEach(async () => {
      ({ src, outside } = source);
      r = await agent.files.importDir(src, '/', { followSymlinks: true, include: ['*.txt', '*.md'], exclude: ['node_modules'] });
    });

    it('followSymlinks skips the links that leave the tree', () => {
      expect(r.skipped.map((s) => [relative(src, s.hostPath), s.reason]).sort()).toEqual([
        ['dir-out', 'symlink-outside'],
        ['link-out.txt', 'symlink-outside'],
      ]);
    });

    it('followSymlinks follows links inside the tree but never into a loop, and include filters by glob', async () => {
      const paths = (await agent.files.readdir('/', { recursive: true })).filter((e) => e.type === 'file').map((e) => e.path);
      expect(paths).toContain('/link-in.txt');
      expect(paths).not.toContain('/assets/img/blob.bin');
      expect(paths.some((p) => p.includes('secret'))).toBe(false);
      expect(paths.some((p) => p.startsWith('/garden/loop'))).toBe(false);
      expect(await agent.files.exists('/empty-dir')).toBe(false);
      expect(await agent.files.readText('/link-in.txt')).toContain('Jezero');
    });

    it('exportDir never writes through a host link where a directory goes', async () => {
      const out = tempDir('engram-out-');
      symlinkSync(outside, join(out, 'space'));
      await expectCode(agent.files.exportDir('/', out, { overwrite: true }), 'CONFLICT');
      expect(readdirSync(outside)).toEqual(['secret.txt']);
      expect(readdirSync(out)).toEqual(['space']);
    });

    it('exportDir with overwrite replaces a host link where a file goes, without following it', async () => {
      const out2 = tempDir('engram-out-');
      symlinkSync(join(outside, 'secret.txt'), join(out2, 'link-in.txt'));
      await agent.files.exportDir('/', out2, { overwrite: true });
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('outside the tree');
      expect(readFileSync(join(out2, 'link-in.txt'), 'utf8')).toContain('Jezero');
    });

    it('importDir refuses a file where the tree needs a directory, before writing anything', async () => {
      await agent.files.writeFile('/blocker', 'x');
      const before = await agent.files.readdir('/', { recursive: true });
      await expectCode(agent.files.importDir(src, '/blocker'), 'CONFLICT');
      await agent.files.mkdir('/k2');
      await agent.files.writeFile('/k2/kitchen', 'a file where a directory goes');
      await expectCode(agent.files.importDir(src, '/k2', { exclude: 'node_modules' }), 'CONFLICT');
      expect((await agent.files.readdir('/', { recursive: true })).map((e) => e.path)).toEqual(
        [...before.map((e) => e.path), '/k2', '/k2/kitchen'].sort(),
      );
    });

    it('refuses a missing or non-directory source, a bad glob and a missing path to export', async () => {
      await expectCode(agent.files.importDir(join(src, 'nope'), '/x'), 'NOT_FOUND');
      await expectCode(agent.files.importDir(join(src, 'space/mars.txt'), '/x'), 'INVALID_ARGUMENT');
      await expectCode(agent.files.importDir(src, '/x', { include: '[oops' }), 'INVALID_ARGUMENT');
      await expectCode(agent.files.exportDir('/nope', tempDir('engram-out-')), 'NOT_FOUND');
    });
  });
});

describe.each(DRIVER_NAMES)('search after an import on %s', (driver) => {
  let agent: Agent;
  // Imported once for the block: the tests only search it.
  beforeAll(() =>
    suiteSetup(async () => {
      agent = await (await openEngram(driver, { embedder: await WordVectorEmbedder.load() })).agent('rag');
      await agent.files.importDir(FIXTURE, '/docs');
    }),
  );

  it('finds the right file and lines by words', async () => {
    const byWords = await agent.files.search('zanzibar conference', { mode: 'text', limit: 3 });
    expect(byWords[0]).toMatchObject({ path: '/docs/notes/team.md' });
    expect(byWords[0]!.startLine).toBeLessThanOrEqual(36);
    expect(byWords[0]!.endLine).toBeGreaterThanOrEqual(36);
    expect(byWords[0]!.text).toContain('zanzibar');
    const lines = await agent.files.readText('/docs/notes/team.md', { startLine: byWords[0]!.startLine, endLine: byWords[0]!.endLine });
    expect(lines).toBe(byWords[0]!.text);
  });

  it('finds the right file by meaning, in vector and hybrid mode', async () => {
    const cases: [string, string][] = [
      ['astronauts flying a spaceship to a distant world', '/docs/space/mars.txt'],
      ['how do I make dinner with noodles and tomato', '/docs/kitchen/pasta.md'],
      ['insects eating my flowers', '/docs/garden/roses.md'],
    ];
    for (const [query, path] of cases) {
      for (const mode of ['vector', 'hybrid'] as const) {
        const [best] = await agent.files.search(query, { mode, limit: 3 });
        expect({ query, mode, path: best?.path }).toEqual({ query, mode, path });
      }
    }
  });

  it('returns the passage that answers, also within a path', async () => {
    const [pests] = await agent.files.search('insects eating my flowers', { mode: 'vector', limit: 1 });
    expect(pests!.text).toContain('Aphids');
    const [money] = await agent.files.search('how much money can we spend on trips', { mode: 'hybrid', limit: 1, path: '/docs/notes' });
    expect(money!.path).toBe('/docs/notes/team.md');
    expect(money!.text).toContain('travel budget');
  });
});
