// What a DRUM /predict/ request carries, decided the way DRUM decides it (datarobot-user-models,
// custom_model_runner: predict_mixin.py `_fetch_data_from_request`, structured_input_read_utils.py): a
// multipart/form-data `X` part (its file name's extension picks the format: .mtx is Matrix Market, anything
// else CSV), else the raw body, which is Matrix Market for `text/mtx` and CSV for every other content type.
// ood also serves KServe V2 and {"instances": [...]} on the same route, so before falling back to CSV it takes
// a body as JSON when its content type says JSON, when it starts with "{" (no CSV table does: a header cell
// "{…" would have to be quoted), or when it carries a V2 binary header. busboy parses multipart: a streaming,
// limit-aware parser (undici and Fastify build on it) beats hand-written boundary scanning.
import { TextDecoder } from 'node:util';
import busboy from 'busboy';
import { OodError } from '../../errors.js';
import type { ServeRequest } from '../http.js';

/** The scoring data of one request. */
export type DrumPayload =
  | { format: 'csv'; text: string }
  | { format: 'mtx'; text: string; columns: string[] | undefined }
  | { format: 'json' }
  | { format: 'v2-binary' };

/** DRUM's own wording for a request without data (predict_mixin.py), kept so that its clients recognise it. */
const NO_DATA =
  'Samples should be provided as: a csv or mtx under `X` form-data param key, or binary data (the request body)';

/** Decode text in the request's charset (UTF-8 by default); a 422 when the bytes are not in it. */
function decodeText(bytes: Buffer, charset: string | undefined, what: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? 'utf-8', { fatal: true });
  } catch {
    throw new OodError('DRUM_FORMAT_UNSUPPORTED', `${what} declares charset "${charset}", which is not known`, {
      hint: 'Send UTF-8 (charset=utf-8).',
    });
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new OodError('CSV_MALFORMED', `${what} is not valid ${charset ?? 'UTF-8'} text`, {
      hint: "Save the data as UTF-8, e.g. pandas' to_csv('data.csv', encoding='utf-8').",
    });
  }
}

/** The media type and charset of a Content-Type header, lower-cased. */
export function mediaType(header: string | undefined): { type: string; charset: string | undefined } {
  const [type = '', ...params] = String(header ?? '').split(';');
  const charset = params.map((p) => p.trim().match(/^charset="?([^";]+)"?$/i)?.[1]).find((c) => c !== undefined);
  return { type: type.trim().toLowerCase(), charset };
}

interface Part {
  name: string;
  data: Buffer;
  filename: string | undefined;
  charset: string | undefined;
}

/** Every part of a multipart/form-data body (already bounded by --max-body). */
function multipartParts(req: ServeRequest): Promise<Part[]> {
  return new Promise((resolve, reject) => {
    const invalid = (why: string) =>
      new OodError('DRUM_MULTIPART_INVALID', `the multipart/form-data body cannot be read: ${why}`, {
        hint: 'Send the file as a form field: curl -F X=@data.csv http://HOST:8080/predict/',
      });
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fieldSize: req.body.length + 1, parts: 256 } });
    } catch (err) {
      return reject(invalid((err as Error).message));
    }
    const parts: Part[] = [];
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () =>
        parts.push({ name, data: Buffer.concat(chunks), filename: info.filename ?? '', charset: undefined }),
      );
    });
    parser.on('field', (name, value) =>
      parts.push({ name, data: Buffer.from(value), filename: undefined, charset: 'utf-8' }),
    );
    parser.on('partsLimit', () => reject(invalid('more than 256 parts')));
    parser.on('error', (err: Error) => reject(invalid(err.message)));
    parser.on('close', () => resolve(parts));
    parser.end(req.body);
  });
}

/** The scoring data of a DRUM /predict/ request. Throws a 422 OodError when there is none. */
export async function readDrumPayload(req: ServeRequest): Promise<DrumPayload> {
  const { type, charset } = mediaType(req.headers['content-type']);
  if (type === 'multipart/form-data') {
    const parts = await multipartParts(req);
    const x = parts.filter((p) => p.name === 'X');
    if (x.length === 0)
      throw new OodError('DRUM_NO_DATA', NO_DATA, { hint: 'curl -F X=@data.csv http://HOST:8080/predict/' });
    if (x.length > 1)
      throw new OodError('DRUM_MULTIPART_INVALID', `the form holds ${x.length} X parts; send the data in one`);
    const part = x[0]!;
    const what = `form field X${part.filename ? ` (${part.filename})` : ''}`;
    const text = decodeText(part.data, part.charset, what);
    if (part.filename?.toLowerCase().endsWith('.mtx')) {
      const names = parts.find((p) => p.name === 'X.colnames');
      const columns = names ? decodeText(names.data, undefined, 'form field X.colnames').split(/\r?\n/) : undefined;
      return { format: 'mtx', text, columns: columns?.map((c) => c.trim()).filter((c) => c !== '') };
    }
    return { format: 'csv', text };
  }
  if (req.headers['inference-header-content-length'] !== undefined) return { format: 'v2-binary' };
  if (req.body.length === 0)
    throw new OodError('DRUM_NO_DATA', NO_DATA, { hint: 'curl -F X=@data.csv http://HOST:8080/predict/' });
  if (type === 'text/mtx')
    return { format: 'mtx', text: decodeText(req.body, charset, 'the body'), columns: undefined };
  if (type === 'application/json' || type.endsWith('+json') || startsWithBrace(req.body)) return { format: 'json' };
  return { format: 'csv', text: decodeText(req.body, charset, 'the body') };
}

/** True when the first byte after an optional UTF-8 byte-order mark and whitespace is "{". */
function startsWithBrace(body: Buffer): boolean {
  let i = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d)) i++;
  return body[i] === 0x7b;
}
