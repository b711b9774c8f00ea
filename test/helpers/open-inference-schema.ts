// The Open Inference Protocol's own OpenAPI file (specs/open_inference_rest.yaml, kserve/open-inference-protocol
// d49cc23f) as ajv validators of its component schemas, so tests hold response bodies to the published spec.
//
// One amendment, from Triton's binary tensor data extension (docs/protocol/extension_binary_data.md): in the JSON
// header of a binary response, an output sent as binary has parameters.binary_data_size and no `data` (the spec's
// response_output requires `data`). `binaryHeader` validates that form: an output has `data` or a
// binary_data_size, never both.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

export const OPEN_INFERENCE_SPEC = '/work/shared/specs/open_inference_rest.yaml';

const spec = parse(readFileSync(OPEN_INFERENCE_SPEC, 'utf8')) as {
  components: { schemas: Record<string, Record<string, unknown>> };
};
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema({ $id: 'oip', components: spec.components });

const binaryHeaderSchema = {
  ...spec.components.schemas.inference_response,
  properties: {
    ...(spec.components.schemas.inference_response!.properties as object),
    outputs: {
      type: 'array',
      items: {
        oneOf: [
          { $ref: 'oip#/components/schemas/response_output' },
          {
            type: 'object',
            required: ['name', 'shape', 'datatype', 'parameters'],
            not: { required: ['data'] },
            properties: {
              ...(spec.components.schemas.response_output!.properties as object),
              parameters: {
                type: 'object',
                required: ['binary_data_size'],
                properties: { binary_data_size: { type: 'integer', minimum: 0 } },
              },
            },
          },
        ],
      },
    },
  },
};
// The copied properties keep the spec's document-relative $refs; point them at the spec added above.
const binaryHeaderValidator = ajv.compile(
  JSON.parse(JSON.stringify(binaryHeaderSchema).replaceAll('"#/components/', '"oip#/components/')) as object,
);

/** The validator of one component schema, e.g. 'inference_response', 'metadata_model_response'. */
export function oipSchema(name: string): ValidateFunction {
  const validate = ajv.getSchema(`oip#/components/schemas/${name}`);
  if (!validate) throw new Error(`${OPEN_INFERENCE_SPEC} has no components/schemas/${name}`);
  return validate;
}

/** Throw, with ajv's words, unless `value` is valid against the named component schema. */
export function expectValidOip(name: string | 'binary_header', value: unknown): void {
  const validate = name === 'binary_header' ? binaryHeaderValidator : oipSchema(name);
  if (!validate(value)) {
    throw new Error(
      `not a valid ${name} (${OPEN_INFERENCE_SPEC}): ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`,
    );
  }
}
