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

/** The value of the sample named `name` whose labels include `labels` (0 when none does). */
export function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const hit = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit?.value ?? 0;
}
