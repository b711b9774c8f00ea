// Numeric options, checked before a command does anything. yargs turns `--port abc` into NaN and takes -1 or 2.5
// where only whole numbers in a range make sense, so commands declare such options as strings and read them
// here: every bad value is collected into one usage error (exit 2) that names each flag, its rule and the value.
import { OodError } from '../errors.js';

/** What a numeric option accepts. */
export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** Bounds that the value must stay strictly inside (e.g. a percentile in (0, 100)). */
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  /** What the number counts, when it is a quantity ("seconds"): "a number of seconds ≥ 0". */
  unit?: string;
  /** An example of a good value, for the hint. */
  example: string;
}

/** Common rules, so the same flag means the same thing on every command. */
export const RULES = {
  port: { integer: true, min: 0, max: 65535, example: '8080' },
  count: { integer: true, min: 0, example: '3' },
  positiveCount: { integer: true, min: 1, example: '4' },
  milliseconds: { min: 0, example: '5' },
  seconds: { min: 0, unit: 'seconds', example: '60' },
  positive: { min: 0, exclusiveMin: true, example: '1' },
  percentile: { min: 0, max: 100, exclusiveMin: true, exclusiveMax: true, example: '90' },
} as const satisfies Record<string, NumberRule>;

function ruleText(rule: NumberRule): string {
  const kind = rule.integer ? 'a whole number' : rule.unit ? `a number of ${rule.unit}` : 'a number';
  const low = rule.min === undefined ? '' : `${rule.exclusiveMin ? '>' : '≥'} ${rule.min}`;
  const high = rule.max === undefined ? '' : `${rule.exclusiveMax ? '<' : '≤'} ${rule.max}`;
  if (low && high) return `${kind} ${low} and ${high}`;
  return [kind, low || high].filter(Boolean).join(' ');
}

/** The problem with one value, or undefined when it is absent or fits the rule. */
export function numberProblem(flag: string, value: unknown, rule: NumberRule): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(' ') : String(value);
  const n = typeof value === 'number' ? value : Number(text);
  const fits =
    typeof value !== 'boolean' &&
    !Array.isArray(value) &&
    text.trim() !== '' &&
    Number.isFinite(n) &&
    (!rule.integer || Number.isInteger(n)) &&
    (rule.min === undefined || (rule.exclusiveMin ? n > rule.min : n >= rule.min)) &&
    (rule.max === undefined || (rule.exclusiveMax ? n < rule.max : n <= rule.max));
  return fits ? undefined : `--${flag} must be ${ruleText(rule)}, not "${text}"`;
}

/**
 * Read numeric options from parsed arguments. Returns each value as a number (undefined when not given), or
 * throws one BAD_OPTION usage error listing every problem.
 */
export function readNumbers<K extends string>(
  parsed: object,
  rules: Readonly<Record<K, NumberRule>>,
): Record<K, number | undefined> {
  const argv = parsed as Readonly<Record<string, unknown>>;
  const problems: string[] = [];
  const values = {} as Record<K, number | undefined>;
  for (const flag of Object.keys(rules) as K[]) {
    const raw = argv[flag];
    const problem = numberProblem(flag, raw, rules[flag]);
    if (problem) problems.push(problem);
    else values[flag] = raw === undefined ? undefined : Number(raw);
  }
  if (problems.length > 0) {
    const first = Object.keys(rules).find((flag) => numberProblem(flag, argv[flag], rules[flag as K]))!;
    throw new OodError('BAD_OPTION', problems.sort().join('; '), {
      hint: `Pass e.g. --${first} ${rules[first as K].example}.`,
    });
  }
  return values;
}

/** A comma-separated list of numbers (--mean 0.485,0.456,0.406), or a BAD_OPTION usage error naming the flag. */
export function readNumberList(flag: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const values = String(text)
    .split(',')
    .map((s) => (s.trim() === '' ? NaN : Number(s.trim())));
  if (values.some((v) => !Number.isFinite(v)))
    throw new OodError('BAD_OPTION', `--${flag} must be a comma-separated list of numbers, not "${text}"`, {
      hint: `Pass e.g. --${flag} 0.485,0.456,0.406 (one number per channel).`,
    });
  return values;
}

/** --image-size: H,W or one size for both, whole numbers ≥ 1. */
export function readImageSize(text: string | undefined): [number, number] | undefined {
  const size = readNumberList('image-size', text);
  if (!size) return undefined;
  if (size.length > 2 || size.some((s) => !Number.isInteger(s) || s < 1))
    throw new OodError('BAD_OPTION', `--image-size must be H,W or one whole number ≥ 1, not "${text}"`, {
      hint: 'Pass e.g. --image-size 224 or --image-size 224,224.',
    });
  return [size[0]!, size[1] ?? size[0]!];
}
