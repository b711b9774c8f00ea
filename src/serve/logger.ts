// The server's log on stderr: lifecycle events and one line per request (the access log), as JSON lines
// (`--log-format json`: one object per line, for log shippers) or text (`--log-format text`, for people), filtered
// by `--log-level`. Requests log at info when they succeed, warn for 4xx and error for 5xx, always with the code.
import { OodError } from '../errors.js';
import { atExit } from '../io/at-exit.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'text' | 'json';

export interface Logger {
  (level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  format?: LogFormat;
  level?: LogLevel;
  /** Where lines go (default: stderr). */
  write?: (line: string) => void;
  /** Fields every line carries first (an acceptor's `acceptor` index, with `--acceptors`). */
  fields?: Record<string, unknown>;
}

/** A text-format value: numbers to 3 decimals, a string quoted only when it holds a space, a quote or `=`. */
function textValue(v: unknown): string {
  if (typeof v === 'number') return String(Math.round(v * 1000) / 1000);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[\s"=]/.test(s) ? JSON.stringify(s) : s;
}

/** Printable ASCII without `"` and `\\`: a string JSON writes as itself between quotes. */
const PLAIN_JSON = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A value as JSON.stringify writes it inside an object, or undefined for one it leaves out (undefined, a function). */
function jsonValue(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'string') return PLAIN_JSON.test(v) ? `"${v}"` : JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

/**
 * The fields of a line, in the order `{ ...base, ...own }` has them, with undefined values left out: what both
 * formats print. Written out rather than spread: the access log formats a line per request, and building the
 * spread object and stringifying it cost several times this (bench/NOTES.md, "Access log").
 */
function eachField(
  base: Record<string, unknown>,
  own: Record<string, unknown>,
  visit: (key: string, value: unknown) => void,
): void {
  for (const k in base) {
    const v = k in own ? own[k] : base[k];
    if (v !== undefined) visit(k, v);
  }
  for (const k in own) if (!(k in base) && own[k] !== undefined) visit(k, own[k]);
}

/** The ISO time of now, formatted once per millisecond (a busy server logs several lines in each). */
function clock(): () => string {
  let ms = -1;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== ms) {
      ms = now;
      text = new Date(now).toISOString();
    }
    return text;
  };
}

/**
 * Lines to stderr, written together at the end of the task that logged them (a microtask): an answer's line is
 * written once its response is, off the path of the next request, and the lines a task logs (a batch's answers, a
 * socket read's) go out in one write(2) instead of one each. A native crash (SIGSEGV, SIGFPE in onnxruntime) happens
 * inside a task, so every line of an earlier task is out by then; the process's exit writes the rest. A flush at
 * the next turn of the loop instead (setImmediate) put that write in front of the next request under
 * `--isolation inline` at concurrency 1, where it cost 12 µs of a 0.3 ms answer (bench/NOTES.md, "Access log").
 */
const stderrLines = (() => {
  let held = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (held === '') return;
    const text = held;
    held = '';
    process.stderr.write(text);
  };
  return {
    write(line: string) {
      held += `${line}\n`;
      if (held.length >= 64 * 1024) flush();
      else if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    },
    flush,
  };
})();
atExit(stderrLines.flush);

/** A logger; throws a usage error for an unknown level or format. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'text';
  const level = options.level ?? 'info';
  if (!LOG_LEVELS.includes(level))
    throw new OodError('BAD_OPTION', `--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${level}`);
  if (format !== 'text' && format !== 'json')
    throw new OodError('BAD_OPTION', `--log-format must be text or json, got ${String(format)}`);
  const write = options.write ?? stderrLines.write;
  const threshold = LOG_LEVELS.indexOf(level);
  const enabled = (l: LogLevel) => LOG_LEVELS.indexOf(l) >= threshold;
  const base = options.fields ?? {};
  const now = clock();
  const keys = new Map<string, string>(); // each field name as a JSON string, quoted once
  const jsonKey = (k: string) => keys.get(k) ?? (keys.set(k, JSON.stringify(k)), keys.get(k)!);
  const log = ((l: LogLevel, message: string, own: Record<string, unknown> = {}) => {
    if (!enabled(l)) return;
    let line: string;
    if (format === 'json') {
      line = `{"time":"${now()}","level":"${l}","msg":${jsonValue(message)}`;
      eachField(base, own, (k, v) => {
        const json = jsonValue(v);
        if (json !== undefined) line += `,${jsonKey(k)}:${json}`;
      });
      line += '}';
    } else {
      line = `${now()} ${l.toUpperCase().padEnd(5)} ${message}`;
      eachField(base, own, (k, v) => (line += ` ${k}=${textValue(v)}`));
    }
    write(line);
  }) as Logger;
  log.enabled = enabled;
  return log;
}

/** The level a request's line is logged at. */
export function levelForStatus(status: number): LogLevel {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}
