/**
 * The stdio transport's parts on their own, fed byte by byte or in odd chunks: the line
 * reader's bound and its id scanner, and the transport's answers to oversized, malformed and
 * too-large-to-send messages. (The spawned `engram mcp` is tested in limits.test.ts.)
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineReader, TopLevelIdScanner } from '../src/stdio/line-reader.js';
import { LineTransport } from '../src/stdio/transport.js';

function scan(text: string, pieces = 1): { id: unknown; notification: boolean } {
  const s = new TopLevelIdScanner();
  const bytes = Buffer.from(text);
  const step = Math.max(1, Math.ceil(bytes.length / pieces));
  for (let i = 0; i < bytes.length; i += step) s.feed(bytes.subarray(i, i + step));
  return { id: s.id, notification: s.notification };
}

describe('TopLevelIdScanner', () => {
  it('finds the top-level id wherever it stands, and only there', () => {
    for (const pieces of [1, 3, 1000]) {
      expect(scan('{"jsonrpc":"2.0","id":42,"method":"x","params":{}}', pieces)).toEqual({ id: 42, notification: false });
      expect(scan('{"method":"x","params":{"id":7,"a":[{"id":8}]},"jsonrpc":"2.0","id":"last"}', pieces)).toEqual({
        id: 'last',
        notification: false,
      });
      expect(scan('{ "id" : "sp\\"aced" , "method":"x"}', pieces).id).toBe('sp"aced');
      expect(scan('{"method":"notifications/x","params":{"id":1,"text":"}{\\"id\\":2"}}', pieces)).toEqual({
        id: undefined,
        notification: true,
      });
      expect(scan('{"params":{"note":"\\"id\\":5"},"id":-1.5e3}', pieces).id).toBe(-1500);
    }
    expect(scan('[{"id":1}]').id).toBeUndefined();
    expect(scan('"id"').id).toBeUndefined();
    expect(scan('{"id":{"nested":1},"method":"x"}').id).toBeUndefined();
    expect(scan('{"id":null,"method":"x"}').id).toBeUndefined();
    expect(scan(`{"id":"${'x'.repeat(300)}","method":"x"}`).id).toBeUndefined();
    expect(scan('{"idx":1,"method":"x"}')).toEqual({ id: undefined, notification: true });
    const response = new TopLevelIdScanner();
    response.feed(Buffer.from('{"jsonrpc":"2.0","id":4,"result":{"method":"inside"}}'));
    expect([response.id, response.response, response.notification]).toEqual([4, true, false]);
  });
});

describe('LineReader', () => {
  it('returns lines up to the limit and reports longer ones with their size, whatever the chunking', () => {
    const reader = new LineReader(10);
    const input = Buffer.from('short\r\n{"id":3,"x":"0123456789"}\nok\n0123456789\n');
    const events = [];
    for (let i = 0; i < input.length; i += 4) events.push(...reader.push(input.subarray(i, i + 4)));
    expect(events).toEqual([
      { kind: 'line', text: 'short' },
      { kind: 'oversized', bytes: 25, id: 3, notification: false, response: true },
      { kind: 'line', text: 'ok' },
      { kind: 'line', text: '0123456789' },
    ]);
  });
});

describe('LineTransport', () => {
  async function harness(options: { maxMessageBytes?: number; maxOutboundBytes?: number } = {}) {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const logs: string[] = [];
    const transport = new LineTransport({ stdin, stdout, log: (m) => logs.push(m), ...options });
    const received: unknown[] = [];
    let closed = false;
    transport.onmessage = (m) => received.push(m);
    transport.onclose = () => (closed = true);
    await transport.start();
    let written = '';
    stdout.on('data', (d: Buffer) => (written += d.toString()));
    const out = () =>
      written
        .trimEnd()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown);
    return { stdin, transport, received, logs, out, closed: () => closed };
  }

  it('answers oversized, non-JSON and non-JSON-RPC lines, delivers the rest, and never closes itself', async () => {
    const h = await harness({ maxMessageBytes: 64 });
    h.stdin.write(`{"jsonrpc":"2.0","id":1,"method":"ping"}\n`);
    h.stdin.write(`{"jsonrpc":"2.0","method":"tools/call","params":{"pad":"${'y'.repeat(100)}"},"id":2}\n`);
    h.stdin.write(`{"jsonrpc":"2.0","id":"resp","result":{"pad":"${'y'.repeat(100)}"}}\n`); // a client's answer: not answered
    h.stdin.write('not json\n');
    h.stdin.write('{"jsonrpc":"1.0","id":"old"}\n');
    h.stdin.write('\n');
    h.stdin.write(`{"jsonrpc":"2.0","id":3,"method":"ping"}\n`);
    await new Promise((r) => setImmediate(r));
    expect(h.received).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 3, method: 'ping' },
    ]);
    expect(h.out()).toEqual([
      { jsonrpc: '2.0', id: 2, error: { code: -32600, message: expect.stringMatching(/^Request too large: 166 B is over the 64 B/) } },
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error/) } },
      { jsonrpc: '2.0', id: 'old', error: { code: -32600, message: expect.stringMatching(/^Invalid request/) } },
    ]);
    expect(h.logs).toHaveLength(4);
    expect(h.logs[1]).toMatch(/\(a response: not answered\)$/);
    expect(h.closed()).toBe(false);
  });

  it('replaces a reply too large for the client with an error for the same id, and drops such a notification', async () => {
    const h = await harness({ maxOutboundBytes: 200 });
    await h.transport.send({ jsonrpc: '2.0', id: 9, result: { text: 'z'.repeat(500) } });
    await h.transport.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'z'.repeat(500) } });
    await h.transport.send({ jsonrpc: '2.0', id: 10, result: {} });
    expect(h.out()).toEqual([
      {
        jsonrpc: '2.0',
        id: 9,
        error: { code: -32603, message: expect.stringMatching(/^The reply \(\d+ B\) is too large to send over stdio/) },
      },
      { jsonrpc: '2.0', id: 10, result: {} },
    ]);
    expect(h.logs.join('\n')).toMatch(/answered id 9 with an error instead[\s\S]*dropped/);
  });
});
