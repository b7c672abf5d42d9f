/**
 * Test support shared by every package's tests (imported as `@engram/test-support`): the two
 * driver names, cleanup after each test (or describe block), fresh temp directories and
 * typed-error assertions. It imports nothing from Engram itself, so tests of built packages
 * can use it too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

export const DRIVER_NAMES = ['turso', 'sqlite'] as const;

type Cleanup = () => Promise<unknown> | unknown;

/** Where onCleanup puts what it is given: after the current test, unless suiteSetup is running. */
const testCleanups: Cleanup[] = [];
let target = testCleanups;

afterEach(async () => {
  await runAll(testCleanups);
});

async function runAll(list: Cleanup[]): Promise<void> {
  while (list.length > 0) await list.pop()!();
}

/** Runs `fn` after the current test, last registered first. */
export function onCleanup(fn: Cleanup): void {
  target.push(fn);
}

/**
 * Runs `setup` once for a whole describe block: what it registers with `onCleanup` (temp dirs,
 * open engrams) lives until the block's last test instead of its first. Give it to `beforeAll`,
 * which runs the returned teardown after the block. Only for set-up that the tests then read.
 *
 * @example
 * beforeAll(() => suiteSetup(async () => { engram = await openEngram('turso'); }));
 */
export async function suiteSetup(setup: () => Promise<unknown> | unknown): Promise<() => Promise<void>> {
  const own: Cleanup[] = [];
  const outer = target;
  target = own;
  try {
    await setup();
  } catch (err) {
    await runAll(own);
    throw err;
  } finally {
    target = outer;
  }
  return () => runAll(own);
}

/** A fresh directory, removed after the test (or the block, inside suiteSetup). */
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
