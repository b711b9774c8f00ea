// The fixed bodies of DRUM's GET /info/, /stats/ and /capabilities/ (drum_server_api.yaml, paths
// /URL_PREFIX/info/, /stats/, /capabilities/: the properties each response schema lists), each followed by the
// ood fields these routes carried before (name, signature, certainty; request counts and latencies), which the
// spec's open objects allow.
import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { OOD_VERSION } from '../../version.js';
import type { DrumTarget } from './predictions.js';
import type { ModelDescription } from '../served-model.js';

const MB = 2 ** 20;
const round = (n: number) => Math.round(n * 1000) / 1000;

/** DRUM's model-metadata.yaml for an inference model, as far as the artifact knows it. */
function modelMetadata(description: ModelDescription, target: DrumTarget): Record<string, unknown> {
  const names = target.classNames;
  const inferenceModel =
    target.targetType === 'binary' && names
      ? { negativeClassLabel: names[0], positiveClassLabel: names[1] }
      : names && target.targetType !== 'regression'
        ? { classLabels: names }
        : {};
  return { name: description.name, type: 'inference', targetType: target.targetType, inferenceModel };
}

/** GET /info/: codeDir, drumServer, drumVersion, language, modelMetadata, predictor, targetType. */
export function drumInfo(description: ModelDescription, target: DrumTarget, codeDir: string): Record<string, unknown> {
  return {
    codeDir,
    drumServer: 'ood',
    // Not DataRobot's DRUM: the version of the server that answers, ood's.
    drumVersion: OOD_VERSION,
    language: 'javascript',
    modelMetadata: modelMetadata(description, target),
    predictor: 'onnxruntime-node',
    targetType: target.targetType,
  };
}

/** Prediction times between two GET /stats/ calls, as DRUM's stats collector keeps them (it resets on read). */
export class PredictorTimes {
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = 0;

  record(seconds: number): void {
    this.count++;
    this.sum += seconds;
    this.min = Math.min(this.min, seconds);
    this.max = Math.max(this.max, seconds);
  }

  /** {avg, max, min} in seconds (nulls before the first prediction), then start over. */
  take(): { avg: number | null; max: number | null; min: number | null } {
    const report =
      this.count === 0
        ? { avg: null, max: null, min: null }
        : { avg: round(this.sum / this.count), max: round(this.max), min: round(this.min) };
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = 0;
    return report;
  }
}

/** A number from a cgroup v2 or /proc file, or null when it is absent or says "max". */
function readNumber(path: string, pattern?: RegExp): number | null {
  try {
    const text = readFileSync(path, 'utf8');
    const raw = pattern ? text.match(pattern)?.[1] : text.trim();
    const n = raw === undefined ? NaN : Number(raw);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

let lastCpu = { usage: process.cpuUsage(), at: performance.now() };

/** GET /stats/: drum_info (this process), mem_info (MB; the container's from cgroup v2 when readable). */
export function drumStats(times: PredictorTimes): Record<string, unknown> {
  const usage = process.cpuUsage();
  const now = performance.now();
  const busyUs = usage.user - lastCpu.usage.user + (usage.system - lastCpu.usage.system);
  const cpuPercent = now > lastCpu.at ? round((busyUs / 1000 / (now - lastCpu.at)) * 100) : 0;
  lastCpu = { usage, at: now };
  const rss = round(process.memoryUsage().rss / MB);
  const mb = (n: number | null) => (n === null ? null : round(n / MB));
  const availKb = readNumber('/proc/meminfo', /MemAvailable:\s+(\d+)/);
  return {
    drum_info: [{ cmdline: process.argv, cpu_percent: cpuPercent, mem: rss, pid: process.pid }],
    mem_info: {
      avail: availKb === null ? round(freemem() / MB) : round(availKb / 1024),
      container_limit: mb(readNumber('/sys/fs/cgroup/memory.max')),
      container_max_used: mb(readNumber('/sys/fs/cgroup/memory.peak')),
      container_used: mb(readNumber('/sys/fs/cgroup/memory.current')),
      drum_rss: rss,
      free: round(freemem() / MB),
      total: round(totalmem() / MB),
    },
    time_info: { run_predictor_total: times.take() },
  };
}

/** GET /capabilities/: the payload formats /predict/ reads (null: no pinned version) and the methods. */
export function drumCapabilities(): Record<string, unknown> {
  return { supported_payload_formats: { csv: null, mtx: null }, supported_methods: { chat: false } };
}
