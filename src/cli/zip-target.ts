// `-o FILE` where ood writes a zip (prepare, pull): a name that promises another format (out.tar, out.tgz,
// model.onnx) would hold a zip that tar, gzip or onnxruntime then fail to read, so it is refused up front.
import { extname } from 'node:path';
import { OodError } from '../errors.js';

/** Throw BAD_OPTION unless `path` ends in .zip; `alternative(stem)` is the command's other way to write it. */
export function requireZipTarget(
  command: string,
  path: string | undefined,
  alternative?: (stem: string) => string,
): void {
  if (path === undefined || extname(path).toLowerCase() === '.zip') return;
  const stem = path.replace(/(\.tar)?\.[^./\\]*$/i, '');
  throw new OodError(
    'BAD_OPTION',
    `-o ${path}: ood ${command} writes a zip archive, so the file name must end in .zip`,
    {
      hint: `Name it ${stem}.zip${alternative ? `, or ${alternative(stem)}` : ''}.`,
    },
  );
}
