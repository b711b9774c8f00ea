// The few HTTP calls `ood verify` makes to the server under test, with a per-request timeout. Never throws for an
// HTTP status: a failed call is a result with status 0 and the reason.

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  bytes: Buffer;
  /** The transport error when no response came. */
  error?: string;
}

/** Send one request and read the whole answer. */
export async function call(
  url: string,
  init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
  timeoutMs = 30_000,
): Promise<HttpResult> {
  try {
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      body: init.body,
      headers: init.headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, text: bytes.toString('utf8'), bytes };
  } catch (err) {
    return { status: 0, headers: new Headers(), text: '', bytes: Buffer.alloc(0), error: (err as Error).message };
  }
}

/** Poll GET url until it answers 200 (or a status that will not change, such as 513), or time runs out. */
export async function waitFor(url: string, timeoutMs: number): Promise<HttpResult> {
  const deadline = Date.now() + timeoutMs;
  let last: HttpResult = {
    status: 0,
    headers: new Headers(),
    text: '',
    bytes: Buffer.alloc(0),
    error: 'no answer yet',
  };
  while (Date.now() < deadline) {
    last = await call(url, {}, 5_000);
    if (last.status === 200 || last.status === 513) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}
