// What reading Python json's NaN / Infinity tokens costs: a ResNet-18-sized V2 body (3x224x224 FP32) parsed by
// the server's body parser, strict (no tokens: JSON.parse alone) and with one NaN token at the end (JSON.parse
// fails, the text is scanned and parsed again with a reviver), against bare JSON.parse of the strict body; and the
// BYTES check (NUL, lone surrogates) against decoding the same strings without it; and writing a 1M-element FP32
// output (the scan for non-finite values and -0 before Array#join) against Array#join alone. Same process,
// interleaved, medians. Usage: npm run build && nice node bench/json-non-finite.mjs [--repeats 15]
import { parseJsonBody } from '../dist/src/serve/v2-request.js';
import { decodeJsonTensor, encodeJsonData } from '../dist/src/tensor/json-codec.js';

const i = process.argv.indexOf('--repeats');
const repeats = i > 0 ? Number(process.argv[i + 1]) : 15;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 4 - 2;
const values = Array.from({ length: 3 * 224 * 224 }, () => Math.fround(rand()));
const strict = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 224, 224], data: values }] });
const tokens = strict.replace(/\]\}\]\}$/, ',NaN]}]}').replace('"shape":[1,3,224,224]', '"shape":[1,150529]');
const strings = Array.from({ length: 100_000 }, (_, k) => `token-${k}-${'é'.repeat(k % 7)}`);
const output = { datatype: 'FP32', shape: [1_000_000], data: Float32Array.from({ length: 1_000_000 }, rand) };
const strictBuf = Buffer.from(strict);
const tokensBuf = Buffer.from(tokens);

const times = { 'JSON.parse (strict body)': [], 'parseJsonBody (strict body)': [], 'parseJsonBody (NaN token)': [] };
const bytes = { 'BYTES decode, 100k strings': [], 'Array.from strings (no checks)': [] };
let sink = 0; // keeps the baseline's result alive
const encode = { 'encodeJsonData, 1M FP32': [], 'Array#join alone': [] };
for (let r = 0; r < repeats; r++) {
  let t = performance.now();
  JSON.parse(strictBuf.toString('utf8'));
  times['JSON.parse (strict body)'].push(performance.now() - t);
  t = performance.now();
  parseJsonBody(strictBuf);
  times['parseJsonBody (strict body)'].push(performance.now() - t);
  t = performance.now();
  parseJsonBody(tokensBuf);
  times['parseJsonBody (NaN token)'].push(performance.now() - t);
  t = performance.now();
  decodeJsonTensor('s', 'BYTES', [strings.length], strings);
  bytes['BYTES decode, 100k strings'].push(performance.now() - t);
  t = performance.now();
  Array.from(strings, (s) => String(s));
  bytes['Array.from strings (no checks)'].push(performance.now() - t);
  t = performance.now();
  encodeJsonData(output);
  encode['encodeJsonData, 1M FP32'].push(performance.now() - t);
  t = performance.now();
  sink += `[${Array.prototype.join.call(output.data, ',')}]`.length;
  encode['Array#join alone'].push(performance.now() - t);
}
if (sink === 0) throw new Error('the baseline wrote nothing');
const base = median(times['JSON.parse (strict body)']);
console.log(`body ${strictBuf.length} bytes, ${repeats} repeats (medians; shared machine, see load average)`);
for (const [k, v] of Object.entries(times))
  console.log(`${k.padEnd(34)} ${median(v).toFixed(1)} ms  x${(median(v) / base).toFixed(2)}`);
const bbase = median(bytes['Array.from strings (no checks)']);
for (const [k, v] of Object.entries(bytes))
  console.log(`${k.padEnd(34)} ${median(v).toFixed(1)} ms  x${(median(v) / bbase).toFixed(2)}`);
const ebase = median(encode['Array#join alone']);
for (const [k, v] of Object.entries(encode))
  console.log(`${k.padEnd(34)} ${median(v).toFixed(1)} ms  x${(median(v) / ebase).toFixed(2)}`);
