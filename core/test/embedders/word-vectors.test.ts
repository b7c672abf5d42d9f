import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WordVectorEmbedder, defaultWordVectorsPath, tokenizeWords } from '../../src/embedders/word-vectors.js';

const coreDir = fileURLToPath(new URL('../../', import.meta.url));
const cos = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const tmp = mkdtempSync(join(tmpdir(), 'engram-wv-'));

let embedder: WordVectorEmbedder;
async function sim(a: string, b: string): Promise<number> {
  const [va, vb] = await embedder.embed([a, b]);
  return cos(va!, vb!);
}

beforeAll(() => {
  // The asset is a build product (gitignored). Run the build script: it builds a missing or
  // stale asset and is a ~0.1 s no-op for a current one, so this suite never skips.
  execFileSync(process.execPath, ['scripts/build-word-vectors.mjs'], { cwd: coreDir, stdio: 'inherit' });
  expect(existsSync(defaultWordVectorsPath())).toBe(true);
  embedder = new WordVectorEmbedder();
}, 180_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('WordVectorEmbedder', () => {
  it('resolves the default asset path inside core/assets', () => {
    expect(defaultWordVectorsPath()).toBe(join(coreDir, 'assets', 'glove-100d-int8.bin'));
    expect(embedder.id).toBe('glove-6b-100d-sif@1');
    expect(embedder.dims).toBe(100);
  });

  it('returns unit-length 100-d vectors, equal for equal texts', async () => {
    const out = await embedder.embed(['The cat sat on the mat', 'the CAT sat on the mat!', 'Quarterly revenue grew']);
    for (const v of out) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(100);
      expect(Math.sqrt(cos(v, v))).toBeCloseTo(1, 5);
    }
    expect(cos(out[0]!, out[1]!)).toBeCloseTo(1, 6);
  });

  it('captures meaning (quality check)', async () => {
    const catKitten = await sim('The cat sat on the mat', 'A kitten was sitting on a rug');
    const stocks = await sim('Stock prices fell sharply on Monday', 'Shares dropped steeply at the start of the week');
    const unrelated = [
      await sim('The cat sat on the mat', 'Stock prices fell sharply on Monday'),
      await sim('The cat sat on the mat', 'The quarterly earnings report is due next week'),
      await sim('I love pizza', 'The parliament passed a new law'),
    ];
    expect(catKitten).toBeGreaterThan(0.7);
    expect(stocks).toBeGreaterThan(0.85);
    for (const u of unrelated) {
      expect(u).toBeLessThan(0.5);
      expect(catKitten - u).toBeGreaterThan(0.25);
    }
  });

  it('tokenises like GloVe: clitics, accents, numbers, compounds', async () => {
    expect(tokenizeWords("Caroline's dog couldn't; we can't, won't")).toEqual([
      'caroline',
      "'s",
      'dog',
      'could',
      "n't",
      'we',
      'can',
      "n't",
      'will',
      "n't",
    ]);
    expect(tokenizeWords('Café NAÏVE students’ e-mail 1,000')).toEqual(['cafe', 'naive', 'students', 'e-mail', '1,000']);
    expect(await sim("Caroline's house", 'caroline house')).toBeCloseTo(1, 5);
    expect(await sim('I have 3 cats', 'I have three cats')).toBeCloseTo(1, 5);
    expect(await sim("I don't like it", 'I do not like it')).toBeCloseTo(1, 5);
    // Hyphenated words in the vocabulary stay whole (as in GloVe); unknown compounds are split.
    expect(tokenizeWords('state-of-the-art')).toEqual(['state-of-the-art']);
    expect(await sim('kitten-rug café', 'kitten rug cafe')).toBeCloseTo(1, 5);
  });

  it('gives texts without known words a deterministic non-zero vector', async () => {
    const [a, b, c, empty] = await embedder.embed(['Xqzzy Blorptek', 'xqzzy   blorptek!', 'Vrrntak Qwoxl', '']);
    for (const v of [a!, c!, empty!]) expect(Math.sqrt(cos(v, v))).toBeCloseTo(1, 5);
    expect(cos(a!, b!)).toBeCloseTo(1, 6);
    expect(cos(a!, c!)).toBeLessThan(0.9);
  });

  it('throws NOT_FOUND with build instructions when the asset is missing', async () => {
    const missing = new WordVectorEmbedder({ path: join(tmp, 'nope.bin') }); // construction is cheap
    const err = await missing.embed(['x']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
    expect((err as Error).message).toContain('npm run build');
    expect((err as Error).message).toContain(join(tmp, 'nope.bin'));
    await expect(WordVectorEmbedder.load({ path: join(tmp, 'nope.bin') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('loads a custom path and detects a corrupt file', async () => {
    const bytes = readFileSync(defaultWordVectorsPath());
    const copy = join(tmp, 'copy.bin');
    writeFileSync(copy, bytes);
    const custom = await WordVectorEmbedder.load({ path: copy });
    const [x] = await custom.embed(['hello world']);
    const [y] = await embedder.embed(['hello world']);
    expect(Array.from(x!)).toEqual(Array.from(y!));

    const broken = Buffer.from(bytes);
    broken[broken.length - 10] = broken[broken.length - 10]! ^ 0xff;
    writeFileSync(join(tmp, 'broken.bin'), broken);
    await expect(WordVectorEmbedder.load({ path: join(tmp, 'broken.bin') })).rejects.toMatchObject({ code: 'CORRUPT' });
    writeFileSync(join(tmp, 'short.bin'), bytes.subarray(0, 1000));
    await expect(WordVectorEmbedder.load({ path: join(tmp, 'short.bin') })).rejects.toMatchObject({ code: 'CORRUPT' });
  });
});
