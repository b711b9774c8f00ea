// A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes, logs or CI).
import type { WriteStream } from 'node:tty';

/** A listener `(done, total)` that redraws the bar, and `finish()` to clear it. */
export interface ProgressBar {
  update(done: number, total: number): void;
  finish(): void;
}

/** Make a bar labelled `label`; a no-op when `stream` is not a TTY or with --quiet. */
export function createProgressBar(
  label: string,
  options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {},
): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true && options.quiet !== true;
  let drawn = false;
  let last = 0;
  return {
    update(done, total) {
      if (!tty) return;
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      const columns = (stream as WriteStream).columns || 80;
      const width = Math.max(10, Math.min(40, columns - label.length - 30));
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
      drawn = true;
    },
    finish() {
      if (tty && drawn) stream.write('\r\x1b[K');
    },
  };
}
