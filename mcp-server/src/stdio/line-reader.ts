/**
 * Splits a byte stream into newline-delimited messages with a bounded buffer. A line longer
 * than the limit is not kept: its bytes are only scanned, as they pass, for the message's
 * top-level `id` (and whether it has a `method`), so the sender can still be answered once
 * the line ends. Memory stays at about the limit plus one read chunk, whatever comes in.
 */

/** What one line turned out to be. */
export type LineEvent =
  | { kind: 'line'; text: string }
  | {
      kind: 'oversized';
      /** Length of the skipped line, in bytes. */
      bytes: number;
      /** Its top-level id, when one was found (a string or a number). */
      id: string | number | undefined;
      /** Whether it had a top-level `method` and no `id`: a notification, which gets no answer. */
      notification: boolean;
      /** Whether it had an `id` and no `method`: the client's answer to a request, which gets none either. */
      response: boolean;
    };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const MAX_ID_BYTES = 256;

/**
 * Finds the top-level `id` and `method` members of one JSON object fed to it in pieces,
 * without keeping the object. Anything that is not such an object yields no id.
 */
export class TopLevelIdScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private expectKey = false;
  private keyBytes: number[] | undefined;
  private key: string | undefined;
  private capture: number[] | undefined;
  private captured = 0;
  private idText: string | undefined;
  private sawMethod = false;
  private broken = false;

  feed(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (this.broken) return;
      this.step(b);
    }
  }

  private step(b: number): void {
    if (this.capture !== undefined && this.captured++ <= MAX_ID_BYTES) this.capture.push(b);
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) this.escaped = true;
      else if (b === QUOTE) {
        this.inString = false;
        if (this.keyBytes !== undefined) {
          this.key = Buffer.from(this.keyBytes).toString('utf8');
          this.keyBytes = undefined;
        }
      }
      if (this.keyBytes !== undefined && this.keyBytes.length < 16) this.keyBytes.push(b);
      return;
    }
    switch (b) {
      case QUOTE:
        this.inString = true;
        if (this.depth === 1 && this.expectKey) {
          this.expectKey = false;
          this.keyBytes = [];
        }
        return;
      case 0x7b: // {
      case 0x5b: // [
        if (this.depth === 0 && b !== 0x7b) this.broken = true; // a batch or a bare value
        this.depth++;
        if (this.depth === 1) this.expectKey = true;
        return;
      case 0x7d: // }
      case 0x5d: // ]
        if (this.depth === 1) this.endValue();
        this.depth--;
        return;
      case 0x3a: // :
        if (this.depth === 1 && this.key !== undefined) {
          if (this.key === 'id') {
            this.capture = [];
            this.captured = 0;
          }
          if (this.key === 'method') this.sawMethod = true;
          this.key = undefined;
        }
        return;
      case 0x2c: // ,
        if (this.depth === 1) {
          this.endValue();
          this.expectKey = true;
        }
        return;
      default:
        if (this.depth === 0 && b > 0x20) this.broken = true;
    }
  }

  /** Ends a captured `id` value at the `,` or `}` just captured (a value too long is no id). */
  private endValue(): void {
    if (this.capture === undefined) return;
    if (this.captured <= MAX_ID_BYTES) this.idText = Buffer.from(this.capture.slice(0, -1)).toString('utf8').trim();
    this.capture = undefined;
  }

  /** The id found, if it is a string or a number. */
  get id(): string | number | undefined {
    if (this.idText === undefined) return undefined;
    try {
      const value: unknown = JSON.parse(this.idText);
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /** A method and no id: a notification. */
  get notification(): boolean {
    return this.sawMethod && this.idText === undefined && !this.broken && this.depth === 0;
  }

  /** An id and no method: a response. */
  get response(): boolean {
    return !this.sawMethod && this.id !== undefined && !this.broken && this.depth === 0;
  }
}

/** Newline-delimited messages out of chunks, at most `maxLineBytes` each. */
export class LineReader {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Set while skipping a line that went over the limit. */
  private skipping: { scanner: TopLevelIdScanner; bytes: number } | undefined;

  constructor(private readonly maxLineBytes: number) {}

  /** Takes one chunk; returns the lines it completed, in order. */
  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      this.take(chunk.subarray(start, end));
      if (nl === -1) break;
      events.push(this.finishLine());
      start = nl + 1;
    }
    return events;
  }

  /** Drops whatever partial line is held. */
  clear(): void {
    this.chunks = [];
    this.size = 0;
    this.skipping = undefined;
  }

  private take(part: Buffer): void {
    if (part.length === 0) return;
    if (this.skipping) {
      this.skipping.scanner.feed(part);
      this.skipping.bytes += part.length;
      return;
    }
    if (this.size + part.length <= this.maxLineBytes) {
      this.chunks.push(part);
      this.size += part.length;
      return;
    }
    // Over the limit: scan what was kept and everything after it, keep nothing.
    const scanner = new TopLevelIdScanner();
    for (const c of this.chunks) scanner.feed(c);
    scanner.feed(part);
    this.skipping = { scanner, bytes: this.size + part.length };
    this.chunks = [];
    this.size = 0;
  }

  private finishLine(): LineEvent {
    if (this.skipping) {
      const { scanner, bytes } = this.skipping;
      this.skipping = undefined;
      return { kind: 'oversized', bytes, id: scanner.id, notification: scanner.notification, response: scanner.response };
    }
    const text = Buffer.concat(this.chunks, this.size).toString('utf8').replace(/\r$/, '');
    this.chunks = [];
    this.size = 0;
    return { kind: 'line', text };
  }
}
