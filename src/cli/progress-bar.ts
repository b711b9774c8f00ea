// One-line progress bars on stderr, drawn only where a person watches: stderr is a terminal, neither --quiet nor
// --json is given, and the process is not a CI job (some CI runners give jobs a pseudo-terminal, and a log full of
// carriage returns helps nobody). Hand-written rather than a library (cli-progress, progress): two bars of one look
// in 60 lines, redrawn at most every 100 ms, cleared when done; a library would bring its own look and redraw loop.
import type { WriteStream } from 'node:tty';
import { formatBytes } from './wording.js';

/** A listener `(done, total)` that redraws the bar, and `finish()` to clear it. */
export interface ProgressBar {
  update(done: number, total: number): void;
  finish(): void;
}

export interface ProgressOptions {
  /** --quiet or --json: draw nothing. */
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
}

/** True when the environment says this is a CI job (CI=true, as GitHub, GitLab and most runners set it). */
function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** A bar whose text after the `[###...]` is `counts(done, total)`; `varying`: that text's length changes. */
function drawBar(
  label: string,
  options: ProgressOptions,
  counts: (done: number, total: number) => string,
  varying = false,
) {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true && options.quiet !== true && !inCi();
  let drawn = false;
  let last = 0;
  return {
    update(done: number, total: number) {
      if (!tty) return;
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      const tail = counts(done, total);
      const columns = (stream as WriteStream).columns || 80;
      const width = Math.max(10, Math.min(40, columns - label.length - tail.length - 5));
      const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
      // A tail that can get shorter (a rate) erases what the longer one left behind.
      const erase = varying ? '\x1b[K' : '';
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${tail}${erase}`);
      drawn = true;
    },
    finish() {
      if (tty && drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** Make a bar of counted items labelled `label`; a no-op off a terminal, in CI, or with --quiet. */
export function createProgressBar(label: string, options: ProgressOptions = {}): ProgressBar {
  return drawBar(label, options, (done, total) => `${done}/${total}`);
}

/**
 * A bar of bytes moved (push, pull): `12.3 MiB/45.6 MiB, 8.10 MiB/s`. The rate is the bytes that really moved
 * since the bar began, over the time since then: `update`'s `done` may jump for blobs already there, which is not
 * transfer; `moved` says how many of `done` travelled.
 */
export function createByteProgressBar(
  label: string,
  options: ProgressOptions = {},
): ProgressBar & { update(done: number, total: number, moved?: number): void } {
  const started = Date.now();
  let moved = 0;
  const bar = drawBar(
    label,
    options,
    (done, total) => {
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds >= 0.25 && moved > 0 ? `, ${formatBytes(Math.round(moved / seconds))}/s` : '';
      return `${formatBytes(done)}/${formatBytes(total)}${rate}`;
    },
    true,
  );
  return {
    update(done: number, total: number, travelled: number = done) {
      moved = travelled;
      bar.update(done, total);
    },
    finish: () => bar.finish(),
  };
}

/**
 * The two bars of an image push (push --modelcar, ood image): "pushing artifact", then "pushing image", the first
 * cleared when the second begins. `progress` goes to the library; `finish()` clears whatever is left.
 */
export function createImageUploadBars(options: ProgressOptions = {}) {
  const artifact = createByteProgressBar('pushing artifact', options);
  const image = createByteProgressBar('pushing image', options);
  let imageBegun = false;
  return {
    progress: {
      artifact: (done: number, total: number, moved: number) => artifact.update(done, total, moved),
      image: (done: number, total: number, moved: number) => {
        if (!imageBegun) artifact.finish();
        imageBegun = true;
        image.update(done, total, moved);
      },
    },
    finish() {
      artifact.finish();
      image.finish();
    },
  };
}
