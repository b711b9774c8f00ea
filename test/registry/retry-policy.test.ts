// Issue 18, registry robustness: retries wait with exponential backoff and jitter (half of each wait random, so
// that many clients do not retry in step), honour Retry-After within a cap, and a registry that refuses
// connections for a moment (restarting) is retried like a broken connection, while an unknown host is not.
import { createServer, connect, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OodError, isOodError, listTags } from '../../src/index.js';
import { DEFAULT_RETRY, backoffMs, isRetryableFailure } from '../../src/registry/retry-policy.js';
import { freePort, registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

const policy = { retries: 5, baseMs: 100, maxMs: 1_000 };
const samples = (attempt: number, retryAfter?: string) =>
  Array.from({ length: 200 }, () => backoffMs(attempt, policy, retryAfter));

describe('the retry policy', () => {
  it('waits between half and all of a ceiling that doubles per attempt up to maxMs', () => {
    for (const [attempt, ceiling] of [
      [0, 100],
      [1, 200],
      [2, 400],
      [3, 800],
      [4, 1_000],
      [9, 1_000],
    ] as const) {
      const waits = samples(attempt);
      expect(Math.min(...waits)).toBeGreaterThanOrEqual(ceiling / 2);
      expect(Math.max(...waits)).toBeLessThanOrEqual(ceiling);
    }
  });

  it('jitters: repeated waits for the same attempt differ and spread over the upper half', () => {
    const waits = samples(2);
    expect(new Set(waits).size).toBeGreaterThan(150);
    // 200 uniform draws over [200, 400]: both quarters of the range are hit.
    expect(waits.some((w) => w < 250)).toBe(true);
    expect(waits.some((w) => w > 350)).toBe(true);
  });

  it('honours Retry-After in seconds or as an HTTP date, capped at 30 s, and ignores a malformed one', () => {
    expect(backoffMs(0, policy, '2')).toBe(2_000);
    expect(backoffMs(0, policy, ['0'])).toBe(0);
    expect(backoffMs(0, policy, '86400')).toBe(30_000);
    const inFive = backoffMs(0, policy, new Date(Date.now() + 5_000).toUTCString());
    expect(inFive).toBeGreaterThan(3_000);
    expect(inFive).toBeLessThanOrEqual(5_000);
    for (const bad of ['soon', '-3', '']) {
      const wait = backoffMs(0, policy, bad);
      expect(wait).toBeGreaterThanOrEqual(50);
      expect(wait).toBeLessThanOrEqual(100);
    }
  });

  it('defaults to three retries of at most 0.25, 0.5 and 1 s', () => {
    expect(DEFAULT_RETRY).toMatchObject({ retries: 3, baseMs: 250 });
    expect(Math.max(...Array.from({ length: 100 }, () => backoffMs(2, DEFAULT_RETRY)))).toBeLessThanOrEqual(1_000);
  });
});

describe.skipIf(!registryAvailable())('a registry that refuses connections for a moment', () => {
  let registry: RunningRegistry;
  let relay: Server | undefined;
  const env = { HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' };

  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    relay?.close();
    await registry?.stop();
  });

  it('is retried with backoff until it listens again', async () => {
    const port = await freePort();
    const [, registryPort] = registry.host.split(':');
    // Nothing listens on `port` for the first 300 ms (ECONNREFUSED), then a TCP relay to the registry does.
    const listing = listTags(`127.0.0.1:${port}/team/none`, { env, retry: { retries: 6, baseMs: 100, maxMs: 400 } });
    setTimeout(() => {
      relay = createServer((client) => {
        const upstream = connect(Number(registryPort), '127.0.0.1');
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      }).listen(port, '127.0.0.1');
    }, 300);
    const outcome = await listing.catch((e: unknown) => e);
    // The registry answered (the repository does not exist): the refused connections were retried.
    expect(isOodError(outcome) ? outcome.code : outcome).toBe('REGISTRY_NOT_FOUND');
    relay?.close();
    relay = undefined;
  });

  it('is given up after the retries with exit 5, and an unknown host is not retried at all', async () => {
    const port = await freePort();
    const started = Date.now();
    const refused = await listTags(`127.0.0.1:${port}/team/none`, {
      env,
      retry: { retries: 2, baseMs: 10, maxMs: 20 },
    }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'REGISTRY_UNREACHABLE', exitCode: 5 });
    expect(isRetryableFailure(refused)).toBe(true);
    // No DNS here (loopback only): the error a failed lookup becomes is judged directly.
    const unknown = new OodError('REGISTRY_UNREACHABLE', 'cannot reach the registry x (ENOTFOUND)', {
      details: { errno: 'ENOTFOUND' },
    });
    expect(isRetryableFailure(unknown)).toBe(false);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
