// `--data PATH`: find out what kind of data set PATH is (V2 request JSON, .npy arrays, or images), check it
// against the model's inputs, and expose it as a sample count plus chunks of conformed tensors.
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { OodError, fileError } from '../../errors.js';
import type { ValueInfo } from '../../onnx/decode.js';
import { checkSignature, conformTensor, dataMismatch } from './conform.js';
import type { RowChunk } from '../../tensor/batches.js';
import type { Tensor } from '../../tensor/tensor.js';
import { NpyFile } from './npy.js';
import { readV2Request } from './v2-json.js';
import { IMAGE_EXTENSIONS } from './image-decode.js';
import { loadImageBatch, planImages, type ImageOptions } from './images.js';

/** Rows of one or more samples, one tensor per model input, each with the same leading (batch) dimension. */
export type SampleChunk = RowChunk;

/** A validated calibration data set. */
export interface CalibrationData {
  format: 'v2-json' | 'npy' | 'images';
  /** Number of samples (rows). */
  count: number;
  chunks(): AsyncIterable<SampleChunk>;
  close(): void;
}

/** A .npy chunk holds at least this many rows, and more when rows are small (one read per ~4 MiB). */
const CHUNK_ROWS = 256;
const CHUNK_BYTES = 4 * 1024 * 1024;
const IMAGE_CHUNK = 16;

/** Open `path` as calibration data for a model with `inputs`. Throws DATA_* errors naming the sample. */
export async function openCalibrationData(
  path: string,
  inputs: readonly ValueInfo[],
  image: ImageOptions = {},
): Promise<CalibrationData> {
  const files = listFiles(path);
  const kinds = new Set(files.map((f) => kindOf(f)).filter((k) => k !== undefined));
  if (kinds.size === 0) {
    throw new OodError('DATA_EMPTY', `no data in ${path}: expected .json requests, .npy arrays or .png/.jpg images`, {
      hint: 'Point --data at a file, or at a folder of files of one of these kinds.',
    });
  }
  if (kinds.size > 1) {
    throw new OodError('DATA_MIXED', `${path} mixes kinds of data (${[...kinds].sort().join(', ')})`, {
      hint: 'Put one kind of data in the folder: JSON requests, .npy arrays or images.',
    });
  }
  const kind = [...kinds][0]!;
  const used = files.filter((f) => kindOf(f) === kind);
  if (kind === 'images') refuseUndecodableImages(path, files, used.length);
  const root = statSync(path).isDirectory() ? path : join(path, '..');
  if (kind === 'v2-json') return openV2(used, inputs);
  if (kind === 'npy') return openNpy(used, inputs);
  return openImages(used, root, inputs, image);
}

/** Image files ood cannot decode: other formats would silently drop samples (10 files giving 7 rows). */
const OTHER_IMAGE_EXTENSIONS = ['.gif', '.bmp', '.webp', '.tif', '.tiff', '.heic', '.avif', '.ppm', '.pgm'];

function refuseUndecodableImages(path: string, files: readonly string[], decodable: number): void {
  const other = files.filter((f) => OTHER_IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()));
  if (other.length === 0) return;
  const kinds = [...new Set(other.map((f) => extname(f).toLowerCase()))].sort().join(', ');
  const named = other.slice(0, 3).map((f) => relative(path, f) || basename(f));
  const more = other.length > named.length ? `, and ${other.length - named.length} more` : '';
  throw new OodError(
    'DATA_UNSUPPORTED_IMAGES',
    `${path} holds ${decodable} PNG/JPEG ${decodable === 1 ? 'image' : 'images'} and ${other.length} ` +
      `${other.length === 1 ? 'image' : 'images'} ood cannot decode (${kinds}): ${named.join(', ')}${more}`,
    {
      hint: 'Convert them to PNG (e.g. `mogrify -format png *.gif`) or move them out of the folder, so that no sample is dropped.',
      details: { decodable, undecodable: other.length },
    },
  );
}

function wrongArity(sample: string, problem: string, hint: string): OodError {
  return new OodError('DATA_MISMATCH', `sample ${sample}: ${problem}`, { hint, details: { sample, problem } });
}

function kindOf(file: string): CalibrationData['format'] | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'v2-json';
  if (ext === '.npy') return 'npy';
  return (IMAGE_EXTENSIONS as readonly string[]).includes(ext) ? 'images' : undefined;
}

function listFiles(path: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw fileError(err, path, 'data set');
  }
  if (!isDir) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) walk(join(dir, e.name));
      else out.push(join(dir, e.name));
    }
  };
  walk(path);
  return out;
}

function conformAll(
  tensors: Record<string, Tensor>,
  inputs: readonly ValueInfo[],
  sample: string,
): Record<string, Tensor> {
  const known = new Set(inputs.map((i) => i.name));
  for (const name of Object.keys(tensors))
    if (!known.has(name))
      throw dataMismatch(sample, name, `is not an input of the model (inputs: ${[...known].join(', ')})`);
  const out: Record<string, Tensor> = {};
  for (const input of inputs) {
    const t = tensors[input.name];
    if (!t) throw dataMismatch(sample, input.name, 'is missing');
    out[input.name] = conformTensor(t, input, sample);
  }
  return out;
}

