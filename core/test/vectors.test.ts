import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { FunctionEmbedder } from '../src/embedders/function-embedder.js';
import { blobToVector, vectorToBlob } from '../src/search/vectors.js';
import { DRIVER_NAMES, expectCode, openEngram, tempDir } from './helpers.js';

/** An embedder that returns whatever vector the test queued for a text. */
function scripted(dims: number) {
  const table = new Map<string, number[]>();
  const embedder = new FunctionEmbedder(
    async (texts) => texts.map((t) => table.get(t) ?? Array.from({ length: dims }, (_, i) => (i === 0 ? 1 : 0))),
    { id: `scripted-${dims}`, dims, normalize: false },
  );
  return { embedder, table };
}

describe('vector bytes', () => {
  it('encodes float32 little-endian and decodes it back', () => {
    const v = Float32Array.from([1.5, -2.25, 3e-8, 0]);
    const blob = vectorToBlob(v);
    expect([...blob]).toEqual([0, 0, 0xc0, 0x3f, 0, 0, 0x10, 0xc0, ...blob.subarray(8)]);
    expect(blobToVector(blob)).toEqual(v);
  });
});

describe.each(DRIVER_NAMES)('vectors on %s', (driver) => {
  it('stores every vector as dims*4 bytes of float32 LE that survive a round trip', async () => {
    const { embedder, table } = scripted(8);
    const v = [0.5, -0.5, 0.25, -0.25, 0.125, -0.125, 0.5, 0.3125];
    const norm = Math.hypot(...v);
    table.set('known vector', v);
    const engram = await openEngram(driver, { embedder });
    const agent = await engram.agent('bytes');
    const m = await agent.memories.remember({ text: 'known vector' });
    const row = await agent.use((s) =>
      s.conn.get<{ e: Uint8Array; t: string; n: number }>(
        'SELECT v.embedding AS e, typeof(v.embedding) AS t, length(v.embedding) AS n FROM memory_vectors v JOIN memories m ON m.id = v.memory_id WHERE m.uid = ?',
        [m.id],
      ),
    );
    expect(row!.t).toBe('blob');
    expect(Number(row!.n)).toBe(32);
    const expected = Float32Array.from(v.map((x) => x / norm));
    expect(Buffer.from(row!.e).equals(vectorToBlob(expected))).toBe(true);
    // and the engine computes distances on those bytes
    const d = await agent.use((s) =>
      s.conn.get<{ d: number }>(`SELECT ${s.conn.dialect.cosineDistance('embedding', '?')} AS d FROM memory_vectors`, [
        vectorToBlob(expected),
      ]),
    );
    expect(Math.abs(Number(d!.d))).toBeLessThan(1e-6);
  });

  it('refuses NaN, Infinity, zero and wrong-size vectors from an embedder and stores nothing', async () => {
    const { embedder, table } = scripted(4);
    const engram = await openEngram(driver, { embedder });
    const agent = await engram.agent('badvec');
    await agent.memories.remember({ text: 'fine' });
    table.set('nan', [NaN, 0, 0, 1]);
    table.set('inf', [Infinity, 0, 0, 1]);
    table.set('zero', [0, 0, 0, 0]);
    table.set('short', [1, 0, 0]);
    for (const text of ['nan', 'inf', 'zero', 'short']) {
      await expectCode(agent.memories.remember([{ text: 'would be stored' }, { text }]), 'INVALID_ARGUMENT');
    }
    expect((await agent.memories.list()).map((m) => m.text)).toEqual(['fine']);
    expect(await agent.use((s) => s.conn.get<{ n: number }>('SELECT count(*) AS n FROM memory_vectors'))).toEqual({ n: 1 });
  });

  it('accepts precomputed vectors of the right size and refuses others', async () => {
    const { embedder, table } = scripted(4);
    const engram = await openEngram(driver, { embedder });
    const agent = await engram.agent('given');
    table.set('query', [0, 0, 1, 0]);
    const m = await agent.memories.remember({ text: 'carries its own vector', vector: [0, 0, 2, 0] });
    await agent.memories.remember({ text: 'embedded by the agent' }); // [1, 0, 0, 0]
    expect((await agent.memories.recall('query', { mode: 'vector', limit: 1 }))[0]!.memory.id).toBe(m.id);
    await expectCode(agent.memories.remember({ text: 'x', vector: [1, 2, 3] }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'x', vector: [1, NaN, 0, 0] }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'x', vector: 'no' as never }), 'INVALID_ARGUMENT');
    expect(await agent.memories.count()).toBe(2);
  });

  it('gives a clear error when the data directory is not a directory', async () => {
    const file = join(tempDir(), 'plain-file');
    writeFileSync(file, 'x');
    const err = await Engram.open({ dir: file, driver }).catch((e: unknown) => e as { code: string; message: string });
    expect((err as { code: string }).code).toBe('READ_ONLY');
    expect((err as { message: string }).message).toContain(file);
  });
});
