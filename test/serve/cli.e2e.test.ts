// `ood serve` as users run it: the built CLI, a free port, a request in flight when SIGTERM arrives.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeArtifact, DIGITS, ROOT } from './helpers/artifact.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');

// Predict waits 700 ms when the first pixel is 777, so a request is surely in flight when the signal lands.
const SLOW_SCORE = `
import * as real from './real-score.mjs';
export const load = real.load;
export async function predict(model, request) {
  if (request.inputs[0].data[0] === 777) await new Promise((r) => setTimeout(r, 700));
  return real.predict(model, request);
}
`;

function startCli(args: string[]) {
  const child = execa(process.execPath, [CLI, 'serve', ...args], { reject: false, timeout: 60_000 });
  const events: Record<string, any>[] = [];
  const waitFor = (name: string) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        for (const line of text.split('\n')) {
          try {
            const event = JSON.parse(line);
            if (!events.includes(event)) events.push(event);
            if (event.event === name) resolve(event);
          } catch {
            /* partial line */
          }
        }
      });
      void child.then((r) => reject(new Error(`serve exited early (${r.exitCode}): ${r.stderr}`)));
    });
  return { child, waitFor };
}

describe('ood serve (built CLI)', () => {
  it('finishes the request in flight on SIGTERM, refuses new connections, and exits 0', async () => {
    const dir = await makeArtifact(DIGITS, { name: 'digits', score: SLOW_SCORE, wrapsTemplate: true });
    const { child, waitFor } = startCli([dir, '--port', '0', '--json']);
    const ready = waitFor('ready');
    const { url } = await waitFor('listening');
    await ready;
    const data = new Array(64).fill(0);
    data[0] = 777;
    const inFlight = fetch(`${url}/v2/models/digits/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], data }] }),
    });
    await new Promise((r) => setTimeout(r, 250));
    child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect((await res.json()).outputs[0].shape).toEqual([1, 8]);
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('"event":"stopped"');
    await expect(fetch(`${url}/ping`)).rejects.toThrow();
  });

  it('exits 0 on SIGINT too', async () => {
    const { child, waitFor } = startCli([await makeArtifact(DIGITS), '--port', '0', '--json']);
    await waitFor('ready');
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(0);
  });

  it('reports a port in use clearly and exits with the input error code', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await execa(process.execPath, [CLI, 'serve', await makeArtifact(DIGITS), '--port', String(port)], {
        reject: false,
        timeout: 30_000,
      });
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toContain(`Error: port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toContain('Hint:');
    } finally {
      blocker.close();
    }
  });

  it('reports a missing artifact as an input error', async () => {
    const result = await execa(process.execPath, [CLI, 'serve', '/nonexistent/artifact.zip', '--port', '0'], {
      reject: false,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/^Error: artifact not found: \/nonexistent\/artifact.zip/);
  });
});
