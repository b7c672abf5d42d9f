/**
 * The size limits of the MCP layer, in one place, so that every limit a tool accepts stays
 * under what its transport carries and every reply stays under what an SDK client reads.
 *
 * The SDK's stdio client refuses (and closes on) any line over 10 MiB, so replies stay well
 * under it. Requests may be larger than replies: the largest file core accepts (10 MiB) fits
 * in one message with room for JSON escaping and the envelope.
 */

const MiB = 1024 * 1024;

/** Largest request one message may be: a stdio line, or an HTTP body by default. */
export const MAX_MESSAGE_BYTES = 16 * MiB;

/**
 * Largest message the server writes. The SDK's stdio client buffers at most 10 MiB (a whole
 * line plus the next read chunk), so anything larger would end its connection.
 */
export const MAX_OUTBOUND_BYTES = 9 * MiB;

/** Largest result of one tool call or resource read (leaves room for the JSON-RPC envelope). */
export const MAX_REPLY_BYTES = 8 * MiB;

/**
 * Most bytes of memories (as JSON) one memory_remember call stores: its reply echoes them
 * with their ids, and that reply must fit in MAX_REPLY_BYTES.
 */
export const MAX_REMEMBER_BYTES = 4 * MiB;

/** `12.3 MiB`, for messages. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MiB) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / MiB).toFixed(1)} MiB`;
}
