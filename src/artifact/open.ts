// The one way to open an artifact (format 1.0, src/artifact/spec.ts), as a zip or a directory: serve, verify,
// evaluate, push and introspect all read it through this reader. Every document comes back as Findings, parsed,
// lifted to the current format (format-migrations.ts) and validated against its schema in schemas/; nothing here
// throws for a defect of the artifact, except the accessors that hand a path on disk to someone else.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { OodError, fileError } from '../errors.js';
import { OnnxModel } from '../onnx/model.js';
import { DEFAULT_ARCHIVE_LIMITS, ZipArchive } from './archive.js';
import type { ArtifactView, ViewOptions } from './artifact-view.js';
import { DirectoryView } from './directory-view.js';
import { ZipView } from './zip-view.js';
import { directoryNotAnArtifact } from './wrong-kind.js';
import { parseDataJson } from '../io/exact-json.js';
import { assertArchiveSafe } from './archive-extract.js';
import { evaluationProblems, type EvaluationReport } from './evaluation.js';
import { FORMAT_MIGRATIONS, migrateDocument, type MigrationRegistry } from './format-migrations.js';
import { createRequestValidator } from './request-check.js';
import { ARTIFACT_FILES, type IoSchema, type Manifest, type RuntimeYaml } from './spec.js';
import { validated, type Findings } from './validate.js';
import { parseLabelsText } from './labels.js';

export type { Findings };

/** sample.json: a KServe V2 inference request (validated against input_schema.json). */
export interface SampleDocument {
  id?: string;
  inputs: { name: string; datatype: string; shape: number[]; data?: unknown[]; parameters?: object }[];
  outputs?: { name: string }[];
}

/** Text files (YAML, JSON, score.mjs) larger than this are refused rather than read into memory. */
export const MAX_TEXT_BYTES = 16 * 2 ** 20;

export interface OpenOptions extends ViewOptions {
  /** Shims for older formats (default: FORMAT_MIGRATIONS); tests pass a synthetic one. */
  migrations?: MigrationRegistry;
}

/** Open a zip or a directory. Throws OodError (kind input) only when the path cannot be read as either. */
export async function openArtifact(path: string, options: OpenOptions = {}): Promise<ArtifactReader> {
  return new ArtifactReader(await openArtifactView(path, options), options.migrations ?? FORMAT_MIGRATIONS);
}

/**
 * For a boundary that cannot go on without a document (the server, verify): its value, or one OodError that lists
 * the problems. Checks never call this; they report the problems instead.
 */
export function requireDocument<T>(found: Findings<T>, file: string): T {
  if (found.ok) return found.value;
  throw new OodError('ARTIFACT_INVALID', `cannot read ${file} of the artifact: ${found.problems.join('; ')}`, {
    hint: 'Rebuild the artifact with `ood prepare`, then check it with `ood introspect`.',
    details: { problems: found.problems },
  });
}

