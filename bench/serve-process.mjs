// `ood serve` in its own process for the serving benchmarks, as in production, so the load generator does not
// share its event loop: start the built CLI with --json and wait for its `listening` and `ready` events.
// Also the RSS of a server with its instance processes (the default --isolation process puts each instance in a
// child process, whose memory /proc/<server>/status does not count).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Start `ood serve ARTIFACT --port 0 --json ...extra`; resolves with the child and its base URL once ready. */
export async function startServe(artifact, extra = [], { stderr = 'ignore' } = {}) {
  const child = execa(
    process.execPath,
    [join(root, 'dist/src/cli/main.js'), 'serve', artifact, '--port', '0', '--json', ...extra],
    { reject: false, stderr },
  );
  const base = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const events = text.split('\n').flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
      if (events.some((e) => e.event === 'load_failed')) reject(new Error(text));
      const listening = events.find((e) => e.event === 'listening');
      if (listening && events.some((e) => e.event === 'ready')) resolve(listening.url);
    });
    void child.then((r) => reject(new Error(`ood serve exited (${r.exitCode ?? r.signal}) before it was ready`)));
  });
  return { child, base };
}

const rssOf = async (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => 'VmRSS: 0'))[1]) / 1024;

/** Resident memory in MB of a process and each of its descendants: [{ pid, mb }], the process first. */
export async function rssByProcess(pid) {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const below = children.split(/\s+/).filter(Boolean).map(Number);
  const rows = [{ pid, mb: await rssOf(pid) }];
  for (const child of below) rows.push(...(await rssByProcess(child)));
  return rows;
}

/** Resident memory in MB of a process and all its descendants (Linux /proc). */
export async function treeRss(pid) {
  return (await rssByProcess(pid)).reduce((sum, r) => sum + r.mb, 0);
}
