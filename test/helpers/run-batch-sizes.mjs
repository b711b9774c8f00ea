// Run one model in a bare onnxruntime-node process on batches of the given sizes (zeros for the first input,
// every other input likewise), and print each output's dims and whether its values are finite, as JSON lines.
// A native crash (SIGFPE, SIGSEGV) kills this process, not the test runner that spawned it.
import * as ort from 'onnxruntime-node';

const [model, ...sizes] = process.argv.slice(2);
const session = await ort.InferenceSession.create(model);
const meta = session.inputMetadata ?? [];
for (const n of sizes.map(Number)) {
  const feeds = {};
  for (const [i, name] of session.inputNames.entries()) {
    const dims = (meta[i]?.shape ?? []).map((d, axis) => (axis === 0 ? n : typeof d === 'number' ? d : 1));
    const count = dims.reduce((a, b) => a * b, 1);
    feeds[name] = new ort.Tensor('float32', new Float32Array(count).fill(n % 2 ? 0.5 : 0), dims);
  }
  const out = await session.run(feeds);
  const report = {};
  for (const [name, t] of Object.entries(out))
    report[name] = { dims: t.dims.map(Number), finite: Array.from(t.data).every(Number.isFinite) };
  process.stdout.write(`${JSON.stringify({ batch: n, outputs: report })}\n`);
}
