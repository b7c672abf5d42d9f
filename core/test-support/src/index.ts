/**
 * Test support shared by every package's tests (imported as `@engram/test-support`): the two
 * driver names, per-test cleanup, fresh temp directories and typed-error assertions. It
 * imports nothing from Engram itself, so tests of built packages can use it too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

export const DRIVER_NAMES = ['turso', 'sqlite'] as const;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Runs `fn` after the current test, last registered first. */
export function onCleanup(fn: () => Promise<unknown> | unknown): void {
  cleanups.push(fn);
}

/** A fresh directory, removed after the test. */
export function tempDir(prefix = 'engram-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Awaits `promise` (or calls `fn`) and returns its error, failing unless the error has `code`. */
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
