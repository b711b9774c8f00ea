// The request schema of every model in the ONNX backend node test suite (Debian's libonnx-testdata) is itself a
// valid JSON Schema: checked against ajv's draft-07 meta-schema and compiled with ajv's strict type checks, so no
// served model can answer 500 "schema is invalid". Models whose inputs or outputs are not tensors are refused with
// UNSUPPORTED_VALUE_TYPE, naming the value and what it is.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { OnnxModel } from '../../src/onnx/model.js';
import { buildIoSchemas } from '../../src/artifact/io-schema.js';
import { requestJsonSchema } from '../../src/artifact/request-schema.js';
import { OodError } from '../../src/errors.js';

const SUITE = '/usr/share/libonnx-testdata/data/node';
const unavailable = !existsSync(SUITE) && process.env.CI !== 'true';

describe.skipIf(unavailable)('request schemas of the ONNX node test suite', () => {
  it('are valid draft-07 schemas for every tensor model, and the others are refused by name', () => {
    const cases = readdirSync(SUITE).sort();
    const ajv = new Ajv({ strictTypes: true, strictTuples: true, allErrors: true });
    const invalid: string[] = [];
    const refused: string[] = [];
    const compiled = new Set<string>();
    for (const name of cases) {
      const model = OnnxModel.open(join(SUITE, name, 'model.onnx'));
      const graph = model.info.graph;
      const tensorsOnly = [...graph.inputs, ...graph.outputs].every((v) => v.type.kind === 'tensor');
      try {
        const { input, output } = buildIoSchemas(model);
        const schema = requestJsonSchema(input, output);
        if (!ajv.validateSchema(schema)) invalid.push(`${name}: ${ajv.errorsText()}`);
        // Compiling is slow (~50 ms); the strict checks depend only on the schema's structure, not on names.
        const kinds = input.tensors.map((t) => `${t.datatype}:${t.shape.length === 0 ? 'scalar' : typeof t.shape[0]}`);
        const structure = [...new Set(kinds)].sort().join(',');
        if (!compiled.has(structure)) new Ajv({ strictTypes: true, strictTuples: true }).compile(schema);
        compiled.add(structure);
      } catch (err) {
        if (!(err instanceof OodError) || err.code !== 'UNSUPPORTED_VALUE_TYPE' || tensorsOnly) throw err;
        expect(err.message).toMatch(/^(input|output) ".+" is an ONNX (sequence|optional|map), not a tensor$/);
        refused.push(name);
      } finally {
        model.close();
      }
    }
    expect(invalid).toEqual([]);
    expect(cases.length).toBeGreaterThan(900);
    // Sequences and optionals are a small part of the suite (24 of 932 in libonnx-testdata 1.12).
    expect(refused.length).toBeLessThan(cases.length / 10);
    expect(refused).toContain('test_identity_sequence');
    expect(refused).toContain('test_identity_opt');
  });
});
