// Zip64 (PKWARE APPNOTE 6.3.10 §4.3.14-4.3.16, §4.5.3): ONNX models with external data reach 4 GiB and more, past
// what a plain zip can record. The artifact here holds a real model whose external data file is 4.3 GB, sparse on
// disk (the weights the model reads are its first 1556 bytes, the rest a hole), so the member's sizes and the
// central directory's offset need the zip64 records. prepare writes it; our reader, the admission gate's hashes and CRC,
// the registry's layer split, and an independent reader (Python's zipfile) all agree on every byte and size.
// It writes 4.3 GB: the slowest test of the suite by design, and the only one at that size.
import { copyFile, mkdir, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { ZipArchive } from '../../src/artifact/archive.js';
import { admitArtifact } from '../../src/checks/admission.js';
import { splitArtifactZip } from '../../src/registry/zip-split.js';
import { fixtures } from '../helpers/fixtures.js';
import { runPythonCode } from '../helpers/python.js';

const DATA_SIZE = 4_300_000_000; // over 2^32 = 4 294 967 296
const MARKER = Buffer.from('end of the external data');

describe('an artifact over 4 GiB (zip64)', () => {
  let work: string;
  let zip: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ood-zip64-'));
    const model = join(work, 'model', 'model.onnx');
    await mkdir(join(work, 'model'));
    await copyFile(fixtures.externalData.model, model);
    const weights = join(work, 'model', 'weights.bin');
    await copyFile(fixtures.externalData.weights, weights);
    const file = await open(weights, 'r+');
    await file.truncate(DATA_SIZE); // a hole: no disk used until the zip is written
    await file.write(MARKER, 0, MARKER.length, DATA_SIZE - MARKER.length);
    await file.close();
    zip = join(work, 'big.zip');
    await buildArtifact({ model, output: zip, name: 'big' });
  }, 600_000);
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('is written by prepare, with the member size and the central directory past 4 GiB', async () => {
    expect((await stat(zip)).size).toBeGreaterThan(DATA_SIZE);
    const archive = await ZipArchive.open(zip);
    try {
      const entry = archive.inspection.entries.find((e) => e.name === 'weights.bin')!;
      expect(entry).toMatchObject({ size: DATA_SIZE, compressedSize: DATA_SIZE, compressionMethod: 0 });
      expect(archive.inspection.findings).toEqual([]);
    } finally {
      archive.close();
    }
  });

  it('reads back the same sizes and the last bytes in an independent reader (Python zipfile)', async () => {
    // Every member but the big one is read in full (and CRC-checked by zipfile); the big one is sought to its
    // end, past 4 GiB, through the zip64 sizes. Its CRC-32 is checked by the admission gate below.
    const code = [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'i = z.getinfo("weights.bin")',
      'f = z.open(i)',
      'f.seek(i.file_size - int(sys.argv[2]))',
      'small = [n.filename for n in z.infolist() if n.filename != "weights.bin" and z.read(n.filename) is not None]',
      'print(i.file_size, f.read().decode(), len(small) > 3 and "read")',
    ].join('\n');
    const r = await runPythonCode(code, [zip, String(MARKER.length)], { timeout: 600_000 });
    expect(r.stdout).toBe(`${DATA_SIZE} ${MARKER.toString()} read`);
  }, 600_000);

  it("passes the admission gate: the manifest's digests and sizes match the 4.3 GB member", async () => {
    const admission = await admitArtifact(zip, { command: 'test' });
    const hashes = admission.report.checks.find((c) => c.key === 'integrity.hashes')!;
    expect(hashes.result, hashes.message).toBe('PASSED');
    expect(admission.report.checks.filter((c) => c.result === 'FAILED')).toEqual([]);
  }, 600_000);

  it('splits into registry layers whose ranges tile the file, the external data its own 4.3 GB layer', async () => {
    const split = await splitArtifactZip(zip);
    const data = split.parts.find((p) => p.title === 'weights.bin')!;
    expect(data.end - data.start).toBe(DATA_SIZE);
    expect(split.parts[0]!.start).toBe(0);
    expect(split.parts.at(-1)!.end).toBe(split.size);
    for (let i = 1; i < split.parts.length; i++) expect(split.parts[i]!.start).toBe(split.parts[i - 1]!.end);
  });
});
