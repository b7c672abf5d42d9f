/** Test helpers: a temp dir and an Engram per driver, and deterministic LangChain embeddings. */
import { Engram, HashEmbedder, type DriverName, type EngramOptions } from '@engram/core';
import { Embeddings } from '@langchain/core/embeddings';
import { onCleanup, tempDir as freshDir } from '@engram/test-support';

export { DRIVER_NAMES, expectCode, onCleanup } from '@engram/test-support';

export const tempDir = (): string => freshDir('engram-lc-');

/** An Engram on `driver` in a fresh temp dir (hash embedder, 64 dims, unless given one). */
export async function openEngram(driver: DriverName, options: Partial<EngramOptions> = {}): Promise<Engram> {
  const engram = await Engram.open({ dir: tempDir(), driver, embedder: new HashEmbedder({ dims: 64 }), ...options });
  onCleanup(() => engram.close());
  return engram;
}

/** Deterministic bag-of-words embeddings: each lowercase word adds 1 to a hashed dimension. */
export class WordHashEmbeddings extends Embeddings {
  constructor(readonly dims = 32) {
    super({});
  }

  private vector(text: string): number[] {
    const v = new Array<number>(this.dims).fill(0);
    for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      let h = 2166136261;
      for (const ch of word) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
      v[h % this.dims]! += 1;
    }
    v[this.dims - 1]! += 0.01; // never a zero vector
    return v;
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.vector(t));
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.vector(text);
  }
}
