// `ood evaluate` end to end: the built CLI through execa, on the digits model and the repo's OOD sets.
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIGITS, writeEnabledDigits } from './enabled-fixture.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
const data = (name: string) => join(DIGITS, 'data', name);
const OOD_ARGS = ['--ood', data('ood_heldout.npy'), '--ood', data('ood_inverted.npy'), '--ood', data('ood_noise.npy')];
const ood = (...args: string[]) => execa('node', [CLI, ...args], { reject: false });

describe('ood evaluate', () => {
  let enabled: string;
  let dir: string;
  beforeAll(async () => {
    enabled = await writeEnabledDigits('energy');
    dir = mkdtempSync(join(tmpdir(), 'ood-eval-cli-'));
  });

  it('prints a table with one row per OOD set, a mean row and the verdict on the original outputs', async () => {
    const [text, json] = await Promise.all([
      ood('evaluate', enabled, '--id', data('calibration.npy'), ...OOD_ARGS),
      ood('evaluate', enabled, '--id', data('calibration.npy'), ...OOD_ARGS, '--json'),
    ]);
    expect(text.exitCode).toBe(0);
    const report = JSON.parse(json.stdout);
    const f3 = (v: number) => v.toFixed(3).replace('.', '\\.');
    expect(text.stdout).toMatch(/ood set\s+samples\s+AUROC\s+FPR@95TPR\s+AUPR-In\s+AUPR-Out/);
    for (const s of report.ood) {
      const m = s.metrics;
      expect(text.stdout).toMatch(
        new RegExp(
          `^${s.name}\\s+${s.samples}\\s+${f3(m.auroc)}\\s+${f3(m.fpr_at_95_tpr)}\\s+${f3(m.aupr_in)}\\s+${f3(m.aupr_out)}$`,
          'm',
        ),
      );
    }
    expect(text.stdout).toMatch(
      new RegExp(`^mean\\s+${f3(report.mean.auroc)}\\s+${f3(report.mean.fpr_at_95_tpr)}`, 'm'),
    );
    expect(text.stdout).toMatch(
      /original outputs unchanged: logits bit-identical to the same graph without the certainty branch on all 1232 samples/,
    );
  });

  it('prints a stable JSON report with --json, in snake_case like every command', async () => {
    const args = ['evaluate', enabled, '--id', data('calibration.npy'), ...OOD_ARGS, '--json'];
    const [a, b] = await Promise.all([ood(...args), ood(...args)]);
    expect(a.exitCode).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const report = JSON.parse(a.stdout);
    expect(report.report_version).toBe('1');
    expect(Object.keys(report.ood[0].metrics)).toEqual([
      'auroc',
      'fpr_at_95_tpr',
      'threshold_at_95_tpr',
      'aupr_in',
      'aupr_out',
    ]);
    expect(report.ood.map((s: { name: string }) => s.name)).toEqual(['ood_heldout', 'ood_inverted', 'ood_noise']);
    expect(report.outputs.status).toBe('identical');
    expect(report.model).toMatchObject({ method: 'energy', output: 'ood_scores' });
  });

  it('writes a self-contained HTML report with one SVG per OOD set and nothing to fetch', async () => {
    const html = join(dir, 'report.html');
    const r = await ood('evaluate', enabled, '--id', data('calibration.npy'), ...OOD_ARGS, '--html', html);
    expect(r.exitCode).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page.match(/<svg\b/g)).toHaveLength(3);
    expect(page).toMatch(/<polyline points="[^"]+" fill="none" stroke="#d62728"/);
    expect(page).not.toMatch(/\b(src|href|xlink:href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(page).not.toMatch(/<(script|link|img|iframe)\b|@import|url\(/i);
    for (const name of ['ood_heldout', 'ood_inverted', 'ood_noise']) expect(page).toContain(`<h2>${name} `);
  });

  it('refuses to overwrite an existing HTML report without --force', async () => {
    const html = join(dir, 'exists.html');
    await ood('evaluate', enabled, '--id', data('calibration.npy'), '--ood', data('ood_noise.npy'), '--html', html);
    const r = await ood(
      'evaluate',
      enabled,
      '--id',
      data('calibration.npy'),
      '--ood',
      data('ood_noise.npy'),
      '--html',
      html,
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/output already exists/);
  });

  it('exits 3 with a hint when the model is not certainty-enabled, and writes no report', async () => {
    const html = join(dir, 'never.html');
    const r = await ood(
      'evaluate',
      join(DIGITS, 'model.onnx'),
      '--id',
      data('calibration.npy'),
      '--ood',
      data('ood_noise.npy'),
      '--html',
      html,
    );
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^Error: .*not certainty-enabled/m);
    expect(r.stderr).toMatch(/^Hint: Run `ood enable/m);
    expect(existsSync(html)).toBe(false);
  });

  it('exits 4 when the original outputs differ from --original', async () => {
    const { writeDigitsWithShiftedBias } = await import('./enabled-fixture.js');
    const r = await ood(
      'evaluate',
      enabled,
      '--id',
      data('calibration.npy'),
      '--ood',
      data('ood_noise.npy'),
      '--original',
      await writeDigitsWithShiftedBias(),
    );
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toMatch(/original outputs CHANGED: output logits differs from the original model/);
  });
});
