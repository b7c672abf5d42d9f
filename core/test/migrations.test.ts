import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { sqliteDialect } from '../src/drivers/sqlite.js';
import { TermIndex } from '../src/search/term-index.js';
import { SCHEMA_VERSION } from '../src/schema/migrations.js';
import { DRIVER_NAMES, onCleanup, tempDir } from './helpers.js';

describe.each(DRIVER_NAMES)('upgrading an agent database on %s', (driver) => {
  it('rebuilds the memories text index of a version 6 database over weighted fields, losing nothing', async () => {
    const dir = tempDir();
    const open = async () => {
      const engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
      onCleanup(() => engram.close());
      return engram;
    };
    let engram = await open();
    let agent = await engram.agent('old');
    const said = await agent.memories.remember({ text: 'We hiked up to the waterfall', context: 'Sounds lovely' });
    const heard = await agent.memories.remember({ text: 'Sounds lovely', context: 'We hiked up to the waterfall' });
    const plain = await agent.memories.remember({ text: 'The report is due on Friday' });
    // Put the index back as version 6 built it: one unweighted column, context and text together.
    await agent.use((state) =>
      state.conn.transaction(async (tx) => {
        if (driver === 'sqlite') {
          for (const sql of sqliteDialect.fullText!.rebuild('memories', { search_text: 1 })) await tx.exec(sql);
        } else {
          await new TermIndex('memories', { search_text: 1 }).rebuild(tx);
        }
        await tx.run(`UPDATE engram_meta SET value = '6' WHERE key = 'schema_version'`);
      }),
    );
    const scores = async () =>
      (await agent.memories.recall('hiked waterfall', { mode: 'text' })).map((h) => [h.memory.id, h.parts.text!.bm25]);
    const before = await scores();
    expect(before).toHaveLength(2);
    expect(before[0]![1]).toBeCloseTo(before[1]![1] as number, 9); // unweighted: a tie
    await engram.close();

    engram = await open();
    agent = await engram.agent('old');
    expect((await agent.info()).schemaVersion).toBe(SCHEMA_VERSION);
    const after = await scores();
    expect(after.map(([id]) => id)).toEqual([said.id, heard.id]);
    expect(after[0]![1]).toBeGreaterThan((after[1]![1] as number) * 1.2);
    expect((await agent.memories.recall('report friday', { mode: 'text' }))[0]!.memory.id).toBe(plain.id);
    expect(await agent.memories.count()).toBe(3);
    // Writes after the upgrade keep the index in step.
    await agent.memories.forget(heard.id);
    expect((await agent.memories.recall('hiked waterfall', { mode: 'text' })).map((h) => h.memory.id)).toEqual([said.id]);
  });
});
