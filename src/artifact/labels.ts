// Class labels (artifact format 1.0): `labels.txt` at the artifact's root, one class name a line in class order,
// the file Triton's `label_filename` reads. `ood prepare --labels FILE` takes that form or a JSON array of
// strings; runtime.yaml's CLASSIFICATION says which output's class axis they name (classification.ts).
import { readFile } from 'node:fs/promises';
import { OodError, fileError } from '../errors.js';
import type { Findings } from './validate.js';

/** Labels longer than this, or more of them, are refused: they are class names, not data. */
const MAX_LABEL_CHARS = 1024;
const MAX_LABELS = 100_000;

/** Every reason `labels` cannot be an artifact's labels, sorted; empty when they can. */
export function labelProblems(labels: readonly unknown[]): string[] {
  const problems: string[] = [];
  if (labels.length === 0) problems.push('there are no labels');
  if (labels.length > MAX_LABELS) problems.push(`there are ${labels.length} labels, more than ${MAX_LABELS}`);
  const seen = new Map<string, number>();
  labels.forEach((label, i) => {
    const at = `label ${i + 1}`;
    if (typeof label !== 'string') return void problems.push(`${at} is ${JSON.stringify(label)}, not a string`);
    if (label.trim() === '') return void problems.push(`${at} is empty`);
    if (/[\r\n]/.test(label)) return void problems.push(`${at} holds a line break`);
    if (label !== label.trim()) problems.push(`${at} ${JSON.stringify(label)} has leading or trailing spaces`);
    if (label.length > MAX_LABEL_CHARS) problems.push(`${at} is longer than ${MAX_LABEL_CHARS} characters`);
    const first = seen.get(label);
    // DRUM keys each row's probabilities by label: two equal labels would collapse into one key.
    if (first !== undefined) problems.push(`${at} ${JSON.stringify(label)} repeats label ${first}`);
    else seen.set(label, i + 1);
  });
  return problems.sort();
}

/** The lines of a labels text: "\n" or "\r\n" endings, one final line ending allowed. */
function lines(text: string): string[] {
  const out = text.replace(/\r\n/g, '\n').split('\n');
  if (out.at(-1) === '') out.pop();
  return out;
}

/** labels.txt as stored in an artifact: its labels, or the problems that make it unusable. */
export function parseLabelsText(text: string): Findings<string[]> {
  const labels = lines(text.startsWith('\ufeff') ? text.slice(1) : text);
  const problems = labelProblems(labels);
  return problems.length ? { ok: false, problems } : { ok: true, value: labels };
}

/** labels.txt's bytes: one label a line, in class order, each line ending in "\n". */
export function renderLabels(labels: readonly string[]): string {
  return labels.map((l) => `${l}\n`).join('');
}

/**
 * A user's --labels FILE: a JSON array of strings when its first non-blank character is "[", else one label a
 * line. Throws OodError (kind input) listing every problem.
 */
export async function readLabelsFile(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch((err: unknown) =>
    Promise.reject(fileError(err, path, 'labels file')),
  );
  const refuse = (problems: string[]) =>
    new OodError('LABELS_INVALID', `--labels ${path} cannot be used:\n  - ${problems.join('\n  - ')}`, {
      hint: 'Write one class name a line in class order (or a JSON array of strings), each name once.',
      details: { problems },
    });
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  if (body.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw refuse([`it starts with "[" but is not valid JSON: ${(err as Error).message}`]);
    }
    if (!Array.isArray(parsed)) throw refuse(['it is not a JSON array']);
    const problems = labelProblems(parsed);
    if (problems.length) throw refuse(problems);
    return parsed as string[];
  }
  const found = parseLabelsText(body);
  if (!found.ok) throw refuse(found.problems);
  return found.value;
}
