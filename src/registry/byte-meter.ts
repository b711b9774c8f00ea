// Counting the bytes of a blob as they stream, for push's and pull's progress (src/cli/progress-bar.ts). A
// Transform in the stream's own pipeline, not a 'data' listener: a listener would switch the source to flowing
// before its consumer is attached, and the chunks emitted meanwhile would be lost.
import { Transform, pipeline, type Readable } from 'node:stream';

/**
 * `source` with every chunk counted: `onAt(position)` after each, `position` starting at `start` (the offset of a
 * ranged read). Errors travel both ways: a failing source errors the result, a destroyed result destroys the source.
 */
export function meteredStream(source: Readable, start: number, onAt: (position: number) => void): Readable {
  let position = start;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      position += chunk.length;
      onAt(position);
      callback(null, chunk);
    },
  });
  return pipeline(source, meter, () => {});
}

/** Bytes done (moved, or already in the store) of `total`; `moved`: how many of them travelled. */
export type ByteProgress = (done: number, total: number, moved: number) => void;

/** The two uploads of an image push (push --modelcar, ood image): the artifact it refers to, then the image. */
export interface ImageUploadProgress {
  artifact?: ByteProgress;
  image?: ByteProgress;
}

/**
 * Progress over several blobs moved one after another: `finish(size)` when a blob is done (or was already there:
 * then `moved` is false and its bytes count as done but not as transferred), `at(position)` while one streams.
 */
export function blobProgress(total: number, report: ByteProgress) {
  let finished = 0;
  let transferred = 0;
  return {
    at(position: number) {
      report(finished + position, total, transferred + position);
    },
    finish(size: number, moved: boolean) {
      finished += size;
      if (moved) transferred += size;
      report(finished, total, transferred);
    },
  };
}
