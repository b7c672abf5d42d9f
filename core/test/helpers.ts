/** Core test helpers: the shared support (@engram/test-support), and an Engram on each driver built from core's sources. */
import { Engram, type EngramOptions } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import type { DriverName } from '../src/drivers/types.js';
import { onCleanup, tempDir } from '@engram/test-support';

export { DRIVER_NAMES, expectCode, onCleanup, suiteSetup, tempDir } from '@engram/test-support';

/** An Engram on `driver` in a fresh temp dir, with the deterministic hash embedder unless given one. */
export async function openEngram(driver: DriverName, options: Partial<EngramOptions> = {}): Promise<Engram> {
  const engram = await Engram.open({ dir: tempDir(), driver, embedder: new HashEmbedder({ dims: 64 }), ...options });
  onCleanup(() => engram.close());
  return engram;
}
