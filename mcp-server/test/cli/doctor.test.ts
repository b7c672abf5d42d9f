/**
 * `engram doctor` and `engram reembed` through the real bin: an embedder mismatch and its fix,
 * an unreadable agent, and the leftovers a crash or a deleted agent leaves behind.
 */
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Engram, HashEmbedder } from '@engram/core';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { cli, json, onTty } from './run-cli.js';

interface Report {
  agents: { id: string; ok: boolean }[];
  findings: { agent?: string; kind: string; path?: string; message: string; fix: string; fixed?: boolean }[];
}

describe('engram doctor', () => {
  it('finds an embedder mismatch and an unreadable agent, with their fixes; reembed repairs the first', async () => {
    const dir = tempDir();
    const d = ['--dir', dir];
    expect((await cli(['remember', 'fine', 'all good here', ...d])).code).toBe(0);
    // an agent made with another embedder
    const other = await Engram.open({ dir, embedder: new HashEmbedder({ dims: 64 }) });
    await (await other.agent('mismatched')).memories.remember({ text: 'the sky is green on Tuesdays' });
    const brokenPath = other.pathOf('broken');
    await other.close();
    mkdirSync(dirname(brokenPath), { recursive: true });
    writeFileSync(brokenPath, Buffer.alloc(8192, 'not a database '));

    const healthyOnly = await cli(['doctor', 'fine', ...d]);
    expect(healthyOnly.code).toBe(0);
    expect(healthyOnly.stdout).toContain('ok       fine');

    const run = await cli(['doctor', ...d, '--json']);
    expect(run.code).toBe(6);
    const report = json<Report>(run);
    expect(report.agents).toEqual([
      { id: 'broken', ok: false },
      { id: 'fine', ok: true },
      { id: 'mismatched', ok: false },
    ]);
    const mismatch = report.findings.find((f) => f.agent === 'mismatched')!;
    expect(mismatch.kind).toBe('embedder-mismatch');
    expect(mismatch.fix).toContain('engram reembed mismatched');
    const broken = report.findings.find((f) => f.agent === 'broken')!;
    expect(broken.kind).toBe('unreadable');
    expect(broken.fix).toContain('engram import broken');

    const text = await cli(['doctor', ...d]);
    expect(text.stdout).toContain('problem  agent mismatched: agent mismatched holds vectors from embedder hash-');
    expect(text.stdout).toMatch(/fix: engram reembed mismatched --dir /);
    expect(text.stderr).toContain('3 agent(s) checked: 2 problem(s).');

    const agents = json<{ id: string; error?: { code: string } }[]>(await cli(['agents', ...d, '--json']));
    expect(agents.map((a) => [a.id, a.error?.code])).toEqual([
      ['broken', 'CORRUPT'],
      ['fine', undefined],
      ['mismatched', 'EMBEDDER_MISMATCH'],
    ]);
    expect((await cli(['recall', 'mismatched', 'sky', ...d])).code).toBe(7);

    const reembed = await cli(['reembed', 'mismatched', ...d, '--json']);
    expect(reembed.code, reembed.stderr).toBe(0);
    expect(json(reembed)).toMatchObject({ agent: 'mismatched', embedded: 1 });
    expect((await cli(['doctor', 'mismatched', ...d])).code).toBe(0);
    const tty = await onTty(['reembed', 'mismatched', ...d]); // on a terminal: a progress bar, then the note
    expect(tty.code).toBe(0);
    expect(tty.screen).toMatch(/reembed mismatched █+ 100% 1\/1/);
    expect(tty.screen).toContain('re-embedded 1 vectors of agent mismatched');
    const hit = json<{ results: { memory: { text: string } }[] }>(
      await cli(['recall', 'mismatched', 'what colour is the sky', ...d, '--json']),
    );
    expect(hit.results[0]!.memory.text).toBe('the sky is green on Tuesdays');
  });

  it('reports leftover files and removes only those safe to remove with --fix', async () => {
    const dir = tempDir();
    const d = ['--dir', dir];
    expect((await cli(['remember', 'kept', 'a memory', ...d])).code).toBe(0);
    const engram = await Engram.open({ dir });
    const shard = dirname(engram.pathOf('kept'));
    const ghostShard = dirname(engram.pathOf('ghost'));
    await engram.close();
    const oldTmp = join(shard, '.3f9a2b1c0d4e.tmp');
    const freshTmp = join(shard, '.aaaaaaaaaaaa.tmp');
    const branchTmp = join(shard, 'kept.branches', '.bbbbbbbbbbbb.tmp');
    const orphanWal = join(ghostShard, 'ghost.db-wal');
    const orphanFolder = join(ghostShard, 'ghost.snapshots');
    mkdirSync(dirname(branchTmp), { recursive: true });
    mkdirSync(orphanFolder, { recursive: true });
    for (const f of [oldTmp, freshTmp, branchTmp, orphanWal, join(orphanFolder, 's1.db')]) writeFileSync(f, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(oldTmp, twoHoursAgo, twoHoursAgo);
    utimesSync(branchTmp, twoHoursAgo, twoHoursAgo);

    const found = await cli(['doctor', ...d, '--json']);
    expect(found.code).toBe(6);
    const kinds = json<Report>(found)
      .findings.map((f) => `${f.kind} ${f.path}`)
      .sort();
    const rel = (p: string) => p.slice(dir.length + 1);
    expect(kinds).toEqual(
      [
        `leftover-temp ${rel(oldTmp)}`,
        `leftover-temp ${rel(freshTmp)}`,
        `leftover-temp ${rel(branchTmp)}`,
        `orphan-folder ${rel(orphanFolder)}`,
        `orphan-side-file ${rel(orphanWal)}`,
      ].sort(),
    );

    const fixed = await cli(['doctor', '--fix', ...d]);
    expect(fixed.code).toBe(6); // the fresh temporary file may belong to a running process: left alone
    for (const f of [oldTmp, branchTmp, orphanWal, orphanFolder]) expect(existsSync(f), f).toBe(false);
    expect(existsSync(freshTmp)).toBe(true);
    expect(existsSync(engram.pathOf('kept'))).toBe(true);
    const left = json<Report>(await cli(['doctor', ...d, '--json']));
    expect(left.findings.map((f) => f.kind)).toEqual(['leftover-temp']);
    expect(left.findings[0]!.fix).toContain(`rm '${freshTmp}'`);
    expect((await cli(['doctor', 'nobody', ...d])).code).toBe(3);
    expect((await cli(['doctor', '--dir', join(dir, 'none')])).code).toBe(0);
  });
});

describe('engram agents: size on disk', () => {
  it('counts the database and each side file once (a Turso MVCC log included)', async () => {
    const dir = tempDir();
    const engram = await Engram.open({ dir, embedder: new HashEmbedder({ dims: 16 }) });
    const path = (await engram.agent('logged')).path;
    await engram.close();
    writeFileSync(`${path}-log`, Buffer.alloc(1000));
    const [row] = json<{ id: string; bytes: number }[]>(await cli(['agents', '--dir', dir, '--json']));
    const files = readdirSync(dirname(path)).filter((f) => f.startsWith('logged.db'));
    expect(files).toContain('logged.db-log');
    expect(row!.bytes).toBe(files.reduce((sum, f) => sum + statSync(join(dirname(path), f)).size, 0));
  });
});
