// Request counters and latency percentiles for GET /stats (DRUM asks for memory use there too). Latencies are kept
// in a fixed ring of the most recent samples, so memory stays flat however long the server runs.

const WINDOW = 8192;

/** Counts and recent latencies of the requests a server answered. */
export class ServeStats {
  private readonly latencies = new Float64Array(WINDOW);
  private filled = 0;
  private next = 0;
  total = 0;
  inferences = 0;
  /** Requests whose client went away before its body arrived: not answered, so in no status and no latency. */
  aborted = 0;
  readonly byStatus = new Map<number, number>();
  readonly startedAt = Date.now();

  /** Record one answered request. `inference` marks requests that reached the model. */
  record(status: number, millis: number, inference: boolean): void {
    this.total++;
    if (inference) this.inferences++;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    this.latencies[this.next] = millis;
    this.next = (this.next + 1) % WINDOW;
    this.filled = Math.min(this.filled + 1, WINDOW);
  }

  /** The JSON body of /stats. */
  snapshot(): Record<string, unknown> {
    const sorted = this.latencies.slice(0, this.filled).sort();
    const pct = (p: number) =>
      sorted.length === 0
        ? null
        : round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
    const mem = process.memoryUsage();
    const mb = (n: number) => round(n / 2 ** 20);
    return {
      uptime_s: round((Date.now() - this.startedAt) / 1000),
      requests: {
        total: this.total,
        inferences: this.inferences,
        aborted: this.aborted,
        by_status: Object.fromEntries([...this.byStatus].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
      },
      latency_ms: { window: sorted.length, p50: pct(50), p90: pct(90), p99: pct(99) },
      memory_mb: {
        rss: mb(mem.rss),
        heap_used: mb(mem.heapUsed),
        heap_total: mb(mem.heapTotal),
        external: mb(mem.external),
        array_buffers: mb(mem.arrayBuffers),
      },
    };
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
