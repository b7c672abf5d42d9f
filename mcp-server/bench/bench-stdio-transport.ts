/**
 * The stdio transport's own cost: Engram's LineTransport against the SDK's
 * StdioServerTransport, in one process over in-memory streams (no server, no engine), so
 * only reading, splitting, parsing and writing are measured. Rounds alternate between the two
 * so machine load hits both alike; the median round is reported.
 *
 *   npm run build && tsc -p mcp-server/tsconfig.bench.json && node mcp-server/dist-bench/bench/bench-stdio-transport.js
 *   ... bench-stdio-transport.js --messages=20000 --rounds=7
 */
import { PassThrough } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LineTransport } from '../src/stdio/transport.js';

function option(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}
const MESSAGES = Number(option('messages', '20000'));
const ROUNDS = Number(option('rounds', '7'));

/** A typical tools/call request line (about 300 bytes). */
const REQUEST = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'memory_recall',
    arguments: { query: 'what does the user prefer for breakfast on weekdays?', limit: 10, tags: ['food'] },
  },
})}\n`;
/** A typical reply (about 2 KB). */
const REPLY: JSONRPCMessage = {
  jsonrpc: '2.0',
  id: 1,
  result: { content: [{ type: 'text', text: 'x'.repeat(1000) }], structuredContent: { results: [{ score: 0.5, text: 'y'.repeat(900) }] } },
};
/** A 1 MiB file_write line. */
const BIG = `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'file_write', arguments: { path: '/a', content: 'z'.repeat(1 << 20) } } })}\n`;

type Make = (stdin: PassThrough, stdout: PassThrough) => Transport;
const KINDS: [string, Make][] = [
  ['sdk StdioServerTransport', (i, o) => new StdioServerTransport(i, o)],
  ['engram LineTransport', (i, o) => new LineTransport({ stdin: i, stdout: o, log: () => {} })],
];

/** Milliseconds to read `count` copies of `line` in 64 KiB chunks, as a pipe delivers them. */
async function readTime(make: Make, line: string, count: number): Promise<number> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const transport = make(stdin, stdout);
  let seen = 0;
  const done = new Promise<void>((resolve) => {
    transport.onmessage = () => {
      if (++seen === count) resolve();
    };
  });
  await transport.start();
  const all = Buffer.from(line.repeat(count));
  const started = performance.now();
  for (let i = 0; i < all.length; i += 65536) stdin.write(all.subarray(i, i + 65536));
  await done;
  const ms = performance.now() - started;
  await transport.close();
  return ms;
}

/** Milliseconds to write `count` replies. */
async function writeTime(make: Make, count: number): Promise<number> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  stdout.resume();
  const transport = make(stdin, stdout);
  await transport.start();
  const started = performance.now();
  for (let i = 0; i < count; i++) await transport.send(REPLY);
  const ms = performance.now() - started;
  await transport.close();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cases: [string, (make: Make) => Promise<number>, number][] = [
  [`read ${MESSAGES} requests of ${REQUEST.length} B`, (m) => readTime(m, REQUEST, MESSAGES), MESSAGES],
  [`read 50 requests of ${(BIG.length / 2 ** 20).toFixed(1)} MiB`, (m) => readTime(m, BIG, 50), 50],
  [`write ${MESSAGES} replies of ${JSON.stringify(REPLY).length} B`, (m) => writeTime(m, MESSAGES), MESSAGES],
];

process.stdout.write(`== stdio transport cost, median of ${ROUNDS} alternating rounds\n`);
process.stdout.write(`${'case'.padEnd(34)}  ${'transport'.padEnd(26)}  ${'total ms'.padStart(9)}  ${'us/msg'.padStart(8)}\n`);
for (const [name, run, count] of cases) {
  const times = new Map<string, number[]>(KINDS.map(([k]) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) for (const [kind, make] of KINDS) times.get(kind)!.push(await run(make));
  for (const [kind] of KINDS) {
    const ms = median(times.get(kind)!);
    process.stdout.write(
      `${name.padEnd(34)}  ${kind.padEnd(26)}  ${ms.toFixed(1).padStart(9)}  ${((ms * 1000) / count).toFixed(1).padStart(8)}\n`,
    );
  }
}
