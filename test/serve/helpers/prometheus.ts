// The Prometheus project's own text-format parser (python3-prometheus-client) reads /metrics: an independent
// oracle for what the server writes, and one place to look a sample up.
import { runPythonCode } from '../../helpers/python.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const PARSE = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = [{"name": s.name, "labels": s.labels, "value": s.value}
       for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples]
print(json.dumps(out))
`;

/** Every sample of a text exposition, as the Prometheus parser reads it. */
export async function parsePrometheus(text: string): Promise<Sample[]> {
  return JSON.parse((await runPythonCode(PARSE, [], { input: text })).stdout) as Sample[];
}

function find(samples: Sample[], name: string, labels: Record<string, string>): Sample | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/**
 * The value of the sample named `name` whose labels include `labels`. Throws when no sample matches: a check that
 * a counter is 0 must not pass because the server never wrote the series.
 */
export function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const hit = find(samples, name, labels);
  if (!hit) throw new Error(`/metrics has no sample ${name}${JSON.stringify(labels)}`);
  return hit.value;
}

/**
 * The same, but 0 when no sample matches: for a scrape taken before a labelled series' first increment
 * (prom-client writes a labelled counter only once it has counted something).
 */
export function valueOrZero(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return find(samples, name, labels)?.value ?? 0;
}
