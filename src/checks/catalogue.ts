// The introspection check catalogue, declared as data in one place: every key, category, description, and the
// message and hint a failure gives. The runner executes the checks in this order; docs/introspect.md lists it.
import type { CheckDefinition } from './types.js';

const REPREPARE = 'Re-create the artifact with `ood prepare` instead of editing it by hand.';

export const CATALOGUE: readonly CheckDefinition[] = Object.freeze([
  // Archive safety (zip artifacts; a directory artifact is judged by the same rules where they apply).
  {
    key: 'archive.paths',
    category: 'archive',
    description:
      'No entry path is absolute, climbs out with "..", uses backslashes or control characters, or differs between local and central header',
    failure: 'the archive has entries that would be written outside the artifact',
    hint: 'Do not extract or deploy this archive; it may be malicious. ' + REPREPARE,
  },
  {
    key: 'archive.links',
    category: 'archive',
    description: 'No symbolic links, devices, sockets or FIFOs',
    failure: 'the artifact holds symbolic links or special files',
    hint: 'Replace links by the files themselves. ' + REPREPARE,
  },
  {
    key: 'archive.duplicates',
    category: 'archive',
    description: 'No two entries share a name (also ignoring case)',
    failure: 'the archive holds duplicate names, so what is read depends on the tool',
    hint: REPREPARE,
  },
  {
    key: 'archive.encryption',
    category: 'archive',
    description: 'No encrypted entries; only stored or deflated entries',
    failure: 'the archive has entries that cannot be read',
    hint: 'Create the zip without encryption and with deflate. ' + REPREPARE,
  },
  {
    key: 'archive.limits',
    category: 'archive',
    description: 'Entry count and uncompressed size are within limits (zip bombs)',
    failure: 'the archive exceeds the safety limits',
    hint: 'An artifact holds a handful of files; check where this archive came from.',
  },
  // Mandatory files.
  {
    key: 'files.mandatory',
    category: 'files',
    description: 'model.onnx, runtime.yaml, score.mjs, input/output schemas and manifest.json are present',
    failure: 'mandatory files are missing',
    hint: REPREPARE,
  },
  // Integrity.
  {
    key: 'integrity.manifest',
    category: 'integrity',
    description: 'manifest.json parses and matches schemas/manifest.schema.json',
    failure: 'manifest.json is not a valid manifest',
    hint: REPREPARE,
  },
  {
    key: 'integrity.hashes',
    category: 'integrity',
    description: 'Every listed file exists with the sha256 and size in manifest.json',
    failure: 'files differ from the manifest: the artifact was changed or damaged after it was prepared',
    hint: 'Do not deploy it; fetch a fresh copy or re-run `ood prepare`.',
  },
  {
    key: 'integrity.unlisted',
    category: 'integrity',
    description: 'Every file in the artifact is listed in manifest.json',
    failure: 'the artifact holds files the manifest does not list',
    hint: 'Remove the extra files, or re-run `ood prepare` with --include for them.',
  },
  // runtime.yaml.
  {
    key: 'runtime.parse',
    category: 'runtime',
    description: 'runtime.yaml parses as one YAML mapping',
    failure: 'runtime.yaml does not parse',
    hint: REPREPARE,
  },
  {
    key: 'runtime.schema',
    category: 'runtime',
    description: 'runtime.yaml matches schemas/runtime.schema.json',
    failure: 'runtime.yaml does not match its schema',
    hint: REPREPARE,
  },
  {
    key: 'runtime.node',
    category: 'runtime',
    description: 'NODE_VERSION is a valid semver range that the installed Node satisfies',
    failure: "the installed Node does not satisfy the artifact's NODE_VERSION",
    hint: 'Run on a Node version inside the range, or re-prepare the artifact for this Node.',
  },
  {
    key: 'runtime.onnxruntime',
    category: 'runtime',
    description: 'ONNXRUNTIME_NODE_VERSION is compatible with the installed onnxruntime-node',
    failure: 'the artifact was prepared for an incompatible onnxruntime-node',
    hint: 'Install the same major version of onnxruntime-node, or re-prepare the artifact.',
  },
  {
    key: 'runtime.consistency',
    category: 'runtime',
    description: 'runtime.yaml agrees with the files: entrypoint, model file, sha256, size, opset, certainty',
    failure: 'runtime.yaml describes a different model or entrypoint',
    hint: REPREPARE,
  },
  // Schemas.
  {
    key: 'schemas.input',
    category: 'schemas',
    description: 'input_schema.json parses and matches schemas/io-schema.schema.json',
    failure: 'input_schema.json is not a valid I/O schema',
    hint: REPREPARE,
  },
  {
    key: 'schemas.output',
    category: 'schemas',
    description: 'output_schema.json parses and matches schemas/io-schema.schema.json',
    failure: 'output_schema.json is not a valid I/O schema',
    hint: REPREPARE,
  },
  {
    key: 'schemas.graph',
    category: 'schemas',
    description: 'The I/O schemas agree with the ONNX graph on names, datatypes and ranks',
    failure: "the I/O schemas do not describe the model's graph",
    hint: 'Requests validated against these schemas would fail at inference. ' + REPREPARE,
  },
  {
    key: 'schemas.sample',
    category: 'schemas',
    description: 'sample.json, when present, is a valid inference request for input_schema.json',
    failure: 'sample.json is not a request the server would accept, so `ood verify` cannot replay it',
    hint: 'Re-run `ood prepare --sample` with a request that matches the model inputs.',
  },
  {
    key: 'schemas.labels',
    category: 'schemas',
    description:
      "labels.txt, when present, names each class of the classifier output once; runtime.yaml's CLASSIFICATION matches the graph",
    failure: "the labels do not name the classifier output's classes",
    hint: 'Re-run `ood prepare --labels FILE` with one class name a line, in class order, one per class.',
  },
  // Model.
  {
    key: 'model.format',
    category: 'model',
    description: 'model.onnx is a complete ONNX model (not a Git LFS pointer, not truncated) with its external data',
    failure: 'model.onnx is not a usable ONNX model',
    hint: 'Run `git lfs pull` or re-export the model, then re-run `ood prepare`.',
  },
  {
    key: 'model.opset',
    category: 'model',
    description: "The model's opsets and IR version are supported by the installed onnxruntime-node",
    failure: 'the model needs an opset or IR version that onnxruntime-node does not support',
    hint: 'Export the model at a supported opset (torch.onnx.export opset_version=...).',
  },
  {
    key: 'model.load',
    category: 'model',
    description: 'onnxruntime-node creates an inference session from the model',
    failure: 'onnxruntime-node cannot load the model',
    hint: 'Check the model with onnx.checker; re-export it if needed.',
  },
  // score.mjs.
  {
    key: 'score.parse',
    category: 'score',
    description: 'score.mjs parses as an ES module (acorn; never executed)',
    failure: 'score.mjs has a syntax error',
    hint: 'Fix the syntax error (node --check score.mjs) or re-run `ood prepare` without --score.',
  },
  {
    key: 'score.exports',
    category: 'score',
    description: 'score.mjs exports load(artifactDir) and predict(model, request); hooks, if any, are functions',
    failure: 'score.mjs does not export the entrypoint contract',
    hint: 'Export `load(artifactDir, context)` and `predict(model, request)`; see templates/score.mjs.',
  },
  // Certainty.
  {
    key: 'certainty.record',
    category: 'certainty',
    description: 'When the model is certainty-enabled, its metadata record and calibration are complete',
    failure: 'the certainty record in the model metadata is incomplete',
    hint: 'Re-run `ood enable --force` on the original model, then `ood prepare`.',
  },
  {
    key: 'certainty.output',
    category: 'certainty',
    description: 'The certainty output (ood_scores) exists with the recorded type and shape',
    failure: 'the certainty output does not match its record',
    hint: 'Re-run `ood enable --force` on the original model, then `ood prepare`.',
  },
  {
    key: 'certainty.evaluation',
    category: 'certainty',
    description:
      'evaluation.json, when present, is a valid ood evaluate report of this very model, with its outputs unchanged',
    failure: 'the stored evaluation does not vouch for this model',
    hint: 'Re-run `ood evaluate MODEL --id DATA --ood DATA --json > evaluation.json` on the packaged model, then `ood prepare --evaluation evaluation.json`.',
  },
  // Provenance.
  {
    key: 'provenance.commit',
    category: 'provenance',
    description:
      'A git commit is recorded in MODEL_PROVENANCE (missing is a WARNING; FAILED with --require-provenance)',
    failure: 'no git commit is recorded, so nobody can tell which code produced the model',
    hint: 'Run `ood prepare` inside the training repository, or pass --repo.',
  },
  {
    key: 'provenance.clean',
    category: 'provenance',
    description:
      'The working tree was clean and the commit holds the model (a WARNING otherwise; dirty FAILS with --require-provenance)',
    failure: '--require-provenance wants a clean working tree',
    hint: 'Commit your changes (and the model, or the script that makes it) and re-run `ood prepare` so the commit reproduces the model.',
  },
] satisfies CheckDefinition[]);

const BY_KEY = new Map(CATALOGUE.map((c) => [c.key, c]));

/** The catalogue entry for a key; throws on a typo, which is a bug. */
export function checkDefinition(key: string): CheckDefinition {
  const def = BY_KEY.get(key);
  if (!def) throw new Error(`unknown check key ${key}`);
  return def;
}
