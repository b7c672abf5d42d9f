/**
 * The package as users load it (its built dist, through its package.json exports): `import`
 * and `require` (Node 20.19+ loads ESM from require) both give the public API, and its
 * dependency on @engram/core names a real version range that core's version satisfies.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const json = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
const EXPORTS = ['EngramCheckpointSaver', 'EngramChatMessageHistory', 'EngramEmbeddings', 'EngramStore', 'EngramVectorStore'];

describe('@engram/langchain package', () => {
  it('loads with import and with require', () => {
    const imported = node(['--input-type=module', '-e', "console.log(Object.keys(await import('@engram/langchain')).join(','))"]);
    const required = node(['-e', "console.log(Object.keys(require('@engram/langchain')).join(','))"]);
    for (const names of [imported, required]) expect(names.split(',')).toEqual(expect.arrayContaining(EXPORTS));
    expect(required.split(',').sort()).toEqual(imported.split(',').sort());
  });

  it('depends on a version range of @engram/core that core satisfies', () => {
    const range = (json('adapters/langchain/package.json').dependencies as Record<string, string>)['@engram/core'];
    const version = json('core/package.json').version as string;
    expect(range).toBe(`^${version}`);
  });
});
