// The local store: one OCI image layout directory (image-spec v1.1.0 image-layout.md) holding every local
// repository. `oci-layout`, `index.json` and `blobs/sha256/<hex>`; a tag is an index.json entry whose
// org.opencontainers.image.ref.name is "repo:tag". Blobs are written to a temp file, verified, and renamed into
// place; index.json is rewritten atomically under a lock file, so concurrent pushes never lose or corrupt it.
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { OodError } from '../errors.js';
import { writeAtomically, writeFileAtomic } from '../io/atomic-file.js';
import { sha256Digest, verifyingStream } from './digest.js';
import { withFileLock } from './file-lock.js';
import type { Descriptor } from './manifest.js';
import { ANNOTATIONS, ARTIFACT_TYPE, INDEX_MEDIA_TYPE } from './media-types.js';
import { newStats, type ArtifactStore, type BlobRangeOpener, type TransferStats } from './store.js';

/** An index.json entry. */
interface IndexEntry extends Descriptor {
  artifactType?: string;
}
interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: IndexEntry[];
}

/** Where the local layout lives: $OOD_HOME/registry, by default ~/.ood/registry. */
export function defaultLayoutRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.OOD_HOME && env.OOD_HOME !== '' ? env.OOD_HOME : join(homedir(), '.ood'), 'registry');
}

function blobPath(root: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return join(root, 'blobs', algorithm ?? 'sha256', hex ?? '');
}

async function readIndex(root: string): Promise<ImageIndex> {
  const text = await readFile(join(root, 'index.json'), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) return { schemaVersion: 2, mediaType: INDEX_MEDIA_TYPE, manifests: [] };
  try {
    return JSON.parse(text) as ImageIndex;
  } catch (err) {
    throw new OodError('LAYOUT_CORRUPT', `${join(root, 'index.json')} is not valid JSON`, {
      cause: err,
      hint: 'Restore it from a backup, or move the directory away and push again.',
    });
  }
}

/** One repository of the local OCI image layout. */
export class LocalLayoutStore implements ArtifactStore {
  readonly stats: TransferStats = newStats();
  readonly where: string;

  constructor(
    readonly root: string,
    readonly repository: string,
  ) {
    this.where = `${root} (${repository})`;
  }

  private async ensureLayout(): Promise<void> {
    await mkdir(join(this.root, 'blobs', 'sha256'), { recursive: true });
    const marker = join(this.root, 'oci-layout');
    if (!(await stat(marker).catch(() => undefined))) await writeFileAtomic(marker, '{"imageLayoutVersion":"1.0.0"}');
  }

  async hasBlob(d: Descriptor): Promise<boolean> {
    const info = await stat(blobPath(this.root, d.digest)).catch(() => undefined);
    return info !== undefined && info.size === d.size;
  }

  async putBlob(d: Descriptor, open: BlobRangeOpener): Promise<void> {
    await this.ensureLayout();
    await writeAtomically(blobPath(this.root, d.digest), async (tmp) => {
      await pipeline(open(0, d.size), verifyingStream(d, `blob ${d.digest}`), createWriteStream(tmp));
    });
    this.stats.blobsUploaded += 1;
    this.stats.bytesUploaded += d.size;
  }

  async putManifest(bytes: Buffer, digest: string, mediaType: string, tag: string | undefined): Promise<void> {
    await this.ensureLayout();
    const d = { mediaType, digest, size: bytes.length };
    if (!(await this.hasBlob(d))) await writeFileAtomic(blobPath(this.root, digest), bytes);
    if (tag === undefined) return;
    const refName = `${this.repository}:${tag}`;
    await withFileLock(join(this.root, 'index.json.lock'), async () => {
      const index = await readIndex(this.root);
      const kept = index.manifests.filter((m) => m.annotations?.[ANNOTATIONS.refName] !== refName);
      kept.push({
        mediaType,
        digest,
        size: bytes.length,
        artifactType: ARTIFACT_TYPE,
        annotations: { [ANNOTATIONS.refName]: refName },
      });
      kept.sort((a, b) =>
        (a.annotations?.[ANNOTATIONS.refName] ?? '').localeCompare(b.annotations?.[ANNOTATIONS.refName] ?? ''),
      );
      await writeFileAtomic(
        join(this.root, 'index.json'),
        `${JSON.stringify({ ...index, manifests: kept }, null, 2)}\n`,
      );
    });
  }

  async getManifest(
    tagOrDigest: string,
  ): Promise<{ bytes: Buffer; digest: string; claimedDigest: string | undefined }> {
    let digest = tagOrDigest;
    if (!tagOrDigest.startsWith('sha256:')) {
      const refName = `${this.repository}:${tagOrDigest}`;
      const entry = (await readIndex(this.root)).manifests.find(
        (m) => m.annotations?.[ANNOTATIONS.refName] === refName,
      );
      if (!entry) throw this.notFound(`tag ${refName}`);
      digest = entry.digest;
    }
    const bytes = await readFile(blobPath(this.root, digest)).catch(() => {
      throw this.notFound(`manifest ${digest}`);
    });
    return { bytes, digest: sha256Digest(bytes), claimedDigest: digest };
  }

  async openBlob(d: Descriptor): Promise<Readable> {
    const path = blobPath(this.root, d.digest);
    if (!(await stat(path).catch(() => undefined))) throw this.notFound(`blob ${d.digest}`);
    return createReadStream(path, { highWaterMark: 1 << 20 });
  }

  async listTags(): Promise<string[]> {
    const prefix = `${this.repository}:`;
    return (await readIndex(this.root)).manifests
      .map((m) => m.annotations?.[ANNOTATIONS.refName] ?? '')
      .filter((name) => name.startsWith(prefix))
      .map((name) => name.slice(prefix.length))
      .sort();
  }

  private notFound(what: string): OodError {
    return new OodError('NOT_FOUND', `${what} not found in the local store ${this.root}`, {
      kind: 'remote',
      hint: `List what is there with \`ood ls ${this.repository}\`; set OOD_HOME to use another store.`,
    });
  }
}