async function openV2(files: string[], inputs: readonly ValueInfo[]): Promise<CalibrationData> {
  const samples: Awaited<ReturnType<typeof readV2Request>>[] = [];
  for (const f of files) {
    const s = await readV2Request(f);
    samples.push({ ...s, tensors: conformAll(s.tensors, inputs, s.label) });
  }
  return {
    format: 'v2-json',
    count: samples.reduce((n, s) => n + s.rows, 0),
    async *chunks() {
      for (const s of samples)
        yield {
          rows: s.rows,
          tensors: s.tensors,
          sampleName: (r: number) => (s.rows > 1 ? `${s.label}[${r}]` : s.label),
        };
    },
    close() {},
  };
}

function openNpy(files: string[], inputs: readonly ValueInfo[]): CalibrationData {
  const arrays = files.map((f) => new NpyFile(f));
  const close = () => arrays.forEach((a) => a.close());
  try {
    const stems = arrays.map((a) => basename(a.path, extname(a.path)));
    const perInput =
      inputs.length > 1 ||
      (files.length > 1 && inputs.every((i) => stems.includes(i.name)) && stems.length === inputs.length);
    if (perInput) return openNpyPerInput(arrays, stems, inputs, close);
    if (inputs.length !== 1) {
      throw wrongArity(
        basename(files[0]!),
        `a .npy array feeds a one-input model; this model has ${inputs.length} inputs`,
        'Give a folder with one <input>.npy per model input.',
      );
    }
    const input = inputs[0]!;
    for (const a of arrays) checkSignature(a.header.datatype, a.header.shape, input, basename(a.path));
    return {
      format: 'npy',
      count: arrays.reduce((n, a) => n + a.rows, 0),
      async *chunks() {
        for (const a of arrays) {
          const step = chunkRows([a]);
          const name = basename(a.path);
          for (let start = 0; start < a.rows; start += step) {
            const end = Math.min(a.rows, start + step);
            yield {
              rows: end - start,
              tensors: { [input.name]: conformTensor(a.readRows(start, end), input, name) },
              sampleName: (r: number) => `${name}[${start + r}]`,
            };
          }
        }
      },
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}

function openNpyPerInput(
  arrays: NpyFile[],
  stems: string[],
  inputs: readonly ValueInfo[],
  close: () => void,
): CalibrationData {
  const byInput = new Map<string, NpyFile>();
  for (const input of inputs) {
    const i = stems.indexOf(input.name);
    if (i < 0)
      throw dataMismatch(
        `${input.name}.npy`,
        input.name,
        'is missing: a multi-input model needs one <input>.npy per input',
      );
    byInput.set(input.name, arrays[i]!);
  }
  for (const [i, stem] of stems.entries())
    if (!byInput.has(stem)) throw dataMismatch(basename(arrays[i]!.path), stem, 'is not an input of the model');
  const rows = arrays[0]!.rows;
  for (const a of arrays)
    if (a.rows !== rows)
      throw dataMismatch(
        basename(a.path),
        basename(a.path, '.npy'),
        `has ${a.rows} rows; the other arrays have ${rows}`,
      );
  for (const input of inputs)
    checkSignature(
      byInput.get(input.name)!.header.datatype,
      byInput.get(input.name)!.header.shape,
      input,
      `${input.name}.npy`,
    );
  const step = chunkRows(arrays);
  return {
    format: 'npy',
    count: rows,
    async *chunks() {
      for (let start = 0; start < rows; start += step) {
        const end = Math.min(rows, start + step);
        const tensors: Record<string, Tensor> = {};
        for (const input of inputs)
          tensors[input.name] = conformTensor(
            byInput.get(input.name)!.readRows(start, end),
            input,
            `${input.name}.npy[${start}]`,
          );
        yield { rows: end - start, tensors, sampleName: (r: number) => `row ${start + r}` };
      }
    },
    close,
  };
}

/** Rows per chunk: CHUNK_ROWS, or as many as fit in CHUNK_BYTES across the arrays read together. */
function chunkRows(arrays: readonly NpyFile[]): number {
  const rowBytes = arrays.reduce((n, a) => n + a.rowBytes, 0);
  return Math.max(CHUNK_ROWS, Math.floor(CHUNK_BYTES / Math.max(1, rowBytes)));
}

function openImages(
  files: string[],
  root: string,
  inputs: readonly ValueInfo[],
  options: ImageOptions,
): CalibrationData {
  if (inputs.length !== 1)
    throw wrongArity(
      relative(root, files[0]!),
      `images feed a one-input model; this model has ${inputs.length} inputs`,
      'Use .npy arrays or V2 JSON requests for multi-input models.',
    );
  const input = inputs[0]!;
  const plan = planImages(input.name, input.type.kind === 'tensor' ? input.type.shape : null, options);
  const dims =
    plan.layout === 'nchw'
      ? [files.length, plan.channels, plan.height, plan.width]
      : [files.length, plan.height, plan.width, plan.channels];
  checkSignature('FP32', dims, input, relative(root, files[0]!));
  return {
    format: 'images',
    count: files.length,
    async *chunks() {
      for (let start = 0; start < files.length; start += IMAGE_CHUNK) {
        const part = files.slice(start, start + IMAGE_CHUNK);
        const tensor = conformTensor(await loadImageBatch(part, plan), input, relative(root, part[0]!));
        yield {
          rows: part.length,
          tensors: { [input.name]: tensor },
          sampleName: (r: number) => relative(root, part[r]!),
        };
      }
    },
    close() {},
  };
}
