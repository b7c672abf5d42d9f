/**
 * A small progress bar on stderr, drawn only when stderr is a terminal (a pipe or a log file
 * gets nothing), at most every 80 ms, and cleared when done.
 */
export interface Progress {
  update(done: number, total: number, label?: string): void;
  /** Clears the bar. */
  stop(): void;
}

const WIDTH = 24;

/** A bar labelled `label`; a no-op unless `stream` is a TTY. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, stop() {} };
  let last = 0;
  let drawn = false;
  return {
    update(done, total, text = label) {
      const now = Date.now();
      if (done < total && now - last < 80) return;
      last = now;
      const ratio = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(ratio * WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
      stream.write(`\r\u001b[2K${text} ${bar} ${String(Math.round(ratio * 100)).padStart(3)}% ${done}/${total}`);
      drawn = true;
    },
    stop() {
      if (drawn) stream.write('\r\u001b[2K');
      drawn = false;
    },
  };
}
