/**
 * The stdio transport: newline-delimited JSON-RPC on stdin/stdout, like the SDK's
 * StdioServerTransport, but it never closes itself over one bad message. A line over the
 * size limit is skipped and answered with a JSON-RPC error (with its id when the id can be
 * found, else null); a line that is not JSON gets a parse error; a reply too large for the
 * client to read is replaced with an error for the same id. Each of these is logged to stderr.
 * Only the client closing stdin (or `close()`) ends it.
 */
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { MAX_MESSAGE_BYTES, MAX_OUTBOUND_BYTES, formatBytes } from '../limits.js';
import { log as defaultLog, type Log } from '../log.js';
import { LineReader, type LineEvent } from './line-reader.js';

export interface LineTransportOptions {
  /** Default process.stdin. */
  stdin?: Readable;
  /** Default process.stdout. */
  stdout?: Writable;
  /** Longest line read (default MAX_MESSAGE_BYTES, 16 MiB); longer ones are answered with an error. */
  maxMessageBytes?: number;
  /** Longest line written (default MAX_OUTBOUND_BYTES, 9 MiB); a larger reply becomes an error. */
  maxOutboundBytes?: number;
  log?: Log;
}

type Id = RequestId | null;

/** A JSON-RPC message over stdin/stdout that survives oversized and malformed input. */
export class LineTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  /** Told of every message skipped, refused or replaced (after it is logged to stderr). */
  onProblem?: (message: string) => void;

  private readonly stdin: Readable;
  private readonly stdout: Writable;
  private readonly reader: LineReader;
  private readonly maxMessageBytes: number;
  private readonly maxOutboundBytes: number;
  private readonly log: Log;
  private started = false;
  private closed = false;
  private outputBroken = false;

  constructor(options: LineTransportOptions = {}) {
    this.stdin = options.stdin ?? process.stdin;
    this.stdout = options.stdout ?? process.stdout;
    this.maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    this.maxOutboundBytes = options.maxOutboundBytes ?? MAX_OUTBOUND_BYTES;
    this.log = options.log ?? defaultLog;
    this.reader = new LineReader(this.maxMessageBytes);
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('LineTransport already started');
    this.started = true;
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onInputError);
    this.stdout.on('error', this.onOutputError);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onInputError);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.reader.clear();
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    let line = `${JSON.stringify(message)}\n`;
    // At most 3 UTF-8 bytes per UTF-16 unit: most replies need no byte count at all.
    const bytes = line.length * 3 > this.maxOutboundBytes ? Buffer.byteLength(line) : line.length;
    if (bytes > this.maxOutboundBytes) {
      const id = 'id' in message && !('method' in message) ? message.id : undefined;
      this.problem(
        `stdio: a message of ${formatBytes(bytes)} is over the ${formatBytes(this.maxOutboundBytes)} a client reads; ${id === undefined ? 'dropped' : `answered id ${JSON.stringify(id)} with an error instead`}`,
      );
      if (id === undefined) return;
      line = `${JSON.stringify(this.errorMessage(id, ErrorCode.InternalError, `The reply (${formatBytes(bytes)}) is too large to send over stdio (at most ${formatBytes(this.maxOutboundBytes)}): ask for less at once`))}\n`;
    }
    await this.write(line);
  }

  private readonly onData = (chunk: Buffer | string): void => {
    const events = this.reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    for (const event of events) this.receive(event);
  };

  private readonly onInputError = (err: Error): void => {
    this.log(`stdio: stdin: ${err.message}`);
    this.onerror?.(err);
  };

  private readonly onOutputError = (err: Error): void => {
    // The client went away (EPIPE): nothing can be answered any more; stdin's end closes us.
    if (!this.outputBroken) this.log(`stdio: stdout: ${err.message}`);
    this.outputBroken = true;
  };

  private receive(event: LineEvent): void {
    if (event.kind === 'oversized') {
      const answer = !event.notification && !event.response;
      this.problem(
        `stdio: skipped a message of ${formatBytes(event.bytes)}, over the ${formatBytes(this.maxMessageBytes)} limit` +
          (answer
            ? `; answered id ${JSON.stringify(event.id ?? null)} with an error`
            : ` (a ${event.notification ? 'notification' : 'response'}: not answered)`),
      );
      if (answer) {
        void this.reply(
          event.id ?? null,
          ErrorCode.InvalidRequest,
          `Request too large: ${formatBytes(event.bytes)} is over the ${formatBytes(this.maxMessageBytes)} one message may carry, so it was not read. Send less per call (fewer items, or a file in parts with append).`,
        );
      }
      return;
    }
    if (event.text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(event.text);
    } catch (err) {
      this.problem(`stdio: a line that is not JSON (${(err as Error).message}); answered with a parse error`);
      void this.reply(null, ErrorCode.ParseError, `Parse error: ${(err as Error).message}`);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const raw = (value as { id?: unknown } | null)?.id;
      const id = typeof raw === 'string' || typeof raw === 'number' ? raw : null;
      this.problem(`stdio: a message that is not JSON-RPC 2.0; answered id ${JSON.stringify(id)} with an error`);
      void this.reply(id, ErrorCode.InvalidRequest, 'Invalid request: not a JSON-RPC 2.0 request, notification or response');
      return;
    }
    this.onmessage?.(parsed.data);
  }

  /** Logs a problem with one message (stderr), and tells `onProblem` (the client's log). */
  private problem(message: string): void {
    this.log(message);
    this.onProblem?.(message);
  }

  private errorMessage(id: Id, code: number, message: string): object {
    return { jsonrpc: '2.0', id, error: { code, message } };
  }

  private reply(id: Id, code: number, message: string): Promise<void> {
    return this.write(`${JSON.stringify(this.errorMessage(id, code, message))}\n`);
  }

  private write(line: string): Promise<void> {
    if (this.outputBroken || this.stdout.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.stdout.write(line)) return resolve();
      const done = () => {
        this.stdout.off('drain', done);
        this.stdout.off('close', done);
        resolve();
      };
      this.stdout.once('drain', done);
      this.stdout.once('close', done);
    });
  }
}
