// What checks share: the artifact reader (artifact/open.ts), whose memoized loaders yield a value or the problems
// that stop it. The check that owns a file reports those problems as FAILED, and every check that merely depends
// on it is SKIPPED with a reason that names the owning check. Reading nothing of an unsafe archive and skipping
// for a missing file are decided here, before the reader is asked.
import { ARTIFACT_FILES, type IoSchema, type Manifest, type RuntimeYaml } from '../artifact/spec.js';
import type { ArtifactReader, Findings, SampleDocument } from '../artifact/open.js';
import type { EvaluationReport } from '../artifact/evaluation.js';
import { OnnxModel } from '../onnx/model.js';
import { SkipCheck } from './types.js';

export { MAX_TEXT_BYTES } from '../artifact/open.js';

/** A loader's outcome: the value, or the problems that the owning check reports as FAILED. */
export type Loaded<T> = Findings<T>;

/** What a team may demand beyond the defaults (see docs/introspect.md, "Policy"). */
export interface CheckPolicy {
  /** A missing commit or a dirty working tree FAILS instead of warning (--require-provenance). */
  requireProvenance?: boolean;
  /** Extract model.onnx while hashing it, for the model checks that follow (default true; the gate skips it). */
  extractModel?: boolean;
}

/** Shared state of one introspection run: the reader plus the opened model. Close it when the run ends. */
export class CheckContext {
  private modelLoad: Promise<Loaded<OnnxModel>> | undefined;
  private openedModel: OnnxModel | undefined;

  constructor(
    readonly reader: ArtifactReader,
    readonly policy: CheckPolicy = {},
  ) {}

  /** The file layer: listing, digests, paths on disk. */
  get view() {
    return this.reader.view;
  }

  /** Throws SkipCheck unless file contents may be read (the artifact passed every safety check). */
  requireSafe(): void {
    if (!this.view.inspection.safe) throw new SkipCheck('the artifact is unsafe to read (see the archive.* checks)');
  }

  /** Throws SkipCheck when a file is absent. */
  requireFile(name: string): void {
    this.requireSafe();
    if (!this.view.has(name)) throw new SkipCheck(`${name} is missing (see files.mandatory)`);
  }

  /** Unwrap a loaded value for a dependent check, or skip it naming the check that reports the problem. */
  async need<T>(loaded: Promise<Loaded<T>>, owner: string, what: string): Promise<T> {
    const r = await loaded;
    if (!r.ok) throw new SkipCheck(`${what} is unusable (see ${owner})`);
    return r.value;
  }

  /** A file's text (UTF-8, fatal on invalid bytes); a read failure is thrown as the reader found it. */
  async text(name: string): Promise<string> {
    this.requireFile(name);
    const r = await this.reader.text(name);
    if (!r.ok) throw new Error(r.problems.join('; '));
    return r.value;
  }

  json(name: string): Promise<Loaded<unknown>> {
    return this.guarded(name, () => this.reader.json(name));
  }

  manifest(): Promise<Loaded<Manifest>> {
    return this.guarded(ARTIFACT_FILES.manifest, () => this.reader.manifest());
  }

  ioSchema(kind: 'input' | 'output'): Promise<Loaded<IoSchema>> {
    if (kind === 'input') return this.guarded(ARTIFACT_FILES.inputSchema, () => this.reader.inputSchema());
    return this.guarded(ARTIFACT_FILES.outputSchema, () => this.reader.outputSchema());
  }

  runtimeDocument(): Promise<Loaded<unknown>> {
    return this.guarded(ARTIFACT_FILES.runtime, () => this.reader.runtimeDocument());
  }

  runtime(): Promise<Loaded<RuntimeYaml>> {
    return this.guarded(ARTIFACT_FILES.runtime, () => this.reader.runtime());
  }

  sample(): Promise<Loaded<SampleDocument | null>> {
    return this.guarded(ARTIFACT_FILES.sample, () => this.reader.sample());
  }

  evaluation(): Promise<Loaded<EvaluationReport | null>> {
    return this.guarded(ARTIFACT_FILES.evaluation, () => this.reader.evaluation());
  }

  /** Ask the reader only for a file that is there in a safe artifact; otherwise skip (async, like the loaders). */
  private async guarded<T>(name: string, load: () => Promise<Loaded<T>>): Promise<Loaded<T>> {
    this.requireFile(name);
    return load();
  }

  /** The scanned model (weights are not read). Closed by `close()`. */
  model(): Promise<Loaded<OnnxModel>> {
    this.modelLoad ??= (async (): Promise<Loaded<OnnxModel>> => {
      this.requireFile(ARTIFACT_FILES.model);
      // The gate (extractModel false) scans a stored model in place: push must not write 300 MB to read headers.
      const inPlace = this.policy.extractModel === false ? await storedRange(this.view, ARTIFACT_FILES.model) : null;
      const path = inPlace ? inPlace.path : await this.view.localPath(ARTIFACT_FILES.model);
      try {
        this.openedModel = inPlace
          ? OnnxModel.openRange(inPlace.path, inPlace.start, inPlace.length, ARTIFACT_FILES.model)
          : OnnxModel.open(path);
      } catch (err) {
        // Name the file as the artifact knows it, not by its temporary path.
        const message = err instanceof Error ? err.message.split(path).join(ARTIFACT_FILES.model) : String(err);
        return { ok: false, problems: [message] };
      }
      return { ok: true, value: this.openedModel };
    })().catch((err: unknown): Loaded<OnnxModel> => {
      if (err instanceof SkipCheck) throw err;
      return { ok: false, problems: [err instanceof Error ? err.message : String(err)] };
    });
    return this.modelLoad;
  }

  close(): void {
    this.openedModel?.close();
  }
}

/** Where a zip entry stored without compression lies in the zip file, or null (a directory, a deflated entry). */
async function storedRange(
  view: CheckContext['view'],
  name: string,
): Promise<{ path: string; start: number; length: number } | null> {
  const archive = view.archive;
  const entry = archive?.inspection.entries.find((e) => e.name === name);
  if (!archive || !entry || entry.compressionMethod !== 0 || entry.encrypted) return null;
  return { path: archive.inspection.path, start: await archive.dataOffset(name), length: entry.size };
}
