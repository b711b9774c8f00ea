// ONNX external data (onnx/docs/ExternalData.md): tensor payloads in files named relative to the model. An
// enabled model written to another folder needs those files beside it, so they are copied there.
import { copyFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { OodError } from '../errors.js';
import type { OnnxModel } from '../onnx/model.js';
import { writeAtomically } from '../io/atomic-file.js';

/** One external data file to copy next to the output. */
export interface ExternalCopy {
  location: string;
  from: string;
  to: string;
}

/** The copies an output at `output` needs; refuses existing targets unless `force`. Writes nothing. */
export async function planExternalCopies(model: OnnxModel, output: string, force: boolean): Promise<ExternalCopy[]> {
  const fromDir = resolve(dirname(model.path ?? '.'));
  const toDir = resolve(dirname(output));
  if (fromDir === toDir) return [];
  const copies: ExternalCopy[] = [];
  for (const location of model.externalDataFiles()) {
    const copy = { location, from: join(fromDir, location), to: join(toDir, location) };
    await stat(copy.from).catch((err) => {
      throw new OodError(
        'EXTERNAL_DATA_MISSING',
        `the model's external data file ${location} is missing (looked in ${fromDir})`,
        {
          hint: 'Keep the external data files next to the model, as ONNX expects.',
          cause: err,
        },
      );
    });
    const exists = await stat(copy.to).then(
      () => true,
      () => false,
    );
    if (exists && !force) {
      throw new OodError('OUTPUT_EXISTS', `external data file ${copy.to} already exists`, {
        hint: 'Write the enabled model to another folder, or pass --force to replace the file.',
      });
    }
    copies.push(copy);
  }
  return copies;
}

/** Copy each file atomically. */
export async function copyExternalData(copies: readonly ExternalCopy[]): Promise<void> {
  for (const c of copies) await writeAtomically(c.to, (tmp) => copyFile(c.from, tmp));
}

/** Undo `copyExternalData` after a failure (targets were refused if they existed, unless --force). */
export async function removeCopies(copies: readonly ExternalCopy[]): Promise<void> {
  for (const c of copies) await rm(c.to, { force: true });
}
