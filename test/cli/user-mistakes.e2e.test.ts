// Every user mistake the UX review found, driven through the built CLI: each exits 2 (usage) or 3 (bad input)
// with an `Error:` line naming what was wrong and a `Hint:`, never 70 ("a bug in ood") and never a stack trace.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtures, repoRoot } from '../helpers/fixtures.js';

const bin = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'ood-mistakes-'));
const artifact = join(repoRoot, 'test', 'fixtures', 'broken', 'good.zip');
const data = join(repoRoot, 'examples', 'digits', 'data');
const home = join(work, 'home');

interface Mistake {
  what: string;
  args: string[];
  exit: 2 | 3;
  message: RegExp;
  /** What the hint must say, where the mistake's fix is the point. */
  hint?: RegExp;
}

const MISTAKES: Mistake[] = [
  { what: 'enable on a directory', args: ['enable', work, '-o', join(work, 'x.onnx')], exit: 3, message: /directory/ },
  {
    what: 'serve --port 99999',
    args: ['serve', artifact, '--port', '99999'],
    exit: 2,
    message: /--port must be a whole number ≥ 0 and ≤ 65535, not "99999"/,
  },
  {
    what: 'serve --port abc',
    args: ['serve', artifact, '--port', 'abc'],
    exit: 2,
    message: /--port must be .*not "abc"/,
  },
  { what: 'serve --port -1', args: ['serve', artifact, '--port', '-1'], exit: 2, message: /--port must be .*not "-1"/ },
  {
    what: 'serve --max-batch -1',
    args: ['serve', artifact, '--max-batch', '-1'],
    exit: 2,
    message: /--max-batch must be a whole number ≥ 0, not "-1"/,
  },
  {
    what: 'serve --max-batch 2.5',
    args: ['serve', artifact, '--max-batch', '2.5'],
    exit: 2,
    message: /--max-batch must be a whole number/,
  },
  {
    what: 'serve --batch-delay -5',
    args: ['serve', artifact, '--batch-delay', '-5'],
    exit: 2,
    message: /--batch-delay must be a number ≥ 0, not "-5"/,
  },
  {
    what: 'serve --threads 0',
    args: ['serve', artifact, '--threads', '0'],
    exit: 2,
    message: /--threads must be a whole number ≥ 1, not "0"/,
  },
  {
    what: 'serve --threads -2',
    args: ['serve', artifact, '--threads', '-2'],
    exit: 2,
    message: /--threads must be a whole number ≥ 1, not "-2"/,
  },
  {
    what: 'serve --max-body abc',
    args: ['serve', artifact, '--max-body', 'abc'],
    exit: 2,
    message: /--max-body must be a whole number ≥ 1, not "abc"/,
  },
  {
    what: 'serve a model file',
    args: ['serve', fixtures.digits.model, '--port', '0'],
    exit: 3,
    message: /is an ONNX model, not an artifact/,
  },
  {
    what: 'introspect a model file',
    args: ['introspect', fixtures.digits.model],
    exit: 3,
    message: /is an ONNX model, not an artifact/,
  },
  { what: 'verify --port 70000', args: ['verify', artifact, '--port', '70000'], exit: 2, message: /--port must be/ },
  { what: 'verify --timeout -1', args: ['verify', artifact, '--timeout', '-1'], exit: 2, message: /--timeout must be/ },
  {
    what: 'enable --batch-size 0',
    args: ['enable', fixtures.digits.model, '-o', join(work, 'e.onnx'), '--batch-size', '0'],
    exit: 2,
    message: /--batch-size must be a whole number ≥ 1/,
  },
  {
    what: 'enable --knn-k 1.5',
    args: [
      'enable',
      fixtures.digits.model,
      '-o',
      join(work, 'e.onnx'),
      '--method',
      'knn',
      '--data',
      join(data, 'id_train.npy'),
      '--knn-k',
      '1.5',
    ],
    exit: 2,
    message: /--knn-k must be a whole number/,
  },
  {
    what: 'enable --mean with a word',
    args: ['enable', fixtures.digits.model, '-o', join(work, 'e.onnx'), '--mean', '0.5,x'],
    exit: 2,
    message: /--mean must be a comma-separated list of numbers/,
  },
  {
    what: 'evaluate --batch-size -3',
    args: [
      'evaluate',
      fixtures.digits.model,
      '--id',
      join(data, 'calibration.npy'),
      '--ood',
      join(data, 'ood_noise.npy'),
      '--batch-size',
      '-3',
    ],
    exit: 2,
    message: /--batch-size must be/,
  },
  {
    what: 'prepare --training-script that does not exist',
    args: ['prepare', fixtures.digits.model, '-o', join(work, 'p.zip'), '--training-script', join(work, 'nosuch.py')],
    exit: 3,
    message: /--training-script is not a file/,
  },
  {
    what: 'export triton --max-batch abc',
    args: ['export', 'triton', artifact, '-o', join(work, 'repo'), '--max-batch', 'abc'],
    exit: 2,
    message: /--max-batch must be a whole number ≥ 0, not "abc"/,
  },
  {
    what: 'export triton --model-version 0',
    args: ['export', 'triton', artifact, '-o', join(work, 'repo'), '--model-version', '0'],
    exit: 2,
    message: /--model-version must be a whole number ≥ 1, not "0"/,
  },
  {
    what: 'push --modelcar --instances 0',
    args: [
      'push',
      artifact,
      '127.0.0.1:1/team/digits:1',
      '--modelcar',
      '--base',
      '127.0.0.1:1/busybox:1',
      '--instances',
      '0',
    ],
    exit: 2,
    message: /--instances must be a whole number ≥ 1, not "0"/,
  },
  {
    what: 'deploy kserve --gpus 1.5',
    args: ['deploy', 'kserve', artifact, '--storage-uri', 'pvc://models/repo', '--gpus', '1.5'],
    exit: 2,
    message: /--gpus must be a whole number ≥ 0, not "1.5"/,
  },
  {
    what: 'ls --retries 1.5',
    args: ['ls', 'digits', '--retries', '1.5'],
    exit: 2,
    message: /--retries must be a whole number ≥ 0, not "1.5"/,
  },
  {
    what: 'serve an empty folder',
    args: ['serve', join(work, 'empty'), '--port', '0'],
    exit: 3,
    message: /empty is not an artifact: the directory is empty$/m,
    hint: /ood prepare MODEL\.onnx -o model\.zip/,
  },
  {
    what: 'serve a folder holding a model, not an artifact',
    args: ['serve', join(work, 'model-folder'), '--port', '0'],
    exit: 3,
    message:
      /model-folder is not an artifact: it has no runtime\.yaml or manifest\.json \(it holds model\.onnx, notes\.txt\)/,
    hint: /Package the model first: ood prepare .*model-folder\/model\.onnx -o model\.zip/,
  },
  {
    what: 'push a directory (ood prepare --dir), not a zip',
    args: ['push', join(work, 'artifact-dir'), 'digits:dir'],
    exit: 3,
    message: /artifact-dir is a directory: ood push stores an artifact zip$/m,
    hint: /ood prepare MODEL\.onnx -o artifact\.zip/,
  },
  {
    what: 'verify an empty folder',
    args: ['verify', join(work, 'empty')],
    exit: 3,
    message: /empty is not an artifact: the directory is empty/,
    hint: /ood prepare/,
  },
  {
    what: 'serve a path that is neither a file nor a reference',
    args: ['serve', join(work, 'nosuch.zip')],
    exit: 3,
    message: /artifact not found: .*nosuch\.zip \(no such file or directory, and no tag or digest/,
  },
  {
    what: 'prepare -o out.tar',
    args: ['prepare', fixtures.digits.model, '-o', join(work, 'out.tar')],
    exit: 2,
    message: /-o .*out\.tar: ood prepare writes a zip archive, so the file name must end in \.zip/,
  },
  {
    what: 'pull -o out.tgz',
    args: ['pull', 'digits:1.0', '-o', join(work, 'out.tgz')],
    exit: 2,
    message: /ood pull writes a zip archive/,
  },
  {
    what: 'a flag with a dot typo (--force.0)',
    args: ['push', artifact, 'digits:1.0', '--force.0'],
    exit: 2,
    message: /Unknown argument: force\.0/,
  },
  { what: 'a missing argument', args: ['prepare'], exit: 2, message: /Not enough non-option arguments/ },
  {
    what: 'an unknown flag',
    args: ['introspect', artifact, '--frobnicate'],
    exit: 2,
    message: /Unknown argument: frobnicate/,
  },
  {
    what: 'an invalid choice',
    args: ['enable', fixtures.digits.model, '-o', join(work, 'e.onnx'), '--method', 'magic'],
    exit: 2,
    message: /Invalid values/,
  },
  { what: 'an unknown command', args: ['frobnicate'], exit: 2, message: /^(Error: )?unknown command "frobnicate"$/m },
  { what: 'a misspelt command', args: ['prepar', 'model.onnx'], exit: 2, message: /unknown command "prepar"/ },
  {
    what: 'a non-ONNX file where a model is wanted',
    args: ['inspect', join(work, 'not-a-model.txt')],
    exit: 3,
    message: /not an ONNX model|is not ONNX|not a valid ONNX/i,
  },
];

const ood = (args: string[]) =>
  execa('node', [bin, ...args], { reject: false, env: { OOD_HOME: home }, timeout: 60_000 });

mkdirSync(home, { recursive: true });
writeFileSync(join(work, 'not-a-model.txt'), 'hello');
mkdirSync(join(work, 'empty'));
mkdirSync(join(work, 'artifact-dir'));
writeFileSync(join(work, 'artifact-dir', 'runtime.yaml'), 'MODEL_ARTIFACT_VERSION: "1.0"\n');
mkdirSync(join(work, 'model-folder'));
copyFileSync(fixtures.digits.model, join(work, 'model-folder', 'model.onnx'));
writeFileSync(join(work, 'model-folder', 'notes.txt'), 'trained on digits');

describe.concurrent('user mistakes', () => {
  it('a misspelt command gets the suggestion and the commands as its hint', async () => {
    const r = await ood(['prepar', 'model.onnx']);
    expect(r.stderr).toMatch(/^Hint: Did you mean prepare\? The commands: enable, prepare, .*\(ood --help\)\.$/m);
  });

  it.each(MISTAKES)(
    '$what: exit $exit with a message and a hint, no stack trace',
    async ({ args, exit, message, hint }) => {
      const r = await ood(args);
      expect(r.exitCode, r.stderr).toBe(exit);
      expect(r.stderr).toMatch(/^Error: /m);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^Hint: /m);
      if (hint) expect(r.stderr).toMatch(new RegExp(`^Hint: .*${hint.source}`, 'm'));
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stderr).not.toContain('bug in ood');
    },
  );

  it.each(MISTAKES)(
    '$what with --json: the same error as one JSON object on stderr',
    async ({ args, exit, message }) => {
      const r = await ood([...args, '--json']);
      expect(r.exitCode, r.stderr).toBe(exit);
      const body = JSON.parse(r.stderr.trim().split('\n').pop()!) as {
        error: { code: string; message: string; hint?: string; kind: string };
      };
      expect(body.error.message).toMatch(message);
      expect(body.error.kind).toBe(exit === 2 ? 'usage' : 'input');
      expect(body.error.hint).toBeTruthy();
    },
  );
});
