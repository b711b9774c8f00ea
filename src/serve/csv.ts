// CSV for /predict (DRUM's structured format), for models with a single 2-D input [batch, features]: one row
// per line, an optional header line, empty / NA / NaN cells as NaN for float inputs. Malformed CSV is a 400
// that names the line and column (DRUM answers 500).
import { OodError } from '../errors.js';
import type { TensorSpec } from '../artifact/spec.js';
import type { NamedTensor } from '../tensor/tensor.js';
import { decodeJsonTensor } from '../tensor/json-codec.js';

const MISSING = new Set(['', 'NA', 'NaN', 'nan', 'null']);

function cells(line: string): string[] {
  return line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

/** The single 2-D input of a model, or a 400 explaining why CSV does not apply. */
export function csvInput(inputs: readonly TensorSpec[]): TensorSpec {
  const spec = inputs[0];
  if (inputs.length !== 1 || !spec || spec.shape.length !== 2) {
    throw new OodError(
      'CSV_NOT_SUPPORTED',
      `CSV needs a model with one 2-D input; this model takes ${inputs.map((t) => `"${t.name}" [${t.shape.join(', ')}]`).join(', ')}`,
      {
        hint: 'Send a JSON V2 request or {"instances": [...]} instead.',
      },
    );
  }
  return spec;
}

/** Parse a CSV body into the model's single input tensor. */
export function decodeCsv(text: string, inputs: readonly TensorSpec[]): NamedTensor {
  const spec = csvInput(inputs);
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length > 0 && cells(lines[0]!).some((c) => !MISSING.has(c) && Number.isNaN(Number(c)))) lines.shift(); // header
  if (lines.length === 0) throw new OodError('CSV_EMPTY', 'the CSV body has no data rows');
  const width = typeof spec.shape[1] === 'number' && spec.shape[1] >= 0 ? spec.shape[1] : cells(lines[0]!).length;
  const isFloat = spec.datatype.startsWith('FP');
  const flat: number[] = [];
  lines.forEach((line, row) => {
    const fields = cells(line);
    if (fields.length !== width) {
      throw new OodError(
        'CSV_BAD_ROW',
        `CSV row ${row + 1} has ${fields.length} columns; input "${spec.name}" expects ${width}`,
      );
    }
    fields.forEach((field, col) => {
      if (MISSING.has(field) && isFloat) {
        flat.push(NaN);
        return;
      }
      const value = field === '' ? NaN : Number(field);
      if (Number.isNaN(value)) {
        throw new OodError(
          'CSV_BAD_VALUE',
          `CSV row ${row + 1}, column ${col + 1}: ${JSON.stringify(field)} is not a ${spec.datatype} number`,
        );
      }
      flat.push(value);
    });
  });
  return decodeJsonTensor(spec.name, spec.datatype, [lines.length, width], flat);
}
