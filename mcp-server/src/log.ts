/**
 * The server's only way to say anything outside the protocol: one line to stderr. In stdio
 * mode stdout belongs to MCP, so nothing here may ever write to stdout.
 */
export type Log = (message: string) => void;

/** Writes `[engram] message` to stderr. */
export const log: Log = (message) => {
  process.stderr.write(`[engram] ${message}\n`);
};
