// JSON Schemas of DRUM's responses, written for these tests from DRUM's OpenAPI description
// (datarobot/datarobot-user-models, custom_model_runner/drum_server_api.yaml, info.version 1.12.0). That file is
// under DataRobot's Tool and Utility Agreement, so nothing is copied: each schema below restates, in our words,
// the properties and types one passage lists, and names the passage. Stricter than the original where the
// original says what a field holds in prose only (`required` lists what the spec's examples always carry).

const message = {
  type: 'object',
  required: ['message'],
  properties: { message: { type: 'string' } },
};

/** paths./URL_PREFIX/ping/.get.responses.200 and /health/ 200: {"message": "OK"}. */
export const okSchema = { ...message, properties: { message: { const: 'OK' } } };

/** paths./URL_PREFIX/ping/.get.responses.513 (and /health/, the predict routes): {"message": "..."}. */
export const errorSchema = message;

/** paths./URL_PREFIX/info/.get.responses.200.content.application/json.schema. */
export const infoSchema = {
  type: 'object',
  required: ['codeDir', 'drumServer', 'drumVersion', 'language', 'modelMetadata', 'predictor', 'targetType'],
  properties: {
    codeDir: { type: 'string' },
    drumServer: { type: 'string' },
    drumVersion: { type: 'string' },
    language: { type: 'string' },
    modelMetadata: { type: 'object' },
    predictor: { type: 'string' },
    targetType: { type: 'string' },
  },
};

const nullableNumber = { type: ['number', 'null'] };

/** paths./URL_PREFIX/stats/.get.responses.200.content.application/json.schema. */
export const statsSchema = {
  type: 'object',
  required: ['drum_info', 'mem_info', 'time_info'],
  properties: {
    drum_info: {
      type: 'array',
      items: {
        type: 'object',
        required: ['cmdline', 'mem', 'pid'],
        properties: {
          cmdline: { type: 'array', items: { type: 'string' } },
          cpu_percent: { type: 'number' },
          mem: { type: 'number' },
          pid: { type: 'number' },
        },
      },
    },
    mem_info: {
      type: 'object',
      required: ['avail', 'drum_rss', 'free', 'total'],
      properties: {
        avail: { type: 'number' },
        container_limit: nullableNumber,
        container_max_used: nullableNumber,
        container_used: nullableNumber,
        drum_rss: { type: 'number' },
        free: { type: 'number' },
        total: { type: 'number' },
      },
    },
    time_info: {
      type: 'object',
      properties: {
        run_predictor_total: {
          type: 'object',
          properties: { avg: nullableNumber, max: nullableNumber, min: nullableNumber },
        },
      },
    },
  },
};

/** paths./URL_PREFIX/capabilities/.get.responses.200.content.application/json.schema. */
export const capabilitiesSchema = {
  type: 'object',
  required: ['supported_payload_formats', 'supported_methods'],
  properties: {
    supported_payload_formats: {
      type: 'object',
      properties: { csv: { type: ['string', 'null'] }, mtx: { type: ['string', 'null'] } },
    },
    supported_methods: { type: 'object', properties: { chat: { type: 'boolean' } } },
  },
};

/**
 * paths./URL_PREFIX/predict/.post.responses.200: oneOf components.schemas.regression (predictions: numbers),
 * binary and multiclass (predictions: objects, label → probability, per the examples).
 */
export const predictSchema = {
  type: 'object',
  required: ['predictions'],
  properties: {
    predictions: {
      oneOf: [
        { type: 'array', items: { type: 'number' } },
        { type: 'array', items: { type: 'object', additionalProperties: { type: 'number' } } },
      ],
    },
  },
};