/** Open a zip or a directory. Throws OodError (kind input) when the path cannot be read as either. */
async function openArtifactView(path: string, options: ViewOptions = {}): Promise<ArtifactView> {
  // The path the user typed may be a link (e.g. `latest -> v3/`); links inside the artifact are findings.
  const info = await stat(path).catch((err: unknown) => {
    throw fileError(err, path, 'artifact');
  });
  if (info.isDirectory()) {
    const notAnArtifact = await directoryNotAnArtifact(path);
    if (notAnArtifact) throw notAnArtifact;
    return DirectoryView.open(resolve(path), options.limits ?? DEFAULT_ARCHIVE_LIMITS);
  }
  if (info.isFile()) return new ZipView(await ZipArchive.open(path, options.limits), path, options.tempRoot);
  throw new OodError('ARTIFACT_UNREADABLE', `${path} is neither a zip file nor a directory`, {
    hint: 'Pass the .zip written by `ood prepare -o`, or the directory written by `ood prepare --dir`.',
  });
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Validated, memoized access to the documents of one artifact. Close it when done. */
export class ArtifactReader {
  private readonly memo = new Map<string, Promise<Findings<unknown>>>();

  constructor(
    /** The file layer: listing, bounded reads, digests, paths on disk. */
    readonly view: ArtifactView,
    private readonly migrations: MigrationRegistry = FORMAT_MIGRATIONS,
  ) {}

  get source(): 'zip' | 'directory' {
    return this.view.source;
  }
  get path(): string {
    return this.view.path;
  }
  has(name: string): boolean {
    return this.view.has(name);
  }

  private load<T>(key: string, produce: () => Promise<Findings<T>>): Promise<Findings<T>> {
    let p = this.memo.get(key) as Promise<Findings<T>> | undefined;
    if (!p) {
      p = produce().catch((err: unknown): Findings<T> => ({ ok: false, problems: [errorText(err)] }));
      this.memo.set(key, p);
    }
    return p;
  }

  /** A file's text (UTF-8, refused on invalid bytes), if the artifact is safe to read and holds it. */
  text(name: string): Promise<Findings<string>> {
    return this.load(`text:${name}`, async () => {
      if (!this.view.inspection.safe) return { ok: false, problems: ['the artifact is unsafe to read'] };
      if (!this.view.has(name)) return { ok: false, problems: [`${name} is missing`] };
      const bytes = await this.view.read(name, MAX_TEXT_BYTES);
      return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    });
  }

  /** A file parsed as JSON. */
  json(name: string): Promise<Findings<unknown>> {
    return this.load(`json:${name}`, async () => {
      const text = await this.text(name);
      if (!text.ok) return text;
      try {
        return { ok: true, value: JSON.parse(text.value) as unknown };
      } catch (err) {
        return { ok: false, problems: [`${name} is not valid JSON: ${errorText(err)}`] };
      }
    });
  }

  /** runtime.yaml parsed (duplicate keys refused, aliases bounded) but not yet validated. */
  runtimeDocument(): Promise<Findings<Record<string, unknown>>> {
    return this.load('runtime:parse', async () => {
      const text = await this.text(ARTIFACT_FILES.runtime);
      if (!text.ok) return text;
      try {
        const value = parseYaml(text.value, { uniqueKeys: true, maxAliasCount: 100 }) as unknown;
        if (value === null || typeof value !== 'object' || Array.isArray(value))
          return { ok: false, problems: ['runtime.yaml is not a YAML mapping'] };
        return { ok: true, value: value as Record<string, unknown> };
      } catch (err) {
        return { ok: false, problems: [errorText(err).split('\n')[0]!.replace(/:$/, '')] };
      }
    });
  }

  /** The format version the artifact declares (runtime.yaml MODEL_ARTIFACT_VERSION), before any migration. */
  async formatVersion(): Promise<Findings<string>> {
    const doc = await this.runtimeDocument();
    if (!doc.ok) return doc;
    const version = doc.value.MODEL_ARTIFACT_VERSION;
    return typeof version === 'string'
      ? { ok: true, value: version }
      : { ok: false, problems: ['runtime.yaml has no MODEL_ARTIFACT_VERSION string'] };
  }

  /** runtime.yaml, migrated to the current format and valid against schemas/runtime.schema.json. */
  runtime(): Promise<Findings<RuntimeYaml>> {
    return this.load('runtime:valid', async () => {
      const doc = await this.runtimeDocument();
      if (!doc.ok) return doc;
      return validated<RuntimeYaml>(
        'runtime',
        migrateDocument('runtime', doc.value, this.migrations).doc,
        'runtime.yaml',
      );
    });
  }

  /** manifest.json, valid against schemas/manifest.schema.json. */
  manifest(): Promise<Findings<Manifest>> {
    return this.load('manifest', async () => {
      const doc = await this.json(ARTIFACT_FILES.manifest);
      if (!doc.ok) return doc;
      const migrated = migrateDocument('manifest', doc.value, this.migrations).doc;
      return validated<Manifest>('manifest', migrated, ARTIFACT_FILES.manifest);
    });
  }

  /** input_schema.json, valid against schemas/io-schema.schema.json and of kind "input". */
  inputSchema(): Promise<Findings<IoSchema>> {
    return this.ioSchema('input');
  }

  /** output_schema.json, valid against schemas/io-schema.schema.json and of kind "output". */
  outputSchema(): Promise<Findings<IoSchema>> {
    return this.ioSchema('output');
  }

  private ioSchema(kind: 'input' | 'output'): Promise<Findings<IoSchema>> {
    const name = kind === 'input' ? ARTIFACT_FILES.inputSchema : ARTIFACT_FILES.outputSchema;
    return this.load(`io:${kind}`, async () => {
      const doc = await this.json(name);
      if (!doc.ok) return doc;
      const r = validated<IoSchema>('io-schema', migrateDocument('io-schema', doc.value, this.migrations).doc, name);
      if (r.ok && r.value.kind !== kind)
        return { ok: false, problems: [`${name} says kind "${r.value.kind}", expected "${kind}"`] };
      return r;
    });
  }

  /**
   * sample.json (optional: null when absent), a KServe V2 request that the server itself would accept for this
   * input_schema.json. Its problems say `sample.json: …`; an unusable input schema is one problem.
   */
  sample(): Promise<Findings<SampleDocument | null>> {
    return this.load('sample', async () => {
      if (!this.view.has(ARTIFACT_FILES.sample)) return { ok: true, value: null };
      const input = await this.inputSchema();
      if (!input.ok) return { ok: false, problems: [`${ARTIFACT_FILES.inputSchema} is unusable`] };
      const doc = await this.json(ARTIFACT_FILES.sample);
      if (!doc.ok) return doc;
      const problems = createRequestValidator(input.value)(doc.value).map((p) => `${ARTIFACT_FILES.sample}: ${p}`);
      if (problems.length) return { ok: false, problems };
      // Checked as JSON.parse reads it; handed on exactly, INT64 / UINT64 beyond 2^53 digit for digit as bigint.
      const text = await this.text(ARTIFACT_FILES.sample);
      return { ok: true, value: (text.ok ? parseDataJson(text.value) : doc.value) as SampleDocument };
    });
  }

  /** evaluation.json (optional: null when absent), valid against schemas/evaluation-report.schema.json. */
  evaluation(): Promise<Findings<EvaluationReport | null>> {
    return this.load('evaluation', async () => {
      if (!this.view.has(ARTIFACT_FILES.evaluation)) return { ok: true, value: null };
      const doc = await this.json(ARTIFACT_FILES.evaluation);
      if (!doc.ok) return doc;
      const problems = evaluationProblems(doc.value).map((p) => `${ARTIFACT_FILES.evaluation} ${p}`);
      return problems.length ? { ok: false, problems } : { ok: true, value: doc.value as EvaluationReport };
    });
  }

  /**
   * labels.txt (optional: null when absent): one unique class name a line. Whether they fit the classifier output
   * is the check schemas.labels; runtime.yaml CLASSIFICATION says which output that is.
   */
  labels(): Promise<Findings<string[] | null>> {
    return this.load<string[] | null>('labels', async () => {
      if (!this.view.has(ARTIFACT_FILES.labels)) return { ok: true, value: null };
      const text = await this.text(ARTIFACT_FILES.labels);
      if (!text.ok) return text;
      const found = parseLabelsText(text.value);
      return found.ok ? found : { ok: false, problems: found.problems.map((p) => `${ARTIFACT_FILES.labels}: ${p}`) };
    });
  }

  /**
   * A path to model.onnx on disk, with its external data files beside it (onnxruntime opens them by path).
   * Throws OodError when the artifact is unsafe or has no model: the caller is about to hand the path on.
   */
  async modelPath(): Promise<string> {
    assertArchiveSafe(this.view.inspection);
    if (!this.view.has(ARTIFACT_FILES.model))
      throw new OodError('ARTIFACT_INVALID', `${this.view.path} has no ${ARTIFACT_FILES.model}`, {
        hint: 'Rebuild the artifact with `ood prepare`, then check it with `ood introspect`.',
      });
    const path = await this.view.localPath(ARTIFACT_FILES.model);
    if (this.view.source === 'zip') {
      const model = OnnxModel.open(path);
      try {
        for (const file of model.externalDataFiles()) if (this.view.has(file)) await this.view.localPath(file);
      } finally {
        model.close();
      }
    }
    return path;
  }

  /** Every file on disk at its artifact path (what score.mjs's load(dir) gets). Throws for an unsafe zip. */
  directory(): Promise<string> {
    return this.view.directory();
  }

  close(): Promise<void> {
    return this.view.close();
  }
}
