// The server's log on stderr: lifecycle events and one line per request (the access log), as JSON lines
// (`--log-format json`: one object per line, for log shippers) or text (`--log-format text`, for people), filtered
// by `--log-level`. Requests log at info when they succeed, warn for 4xx and error for 5xx, always with the code.
import { OodError } from '../errors.js';

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

function textValue(v: unknown): string {
  if (typeof v === 'number') return String(Math.round(v * 1000) / 1000);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[\s"=]/.test(s) ? JSON.stringify(s) : s;
}

/** A logger; throws a usage error for an unknown level or format. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'text';
  const level = options.level ?? 'info';
  if (!LOG_LEVELS.includes(level))
    throw new OodError('BAD_OPTION', `--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${level}`);
  if (format !== 'text' && format !== 'json')
    throw new OodError('BAD_OPTION', `--log-format must be text or json, got ${String(format)}`);
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const threshold = LOG_LEVELS.indexOf(level);
  const enabled = (l: LogLevel) => LOG_LEVELS.indexOf(l) >= threshold;
  const base = options.fields ?? {};
  const log = ((l: LogLevel, message: string, own: Record<string, unknown> = {}) => {
    if (!enabled(l)) return;
    const fields = { ...base, ...own };
    const time = new Date().toISOString();
    if (format === 'json') write(JSON.stringify({ time, level: l, msg: message, ...fields }));
    else {
      const rest = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${textValue(v)}`)
        .join(' ');
      write(`${time} ${l.toUpperCase().padEnd(5)} ${message}${rest ? ` ${rest}` : ''}`);
    }
  }) as Logger;
  log.enabled = enabled;
  return log;
}

/** The level a request's line is logged at. */
export function levelForStatus(status: number): LogLevel {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}
