// How many HTTP acceptors and model instances to run and how many intra-op threads each instance gets, so that
// acceptors x instances x threads do not oversubscribe the cores. The rule (docs/serve.md, "Instances and threads"):
//   acceptors = --acceptors, else 1 (each acceptor is a process with instances of its own);
//   threads   = --threads, else 1 when several instances share the machine, else the cores an acceptor gets;
//   instances = --instances (per acceptor), else max(1, floor(cores / (acceptors x threads))).
// `--isolation inline` runs the one instance an acceptor has on the acceptor's own thread, so the cores are used by
// acceptors instead: acceptors = --acceptors, else the cores; instances = 1; threads = --threads, else 1.
// With neither flag a 2-core machine runs 2 instances of 1 thread: requests run side by side, which beats one
// request spread over two threads for throughput (bench/serve.mjs --engine measures both).
import { availableParallelism } from 'node:os';
import { OodError } from '../../errors.js';
import { ISOLATIONS, type Isolation } from './instance-host.js';

export interface InstancePlan {
  /** HTTP acceptors: processes that each accept on the one listening socket (acceptors/primary.ts). */
  acceptors: number;
  /** Instances per acceptor. */
  instances: number;
  threads: number;
  cores: number;
  /** Each instance in a child process (default: a native crash kills only it) or a worker thread. */
  isolation: Isolation;
}

function positiveInteger(flag: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 256)
    throw new OodError('BAD_OPTION', `--${flag} must be an integer from 1 to 256, got ${value}`);
  return value;
}

/** Resolve --instances and --threads against the machine's cores. */
export function planInstances(
  requested: { acceptors?: number; instances?: number; threads?: number; isolation?: Isolation },
  cores = availableParallelism(),
): InstancePlan {
  const isolation = requested.isolation ?? 'process';
  if (!ISOLATIONS.includes(isolation))
    throw new OodError('BAD_OPTION', `--isolation must be one of ${ISOLATIONS.join(', ')}, got ${String(isolation)}`);
  const instancesFlag = positiveInteger('instances', requested.instances);
  const threadsFlag = positiveInteger('threads', requested.threads);
  const acceptorsFlag = positiveInteger('acceptors', requested.acceptors);
  if (isolation === 'inline') {
    // Several sessions on one thread would only take turns; an acceptor's thread is its one instance.
    if (instancesFlag !== undefined && instancesFlag > 1)
      throw new OodError(
        'BAD_OPTION',
        `--isolation inline runs one instance per acceptor, got --instances ${instancesFlag}`,
        {
          hint: 'Use --acceptors N for N instances, each on its own HTTP thread.',
        },
      );
    return { acceptors: acceptorsFlag ?? cores, instances: 1, threads: threadsFlag ?? 1, cores, isolation };
  }
  const acceptors = acceptorsFlag ?? 1;
  const perAcceptor = Math.max(1, Math.floor(cores / acceptors));
  const threads = threadsFlag ?? (instancesFlag === undefined || instancesFlag > 1 ? 1 : perAcceptor);
  const instances = instancesFlag ?? Math.max(1, Math.floor(perAcceptor / threads));
  return { acceptors, instances, threads, cores, isolation };
}
