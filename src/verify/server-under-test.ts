// The server `ood verify` checks: started in this process through the library's startServer (the same engine
// `ood serve` runs), reached over loopback at the URL it reports, and stopped the way SIGTERM stops `ood serve`:
// stop accepting, drain, release the artifact.
import { OodError } from '../errors.js';
import { startServer, type RunningServer } from '../serve/server.js';

export interface ServerUnderTest {
  url: string;
  /** Stop and drain; `problem` says what went wrong (null when it stopped cleanly within the budget). */
  stop(): Promise<{ problem: string | null }>;
}

/** Start the server on an opened artifact directory; resolves once it listens (the model loads behind it). */
export async function startServerUnderTest(
  dir: string,
  options: { port: number; host: string; timeoutMs: number },
): Promise<ServerUnderTest> {
  const server: RunningServer = await startServer(dir, {
    port: options.port,
    host: options.host,
    maxBody: 64 * 2 ** 20,
    log: () => {}, // the report is the output; the server's own lines would only interleave with it
  });
  return {
    url: server.url,
    stop: async () => {
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new OodError('VERIFY_STOP_TIMEOUT', `did not stop within ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
      });
      try {
        await Promise.race([server.close(), budget]);
        return { problem: null };
      } catch (err) {
        return { problem: (err as Error).message };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
