// Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: NUL-separated JSON on
// fds 3 and 4), so tests can look at a page as a user's browser renders it without a WebSocket client or a
// browser-automation dependency. Protocol: https://chromedevtools.github.io/devtools-protocol/ (tip-of-tree).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** Debian's chromium package. */
export const CHROMIUM = '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

/** One attached page: send commands, collect events, and close the browser when done. */
export class ChromiumPage {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: ((method: string, params: Record<string, unknown>) => void)[] = [];
  /** Every console message, uncaught exception and log entry the page produced, as text. */
  readonly problems: string[] = [];
  sessionId: string | undefined;

  constructor(
    private readonly child: ChildProcess,
    private readonly input: Writable,
    output: Readable,
    private readonly profile: string,
  ) {
    let buffered = '';
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\0')) >= 0) {
        this.dispatch(JSON.parse(buffered.slice(0, end)) as Record<string, unknown>);
        buffered = buffered.slice(end + 1);
      }
    });
  }

  private dispatch(message: Record<string, unknown>): void {
    const id = message.id as number | undefined;
    if (id !== undefined) {
      const waiter = this.pending.get(id);
      this.pending.delete(id);
      const error = message.error as { message: string } | undefined;
      if (error) waiter?.reject(new Error(`DevTools: ${error.message}`));
      else waiter?.resolve((message.result ?? {}) as Record<string, unknown>);
      return;
    }
    const method = message.method as string;
    const params = (message.params ?? {}) as Record<string, unknown>;
    if (method === 'Runtime.consoleAPICalled' && ['error', 'warning', 'assert'].includes(params.type as string))
      this.problems.push(`console.${params.type as string}: ${JSON.stringify(params.args)}`);
    if (method === 'Runtime.exceptionThrown')
      this.problems.push(`exception: ${JSON.stringify(params.exceptionDetails)}`);
    if (method === 'Log.entryAdded') {
      const entry = params.entry as { level: string; text: string; url?: string };
      if (entry.level === 'error') this.problems.push(`log: ${entry.text} ${entry.url ?? ''}`);
    }
    for (const listener of this.listeners) listener(method, params);
  }

  /** Send a command (to the attached page unless `browser`) and wait for its result. */
  send(method: string, params: Record<string, unknown> = {}, browser = false): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const message = { id, method, params, ...(browser || !this.sessionId ? {} : { sessionId: this.sessionId }) };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.input.write(`${JSON.stringify(message)}\0`);
    });
  }

  /** Resolve on the next event called `method`. */
  once(method: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const listener = (m: string, params: Record<string, unknown>) => {
        if (m !== method) return;
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(params);
      };
      this.listeners.push(listener);
    });
  }

  /** Load a URL and wait for its load event. */
  async navigate(url: string): Promise<void> {
    const loaded = this.once('Page.loadEventFired');
    await this.send('Page.navigate', { url });
    await loaded;
  }

  /** Evaluate an expression in the page and return its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`page threw: ${JSON.stringify(r.exceptionDetails)}`);
    return (r.result as { value: T }).value;
  }

  /** A PNG of the viewport. */
  async screenshot(): Promise<Buffer> {
    const r = await this.send('Page.captureScreenshot', { format: 'png' });
    return Buffer.from(r.data as string, 'base64');
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.send('Browser.close', {}, true).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** Start a fresh headless Chromium (its own profile, no network side traffic) and attach to a blank page. */
export async function openChromiumPage(viewport = { width: 1000, height: 800 }): Promise<ChromiumPage> {
  const profile = mkdtempSync(join(tmpdir(), 'ood-chromium-'));
  const child = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--no-default-browser-check',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      '--remote-debugging-pipe',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const page = new ChromiumPage(child, child.stdio[3] as Writable, child.stdio[4] as Readable, profile);
  const { targetInfos } = (await page.send('Target.getTargets', {}, true)) as {
    targetInfos: { targetId: string; type: string }[];
  };
  const target = targetInfos.find((t) => t.type === 'page');
  if (!target) throw new Error('Chromium opened no page');
  const attached = await page.send('Target.attachToTarget', { targetId: target.targetId, flatten: true }, true);
  page.sessionId = attached.sessionId as string;
  await page.send('Page.enable');
  await page.send('Runtime.enable');
  await page.send('Log.enable');
  await page.send('Emulation.setDeviceMetricsOverride', { ...viewport, deviceScaleFactor: 1, mobile: false });
  return page;
}
