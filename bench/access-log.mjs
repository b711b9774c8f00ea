// The cost of one access-log line (src/serve/logger.ts) against the straightforward way to write it, measured in the
// same run: build the record with object spread and JSON.stringify it (json), or Object.entries/filter/map/join it
// (text), as the logger did before it wrote lines out field by field. Both format the fields `ood serve` logs for
// an inference request, into a no-op writer, so only formatting is timed. Interleaved rounds, medians.
// Usage: npm run build && node bench/access-log.mjs [--lines 20000] [--rounds 7]
import { randomUUID } from 'node:crypto';
import { createLogger } from '../dist/src/serve/logger.js';

const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const lines = opt('lines', 20000);
const rounds = opt('rounds', 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const fields = () => ({
  request_id: randomUUID(),
  method: 'POST',
  route: '/v2/models/{name}/infer',
  path: '/v2/models/digits/infer',
  model: 'digits',
  status: 200,
  code: undefined,
  bytes_in: 1017,
  bytes_out: 733,
  decode_ms: performance.now() % 1,
  queue_ms: 0.0239,
  inference_ms: 0.0838,
  encode_ms: 0.0118,
  batch_size: 4,
  total_ms: 0.2632,
});
const base = { acceptor: 0 };

/** The reference: what the logger did before (a spread record, then JSON.stringify or entries/filter/map/join). */
function reference(format) {
  const textValue = (v) => {
    if (typeof v === 'number') return String(Math.round(v * 1000) / 1000);
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return /[\s"=]/.test(s) ? JSON.stringify(s) : s;
  };
  return (level, message, own) => {
    const all = { ...base, ...own };
    const time = new Date().toISOString();
    if (format === 'json') return JSON.stringify({ time, level, msg: message, ...all });
    const rest = Object.entries(all)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${textValue(v)}`)
      .join(' ');
    return `${time} ${level.toUpperCase().padEnd(5)} ${message}${rest ? ` ${rest}` : ''}`;
  };
}

let sink = 0;
const contenders = {};
for (const format of ['text', 'json']) {
  const log = createLogger({ format, fields: base, write: (l) => (sink += l.length) });
  const ref = reference(format);
  contenders[`ood logger, ${format}`] = () => log('info', 'request', fields());
  contenders[`reference, ${format}`] = () => (sink += ref('info', 'request', fields()).length);
}
contenders['the fields alone (a request id and the record)'] = () => (sink += fields().bytes_in);

const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
for (let r = 0; r < rounds; r++)
  for (const [name, fn] of Object.entries(contenders)) {
    const t = performance.now();
    for (let i = 0; i < lines; i++) fn();
    times[name].push(((performance.now() - t) * 1000) / lines);
  }
console.log(`access-log line formatting, ${lines} lines x ${rounds} rounds, median us per line (first round included)`);
for (const format of ['text', 'json']) {
  const ours = median(times[`ood logger, ${format}`]);
  const ref = median(times[`reference, ${format}`]);
  console.log(
    `  ${format}: ood ${ours.toFixed(2)} us, reference ${ref.toFixed(2)} us, ${(ref / ours).toFixed(2)}x faster`,
  );
}
console.log(`  the fields alone: ${median(times['the fields alone (a request id and the record)']).toFixed(2)} us`);
if (sink < 0) console.log(sink);
