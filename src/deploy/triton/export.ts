// `ood export triton`: from an artifact or a model to a Triton model repository on disk.
import { openModelSource } from '../model-source.js';
import {
  planTritonRepository,
  writeTritonRepository,
  type TritonExportOptions,
  type TritonExportResult,
} from './repository.js';

/** Export SOURCE (artifact zip/dir or .onnx) into the model repository DIR. */
export async function exportTriton(
  sourcePath: string,
  dir: string,
  options: TritonExportOptions & { force?: boolean; labelsFile?: string } = {},
): Promise<TritonExportResult> {
  const source = await openModelSource(sourcePath, { labelsFile: options.labelsFile });
  try {
    return await writeTritonRepository(planTritonRepository(source, options), dir, options.force === true);
  } finally {
    await source.close();
  }
}
