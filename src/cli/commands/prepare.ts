// `ood prepare`: package an ONNX model as a deployable artifact (zip or directory), format 1.0.
import type { CommandModule } from 'yargs';
import type { PostBuildReport } from '../../checks/post-build-report.js';
import { runCommand, type GlobalOptions } from '../context.js';
import type { PrepareResult } from '../render-prepare.js';
import { withProvenancePolicy } from '../provenance-policy.js';

interface PrepareArgs extends GlobalOptions {
  model: string;
  output?: string;
  dir?: string;
  sample?: string;
  score?: string;
  include?: string[];
  repo?: string;
  'training-script'?: string;
  name?: string;
  'model-version'?: string;
  force?: boolean;
  'execution-provider'?: string;
  introspect?: boolean;
  evaluation?: string;
  labels?: string;
  'require-provenance'?: boolean;
}

export const prepareCommand: CommandModule<object, PrepareArgs> = {
  command: 'prepare <model>',
  describe: 'Package an ONNX model as an artifact: model, schemas, runtime.yaml, score.mjs, manifest',
  builder: (y) =>
    withProvenancePolicy(y)
      .positional('model', {
        type: 'string',
        demandOption: true,
        describe: 'The .onnx model (external data files beside it come along)',
      })
      .option('output', { alias: 'o', type: 'string', describe: 'Write a reproducible zip here' })
      .option('dir', { type: 'string', describe: 'Write an unpacked artifact directory here instead' })
      .option('sample', {
        type: 'string',
        describe:
          'KServe V2 inference request (JSON): checked against the graph, stored as sample.json, gives input statistics',
      })
      .option('score', { type: 'string', describe: 'Your own score.mjs instead of the template' })
      .option('include', {
        type: 'string',
        array: true,
        describe: 'Extra file or directory to add (repeatable); .model-ignore applies',
      })
      .option('repo', {
        type: 'string',
        describe: 'Git repository for provenance (default: the one holding the model)',
      })
      .option('training-script', {
        type: 'string',
        describe: 'Script that trained the model, recorded in runtime.yaml',
      })
      .option('name', { type: 'string', describe: 'Model name (default: the model file name without .onnx)' })
      .option('model-version', {
        type: 'string',
        describe: 'Model version (default: the ONNX model_version, else 0.1.0)',
      })
      .option('execution-provider', {
        type: 'string',
        choices: ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'],
        default: 'cpu',
        describe: 'Execution provider recorded in runtime.yaml',
      })
      .option('evaluation', {
        type: 'string',
        describe: 'An `ood evaluate --json` report of this model, stored as evaluation.json',
      })
      .option('labels', {
        type: 'string',
        describe:
          'Class names of the classifier output, one a line in class order (or a JSON array), stored as labels.txt',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Replace an existing output; store an --evaluation whose AUROC is at or below 0.5',
      })
      .option('introspect', {
        type: 'boolean',
        default: true,
        describe: 'Run ood introspect on the result (--no-introspect to skip)',
      })
      .option('json', { type: 'boolean', describe: 'Print the build result as JSON' })
      .example(
        '$0 prepare examples/digits/model.onnx -o digits.zip --sample examples/digits/sample.json',
        'A zip with schemas, sample statistics and provenance',
      )
      .example(
        'SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) $0 prepare model.onnx -o model.zip',
        'Byte-identical zips from identical inputs',
      )
      .example(
        '$0 prepare model.onnx -o model.zip --labels classes.txt',
        'Name the classes: DRUM answers key probabilities by label, V2 classification and Triton use them',
      )
      .example(
        '$0 prepare model.onnx --dir artifact/ --include notes.md --force',
        'An unpacked artifact directory with an extra file',
      ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { requireZipTarget } = await import('../zip-target.js');
      requireZipTarget('prepare', argv.output, (stem) => `write an unpacked artifact directory with --dir ${stem}/`);
      const { buildArtifact } = await import('../../artifact/build-artifact.js');
      const { EXIT_CODES } = await import('../../errors.js');
      const { printJson } = await import('../output.js');
      const { renderBuildResult } = await import('../render-prepare.js');
      const { requireProvenance } = await import('../provenance-policy.js');
      const policy = { requireProvenance: requireProvenance(argv['require-provenance']) };
      const built = await buildArtifact({
        model: argv.model,
        output: argv.output,
        dir: argv.dir,
        sample: argv.sample,
        score: argv.score,
        include: argv.include,
        repo: argv.repo,
        trainingScript: argv['training-script'],
        name: argv.name,
        version: argv['model-version'],
        force: argv.force,
        executionProvider: argv['execution-provider'],
        evaluation: argv.evaluation,
        labels: argv.labels,
      });
      // Build, then introspect what was built (as ADS's prepare() does): the command composes the two steps.
      const { runPostBuildChecks } = await import('../../checks/post-build-report.js');
      const introspection: PostBuildReport =
        argv.introspect === false
          ? { status: 'not-run', reason: 'disabled with --no-introspect' }
          : await runPostBuildChecks(built.path, policy);
      const result: PrepareResult = { ...built, introspection };
      if (argv.json) printJson(result);
      else process.stdout.write(renderBuildResult(result));
      const failed = result.introspection.status === 'ran' && !result.introspection.ok;
      return failed ? EXIT_CODES.check : EXIT_CODES.ok;
    }),
};
