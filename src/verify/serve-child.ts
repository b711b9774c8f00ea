// `ood serve` as a child process for `ood verify`: started through execa with a timeout, reached at the URL it
// prints, stopped with SIGTERM, and judged by its exit code.
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { OodError } from '../errors.js';

/** The built CLI next to this module (dist/src/verify → dist/src/cli/main.js). */
export const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface ServeChild {
  url: string;
  /** SIGTERM, then wait; resolves to the exit code (null when killed by a signal). */
  stop(): Promise<{ exitCode: number | null; stderr: string }>;
}

/** Start `ood serve ARTIFACT --port PORT --json` and resolve once it prints where it listens. */
export async function startServeChild(
  artifact: string,
  options: { port: number; host: string; timeoutMs: number },
): Promise<ServeChild> {
  const child: ResultPromise = execa(
    process.execPath,
    [CLI_MAIN, 'serve', artifact, '--port', String(options.port), '--host', options.host, '--json'],
    {
      timeout: options.timeoutMs,
      reject: false,
      buffer: { stdout: false, stderr: true },
      killSignal: 'SIGTERM',
      forceKillAfterDelay: 5_000,
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      for (const line of text.split('\n')) {
        try {
          const event = JSON.parse(line) as { event?: string; url?: string };
          if (event.event === 'listening' && event.url) resolve(event.url);
        } catch {
          // partial or plain line
        }
      }
    });
    void child.then((result) => {
      reject(
        new OodError(
          'SERVE_DID_NOT_START',
          `ood serve exited with code ${result.exitCode ?? result.signal} before listening: ${String(result.stderr ?? '').trim()}`,
          { kind: 'check' },
        ),
      );
    });
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      const result = await child;
      return { exitCode: result.exitCode ?? null, stderr: String(result.stderr ?? '') };
    },
  };
}
