// Push and pull report bytes as they move (done of total, and how many travelled), and the CLI draws them as a
// bar only on a terminal: not off one, not under --quiet or --json, not in a CI job that has a pseudo-terminal.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullArtifact, pushArtifact } from '../../src/index.js';
import { missingPython, runPythonCode } from '../helpers/python.js';
import { registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
let dir: string;
let zip: string;
const env = (ci: string) => ({
  OOD_HOME: join(dir, 'home'),
  DOCKER_CONFIG: join(dir, 'no-docker'),
  OOD_REGISTRY_USERNAME: '',
  OOD_REGISTRY_PASSWORD: '',
  CI: ci,
});

/** The CLI on a pseudo-terminal (util-linux `script`): stdout and stderr both reach the terminal, read as stdout. */
const onTerminal = (args: string[], ci = '') =>
  execa('script', ['-qec', ['node', CLI, ...args].join(' '), '/dev/null'], { env: env(ci), reject: false });

/** The terminal's erase-to-end-of-line, which clears the bar. */
const ERASE = '\x1b[K';

type Event = { done: number; total: number; moved: number };

/** The big model is written by Debian's python3-onnx (a CI package). */
const noPython = missingPython('onnx', 'numpy');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-progress-'));
  if (noPython) return;
  zip = join(dir, 'big.zip');
  // A real artifact of a model with 3 MiB of random weights (y = x + w), so the upload takes several chunks.
  const model = join(dir, 'big.onnx');
  await runPythonCode(
    `import sys, numpy, onnx
from onnx import helper, numpy_helper, TensorProto
n = 3 * 2**20 // 4
w = numpy_helper.from_array(numpy.random.default_rng(1).standard_normal((1, n)).astype(numpy.float32), 'w')
g = helper.make_graph([helper.make_node('Add', ['x', 'w'], ['y'])], 'big',
    [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['batch', n])],
    [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['batch', n])], [w])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), sys.argv[1])`,
    [model],
  );
  const prepared = await execa('node', [CLI, 'prepare', model, '-o', zip], { env: env(''), reject: false });
  expect(prepared.exitCode, prepared.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(noPython)('the progress bar of push and pull', () => {
  it('is drawn on a terminal, with bytes, and cleared when done', async () => {
    const push = await onTerminal(['push', zip, 'big:1']);
    expect(push.exitCode, push.stdout).toBe(0);
    expect(push.stdout).toMatch(/\rpushing \[[#.]+\] [\d.]+ (B|KiB|MiB)\/3\.\d+ MiB/);
    expect(push.stdout).toMatch(/\] (3\.\d+ MiB)\/\1/);
    expect(push.stdout).toContain(`\r${ERASE}`);
    const pull = await onTerminal(['pull', 'big:1', '-o', join(dir, 'back.zip')]);
    expect(pull.exitCode, pull.stdout).toBe(0);
    expect(pull.stdout).toMatch(/\rpulling \[[#.]+\] /);
    expect(pull.stdout).toContain(`\r${ERASE}`);
  });

  it('is not drawn with --quiet or --json, in CI, or off a terminal', async () => {
    for (const args of [
      ['push', zip, 'big:2', '--quiet'],
      ['push', zip, 'big:3', '--json'],
      ['pull', 'big:1', '-o', join(dir, 'quiet.zip'), '--quiet'],
      ['pull', 'big:1', '-o', join(dir, 'json.zip'), '--json'],
    ]) {
      const r = await onTerminal(args);
      expect(r.exitCode, r.stdout).toBe(0);
      expect(r.stdout).not.toMatch(/(pushing|pulling) \[/);
    }
    const ci = await onTerminal(['push', zip, 'big:4'], 'true');
    expect(ci.exitCode, ci.stdout).toBe(0);
    expect(ci.stdout).not.toContain('pushing [');
    const piped = await execa('node', [CLI, 'push', zip, 'big:5'], { env: env(''), reject: false });
    expect(piped.exitCode).toBe(0);
    expect(piped.stderr).not.toContain('\r');
  });
});

describe.skipIf(noPython || !registryAvailable())('byte progress against a registry', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('counts every byte once, to the total, and says what travelled', async () => {
    const ref = `${registry.host}/team/big:1`;
    const events: Event[] = [];
    const options = {
      chunkSize: 2 ** 20,
      onBytes: (done: number, total: number, moved: number) => events.push({ done, total, moved }),
    };
    const pushed = await pushArtifact(zip, ref, options);
    const total = events[0]!.total;
    // Every blob's bytes: the empty config and each layer, which together are the zip.
    expect(total).toBe(pushed.layers.reduce((n, l) => n + l.size, 0) + 2);
    expect(events.length).toBeGreaterThan(4);
    expect(events.at(-1)).toEqual({ done: total, total, moved: total });
    expect(events.every((e, i) => i === 0 || e.done >= events[i - 1]!.done)).toBe(true);

    // A second push moves nothing: done still reaches the total, moved stays 0.
    events.length = 0;
    await pushArtifact(zip, ref, options);
    expect(events.at(-1)).toEqual({ done: total, total, moved: 0 });

    events.length = 0;
    const out = join(dir, 'pulled.zip');
    await pullArtifact(ref, out, { onBytes: (done, t, moved) => events.push({ done, total: t, moved }) });
    const size = (await stat(out)).size;
    expect(events.at(-1)).toEqual({ done: size, total: size, moved: size });
    expect(events.length).toBeGreaterThan(3);
  });
});
