// What checks share: the artifact view and memoized loaders for the files several checks read. A loader either
// yields a value or the problems that stop it; the check that owns a file reports those problems as FAILED, and
// every check that merely depends on it is SKIPPED with a reason that names the owning check.
import { parse as parseYaml } from 'yaml';
import { isOodError } from '../errors.js';
import { ARTIFACT_FILES, type IoSchema, type Manifest, type RuntimeYaml } from '../artifact/spec.js';
import { OnnxModel } from '../onnx/model.js';
import type { ArtifactView } from './artifact-view.js';
import { problemsAgainst } from './schema-validation.js';
import { SkipCheck } from './types.js';

/** Text files (YAML, JSON, score.mjs) larger than this are refused rather than read into memory. */
export const MAX_TEXT_BYTES = 16 * 2 ** 20;

/** A loader's outcome: the value, or the problems that the owning check reports as FAILED. */
export type Loaded<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** What a team may demand beyond the defaults (see docs/introspect.md, "Policy"). */
export interface CheckPolicy {
  /** A missing commit or a dirty working tree FAILS instead of warning (--require-provenance). */
  requireProvenance?: boolean;
}

/** Shared state of one introspection run: the view plus memoized loaders. Close it when the run ends. */
export class CheckContext {
  private readonly memo = new Map<string, Promise<Loaded<unknown>>>();
  private openedModel: OnnxModel | undefined;

  constructor(
    readonly view: ArtifactView,
    readonly policy: CheckPolicy = {},
  ) {}

  /** Throws SkipCheck unless file contents may be read (the artifact passed every safety check). */
  requireSafe(): void {
    if (!this.view.inspection.safe) throw new SkipCheck('the artifact is unsafe to read (see the archive.* checks)');
  }

  /** Throws SkipCheck when a file is absent. */
  requireFile(name: string): void {
    this.requireSafe();
    if (!this.view.has(name)) throw new SkipCheck(`${name} is missing (see files.mandatory)`);
  }

  /** A file's text (UTF-8, fatal on invalid bytes). */
  async text(name: string): Promise<string> {
    this.requireFile(name);
    const bytes = await this.view.read(name, MAX_TEXT_BYTES);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  }

  private load<T>(key: string, produce: () => Promise<Loaded<T>>): Promise<Loaded<T>> {
    let p = this.memo.get(key) as Promise<Loaded<T>> | undefined;
    if (!p) {
      p = produce().catch((err: unknown): Loaded<T> => {
        if (err instanceof SkipCheck) throw err;
        return { ok: false, problems: [isOodError(err) || err instanceof Error ? err.message : String(err)] };
      });
      this.memo.set(key, p);
    }
    return p;
  }

  /** Unwrap a loaded value for a dependent check, or skip it naming the check that reports the problem. */
  async need<T>(loaded: Promise<Loaded<T>>, owner: string, what: string): Promise<T> {
    const r = await loaded;
    if (!r.ok) throw new SkipCheck(`${what} is unusable (see ${owner})`);
    return r.value;
  }

  json(name: string): Promise<Loaded<unknown>> {
    return this.load(`json:${name}`, async () => {
      const text = await this.text(name);
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch (err) {
        return { ok: false, problems: [`${name} is not valid JSON: ${(err as Error).message}`] };
      }
    });
  }

  /** JSON validated against a schema in schemas/. */
  validatedJson<T>(name: string, schemaFile: string): Promise<Loaded<T>> {
    return this.load(`valid:${name}`, async () => {
      const parsed = await this.json(name);
      if (!parsed.ok) return parsed;
      const problems = problemsAgainst(schemaFile, parsed.value).map((p) => `${name} ${p}`);
      return problems.length ? { ok: false, problems } : { ok: true, value: parsed.value as T };
    });
  }

  manifest(): Promise<Loaded<Manifest>> {
    return this.validatedJson<Manifest>(ARTIFACT_FILES.manifest, 'manifest.schema.json');
  }

  ioSchema(kind: 'input' | 'output'): Promise<Loaded<IoSchema>> {
    const name = kind === 'input' ? ARTIFACT_FILES.inputSchema : ARTIFACT_FILES.outputSchema;
    return this.load(`io:${kind}`, async () => {
      const r = await this.validatedJson<IoSchema>(name, 'io-schema.schema.json');
      if (r.ok && r.value.kind !== kind)
        return { ok: false, problems: [`${name} says kind "${r.value.kind}", expected "${kind}"`] };
      return r;
    });
  }

  runtimeDocument(): Promise<Loaded<unknown>> {
    return this.load('runtime:parse', async () => {
      const text = await this.text(ARTIFACT_FILES.runtime);
      try {
        const value = parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 }) as unknown;
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          return { ok: false, problems: ['runtime.yaml is not a YAML mapping'] };
        }
        return { ok: true, value };
      } catch (err) {
        return { ok: false, problems: [(err as Error).message.split('\n')[0]!.replace(/:$/, '')] };
      }
    });
  }

  runtime(): Promise<Loaded<RuntimeYaml>> {
    return this.load('runtime:valid', async () => {
      const doc = await this.runtimeDocument();
      if (!doc.ok) return doc;
      const problems = problemsAgainst('runtime.schema.json', doc.value).map((p) => `runtime.yaml ${p}`);
      return problems.length ? { ok: false, problems } : { ok: true, value: doc.value as RuntimeYaml };
    });
  }

  /** The scanned model (weights are not read). Closed by `close()`. */
  model(): Promise<Loaded<OnnxModel>> {
    return this.load('model', async () => {
      this.requireFile(ARTIFACT_FILES.model);
      const path = await this.view.localPath(ARTIFACT_FILES.model);
      try {
        this.openedModel = OnnxModel.open(path);
      } catch (err) {
        // Name the file as the artifact knows it, not by its temporary path.
        const message = err instanceof Error ? err.message.split(path).join(ARTIFACT_FILES.model) : String(err);
        return { ok: false, problems: [message] };
      }
      return { ok: true, value: this.openedModel };
    });
  }

  close(): void {
    this.openedModel?.close();
  }
}
