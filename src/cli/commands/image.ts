// `ood image ARTIFACT REF --base BASE_REF`: push an OCI image that runs `ood serve` on the artifact.
import type { CommandModule } from 'yargs';
import { resolveArtifactArgument } from '../artifact-argument.js';
import { plural } from '../wording.js';
import { runCommand, type GlobalOptions } from '../context.js';
import { storeOptionsFrom, withRegistryOptions, type RegistryArgs } from './registry-options.js';

interface ImageArgs extends GlobalOptions, RegistryArgs {
  artifact: string;
  ref: string;
  base: string;
  platform?: string;
  'node-version'?: string;
}

export const imageCommand: CommandModule<object, ImageArgs> = {
  command: 'image <artifact> <ref>',
  describe: 'Push a container image of the ood server for an artifact (DRUM environment, KServe custom runtime)',
  builder: (y) =>
    withRegistryOptions(
      y
        .positional('artifact', {
          type: 'string',
          demandOption: true,
          describe: 'Artifact .zip or directory, or a reference',
        })
        .positional('ref', { type: 'string', demandOption: true, describe: 'HOST[:PORT]/REPO:TAG to push to' })
        .option('base', { type: 'string', demandOption: true, describe: 'A Node.js image, HOST/REPO:TAG' })
        .option('platform', { type: 'string', describe: 'linux/amd64 (default) or linux/arm64' })
        .option('node-version', {
          type: 'string',
          describe: "The base's Node.js version, when its config lacks NODE_VERSION",
        })
        .option('json', { type: 'boolean', describe: 'Print the image digest, layers and transfers as JSON' })
        .example(
          '$0 image digits.zip registry.example.com/models/digits-server:1.0.0 --base registry.example.com/mirror/node:20-slim',
          'Then: podman run -p 8080:8080 registry.example.com/models/digits-server:1.0.0',
        ),
    ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { pushOodImage } = await import('../../deploy/ood-image/ood-image.js');
      const artifact = await resolveArtifactArgument(argv.artifact, argv);
      const { createImageUploadBars } = await import('../progress-bar.js');
      const bars = createImageUploadBars({ quiet: argv.quiet || argv.json });
      const result = await pushOodImage(artifact, argv.ref, {
        ...(await storeOptionsFrom(argv)),
        base: argv.base,
        platform: argv.platform,
        nodeVersion: argv['node-version'],
        progress: bars.progress,
      }).finally(() => bars.finish());
      if (argv.json) {
        const { printJson } = await import('../output.js');
        return printJson(result);
      }
      process.stdout.write(`${result.digest}\n`);
      if (argv.quiet) return;
      const sent = result.layers.filter((l) => l.transfer === 'uploaded' || l.transfer === 'copied').length;
      process.stderr.write(
        `pushed ${result.reference} (${result.platform}, Node.js ${result.nodeVersion}): ${plural(sent, 'layer')} sent, ` +
          `${result.layers.length - sent} already there; it serves on port 8080\n`,
      );
    }),
};
