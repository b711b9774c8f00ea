// `ood enable` as a user runs it: the built CLI through execa, its exit codes, its output and its files.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { readCertaintyRecord } from '../../src/certainty/metadata.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { tempDir, writeNoisePngFolder } from './harness.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const ood = (...args: string[]) => execa('node', [cli, 'enable', ...args], { reject: false, cwd: tmp.dir });

describe('ood enable (CLI)', () => {
  it('enables and calibrates the digits example, exits 0 and prints a summary without a progress bar off a TTY', async () => {
    const out = join(tmp.dir, 'digits.onnx');
    const r = await ood(fixtures.digits.model, '-o', out, '--data', fixtures.digits.calibration);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('score output  ood_scores FP32 [batch, 1] from logits (energy, T=1), opset 13');
    expect(r.stdout).toContain('normalization cdf on 289 samples');
    expect(r.stderr).toBe('');
    const m = OnnxModel.open(out);
    expect(readCertaintyRecord(m.metadataMap)).toMatchObject({
      method: 'energy',
      normalization: 'cdf',
      calibration: { samples: 289 },
    });
    m.close();
  });

  it('prints the result as JSON with --json', async () => {
    const out = join(tmp.dir, 'json.onnx');
    const r = await ood(
      fixtures.mlp(21),
      '-o',
      out,
      '--method',
      'msp',
      '--temperature',
      '1.5',
      '--output-name',
      'certainty',
      '--json',
    );
    expect(r.exitCode).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.record).toMatchObject({
      method: 'msp',
      temperature: 1.5,
      output: 'certainty',
      normalization: 'none',
      calibration: null,
    });
    expect(result.opset).toBe(21);
  });

  it('prints the calibration warnings in its summary and in --json, records them, and still exits 0', async () => {
    // pixels are read as [0, 1]: a mean and std on the 0-255 scale are a mistake enable cannot refuse outright.
    const images = writeNoisePngFolder(join(tmp.dir, 'images'), 16, 8, 8);
    const out = join(tmp.dir, 'warned.onnx');
    const r = await ood(fixtures.digits.model, '-o', out, '--data', images, '--mean', '123.7', '--std', '58.4');
    expect(r.exitCode).toBe(0);
    const printed = r.stdout.split('\n').filter((l) => l.startsWith('  warning       '));
    expect(printed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}warning {7}--mean 123\.7 looks like the 0-255 scale/),
        expect.stringMatching(/^ {2}warning {7}--std 58\.4 looks like the 0-255 scale/),
      ]),
    );
    const m = OnnxModel.open(out);
    const recorded = JSON.parse(m.metadataMap.get('ood.warnings')!) as string[];
    m.close();
    expect(printed.map((l) => l.slice('  warning       '.length))).toEqual(recorded);
    const json = await ood(
      fixtures.digits.model,
      '-o',
      out,
      '--force',
      '--data',
      images,
      '--mean',
      '123.7',
      '--std',
      '58.4',
      '--json',
    );
    expect(json.exitCode).toBe(0);
    expect((JSON.parse(json.stdout) as { warnings: string[] }).warnings).toEqual(recorded);
  });

  it('exits 2 on an ambiguous logits choice and lists the candidates, writing nothing', async () => {
    const before = readdirSync(tmp.dir);
    const r = await ood(fixtures.twoLogits, '-o', join(tmp.dir, 'two.onnx'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Error: several outputs could be the logits: logits_a, logits_b');
    expect(r.stderr).toContain('Hint: Pass --logits with one of them');
    expect(readdirSync(tmp.dir)).toEqual(before);
    const picked = await ood(fixtures.twoLogits, '-o', join(tmp.dir, 'two.onnx'), '--logits', 'logits_b');
    expect(picked.exitCode).toBe(0);
  });

  it('exits 3 on a model without logits and on bad data, naming the sample', async () => {
    const none = await ood(fixtures.notAClassifier, '-o', join(tmp.dir, 'none.onnx'));
    expect(none.exitCode).toBe(3);
    const bad = await ood(fixtures.mlp(13), '-o', join(tmp.dir, 'bad.onnx'), '--data', fixtures.digits.calibration);
    expect(bad.exitCode).toBe(3);
    expect(bad.stderr).toContain('Error: sample calibration.npy: input "x" has shape [289, 1, 8, 8]');
    expect(existsSync(join(tmp.dir, 'none.onnx')) || existsSync(join(tmp.dir, 'bad.onnx'))).toBe(false);
  });

  it('refuses to enable twice or to overwrite without --force, and re-enables with it', async () => {
    const first = join(tmp.dir, 'first.onnx');
    expect((await ood(fixtures.mlp(13), '-o', first)).exitCode).toBe(0);
    expect((await ood(fixtures.mlp(13), '-o', first)).exitCode).toBe(2);
    const twice = await ood(first, '-o', join(tmp.dir, 'second.onnx'));
    expect(twice.exitCode).toBe(3);
    expect(twice.stderr).toContain('already certainty-enabled');
    const forced = await ood(first, '-o', first, '--force', '--method', 'maxlogit');
    expect(forced.exitCode).toBe(0);
    expect(forced.stdout).toContain('replaced      an earlier enablement');
  });

  it('draws a progress bar on a terminal and clears it when done', async () => {
    // util-linux `script` runs the CLI on a pseudo-terminal, so stderr is a TTY (stdout and stderr share it).
    const out = join(tmp.dir, 'tty.onnx');
    const command = `node ${cli} enable ${fixtures.digits.model} -o ${out} --data ${fixtures.digits.calibration} --batch-size 16`;
    // CI unset: in a CI job the bars stay off even on a terminal (src/cli/progress-bar.ts).
    const r = await execa('script', ['-qec', command, '/dev/null'], { reject: false, env: { CI: '' } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/\rcalibrating \[#+\.*\] 16\/289/);
    expect(r.stdout).toContain('] 289/289\r\x1b[K');
    expect(existsSync(out)).toBe(true);
  });

  it('rejects malformed option values as usage errors', async () => {
    const r = await ood(
      fixtures.digits.model,
      '-o',
      join(tmp.dir, 'x.onnx'),
      '--data',
      fixtures.digits.calibration,
      '--mean',
      '0.5,abc',
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--mean must be a comma-separated list of numbers');
  });
});
