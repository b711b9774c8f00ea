// The artifact a server runs, as a directory on disk. A server of its own admits it (the gate of issue 18) and
// extracts a zip into a private temporary directory; an acceptor of `--acceptors` opens the directory its
// primary already admitted and extracted, once for every acceptor (acceptors/primary.ts).
import { openArtifact, type ArtifactReader } from '../artifact/open.js';
import { openAdmitted } from '../checks/admission.js';
import type { Logger } from './logger.js';
import { claimServeDir, sweepStaleServeDirs } from './temp-dirs.js';

export interface ServedArtifact {
  reader: ArtifactReader;
  /** Where score.mjs is imported from. */
  dir: string;
  /** Close the reader and remove what was extracted. */
  release(): Promise<void>;
}

/**
 * Admit and open `artifact`. The admission gate runs before anything is extracted or imported: what introspect
 * fails in its archive, files, integrity or runtime checks is refused with the check key. A zip is extracted
 * before the port opens, so an unsafe artifact never gets served. `admitted`: the artifact is a directory that
 * this server's primary process admitted and extracted, opened as it is.
 */
export async function openServedArtifact(artifact: string, log: Logger, admitted = false): Promise<ServedArtifact> {
  if (admitted) {
    const reader = await openArtifact(artifact);
    return { reader, dir: await reader.directory(), release: () => reader.close() };
  }
  for (const path of sweepStaleServeDirs())
    log('info', 'removed a temporary directory a crashed server left', { path });
  const temp = claimServeDir();
  let opened: ArtifactReader | undefined;
  try {
    opened = (await openAdmitted(artifact, { command: 'serve', tempRoot: temp.path })).reader;
    const reader = opened;
    const dir = await reader.directory();
    return {
      reader,
      dir,
      release: async () => {
        await reader.close();
        temp.release();
      },
    };
  } catch (err) {
    await opened?.close();
    temp.release();
    throw err;
  }
}
