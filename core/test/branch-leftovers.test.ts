/**
 * What a crashed branch or snapshot creation leaves behind (a full-size temporary clone) is
 * removed when the agent is next opened, unless a live process may still be writing it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentPath } from '../src/runtime/agent-id.js';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { filesDir, HOST_TAG, TEMP_FILE, tempPath } from '../src/branches/names.js';
import { DRIVER_NAMES, onCleanup, tempDir } from './helpers.js';

/** The id of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

/** The id of a process that exited but whose parent has not reaped it (a zombie, for a few seconds). */
async function zombiePid(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
  onCleanup(() => parent.kill('SIGKILL'));
  const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  for (let i = 0; i < 100 && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'); i++) await new Promise((r) => setTimeout(r, 10));
  return pid;
}

describe.each(DRIVER_NAMES)('leftovers of crashed branch creations (%s)', (driver) => {
  it('are swept when the agent opens: a dead writer at once, a live one not, unknown ones after an hour', async () => {
    expect(TEMP_FILE.exec(tempPath('/x/y.db').split('/').pop()!)?.slice(1, 3)).toEqual([HOST_TAG, String(process.pid)]);
    const dir = tempDir();
    const embedder = new HashEmbedder({ dims: 16 });
    const first = await Engram.open({ dir, driver, embedder });
    await (await first.agent('crashy')).memories.remember({ text: 'x' });
    const path = first.pathOf('crashy');
    await first.close();

    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    onCleanup(() => live.kill('SIGKILL'));
    const branches = filesDir(path, 'branch');
    const snapshots = filesDir(path, 'snapshot');
    mkdirSync(branches, { recursive: true });
    mkdirSync(snapshots, { recursive: true });
    const dead = deadPid();
    const zombie = await zombiePid();
    const put = (d: string, name: string, hoursOld = 0) => {
      const f = join(d, name);
      writeFileSync(f, Buffer.alloc(64 * 1024, 1));
      if (hoursOld > 0) utimesSync(f, new Date(Date.now() - hoursOld * 3_600_000), new Date(Date.now() - hoursOld * 3_600_000));
      return f;
    };
    const gone = [
      put(branches, `.${HOST_TAG}-${dead}-0123456789ab.tmp`),
      put(branches, `.${HOST_TAG}-${dead}-0123456789ab.tmp-wal`),
      put(snapshots, `.${HOST_TAG}-${dead}-ba9876543210.tmp`),
      put(branches, `.${HOST_TAG}-${zombie}-0123456789ab.tmp`), // killed, not yet reaped: writes nothing
      put(branches, '.aaaaaaaaaaaa.tmp', 2), // the old name form, two hours old
    ];
    const kept = [
      put(branches, `.${HOST_TAG}-${live.pid}-0123456789ab.tmp`), // a live process may still be writing it
      put(branches, `.0badc0de-${dead}-0123456789ab.tmp`), // another machine's process: its id means nothing here
      put(branches, '.bbbbbbbbbbbb.tmp'), // no writer known, and fresh
      put(branches, 'notes.txt'),
    ];

    const engram = await Engram.open({ dir, driver, embedder });
    const agent = await engram.agent('crashy');
    for (const f of gone) expect(existsSync(f), f).toBe(false);
    for (const f of kept) expect(existsSync(f), f).toBe(true);
    expect(await agent.memories.count()).toBe(1);
    await engram.close();
  });
});

describe.each(DRIVER_NAMES)('kill -9 during branch creation (%s)', (driver) => {
  it('leaves a temporary clone that the next open removes, and the agent intact', async () => {
    const script = fileURLToPath(new URL('./fixtures/branch-creator.mjs', import.meta.url));
    const dir = tempDir();
    const embedder = new HashEmbedder({ dims: 16 });
    // The child kills itself (SIGKILL) once a temporary clone is complete, before it is put in place.
    const child = spawn(process.execPath, [script, dir, driver, 'crashy', 'crash'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const signal = await new Promise((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    const branchDir = filesDir(agentPath(dir, 'crashy'), 'branch');
    const leftovers = existsSync(branchDir) ? readdirSync(branchDir).filter((e) => TEMP_FILE.test(e)) : [];
    expect(leftovers.length, 'a temporary clone was left by the crash').toBeGreaterThan(0);
    const engram = await Engram.open({ dir, driver, embedder });
    const agent = await engram.agent('crashy');
    const branches = filesDir(agent.path, 'branch');
    expect(readdirSync(branches).filter((e) => TEMP_FILE.test(e))).toEqual([]);
    expect(await agent.kv.get('marker')).toBe('kept');
    const check = await agent.use((s) => s.conn.all<Record<string, unknown>>('PRAGMA integrity_check'));
    expect(Object.values(check[0]!)[0]).toBe('ok');
    await engram.close();
  }, 120_000);
});
