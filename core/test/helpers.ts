/** Test helpers: a fresh temp directory per test, and an Engram on each driver. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Engram, type EngramOptions } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import type { DriverName } from '../src/drivers/types.js';

export const DRIVER_NAMES: DriverName[] = ['turso', 'sqlite'];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

export function tempDir(prefix = 'engram-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An Engram on `driver` in a fresh temp dir, with the deterministic hash embedder unless given one. */
export async function openEngram(driver: DriverName, options: Partial<EngramOptions> = {}): Promise<Engram> {
  const engram = await Engram.open({ dir: tempDir(), driver, embedder: new HashEmbedder({ dims: 64 }), ...options });
  cleanups.push(() => engram.close());
  return engram;
}

export async function expectCode(promise: Promise<unknown> | (() => unknown), code: string): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code !== code) throw new Error(`expected code ${code}, got ${e.code}: ${e.message}`);
    return err as Error;
  }
  throw new Error(`expected an error with code ${code}, but nothing was thrown`);
}
