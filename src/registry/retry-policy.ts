// When and how long to wait before repeating a registry request. Transient failures only: 408, 429 and the 5xx
// that mean "try later" (RFC 9110 §15.5.9, §15.6), a connection that broke, a registry that went silent. Waits
// grow exponentially, half of each wait random (so that many clients do not retry in step), and honour Retry-After
// (RFC 9110 §10.2.3), capped so that a hostile value cannot park the command.
import { setTimeout as sleep } from 'node:timers/promises';
import { OodError } from '../errors.js';
import { isTransient } from './http-transport.js';

/** How often and how patiently to retry. */
export interface RetryPolicy {
  retries: number;
  baseMs: number;
  maxMs: number;
}

/** Three retries, waiting up to 0.25 s, 0.5 s, 1 s (plus jitter): a registry restart or a blip is absorbed. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ retries: 3, baseMs: 250, maxMs: 8_000 });

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_AFTER_CAP_MS = 30_000;

/** Whether a response status means "the same request may succeed later". */
export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUSES.has(status);
}

/** Whether a thrown failure is worth another attempt (a broken connection, a silent registry, a 5xx/429). */
export function isRetryableFailure(err: unknown): boolean {
  if (isTransient(err)) return true;
  const status = err instanceof OodError ? err.details?.status : undefined;
  return typeof status === 'number' && isRetryableStatus(status);
}

/** Milliseconds to wait before attempt `attempt + 1`; Retry-After (seconds or an HTTP date) wins when present. */
export function backoffMs(attempt: number, policy: RetryPolicy, retryAfter?: string | string[]): number {
  const header = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  if (header !== undefined && header.trim() !== '') {
    const seconds = Number(header);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
    if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, RETRY_AFTER_CAP_MS);
  }
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Wait before the next attempt. */
export function pause(ms: number): Promise<void> {
  return sleep(ms);
}
